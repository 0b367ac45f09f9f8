//! The emulator run as users run it (a real process serving HTTPS) and called by real clients:
//! curl here, the Salesforce CLI in `sf_cli.rs`. Assertions are signed with aws-lc-rs directly,
//! not with sfjwt.

mod support;

mod composite;
mod grant;
mod messages;
mod rest;
mod sf_cli;
mod startup;
