//! sfjwt: OAuth 2.0 JWT bearer logins to Salesforce for CI/CD, with diagnosis of refusals.
//!
//! The binary is a thin shell over this library: `cli` parses, `commands` validates and prints,
//! and the other modules hold one concern each.

pub mod appmeta;
pub mod cli;
pub mod commands;
pub mod credentials;
pub mod diagnose;
pub mod error;
pub mod fleet;
pub mod fsutil;
pub mod login;
pub mod org;
pub mod output;
pub mod secrets;

pub use error::{Error, Exit};
