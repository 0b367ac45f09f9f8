//! `sfjwt doctor --all`: several emulated orgs at once (healthy, refused, an expiring
//! certificate, one that never answers), the fleet report checked by independent tools
//! (Python's jsonschema, junitparser, a headless Chromium), and the org evidence in at most three
//! requests counted from the emulator's own log.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// An emulator whose request log (one line per request, written by the emulator) goes to a file.
pub struct LoggedEmu {
    pub url: String,
    pub ca: PathBuf,
    pub log: PathBuf,
    _emu: Emu,
    _dir: tempfile::TempDir,
}

impl LoggedEmu {
    pub fn start(scenario: &Path) -> LoggedEmu {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("emulator.log");
        let emu = Emu::spawn_logged(&emulator_bin(), scenario, &[], &log);
        LoggedEmu { url: emu.url.clone(), ca: emu.ca.clone(), log, _emu: emu, _dir: dir }
    }

    pub fn named(scenario: &str) -> LoggedEmu {
        Self::start(&repo().join("fixtures/orgs").join(format!("{scenario}.yaml")))
    }

    /// The logged requests, as "METHOD /path".
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("GET /") || l.starts_with("POST /"))
            .map(|l| l.split(" -> ").next().unwrap_or_default().to_string())
            .collect()
    }

    /// Requests to the REST API (everything but the token endpoint).
    pub fn org_requests(&self) -> Vec<String> {
        self.requests().into_iter().filter(|r| r.contains("/services/data/")).collect()
    }
}

/// A certificate for the fixture key that expires in `days` (openssl, not sfjwt).
pub(crate) fn short_certificate(ctx: &Ctx, days: u32) -> PathBuf {
    let path = ctx.path(&format!("short-{days}.crt"));
    ctx.openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        fixture_key().to_str().unwrap(),
        "-subj",
        "/CN=sfjwt-short",
        "-days",
        &days.to_string(),
        "-out",
        path.to_str().unwrap(),
    ]);
    path
}

fn target(name: &str, emu: &LoggedEmu, admin_env: Option<&str>, extra: &str) -> String {
    let admin = match admin_env {
        Some(var) => format!("    admin_token_env: {var}\n    admin_instance_url: {}\n", emu.url),
        None => String::new(),
    };
    format!(
        "  {name}:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    login_url: {}\n    ca_file: {}\n    key: {}\n{admin}{extra}",
        emu.url,
        emu.ca.display(),
        fixture_key().display()
    )
}

struct Fleet {
    ctx: Ctx,
    _emus: Vec<LoggedEmu>,
}

/// Four orgs: healthy (with an admin session), refused (admin session: the cause is confirmed),
/// healthy but its certificate expires in 10 days, and one that never answers.
fn fleet() -> Fleet {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
    let healthy = LoggedEmu::named("healthy");
    let refused = LoggedEmu::named("not-preauthorized");
    let expiring = LoggedEmu::named("healthy");
    let hanging = LoggedEmu::named("faults-hang-always");
    let cert = short_certificate(&ctx, 10);
    let config = format!(
        "targets:\n{}{}{}{}",
        target("healthy", &healthy, Some("HEALTHY_ADMIN_TOKEN"), "    app_name: CI\n"),
        target("refused", &refused, Some("REFUSED_ADMIN_TOKEN"), ""),
        target("expiring", &expiring, None, &format!("    cert: {}\n", cert.display())),
        target("hanging", &hanging, None, ""),
    );
    std::fs::write(ctx.path("sfjwt.yaml"), config).unwrap();
    Fleet { ctx, _emus: vec![healthy, refused, expiring, hanging] }
}

impl Fleet {
    fn doctor(&self, args: &[&str]) -> Command {
        let mut cmd = self.ctx.sfjwt();
        cmd.arg("doctor").args(args).env("HEALTHY_ADMIN_TOKEN", ADMIN_TOKEN).env("REFUSED_ADMIN_TOKEN", ADMIN_TOKEN);
        cmd
    }
}

fn python(script: &str, args: &[&Path]) -> String {
    let out = Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Validates the fleet report against its schema, which refers to the single report's schema.
pub(crate) fn validate_fleet(path: &Path) {
    let script = "import json,sys,jsonschema\nfrom referencing import Registry, Resource\nfleet=json.load(open(sys.argv[1]))\nsingle=json.load(open(sys.argv[2]))\nreg=Registry().with_resource(single['$id'], Resource.from_contents(single))\njsonschema.Draft202012Validator.check_schema(fleet)\njsonschema.Draft202012Validator(fleet, registry=reg, format_checker=jsonschema.FormatChecker()).validate(json.load(open(sys.argv[3])))\nprint('valid')";
    let out = python(
        script,
        &[&repo().join("schema/fleet-report.schema.json"), &repo().join("schema/report.schema.json"), path],
    );
    assert!(out.contains("valid"));
}

#[test]
fn every_target_at_once_with_one_report_in_four_formats() {
    let f = fleet();
    let r = f.ctx.run(&mut f.doctor(&[
        "--all",
        "--deadline",
        "4s",
        "--expires-within",
        "30d",
        "--report",
        "fleet.json",
        "--report",
        "fleet.md",
        "--report",
        "fleet.html",
        "--report",
        "fleet.xml",
    ]));
    assert_eq!(r.code, 1, "a failing target fails the fleet\n{}", r.stderr);
    // A line per target as it finishes; the hanging org is given up on after the others.
    let lines: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 4, "{}", r.stderr);
    assert!(lines.iter().any(|l| l.starts_with("[ok] healthy: every check passed")), "{}", r.stderr);
    assert!(lines.iter().any(|l| l.starts_with("[FAIL] refused: user_not_preauthorized (confirmed)")), "{}", r.stderr);
    // Inside the renewal window: read as such, with the command that renews it (before:
    // "[FAIL] expiring: none (confirmed); failed: certificate_expiry").
    let expiring = lines.iter().find(|l| l.starts_with("[FAIL] expiring: ")).unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        expiring.starts_with("[FAIL] expiring: certificate in its renewal window (--expires-within), not after ")
            && expiring.contains("the login works: renew it with `sfjwt cert rotate`")
            && !expiring.contains("none ("),
        "{expiring}"
    );
    assert!(lines[3].starts_with("[timeout] hanging: no result within the 4s deadline"), "{}", r.stderr);

    let j: serde_json::Value = serde_json::from_str(&f.ctx.read_clean("fleet.json")).unwrap();
    validate_fleet(&f.ctx.path("fleet.json"));
    assert_eq!(j["summary"]["targets"], 4);
    assert_eq!(j["summary"]["ok"], 1);
    assert_eq!(j["summary"]["failed"], 2);
    assert_eq!(j["summary"]["timed_out"], 1);
    let by = |n: &str| j["targets"].as_array().unwrap().iter().find(|t| t["name"] == n).unwrap().clone();
    assert_eq!(by("healthy")["status"], "ok");
    assert!(by("healthy")["org_requests"].as_u64().unwrap() <= 3, "{}", by("healthy"));
    assert_eq!(by("refused")["cause"], "user_not_preauthorized");
    assert_eq!(by("refused")["report"]["diagnosis"]["confidence"], "confirmed");
    let days = by("expiring")["certificate"]["days_left"].as_i64().unwrap();
    assert!((9..=10).contains(&days), "a 10-day certificate: {days}");
    assert_eq!(by("hanging")["status"], "timeout");
    assert!(by("hanging")["report"].is_null());

    let md = f.ctx.read_clean("fleet.md");
    assert!(md.starts_with("## ❌ sfjwt doctor: 1 of 4 targets healthy"), "{md}");
    let row = |n: &str| md.lines().find(|l| l.contains(&format!("**{n}**"))).unwrap_or_default().to_string();
    assert!(row("healthy").starts_with("| ✅ **healthy** |") && !row("healthy").contains('❌'), "{md}");
    assert!(row("refused").contains("❌") && row("refused").contains("user_not_preauthorized (confirmed)"), "{md}");
    assert!(row("hanging").starts_with("| ⏱️ **hanging** |"), "{md}");
    assert!(row("expiring").contains("certificate is in its renewal window: renew it with sfjwt cert rotate"), "{md}");

    let junit = r#"import sys,junitparser
x=junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in x:
  f=sum(1 for c in suite for r in c.result if isinstance(r, junitparser.Failure))
  print(suite.name, len(list(suite)), f)"#;
    let suites = python(junit, &[&f.ctx.path("fleet.xml")]);
    let suite = |n: &str| suites.lines().find(|l| l.starts_with(&format!("{n} "))).unwrap_or_default().to_string();
    assert!(suite("healthy").ends_with(" 0"), "{suites}");
    assert!(!suite("refused").ends_with(" 0"), "{suites}");
    assert_eq!(suite("hanging"), "hanging 1 1", "{suites}");
    assert_eq!(suites.lines().count(), 4, "{suites}");
}

#[test]
fn chosen_targets_and_healthy_exit_zero() {
    let f = fleet();
    let r = f.ctx.run(&mut f.doctor(&["--target", "healthy", "--target", "expiring", "--format", "json"])).ok();
    let j = r.json();
    let names: Vec<&str> = j["targets"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["healthy", "expiring"]);
    assert_eq!(j["status"], "ok", "10 days left is a warning without --expires-within");
    // One --target is the single doctor, with the target's admin keys.
    let r = f.ctx.run(&mut f.doctor(&["--target", "refused", "--report", "one.json"])).code(1);
    assert!(r.stderr.contains("[pass] Admin session"), "{}", r.stderr);
    let one: serde_json::Value = serde_json::from_str(&f.ctx.read_clean("one.json")).unwrap();
    assert_eq!(one["diagnosis"]["confidence"], "confirmed");
    validate_with_schema(&f.ctx.path("one.json"));
}

#[test]
fn bad_fleet_settings_are_usage_errors_before_any_request() {
    let f = fleet();
    f.ctx
        .run(&mut f.doctor(&["--target", "healthy", "--target", "nope"]))
        .code(2)
        .stderr_has("no target named \"nope\"");
    f.ctx.run(&mut f.doctor(&["--all", "--jobs", "0"])).code(2).stderr_has("--jobs 0 is out of range");
    f.ctx.run(&mut f.doctor(&["--all", "--jobs", "65"])).code(2).stderr_has("use 1 to 64");
    f.ctx.run(&mut f.doctor(&["--all", "--deadline", "0s"])).code(2).stderr_has("--deadline must be between");
    f.ctx
        .run(&mut f.doctor(&["--all", "--report", "fleet.yaml"]))
        .code(2)
        .stderr_has("cannot tell the fleet report format");
    // A token pasted where the variable's name belongs is refused, and never echoed.
    let config = std::fs::read_to_string(f.ctx.path("sfjwt.yaml")).unwrap();
    std::fs::write(f.ctx.path("sfjwt.yaml"), config.replace("HEALTHY_ADMIN_TOKEN", ADMIN_TOKEN)).unwrap();
    f.ctx
        .run(&mut f.doctor(&["--all"]))
        .code(2)
        .stderr_has("target healthy: admin_token_env must name an environment variable");
    let mut cmd = f.doctor(&["--all"]);
    cmd.env_remove("REFUSED_ADMIN_TOKEN");
    f.ctx.run(&mut cmd).code(2).stderr_has("admin_token_env");
    let empty = Ctx::new();
    empty
        .run(empty.sfjwt().args(["doctor", "--all"]))
        .code(2)
        .stderr_has("--all checks every target of sfjwt.yaml, and there is none here");
}

/// A target's `cert:` or `ca_file:` naming a file that is not there (paths from the file's
/// folder) is exit 2 before any request, like a missing `key:`; before, it was read at run time
/// and reported as that target's failure.
#[test]
fn a_missing_cert_or_ca_file_in_a_target_is_exit_2_before_any_request() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::named("healthy");
    let base = target("prod", &emu, None, "");
    let real_ca = format!("ca_file: {}", emu.ca.display());
    std::fs::create_dir_all(ctx.path("ci")).unwrap();
    for (config, message, help) in [
        (format!("{base}    cert: certs/prod.crt\n"), "certs/prod.crt does not exist", "pass the certificate file"),
        (
            base.replace(&real_ca, "ca_file: proxy-ca.pem"),
            "proxy-ca.pem does not exist",
            "name a PEM bundle of CA certificates",
        ),
    ] {
        std::fs::write(ctx.path("ci/sfjwt.yaml"), format!("targets:\n{config}")).unwrap();
        let r = ctx.run(ctx.sfjwt().args(["doctor", "--all", "--config"]).arg(ctx.path("ci/sfjwt.yaml"))).code(2);
        assert!(r.stderr.contains("target prod") && r.stderr.contains(message), "{}", r.stderr);
        assert!(r.stderr.contains(help), "the next step: {}", r.stderr);
        // Resolved from the file's folder, not from where the job runs.
        assert!(r.stderr.contains(&ctx.path("ci").display().to_string()), "{}", r.stderr);
        assert!(emu.requests().is_empty(), "no request before the settings are whole: {:?}", emu.requests());
    }
}

/// The HTML page as a browser renders it: Debian's Chromium, headless, loads the file, and the
/// test reads the DOM it built and takes a screenshot.
#[test]
#[ignore = "needs chromium: scripts/test.sh installs it and runs ignored tests"]
fn the_html_page_renders_in_a_real_browser() {
    let f = fleet();
    f.ctx
        .run(&mut f.doctor(&["--all", "--deadline", "3s", "--expires-within", "30d", "--report", "fleet.html"]))
        .code(1);
    let page = f.ctx.path("fleet.html");
    let html = f.ctx.read_clean("fleet.html");
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://cdn"), "self-contained");
    let browser = std::env::var("SFJWT_CHROMIUM_BIN").unwrap_or_else(|_| "chromium".into());
    let chrome = |extra: &[&str]| {
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1600,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("run chromium");
        assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = chrome(&["--dump-dom"]);
    assert!(dom.contains("<h1 id=\"summary\" data-ok=\"1\" data-targets=\"4\">"), "{dom}");
    for (target, status) in [("healthy", "ok"), ("refused", "failed"), ("expiring", "failed"), ("hanging", "timeout")] {
        assert!(
            dom.contains(&format!("data-target=\"{target}\" data-status=\"{status}\"")),
            "{target} row should be {status}:\n{dom}"
        );
    }
    assert!(dom.contains("data-check=\"grant\" data-status=\"fail\""), "the refused grant is a failed cell");
    assert!(dom.contains("data-check=\"certificate_expiry\" data-status=\"fail\""), "inside --expires-within");
    assert!(dom.contains("<details><summary>✖</summary><p class=\"evidence\">JWT bearer grant: invalid_grant"));
    assert!(
        dom.contains("data-target=\"expiring\" data-days-left=\"9\"")
            || dom.contains("data-target=\"expiring\" data-days-left=\"10\""),
        "the timeline bar: {dom}"
    );
    assert!(dom.contains("class=\"fill soon\" style=\"width:2%\""), "{dom}");
    let shot = f.ctx.path("fleet.png");
    chrome(&[&format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "a real screenshot: {} bytes", png.len());
    if let Some(dir) = std::env::var_os("SFJWT_ARTIFACTS") {
        let _ = std::fs::copy(&shot, Path::new(&dir).join("fleet.png"));
    }
}

/// The org evidence in at most three requests, whatever the number of permission sets, counted
/// by the emulator; and the facts come out the same as one query at a time would give them.
#[test]
fn org_evidence_in_at_most_three_requests() {
    for (scenario, user, cause) in [
        ("many-permission-sets", USERNAME, "none"),
        ("not-preauthorized", USERNAME, "user_not_preauthorized"),
        ("eca-not-installed", USERNAME, "app_not_installed"),
        ("healthy", "nobody@acme.com", "user_unknown"),
    ] {
        let ctx = Ctx::new();
        ctx.secret_key_file(&fixture_key());
        let emu = LoggedEmu::named(scenario);
        let mut cmd = ctx.sfjwt();
        cmd.args(["doctor", "-i", CLIENT_ID, "-o", user, "-r", &emu.url, "--ca-file"])
            .arg(&emu.ca)
            .arg("--key")
            .arg(fixture_key())
            .args(["--admin-instance-url", &emu.url, "--report", "r.json"])
            .env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN);
        let r = ctx.run(&mut cmd);
        let j: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        assert_eq!(j["diagnosis"]["cause"], cause, "{scenario}\n{}", r.stderr);
        // A granted login makes one REST query with the CI user's own session (the check after
        // the grant); the rest is the admin session's evidence.
        let granted = j["attempts"].as_array().unwrap().iter().any(|a| a["outcome"] == "granted");
        let mut org = emu.org_requests();
        if granted {
            let at = org.iter().position(|r| r.starts_with("GET ") && r.ends_with("/query"));
            org.remove(at.unwrap_or_else(|| panic!("{scenario}: no check after the grant in {org:?}")));
        }
        assert!(!org.is_empty() && org.len() <= 3, "{scenario}: {org:?}");
        assert!(org.iter().all(|r| r.ends_with("/composite")), "{scenario}: {org:?}");
        let tokens = emu.requests().iter().filter(|r| r.ends_with("/services/oauth2/token")).count();
        // The grant's own tries (audience fallbacks) are all the rest.
        assert_eq!(tokens, j["attempts"].as_array().unwrap().len(), "{scenario}");
        if scenario == "many-permission-sets" {
            assert!(
                r.stderr.contains("[pass] User pre-authorized for the app: through permission set CI_Access"),
                "{}",
                r.stderr
            );
            // A failed login in LoginHistory is a warning even when the latest succeeded.
            assert!(r.stderr.contains("[warn] Recent logins (LoginHistory)"), "{}", r.stderr);
        }
    }
}

/// Where /composite is not offered, the same evidence comes one query per request.
#[test]
fn without_the_composite_api_the_evidence_comes_query_by_query() {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let emu = LoggedEmu::named("no-composite");
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--ca-file"])
        .arg(&emu.ca)
        .arg("--key")
        .arg(fixture_key())
        .args(["--admin-instance-url", &emu.url, "--report", "r.json"])
        .env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN);
    let r = ctx.run(&mut cmd).code(1);
    let j: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{}", r.stderr);
    assert_eq!(j["diagnosis"]["confidence"], "confirmed", "{}", r.stderr);
    let org = emu.org_requests();
    assert!(org.iter().filter(|r| r.ends_with("/composite")).count() >= 1, "{org:?}");
    assert!(org.iter().filter(|r| r.starts_with("GET ")).count() > 3, "one request per query: {org:?}");
    assert!(r.stderr.contains("the app lists [permission set CI_Access]; the user holds [profile CI Integration]"));
}
