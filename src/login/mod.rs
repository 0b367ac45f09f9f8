//! The JWT bearer grant: the assertion, the endpoint and audience rules, HTTP with retries, and
//! the grant loop that classifies each answer.

pub mod assertion;
pub mod clock;
pub mod endpoint;
pub mod exchange;
pub mod grant;
pub mod revoke;
pub mod session;
pub mod target;
