//! sfjwt: OAuth 2.0 JWT bearer logins to Salesforce for CI/CD, with diagnosis of refusals.
//!
//! The binary is a thin shell over this library: `cli` parses, `commands` validates and prints,
//! and the other modules hold one concern each.

pub mod assertion;
pub mod cert;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod doctor;
pub mod duration;
pub mod endpoint;
pub mod error;
pub mod fsutil;
pub mod grant;
pub mod keys;
pub mod metadata;
pub mod net;
pub mod orgapi;
pub mod orgfacts;
pub mod report;
pub mod report_text;
pub mod settings;
pub mod setup;

pub use error::{Error, Exit};
