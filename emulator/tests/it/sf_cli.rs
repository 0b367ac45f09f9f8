//! The official Salesforce CLI against the emulator. Needs `sf` (SFJWT_SF_BIN, or on PATH) with
//! Node >= 22; `scripts/test.sh` installs both and runs these ignored tests.

use std::path::PathBuf;
use std::process::Command;

use crate::support::*;

fn sf_bin() -> PathBuf {
    std::env::var_os("SFJWT_SF_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("sf"))
}

fn sf_login(emu: &Emu, username: &str) -> (bool, String) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(sf_bin())
        .args(["org", "login", "jwt", "--instance-url", &emu.url, "--client-id", CLIENT_ID, "--username", username])
        .arg("--jwt-key-file")
        .arg(root().join("fixtures/keys/ci.key"))
        .env("HOME", home.path())
        .env("NODE_EXTRA_CA_CERTS", &emu.ca)
        .env("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
        .env("SF_SKIP_NEW_VERSION_CHECK", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .env("SF_AUTOUPDATE_DISABLE", "true")
        .env_remove("SF_ACCESS_TOKEN")
        .output()
        .expect("the Salesforce CLI (set SFJWT_SF_BIN or run scripts/test.sh)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn sf_cli_logs_in_to_a_healthy_scenario() {
    for scenario in ["healthy", "healthy-eca"] {
        let emu = emu(scenario);
        let (ok, text) = sf_login(&emu, CI_USER);
        assert!(ok, "{scenario}: {text}");
        assert!(text.contains("Successfully authorized ci@acme.com with org ID 00D000000000001AAA"), "{text}");
    }
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn sf_cli_shows_the_catalogue_text_on_refusal() {
    for (scenario, text) in [
        ("not-preauthorized", "user hasn't approved this consumer"),
        ("eca-not-installed", "External client app is not installed in this org"),
        ("inactive-user", "inactive user"),
        ("certificate-mismatch", "invalid assertion"),
    ] {
        let emu = emu(scenario);
        let (ok, out) = sf_login(&emu, CI_USER);
        assert!(!ok, "{scenario}: sf succeeded");
        assert!(out.contains("JwtGrantError") && out.contains(text), "{scenario}: {out}");
    }
}
