//! `login`, `doctor` and the fleet (`doctor --all`) make one attempt the same way (issue 22): the
//! same refusal is read the same (cause, confidence, candidates, the audiences tried), a session
//! is a sandbox's by the same rule, and silence has the same cause.

use std::path::Path;

use crate::common::*;

/// The three readings of one org: `login`'s report, `doctor`'s, and the fleet's report of it.
struct Readings {
    login: serde_json::Value,
    doctor: serde_json::Value,
    fleet: serde_json::Value,
}

/// Runs the three commands against `emu` as `user`; `ca` is the CA file given (none: TLS fails).
fn readings(emu: &Emu, user: &str, ca: Option<&Path>) -> Readings {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let common = |cmd: &mut std::process::Command| {
        cmd.args(["-i", CLIENT_ID, "-o", user, "-r", &emu.url, "--max-retries", "0", "--key"]).arg(fixture_key());
        if let Some(ca) = ca {
            cmd.arg("--ca-file").arg(ca);
        }
    };
    let mut login = ctx.sfjwt();
    login.args(["login", "--report", "login.json"]);
    common(&mut login);
    ctx.run(&mut login);
    let mut doctor = ctx.sfjwt();
    doctor.args(["doctor", "--report", "doctor.json"]);
    common(&mut doctor);
    ctx.run(&mut doctor);
    let ca_line = ca.map(|c| format!("    ca_file: {}\n", c.display())).unwrap_or_default();
    let config = format!(
        "targets:\n  org:\n    client_id: {CLIENT_ID}\n    username: {user}\n    login_url: {}\n{ca_line}    key: {}\n",
        emu.url,
        fixture_key().display()
    );
    std::fs::write(ctx.path("sfjwt.yaml"), config).unwrap();
    let fleet = ctx.run(ctx.sfjwt().args(["doctor", "--all", "--max-retries", "0", "--report", "fleet.json"]));
    let parse = |name: &str| -> serde_json::Value {
        serde_json::from_str(&ctx.read_clean(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", fleet.stderr))
    };
    let fleet_report = parse("fleet.json")["targets"][0]["report"].clone();
    assert!(fleet_report.is_object(), "the fleet ran the target\n{}", fleet.stderr);
    Readings { login: parse("login.json"), doctor: parse("doctor.json"), fleet: fleet_report }
}

fn cause(report: &serde_json::Value) -> (String, String) {
    let d = &report["diagnosis"];
    (d["cause"].as_str().unwrap_or_default().into(), d["confidence"].as_str().unwrap_or_default().into())
}

fn candidates(report: &serde_json::Value) -> Vec<String> {
    let list = report["diagnosis"]["candidates"].as_array().cloned().unwrap_or_default();
    list.iter().map(|c| format!("{} ({})", c["cause"].as_str().unwrap_or_default(), c["confidence"])).collect()
}

fn audiences(report: &serde_json::Value) -> Vec<String> {
    let list = report["attempts"].as_array().cloned().unwrap_or_default();
    list.iter().map(|a| a["audience"].as_str().unwrap_or_default().to_string()).collect()
}

/// The attempt's own check (the grant's), as each report holds it.
fn grant_check(report: &serde_json::Value) -> (String, String) {
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    let c = checks.iter().find(|c| c["id"] == "grant").unwrap_or_else(|| panic!("no grant check in {report:#}"));
    (c["status"].as_str().unwrap_or_default().into(), c["detail"].as_str().unwrap_or_default().into())
}

fn assert_agree(r: &Readings, what: impl Fn(&serde_json::Value) -> String, name: &str) {
    let (login, doctor, fleet) = (what(&r.login), what(&r.doctor), what(&r.fleet));
    assert_eq!(login, doctor, "{name}: login and doctor disagree");
    assert_eq!(doctor, fleet, "{name}: doctor and the fleet disagree");
}

#[test]
fn one_refusal_reads_the_same_in_login_doctor_and_the_fleet() {
    let emu = Emu::start("not-preauthorized");
    // A sandbox-looking username on a production host: the username hint joins the candidates.
    let r = readings(&emu, "ci@acme.com.uat", Some(&emu.ca));
    assert_eq!(cause(&r.login), ("user_not_approved".to_string(), "likely".to_string()));
    assert_agree(&r, |x| format!("{:?}", cause(x)), "cause");
    assert_agree(&r, |x| audiences(x).join(" "), "audiences tried");
    assert_agree(&r, |x| format!("{:?}", grant_check(x)), "grant check");
    // doctor may add what its local checks know; it never drops what the attempt read.
    for c in candidates(&r.login) {
        assert!(candidates(&r.doctor).contains(&c), "doctor lost the candidate {c}: {:?}", candidates(&r.doctor));
        assert!(candidates(&r.fleet).contains(&c), "the fleet lost the candidate {c}: {:?}", candidates(&r.fleet));
    }
    assert!(candidates(&r.login).iter().any(|c| c.starts_with("wrong_environment")), "{:?}", candidates(&r.login));
    assert_eq!(grant_check(&r.login).0, "fail");
}

#[test]
fn one_sandbox_rule_in_login_doctor_and_the_fleet() {
    let emu = Emu::start("healthy-sandbox");
    let r = readings(&emu, "ci@acme.com.uat", Some(&emu.ca));
    assert_agree(&r, |x| x["identity"]["is_sandbox"].to_string(), "is_sandbox");
    assert_eq!(r.login["identity"]["is_sandbox"], true, "{:#}", r.login);
    // The username is held against the session's org, not only the login host (127.0.0.1).
    for report in [&r.doctor, &r.fleet] {
        let checks = report["checks"].as_array().unwrap();
        let env = checks.iter().find(|c| c["id"] == "environment").expect("environment check");
        assert_eq!(env["status"], "pass", "{env:#}");
    }
    assert_agree(&r, |x| grant_check(x).0, "grant check");
}

#[test]
fn one_cause_for_silence_in_login_doctor_and_the_fleet() {
    let emu = Emu::start("healthy");
    // No CA for the emulator's certificate: the TLS handshake fails, no answer comes.
    let r = readings(&emu, USERNAME, None);
    assert_eq!(cause(&r.login).0, "tls_error", "{:#}", r.login["diagnosis"]);
    assert_agree(&r, |x| cause(x).0, "cause");
    assert_agree(&r, |x| grant_check(x).0, "grant check");
}
