//! What a scenario author sees when the emulator refuses a scenario, as whole-output snapshots
//! (the shared `cmd_snapshot!`, filters included).

use std::process::Command;

use sfjwt_testsupport::{Captured, cmd_snapshot};

fn emulator_on(yaml: &str) -> Captured {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, yaml).unwrap();
    Captured::run(Command::new(env!("CARGO_BIN_EXE_sfjwt-emulator")).arg("--scenario").arg(&path))
}

#[test]
fn refused_scenarios() {
    let unknown_key = emulator_on(
        "org:\n  name: X\napps:\n  - name: CI\n    consumer-key: k\n    certificate: c.crt\n    colour: blue\n",
    );
    cmd_snapshot!("unknown_key", unknown_key);
    let missing_cert =
        emulator_on("org:\n  name: X\napps:\n  - name: CI\n    consumer-key: k\n    certificate: missing.crt\n");
    cmd_snapshot!("missing_certificate", missing_cert);
}
