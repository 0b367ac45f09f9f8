//! `sfjwt doctor --provider entra` (issue 25 §2) against the emulator's Entra tenant and its Graph
//! objects (fixtures/entra/doctor-*.yaml): one whole-command snapshot per story, the Graph reads
//! counted from the emulator's own log (at most two `$batch` requests), the report checked
//! against its schema, and an Entra target beside a Salesforce one in `doctor --all`.
//!
//! Re-accept intended output changes with `INSTA_UPDATE=always cargo test --test it entra_doctor::`.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;
use crate::fleet::LoggedEmu;
use crate::keyless::GH_REQUEST_TOKEN;

const TENANT: &str = "contoso.onmicrosoft.com";
const APP: &str = "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60";
/// The scenarios' Graph admin token (a test value, treated as a secret all the same).
const GRAPH_TOKEN: &str = "graph-admin-token-for-tests-0123456789abcdef";

fn scenario(name: &str) -> PathBuf {
    repo().join("fixtures/entra").join(format!("doctor-{name}.yaml"))
}

/// `sfjwt doctor --provider entra` at the emulator's tenant and Graph, without a credential yet.
fn doctor(ctx: &Ctx, emu: &LoggedEmu) -> Command {
    ctx.secret(GRAPH_TOKEN);
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--provider", "entra", "--tenant", TENANT, "-i", APP, "-r", &emu.url])
        .args(["--graph-url", &emu.url, "--allow-host", "127.0.0.1", "--ca-file"])
        .arg(&emu.ca);
    cmd.env_remove("ACTIONS_ID_TOKEN_REQUEST_URL").env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

fn with_cert(ctx: &Ctx, emu: &LoggedEmu) -> Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = doctor(ctx, emu);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(repo().join("fixtures/orgs/ci.crt"));
    cmd
}

/// With the test key's certificate that expired (fixtures/orgs/ci-expired.crt).
fn with_expired_cert(ctx: &Ctx, emu: &LoggedEmu) -> Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = doctor(ctx, emu);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(repo().join("fixtures/orgs/ci-expired.crt"));
    cmd
}

fn keyless(ctx: &Ctx, emu: &LoggedEmu) -> Command {
    ctx.secret(GH_REQUEST_TOKEN);
    let mut cmd = doctor(ctx, emu);
    cmd.args(["--oidc", "github"])
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    cmd
}

/// The admin token as the environment gives it (the flag would show in the process list).
fn admin(cmd: &mut Command, token: &str) {
    cmd.env("SFJWT_ADMIN_TOKEN", token);
}

type Build = fn(&Ctx, &LoggedEmu) -> Command;
/// A story: snapshot name, scenario, credential, admin token, extra flags.
type Story<'a> = (&'a str, &'a str, Build, Option<&'a str>, &'a [&'a str]);
/// A verdict: scenario, credential, extra flags, cause, confidence, the check that fails.
type Verdict<'a> = (&'a str, Build, &'a [&'a str], &'a str, &'a str, &'a str);

/// Every story as the user sees it: exit code, stdout, stderr.
#[test]
fn snapshots_of_each_doctor_story() {
    let role: &[&str] = &["--require-role", "Sites.Read.All"];
    let cases: &[Story] = &[
        ("healthy", "healthy", with_cert, Some(GRAPH_TOKEN), role),
        ("healthy_keyless", "healthy", keyless, Some(GRAPH_TOKEN), &[]),
        ("not_installed", "not-installed", with_cert, Some(GRAPH_TOKEN), &[]),
        ("certificate_not_registered", "other-certificate", with_cert, Some(GRAPH_TOKEN), &[]),
        ("certificate_expired", "expired-certificate", with_expired_cert, Some(GRAPH_TOKEN), &[]),
        ("consent_missing", "no-consent", with_cert, Some(GRAPH_TOKEN), role),
        ("assignment_required", "assignment-required", with_cert, Some(GRAPH_TOKEN), &[]),
        ("federated_credential_mismatch", "wrong-subject", keyless, Some(GRAPH_TOKEN), &[]),
        ("no_admin_token", "healthy", with_cert, None, &[]),
        ("admin_token_refused_401", "healthy", with_cert, Some("not-the-admin-token-0123456789"), &[]),
        ("admin_token_refused_403", "token-cannot-read", with_cert, Some(GRAPH_TOKEN), &[]),
    ];
    for (name, scenario_name, build, token, extra) in cases {
        let ctx = Ctx::new();
        let emu = LoggedEmu::start(&scenario(scenario_name));
        let mut cmd = build(&ctx, &emu);
        if let Some(t) = token {
            ctx.secret(*t);
            admin(&mut cmd, t);
        }
        cmd.args(*extra);
        let run = ctx.run(&mut cmd);
        sfjwt_testsupport::cmd_snapshot!(format!("entra_doctor_{name}"), run);
    }
}

/// The verdicts the snapshots show, asserted by name: cause, confidence, exit code, failed check.
#[test]
fn each_story_names_its_cause_from_graph_confirmed() {
    let cases: &[Verdict] = &[
        ("not-installed", with_cert, &[], "entra_app_not_in_tenant", "confirmed", "entra_service_principal"),
        (
            "other-certificate",
            with_cert,
            &[],
            "entra_certificate_not_registered",
            "confirmed",
            "entra_certificate_registered",
        ),
        (
            "expired-certificate",
            with_expired_cert,
            &[],
            "entra_certificate_expired",
            "confirmed",
            "entra_certificate_registered",
        ),
        (
            "no-consent",
            with_cert,
            &["--require-role", "Sites.Read.All"],
            "entra_admin_consent_required",
            "confirmed",
            "entra_admin_consent",
        ),
        (
            "wrong-subject",
            keyless,
            &[],
            "entra_federated_credential_mismatch",
            "confirmed",
            "entra_federated_credential",
        ),
    ];
    for (scenario_name, build, extra, cause, confidence, failed) in cases {
        let ctx = Ctx::new();
        let emu = LoggedEmu::start(&scenario(scenario_name));
        let mut cmd = build(&ctx, &emu);
        admin(&mut cmd, GRAPH_TOKEN);
        let r = ctx.run(cmd.args(*extra).args(["--format", "json"]));
        assert_eq!(r.code, 1, "{scenario_name}: {}", r.stderr);
        let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(report["diagnosis"]["cause"], *cause, "{scenario_name}");
        assert_eq!(report["diagnosis"]["confidence"], *confidence, "{scenario_name}");
        let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == *failed).unwrap();
        assert_eq!(check["status"], "fail", "{scenario_name}: {check}");
    }
}

/// Without Graph, an expired local certificate and Entra's AADSTS1000502 agree: confirmed, from
/// the refusal and the certificate's own dates (no Graph evidence claimed).
#[test]
fn an_expired_certificate_is_confirmed_by_the_refusal_without_graph() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("expired-certificate"));
    let r = ctx.run(with_expired_cert(&ctx, &emu).args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &report["diagnosis"];
    assert_eq!((d["cause"].as_str(), d["confidence"].as_str()), (Some("entra_certificate_expired"), Some("confirmed")));
    let evidence: Vec<&str> = d["evidence"].as_array().unwrap().iter().filter_map(|e| e.as_str()).collect();
    assert!(evidence.iter().any(|e| e.contains("AADSTS1000502")), "{evidence:?}");
    assert!(evidence.iter().any(|e| e.contains("past its notAfter")), "{evidence:?}");
    assert!(!evidence.iter().any(|e| e.contains("Microsoft Graph")), "{evidence:?}");
}

/// The mismatch names the field that differs and both values (Entra compares exactly).
#[test]
fn a_federated_mismatch_names_the_subject_with_both_values() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("wrong-subject"));
    let mut cmd = keyless(&ctx, &emu);
    admin(&mut cmd, GRAPH_TOKEN);
    let r = ctx.run(&mut cmd);
    let line = r.stderr.lines().find(|l| l.contains("Federated credential")).unwrap_or_default();
    assert!(
        line.contains("differs in subject: the token has \"repo:acme/app:environment:production\", the credential \"repo:acme/app:ref:refs/heads/main\""),
        "{}",
        r.stderr
    );
    assert!(!line.contains("issuer:") && !line.contains("audience:"), "{line}");
}

/// Graph is read in at most two requests, both `$batch` (the emulator's own log counts them);
/// without an admin token, none.
#[test]
fn graph_is_read_in_at_most_two_batch_requests() {
    for (scenario_name, build) in [("healthy", with_cert as Build), ("healthy", keyless), ("not-installed", with_cert)]
    {
        let ctx = Ctx::new();
        let emu = LoggedEmu::start(&scenario(scenario_name));
        let mut cmd = build(&ctx, &emu);
        admin(&mut cmd, GRAPH_TOKEN);
        ctx.run(&mut cmd);
        let graph: Vec<String> = emu.requests().into_iter().filter(|r| r.contains("/v1.0/")).collect();
        assert!(!graph.is_empty() && graph.len() <= 2, "{scenario_name}: {graph:?}");
        assert!(graph.iter().all(|r| r == "POST /v1.0/$batch"), "{graph:?}");
    }
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("healthy"));
    ctx.run(&mut with_cert(&ctx, &emu));
    assert!(emu.requests().iter().all(|r| !r.contains("/v1.0/")), "{:?}", emu.requests());
}

/// The report is the doctor's run record: schema/report.schema.json holds for it (jsonschema).
#[test]
fn the_report_validates_against_the_report_schema() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("no-consent"));
    let mut cmd = with_cert(&ctx, &emu);
    admin(&mut cmd, GRAPH_TOKEN);
    let r = ctx.run(cmd.args(["--require-role", "Sites.Read.All", "--report", "r.json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\njsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))\nprint('valid')";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(repo().join("schema/report.schema.json"))
        .arg(ctx.path("r.json"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ctx.path("r.json")).unwrap()).unwrap();
    assert_eq!(
        (report["target"]["provider"].as_str(), report["target"]["flow"].as_str()),
        (Some("entra"), Some("client_credentials"))
    );
}

/// `--json`: one envelope on stdout, the failure named with the cause, the report as its result.
#[test]
fn the_json_envelope_names_the_failure_and_carries_the_report() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("no-consent"));
    let mut cmd = with_cert(&ctx, &emu);
    admin(&mut cmd, GRAPH_TOKEN);
    cmd.args(["--require-role", "Sites.Read.All"]);
    let mut args: Vec<std::ffi::OsString> = cmd.get_args().map(|a| a.to_os_string()).collect();
    args.insert(0, "--json".into());
    let mut json = ctx.sfjwt();
    json.args(args).env("SFJWT_ADMIN_TOKEN", GRAPH_TOKEN);
    let r = ctx.run(&mut json);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    assert_eq!((v["status"].as_u64(), v["name"].as_str()), (Some(1), Some("CheckFailed")));
    assert_eq!(v["cause"], "entra_admin_consent_required");
    assert_eq!(v["result"]["target"]["provider"], "entra");
}

/// Bad input is exit 2 before any request: Salesforce-only flags, an unknown Graph host.
#[test]
fn bad_input_is_refused_before_any_request() {
    let ctx = Ctx::new();
    let emu = LoggedEmu::start(&scenario("healthy"));
    let r = ctx.run(with_cert(&ctx, &emu).args(["--username", "ci@example.com"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--username is not used by doctor --provider entra"), "{}", r.stderr);
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--provider", "entra", "--tenant", TENANT, "-i", APP, "--oidc", "github"])
        .args(["--graph-url", "https://graph.example.net"]);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a Microsoft Graph host"), "{}", r.stderr);
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
    // And the other way round: an Entra flag on a Salesforce check.
    let r = ctx.run(ctx.sfjwt().args(["doctor", "-i", APP, "-o", "ci@example.com", "--tenant", TENANT]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--tenant is used by doctor --provider entra"), "{}", r.stderr);
}

/// The help names the Entra flags and what the admin token must carry.
#[test]
fn doctor_help_shows_the_entra_flags() {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(["doctor", "--help"]));
    for needle in [
        "Microsoft Entra (--provider entra):",
        "--provider <PROVIDER>",
        "--tenant <TENANT>",
        "--require-role <ROLE>",
        "--graph-url <URL>",
        "Application.Read.All",
    ] {
        assert!(r.stdout.contains(needle), "{needle} missing from:\n{}", r.stdout);
    }
}

/// `doctor --all`: an Entra target (`provider: entra`) in the same matrix as a Salesforce org.
#[test]
fn the_fleet_checks_an_entra_target_beside_a_salesforce_org() {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    ctx.secret(GRAPH_TOKEN);
    let org = LoggedEmu::named("healthy");
    let tenant = LoggedEmu::start(&scenario("no-consent"));
    let config = format!(
        "targets:\n  prod:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    login_url: {}\n    ca_file: {}\n    key: {}\n  \
         sharepoint:\n    provider: entra\n    tenant: {TENANT}\n    client_id: {APP}\n    login_url: {}\n    graph_url: {}\n    \
         ca_file: {}\n    key: {}\n    cert: {}\n    require_roles: [Sites.Read.All]\n    admin_token_env: ENTRA_ADMIN_TOKEN\n",
        org.url,
        org.ca.display(),
        fixture_key().display(),
        tenant.url,
        tenant.url,
        tenant.ca.display(),
        fixture_key().display(),
        repo().join("fixtures/orgs/ci.crt").display(),
    );
    std::fs::write(ctx.path("sfjwt.yaml"), config).unwrap();
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--all", "--allow-host", "127.0.0.1", "--report", "fleet.json", "--report", "fleet.md"])
        .env("ENTRA_ADMIN_TOKEN", GRAPH_TOKEN);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("[ok] prod: every check passed"), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "[FAIL] sharepoint: entra_admin_consent_required (confirmed); failed: token_roles, entra_admin_consent"
        ),
        "{}",
        r.stderr
    );
    let fleet: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ctx.path("fleet.json")).unwrap()).unwrap();
    let names: Vec<(&str, &str)> = fleet["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("prod", "ok"), ("sharepoint", "failed")]);
    crate::fleet::validate_fleet(&ctx.path("fleet.json"));
    assert_eq!(fleet["targets"][1]["org_requests"], 2, "the Entra target's Graph requests");
    let md = std::fs::read_to_string(ctx.path("fleet.md")).unwrap();
    assert!(md.contains("sharepoint") && md.contains("entra_admin_consent_required"), "{md}");
    assert_eq!(tenant.requests().iter().filter(|r| r.contains("/v1.0/")).count(), 2);
    // The same target alone: `--target` picks the Entra doctor from the target's provider.
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--target", "sharepoint", "--allow-host", "127.0.0.1", "--format", "json"])
        .env("ENTRA_ADMIN_TOKEN", GRAPH_TOKEN);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["target"]["provider"], "entra");
    assert_eq!(report["diagnosis"]["cause"], "entra_admin_consent_required");
}

/// Every Graph error code the emulator can answer has a row in docs/evidence.md.
#[test]
fn every_graph_error_the_emulator_sends_has_a_ledger_row() {
    let code = std::fs::read_to_string(repo().join("emulator/src/graph.rs")).unwrap();
    let ledger = std::fs::read_to_string(repo().join("docs/evidence.md")).unwrap();
    let graph_rows: Vec<&str> = ledger.lines().filter(|l| l.starts_with("| <a id=\"gr-")).collect();
    // Calls only, `error(STATUS, "CODE", …)`, not the function's own signature.
    let calls = code.split("error(").skip(1).filter(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    let sent: Vec<&str> = calls.filter_map(|r| r.split('"').nth(1)).collect();
    assert!(sent.len() >= 6, "{sent:?}");
    for c in sent {
        assert!(graph_rows.iter().any(|r| r.contains(&format!("`{c}`"))), "no Graph ledger row for {c}");
    }
}

/// A target's provider is checked before any request: a typo is exit 2.
#[test]
fn an_unknown_provider_in_the_config_is_exit_2() {
    let ctx = Ctx::new();
    let org = LoggedEmu::named("healthy");
    std::fs::write(
        ctx.path("sfjwt.yaml"),
        format!(
            "targets:\n  a:\n    provider: entraid\n    tenant: {TENANT}\n    client_id: {APP}\n    login_url: {}\n",
            org.url
        ),
    )
    .unwrap();
    let r = ctx.run(ctx.sfjwt().args(["doctor", "--all"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("target a: provider \"entraid\" is not one sfjwt knows"), "{}", r.stderr);
    assert!(org.requests().is_empty());
}

/// A tenant like doctor-healthy whose app holds `cert` (a certificate of the fixture key).
fn tenant_holding(ctx: &Ctx, cert: &std::path::Path) -> LoggedEmu {
    let yaml = std::fs::read_to_string(scenario("healthy"))
        .unwrap()
        .replace("certificates: [../orgs/ci.crt]", &format!("certificates: [{}]", cert.display()));
    let path = ctx.path("tenant.yaml");
    std::fs::write(&path, yaml).unwrap();
    LoggedEmu::start(&path)
}

/// Entra enforces a certificate's expiry (AADSTS1000502), so the renewal window applies to Entra
/// targets as to Salesforce ones: single mode takes --expires-within (it was refused), the fleet
/// fails the Entra target beside the Salesforce one, and both give Entra's way to renew (not
/// `sfjwt cert rotate`), whose keygen command runs as printed.
#[test]
fn the_renewal_window_applies_to_entra_targets_in_single_and_fleet_mode() {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let short = crate::fleet::short_certificate(&ctx, 10);
    let tenant = tenant_holding(&ctx, &short);
    let mut cmd = doctor(&ctx, &tenant);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(&short).args(["--format", "json"]);
    // Outside the window the same certificate passes (a 10-day certificate only warns).
    let r = ctx.run(cmd.args(["--expires-within", "1d"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut cmd = doctor(&ctx, &tenant);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(&short).args(["--format", "json"]);
    let r = ctx.run(cmd.args(["--expires-within", "30d"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "certificate_expiry").unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("inside --expires-within"), "{detail}");
    assert!(detail.contains("App registrations > the app > Certificates & secrets > Certificates"), "{detail}");
    assert!(!detail.contains("cert rotate"), "{detail}");
    // The command the advice prints makes the new pair.
    let keygen = detail.split('`').nth(1).unwrap();
    assert!(keygen.starts_with("sfjwt keygen "), "{keygen}");
    let words: Vec<&str> = keygen.split_whitespace().skip(1).collect();
    ctx.run(ctx.sfjwt().args(&words).current_dir(ctx.dir.path())).ok();
    assert!(ctx.path("ci-next.crt").exists() && ctx.path("ci-next.key").exists());

    // The fleet: a Salesforce org and the Entra app with the same certificate, both flagged.
    let org = LoggedEmu::named("healthy");
    let config = format!(
        "targets:\n  prod:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    login_url: {}\n    ca_file: {}\n    key: {}\n    cert: {}\n  \
         sharepoint:\n    provider: entra\n    tenant: {TENANT}\n    client_id: {APP}\n    login_url: {}\n    \
         ca_file: {}\n    key: {}\n    cert: {}\n",
        org.url,
        org.ca.display(),
        fixture_key().display(),
        short.display(),
        tenant.url,
        tenant.ca.display(),
        fixture_key().display(),
        short.display(),
    );
    std::fs::write(ctx.path("sfjwt.yaml"), config).unwrap();
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "--all", "--allow-host", "127.0.0.1", "--expires-within", "30d", "--report", "fleet.md"]);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let line = |name: &str| {
        r.stderr.lines().find(|l| l.starts_with(&format!("[FAIL] {name}: "))).unwrap_or_else(|| panic!("{}", r.stderr))
    };
    assert!(line("prod").contains("renew it with `sfjwt cert rotate`"), "{}", r.stderr);
    let entra = line("sharepoint");
    assert!(entra.contains("certificate in its renewal window (--expires-within)"), "{entra}");
    assert!(entra.contains("renew it for Entra:") && !entra.contains("cert rotate"), "{entra}");
    let md = std::fs::read_to_string(ctx.path("fleet.md")).unwrap();
    assert!(md.contains("renew it for Entra:"), "{md}");
}

/// `doctor --help`'s Entra example runs as printed (against the emulator's tenant: only the
/// host, its CA, and where ci.key and ci.crt are differ).
#[test]
fn the_doctor_help_entra_example_runs() {
    let ctx = Ctx::new();
    let help = ctx.run(ctx.sfjwt().args(["doctor", "--help"])).ok().stdout;
    let example = help
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("$ sfjwt doctor --provider entra"))
        .unwrap_or_else(|| panic!("no Entra example in:\n{help}"));
    ctx.secret_key_file(&fixture_key());
    std::fs::copy(fixture_key(), ctx.path("ci.key")).unwrap();
    std::fs::copy(repo().join("fixtures/orgs/ci.crt"), ctx.path("ci.crt")).unwrap();
    let emu = LoggedEmu::start(&scenario("healthy"));
    let words: Vec<&str> = example.split_whitespace().skip(2).collect();
    let mut cmd = ctx.sfjwt();
    cmd.args(&words).args(["-r", &emu.url, "--allow-host", "127.0.0.1", "--ca-file"]).arg(&emu.ca);
    cmd.current_dir(ctx.dir.path());
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 0, "{example}\n{}", r.stderr);
}

/// A CI token already past its `exp` fails the `oidc_token` check before it is sent (Entra would
/// answer AADSTS700024); it used to pass.
#[test]
fn an_expired_ci_token_fails_the_oidc_token_check() {
    let ctx = Ctx::new();
    let yaml = std::fs::read_to_string(scenario("healthy"))
        .unwrap()
        .replace("  kind: github\n", "  kind: github\n  lifetime-seconds: -600\n")
        .replace("../orgs/ci.crt", &repo().join("fixtures/orgs/ci.crt").display().to_string());
    assert!(yaml.contains("lifetime-seconds: -600"));
    std::fs::write(ctx.path("expired-token.yaml"), yaml).unwrap();
    let emu = LoggedEmu::start(&ctx.path("expired-token.yaml"));
    let r = ctx.run(keyless(&ctx, &emu).args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "oidc_token").unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(check["detail"].as_str().unwrap().contains("the OIDC token expired"), "{check}");
}
