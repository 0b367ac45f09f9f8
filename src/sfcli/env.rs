//! The environment the Salesforce CLI is started with: an allow-list, never sfjwt's own.
//! sfjwt's environment holds the private key (SFJWT_KEY), its passphrase, the admin token and
//! whatever else the job's secrets are; `sf` needs none of them. It gets what a Node program
//! needs to find itself, its home, its network and its own configuration, and nothing else.

use std::ffi::OsStr;
use std::process::Command;

/// Exact names passed through (compared case-insensitively, as Windows spells them freely).
const NAMES: &[&str] = &[
    // Finding programs and the user's files (Unix and Windows).
    "PATH",
    "PATHEXT",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TMPDIR",
    "TMP",
    "TEMP",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "SYSTEMROOT",
    "COMSPEC",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    // Locale and terminal.
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "NO_COLOR",
    "FORCE_COLOR",
    // The network: proxies and the CAs behind a TLS-inspecting one.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    // Node itself, and sf's CI detection.
    "NODE_OPTIONS",
    "CI",
];

/// Prefixes passed through: the locale, and sf's own configuration (SF_USE_GENERIC_UNIX_KEYCHAIN,
/// SF_DISABLE_TELEMETRY, SFDX_…).
const PREFIXES: &[&str] = &["LC_", "SF_", "SFDX_"];

/// Configuration-shaped names that carry a session all the same: sfjwt sets the one `sf org
/// login access-token` reads itself, for that command only.
const NEVER: &[&str] = &["SF_ACCESS_TOKEN", "SFDX_ACCESS_TOKEN"];

/// Whether a variable of this name may reach `sf`.
pub fn allowed(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else { return false };
    let upper = name.to_ascii_uppercase();
    if NEVER.contains(&upper.as_str()) {
        return false;
    }
    NAMES.contains(&upper.as_str()) || PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Clears the command's environment and copies back only the allowed variables of sfjwt's own.
pub fn restrict(cmd: &mut Command) {
    cmd.env_clear();
    cmd.envs(std::env::vars_os().filter(|(k, _)| allowed(k)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_and_what_sf_needs_passes() {
        for name in
            ["SFJWT_KEY", "SFJWT_KEY_PASSPHRASE", "SFJWT_ADMIN_TOKEN", "SF_ACCESS_TOKEN", "AWS_SECRET_ACCESS_KEY"]
        {
            assert!(!allowed(OsStr::new(name)), "{name}");
        }
        for name in ["PATH", "HOME", "https_proxy", "NODE_EXTRA_CA_CERTS", "LC_ALL", "SF_USE_GENERIC_UNIX_KEYCHAIN"] {
            assert!(allowed(OsStr::new(name)), "{name}");
        }
    }
}
