//! sfjwt: OAuth 2.0 JWT bearer logins to Salesforce for CI/CD, with diagnosis of refusals.
//!
//! The binary (`main.rs`) only parses with clap, calls [`commands::run`] and prints the error
//! chain; everything else lives here, one folder per concern:
//!
//! - `error.rs`: the error type and exit codes; `secrets.rs`: every secret seen in this process,
//!   scrubbed from anything printed or written, and GitHub's masks; `untrusted.rs`: server text
//!   made inert (no NUL, escape sequence or bidi override) where it enters; `fsutil.rs`: files written
//!   with safe modes; `net.rs`: the HTTP client and sending with bounded retries; `sfcli.rs`: the
//!   Salesforce CLI, found and handed a session.
//! - `credentials/`: the private key in every form CI hands it over (`keys/`), the certificate,
//!   the pipeline's OIDC token.
//! - `appmeta/`: the app's metadata in a Salesforce DX source folder, read and written.
//! - `login/`: the JWT bearer grant and the token exchange: what is logged in to and how
//!   (`target`: `Target`, `Credential::{Key, Oidc}`, `Tries`), assertion, endpoint and audience
//!   rules, the grant loop, the session check after it, revoking.
//! - `entra/`: Microsoft Entra's client credentials grant beside Salesforce's: the authority and
//!   its hosts, the certificate assertion, the token answer, Microsoft Graph's `$batch`, and the
//!   one table of AADSTS codes and their causes that login, explain and doctor read.
//! - `org/`: the org read through an admin session (REST/SOQL client and the facts gathered).
//! - `record.rs`: the record of a run (report, checks, identity, the diagnosis value), data only.
//! - `diagnose/`: why a login failed: the cause wordings and their evidence, the verdict, the one
//!   login attempt every command makes (`attempt`), the parser for other tools' error text, and
//!   the doctor engines (`doctor/` for Salesforce, `entra_doctor/` for Entra: plan, local and
//!   remote checks, printing nothing).
//! - `fleet/`: `doctor --all`: every configured target at once, and the fleet report's data.
//! - `output/`: rendering the record (JSON, YAML, Markdown, JUnit), the fleet's pages, the
//!   `--json` envelope, the `Printer` made in `main` and the `Outcome` each command returns for
//!   `main` to print (no global state), and the CI hand-off (GitHub outputs, dotenv).
//! - `cli/`: clap's definitions (flag groups shared by `#[command(flatten)]`), the config file
//!   (sfjwt.yaml), durations, and the merge of flags, target, environment and sfdx-project.json
//!   into validated settings (login's adds its `Handoff`); no clap type leaves it.
//! - `commands/`: one file per subcommand: settings from `cli`, then the core, then printing
//!   through the `Printer`; each returns an `Outcome`.
//!
//! Imports point down this list only (error ... sfcli, then credentials, appmeta, login, entra,
//! org, record, diagnose, fleet, output, cli, commands): `tests/it/layers.rs` holds the order and
//! fails on an import that runs up it. Modules nothing outside the crate needs are crate-private,
//! so rustc reports their dead code.

pub(crate) mod appmeta;
pub mod cli;
pub mod commands;
pub mod credentials;
pub mod diagnose;
pub mod entra;
pub mod error;
pub(crate) mod fleet;
pub(crate) mod fsutil;
pub mod login;
pub(crate) mod net;
pub mod org;
pub mod output;
pub mod record;
pub mod secrets;
pub(crate) mod sfcli;
pub(crate) mod untrusted;

pub use error::{Error, Exit};
