//! sfjwt: OAuth 2.0 JWT bearer logins to Salesforce for CI/CD, with diagnosis of refusals.
//!
//! The binary (`main.rs`) only parses with clap, calls [`commands::run`] and prints the error
//! chain; everything else lives here, one folder per concern:
//!
//! - `cli/`: clap's definitions, the config file (sfjwt.yaml), durations, and the merge of flags,
//!   target, environment and sfdx-project.json into validated settings; no clap type leaves it.
//! - `credentials/`: the private key in every form CI hands it over (`keys/`), and the certificate.
//! - `login/`: the JWT bearer grant: assertion, endpoint and audience rules, HTTP with retries
//!   (`net`), the grant loop, the session check after it, revoking.
//! - `diagnose/`: why a grant failed: the cause vocabulary, the refusal wordings with their
//!   evidence, the verdict, what `login` itself knows, the parser for other tools' error text, and
//!   the doctor engine (`doctor/`: local and remote checks, printing nothing).
//! - `fleet/`: `doctor --all`: every configured target at once, and the fleet report (JSON,
//!   Markdown matrix, HTML, JUnit).
//! - `org/`: the org read through an admin session (REST/SOQL client and the facts gathered).
//! - `appmeta/`: the app's metadata in a Salesforce DX source folder, read and written.
//! - `output/`: the report (JSON, YAML, Markdown, JUnit), the `--json` envelope, and the CI
//!   hand-off (GitHub outputs and masks, dotenv, the Salesforce CLI).
//! - `commands/`: one file per subcommand: settings from `cli`, then the core, then printing.
//! - `secrets.rs`: every secret seen in this process, scrubbed from anything printed or written;
//!   `error.rs`: the error type and exit codes; `fsutil.rs`: files written with safe modes;
//!   `untrusted.rs`: server text made inert (no NUL, escape sequence or bidi override) on arrival.

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
pub mod untrusted;

pub use error::{Error, Exit};
