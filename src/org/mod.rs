//! Reading the org through an admin session: the REST/SOQL client and the facts it gathers.

pub mod api;
pub mod facts;
