//! Starting, stopping, and the inputs the emulator accepts or refuses.

use std::process::{Command, Stdio};

use crate::support::*;

#[test]
fn unknown_keys_are_refused_with_a_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "org:\n  name: X\napps:\n  - name: CI\n    consumer-key: k\n    certificate: c.crt\n    colour: blue\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sfjwt-emulator")).arg("--scenario").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 7") && err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn a_scenario_written_outside_the_repo_with_an_openssl_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    // A certificate made by openssl for the fixture key, as a user following the Salesforce docs would.
    let key = root().join("fixtures/keys/ci.key");
    run(&[
        "req",
        "-new",
        "-x509",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=mine",
        "-days",
        "30",
        "-out",
        "mine.crt",
    ]);
    std::fs::write(
        dir.path().join("mine.yaml"),
        "org:\n  my-domain: acme.my.salesforce.com\n  sandbox: false\napps:\n  - name: CI\n    kind: connected-app\n    consumer-key: 3MVG9Example.key_1\n    certificate: mine.crt\n    installed: true\n    permitted-users: admin-approved-preauthorized\n    profiles: [CI Integration]\n    permission-sets: [CI_Access]\nusers:\n  - username: ci@acme.com\n    profile: CI Integration\n    permission-sets: [CI_Access]\n    active: true\n",
    )
    .unwrap();
    let emu = start(&dir.path().join("mine.yaml"), &[]);
    let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn apps_deployed_from_a_source_folder() {
    let users = scenario("deployed-users");
    for (folder, key) in [("connected-app", "3MVG9Deployed.connected_app"), ("eca", "3MVG9Deployed.eca_key")] {
        let src = root().join("fixtures/source").join(folder);
        let emu = start(&users, &["--source-dir", src.to_str().unwrap()]);
        let c = |user: &str| serde_json::json!({"iss": key, "sub": user, "aud": LOGIN, "exp": now() + 60});
        let ok = grant_claims(&emu, &c("deployer@acme.com"));
        assert_eq!(ok.status, 200, "{folder}: {}", ok.body);
        let refused = grant_claims(&emu, &c("outsider@acme.com"));
        assert_eq!(refused.json()["error_description"], "user hasn't approved this consumer", "{folder}");
    }
}

#[test]
fn plain_http_and_clean_stop_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfjwt-emulator"))
        .args(["--scenario", scenario("healthy").to_str().unwrap(), "--http"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let url = ready["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    assert!(ready["ca"].is_null());
    let out = Command::new("curl").args(["-s", &format!("{url}/services/data")]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("66.0"));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit on SIGTERM: {status:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("GET /services/data -> 200"), "one log line per request: {err}");
    assert!(err.contains("stopped"));
}

#[test]
fn demo_tells_the_whole_story() {
    let tmp = tempfile::tempdir().unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_sfjwt-emulator")).arg("demo").env("TMPDIR", tmp.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Demo complete: login exit 0, refusal exit 3, doctor confirmed user_not_preauthorized."),
        "{stdout}"
    );
    assert!(
        stderr.contains("Logged in as ci@acme.com") && stderr.contains("user hasn't approved this consumer"),
        "{stderr}"
    );
    // The demo's folder held a private key: nothing of it is left behind.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "the demo left {left:?} in its temp dir");
}
