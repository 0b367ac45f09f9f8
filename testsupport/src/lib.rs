//! What the sfjwt and sfjwt-emulator test suites share: the fixture paths and constants, the
//! emulator run as a real process, and [`cmd_snapshot!`], which records a whole command's stdout,
//! stderr and exit code as one insta snapshot with filters for what varies run to run.
//!
//! Binaries are passed in, not found here: `env!("CARGO_BIN_EXE_…")` exists only in the tests of
//! the crate that owns the binary, so each suite hands its own paths over.

mod emulator;
mod snapshot;

use std::path::{Path, PathBuf};

pub use emulator::{Emu, build_emulator};
pub use snapshot::{Captured, Outcome, Render, Transcript, command_line, filters, settings};

/// Re-exported so `cmd_snapshot!` expands to the same insta in every crate that uses it.
pub use insta;

/// The consumer key of the `CI` app in most scenarios.
pub const CLIENT_ID: &str = "3MVG9Example.key_1";
/// The CI user of the production scenarios.
pub const CI_USER: &str = "ci@acme.com";
/// The CI user of the sandbox scenarios.
pub const SANDBOX_USER: &str = "ci@acme.com.uat";
/// The admin session every scenario's admin@acme.com holds (`session-token`).
pub const ADMIN_TOKEN: &str = "00D000000000001!ADMINSESSIONTOKENFORTESTS";
/// Every access token the emulator issues starts with its org id and `!`.
pub const TOKEN_PREFIX: &str = "00D000000000001!";
pub const LOGIN: &str = "https://login.salesforce.com";
pub const TEST: &str = "https://test.salesforce.com";

/// The workspace root (this crate sits one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("testsupport sits inside the workspace").to_path_buf()
}

pub fn scenarios_dir() -> PathBuf {
    repo_root().join("fixtures/orgs")
}

/// `fixtures/orgs/<name>.yaml`.
pub fn scenario(name: &str) -> PathBuf {
    scenarios_dir().join(format!("{name}.yaml"))
}

/// The name of every scenario file in fixtures/orgs, sorted: suites that must cover them all
/// compare their cases with this list, so a new scenario without a case fails a test.
pub fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(scenarios_dir())
        .expect("read fixtures/orgs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The RSA key whose certificate (fixtures/orgs/ci.crt) the scenarios' apps hold.
pub fn fixture_key() -> PathBuf {
    repo_root().join("fixtures/keys/ci.key")
}
