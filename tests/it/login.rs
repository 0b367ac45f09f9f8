//! `sfjwt login` end to end against the emulator over HTTPS.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn login_succeeds_and_reports_identity() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let r =
        ctx.run(ctx.login(&emu, USERNAME).args(["--format", "json", "--report", "r.json", "--report", "r.yaml"])).ok();
    assert!(r.stderr.contains("Logged in as ci@acme.com to org 00D000000000001AAA (production)"), "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["org_id"], "00D000000000001AAA");
    assert!(j["user_id"].as_str().unwrap().starts_with("005"));
    assert_eq!(j["instance_url"], emu.url.as_str());
    assert_eq!(j["is_sandbox"], false);
    assert!(j.get("access_token").is_none(), "token printed without --show-token");
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    assert_eq!(report["status"], "ok");
    assert_eq!(report["diagnosis"]["cause"], "none");
    assert_eq!(report["identity"]["org_id"], "00D000000000001AAA");
    assert_eq!(report["attempts"][0]["audience"], "https://login.salesforce.com");
    assert!(ctx.read_clean("r.yaml").contains("status: ok"));
    validate_with_schema(&ctx.path("r.json"));
}

/// Without --audience the report's target says the audience the login used: the one the last
/// attempt used (a sandbox on a host that does not say so is reached on the second), not null.
#[test]
fn the_report_names_the_audience_used() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy-sandbox");
    ctx.run(ctx.login(&emu, "ci@acme.com.uat").args(["--report", "r.json"])).ok();
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    let tried: Vec<&str> =
        report["attempts"].as_array().unwrap().iter().filter_map(|a| a["audience"].as_str()).collect();
    assert_eq!(tried, ["https://login.salesforce.com", "https://test.salesforce.com"]);
    assert_eq!(report["target"]["audience"], "https://test.salesforce.com");
    ctx.run(ctx.doctor(&emu, "ci@acme.com.uat", false).args(["--report", "d.json"]));
    let doctor: serde_json::Value = serde_json::from_str(&ctx.read_clean("d.json")).unwrap();
    assert_eq!(doctor["target"]["audience"], "https://test.salesforce.com", "{doctor}");
}

#[test]
fn token_only_where_asked() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let r = ctx.run_revealing(ctx.login(&emu, USERNAME).args(["--format", "json", "--show-token"])).ok();
    assert!(r.json()["access_token"].as_str().unwrap().starts_with(TOKEN_PREFIX));
    let r = ctx.run_revealing(ctx.login(&emu, USERNAME).args(["--format", "env"])).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with(&format!("SF_ACCESS_TOKEN={TOKEN_PREFIX}")), "{}", r.stdout);
    assert_eq!(lines[1], format!("SF_ORG_INSTANCE_URL={}", emu.url));
    assert!(!r.stderr.contains(TOKEN_PREFIX), "token on stderr");
    let r = ctx.run_revealing(ctx.login(&emu, USERNAME).args(["--format", "shell"])).ok();
    assert!(r.stdout.starts_with(&format!("export SF_ACCESS_TOKEN='{TOKEN_PREFIX}")), "{}", r.stdout);
    // The shell form evaluates to the same values.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{}\necho \"$SF_ORG_INSTANCE_URL\"", r.stdout))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), emu.url);
}

#[test]
fn github_actions_mask_first_then_outputs_and_env() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    std::fs::write(ctx.path("out.txt"), "earlier=1\n").unwrap();
    let r = ctx.run_revealing(
        ctx.login(&emu, USERNAME)
            .args(["--export-env", "--format", "json"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", ctx.path("out.txt"))
            .env("GITHUB_ENV", ctx.path("env.txt")),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The mask goes to stderr, the first line there, so a captured stdout cannot swallow it;
    // stdout stays exactly the requested format.
    let first = r.stderr.lines().next().unwrap();
    let token = first.strip_prefix("::add-mask::").expect("mask must be the first line on stderr");
    assert!(token.starts_with(TOKEN_PREFIX));
    assert!(!r.stderr[first.len()..].contains(token), "token printed after the mask");
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is exactly the JSON output");
    assert!(json.get("access_token").is_none(), "no token without --show-token");
    let outputs = std::fs::read_to_string(ctx.path("out.txt")).unwrap();
    assert!(outputs.starts_with("earlier=1\n"), "outputs file must be appended to");
    for line in [
        format!("access-token={token}"),
        format!("instance-url={}", emu.url),
        "org-id=00D000000000001AAA".to_string(),
        "username=ci@acme.com".to_string(),
        "is-sandbox=false".to_string(),
        "cause=none".to_string(),
    ] {
        assert!(outputs.lines().any(|l| l == line), "missing {line} in\n{outputs}");
    }
    assert!(outputs.lines().any(|l| l.starts_with("user-id=005")));
    let env = std::fs::read_to_string(ctx.path("env.txt")).unwrap();
    assert_eq!(env, format!("SF_ACCESS_TOKEN={token}\nSF_ORG_INSTANCE_URL={}\n", emu.url));
}

#[test]
fn gitlab_dotenv_content_and_mode() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy-sandbox");
    let r = ctx
        .run(ctx.login(&emu, "ci@acme.com.uat").args([
            "--audience",
            "https://test.salesforce.com",
            "--dotenv",
            "sf.env",
        ]))
        .ok();
    assert!(r.stderr.contains("(sandbox)"), "{}", r.stderr);
    let text = std::fs::read_to_string(ctx.path("sf.env")).unwrap();
    let keys: Vec<&str> = text.lines().map(|l| l.split_once('=').unwrap().0).collect();
    // The same variables as --format env prints.
    assert_eq!(keys, ["SF_ACCESS_TOKEN", "SF_ORG_INSTANCE_URL", "SF_ORG_ID", "SF_USER_ID", "SF_USERNAME"]);
    assert!(text.contains("SF_USERNAME=ci@acme.com.uat\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(ctx.path("sf.env")).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn refusals_exit_3_with_the_catalogue_text() {
    for (scenario, user, text, cause) in [
        ("not-preauthorized", USERNAME, "user hasn't approved this consumer", "user_not_approved"),
        (
            "not-preauthorized-invalid-app-access",
            USERNAME,
            "user is not admin approved to access this app",
            "user_not_preauthorized",
        ),
        ("app-not-installed", USERNAME, "app must be installed into org", "app_not_installed"),
        ("eca-not-installed", USERNAME, "External client app is not installed in this org", "app_not_installed"),
        ("certificate-mismatch", USERNAME, "invalid assertion", "certificate_mismatch"),
        ("inactive-user", USERNAME, "inactive user", "user_inactive"),
        ("ip-restricted", USERNAME, "ip restricted", "ip_restricted"),
        ("org-inactive", USERNAME, "Org is locked, closed, or suspended", "org_inactive"),
        ("no-valid-scopes", USERNAME, "no valid scopes defined", "no_valid_scopes"),
        ("app-blocked", USERNAME, "this app is blocked by admin", "app_blocked"),
        // A sandbox-looking username on production: the suffix is a hint, never the verdict.
        ("healthy", "ci@acme.com.uat", "user hasn't approved this consumer", "user_not_approved"),
    ] {
        let ctx = Ctx::new();
        let emu = Emu::start(scenario);
        let r = ctx.run(ctx.login(&emu, user).args(["--report", "r.json", "--report", "r.xml"]));
        assert_eq!(r.code, 3, "{scenario}: {}", r.stderr);
        assert!(r.stderr.contains(text), "{scenario}: catalogue text missing:\n{}", r.stderr);
        let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        assert_eq!(report["status"], "failed");
        assert_eq!(report["exit_code"], 3);
        assert_eq!(report["diagnosis"]["cause"], cause, "{scenario}");
        validate_with_schema(&ctx.path("r.json"));
        let (tests, failures, _, types) = parse_junit(&ctx.path("r.xml"));
        assert_eq!((tests, failures), (1, 1), "{scenario}");
        assert_eq!(types, [cause], "{scenario}");
        // Every refusal ends with the exact doctor command, flags filled in.
        let confirm = r.stderr.lines().find_map(|l| l.strip_prefix("confirm with: ")).expect("confirm with: line");
        assert!(confirm.starts_with("sfjwt doctor --client-id 3MVG9Example.key_1 --username "), "{confirm}");
        assert!(confirm.contains(&format!("--login-url {}", emu.url)), "{confirm}");
        // The printed command runs as printed (a contract): doctor exits 1 on the failed grant check.
        let words = shell_words(confirm);
        let mut cmd = ctx.sfjwt();
        cmd.args(&words[1..]);
        let d = ctx.run(&mut cmd);
        assert_eq!(d.code, 1, "{scenario}: `{confirm}` must run:\n{}", d.stderr);
        assert!(d.stderr.contains(cause), "{scenario}: doctor agrees on {cause}:\n{}", d.stderr);
        if user.ends_with(".uat") {
            let candidates = &report["diagnosis"]["candidates"];
            let env = candidates.as_array().unwrap().iter().find(|c| c["cause"] == "wrong_environment");
            assert_eq!(env.map(|c| &c["confidence"]), Some(&serde_json::json!("possible")), "{candidates}");
            assert!(r.stderr.contains("other candidates: "), "{}", r.stderr);
        }
    }
}

#[test]
fn no_blind_retries_on_refusal() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.json"])).code(3);
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    let attempts = report["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "a non-audience refusal must not be retried: {attempts:?}");
    assert_eq!(attempts[0]["requests"], 1);
}

#[test]
fn audience_fallback_for_external_client_apps() {
    let ctx = Ctx::new();
    let emu = Emu::start("eca-my-domain-audience");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.json"])).ok();
    assert!(r.stderr.contains(&format!("the audience {} worked", emu.url)), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    let auds: Vec<&str> =
        report["attempts"].as_array().unwrap().iter().map(|a| a["audience"].as_str().unwrap()).collect();
    assert_eq!(auds, ["https://login.salesforce.com", "https://test.salesforce.com", emu.url.as_str()]);
    // Every attempt went to the host the user named.
    assert!(report["attempts"].as_array().unwrap().iter().all(|a| a["host"] == "127.0.0.1"));
    // An explicit --audience is the only one tried.
    ctx.run(ctx.login(&emu, USERNAME).args(["--audience", "https://login.salesforce.com", "--report", "r2.json"]))
        .code(3);
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r2.json")).unwrap();
    assert_eq!(report["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn retries_recover_from_transient_faults() {
    for (scenario, requests) in
        [("faults-503", 3), ("faults-429", 3), ("faults-html", 2), ("faults-drop", 2), ("faults-truncated", 2)]
    {
        let ctx = Ctx::new();
        let emu = Emu::start(scenario);
        let started = Instant::now();
        let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.json"]));
        assert_eq!(r.code, 0, "{scenario}: {}", r.stderr);
        let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        assert_eq!(report["attempts"][0]["requests"], requests, "{scenario}");
        if scenario == "faults-429" {
            assert!(started.elapsed() >= Duration::from_secs(2), "Retry-After: 1 was not honoured twice");
        }
    }
}

#[test]
fn gives_up_within_bounds_with_exit_4() {
    let ctx = Ctx::new();
    let emu = Emu::start("faults-always-503");
    let started = Instant::now();
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--retry-window", "5s", "--report", "r.json"])).code(4);
    assert!(started.elapsed() < Duration::from_secs(20), "retry window not respected: {:?}", started.elapsed());
    assert!(r.stderr.contains("HTTP 503"), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    assert_eq!(report["diagnosis"]["cause"], "network_error");
    let requests = report["attempts"][0]["requests"].as_u64().unwrap();
    assert!((2..=4).contains(&requests), "{requests} requests");

    // An HTML page is reported with status, content type and an excerpt, not as a JSON error.
    let emu = Emu::start("faults-html");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--max-retries", "0"])).code(4);
    assert!(r.stderr.contains("HTTP 503 (text/html") && r.stderr.contains("Maintenance"), "{}", r.stderr);
}

#[test]
fn timeout_fires() {
    let ctx = Ctx::new();
    let emu = Emu::start("faults-hang");
    let started = Instant::now();
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--timeout", "2s", "--max-retries", "0"])).code(4);
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    assert!(r.stderr.contains("timed out") || r.stderr.contains("timeout"), "{}", r.stderr);
}

#[test]
fn wrong_ca_fails_with_the_tls_hint() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"]).arg(fixture_key());
    let r = ctx.run(&mut cmd).code(4);
    assert!(r.stderr.contains("--ca-file"), "{}", r.stderr);
    // SSL_CERT_FILE is honoured as well as --ca-file.
    ctx.run(
        ctx.sfjwt()
            .args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"])
            .arg(fixture_key())
            .env("SSL_CERT_FILE", &emu.ca),
    )
    .ok();
}

/// A minimal CONNECT proxy: records what it was asked for and tunnels bytes both ways.
fn connect_proxy() -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut client) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
                let _ = tx.send(line.clone());
                let target = line.split_whitespace().nth(1).unwrap_or_default().to_string();
                let Ok(upstream) = TcpStream::connect(target) else { return };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let t = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                });
                let (mut u, mut c) = (upstream, client);
                let _ = std::io::copy(&mut u, &mut c);
                let _ = t.join();
            });
        }
    });
    (format!("http://{addr}"), rx)
}

#[test]
fn https_proxy_is_honoured() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let (proxy, seen) = connect_proxy();
    ctx.run(ctx.login(&emu, USERNAME).env("HTTPS_PROXY", &proxy)).ok();
    let first = seen.recv_timeout(Duration::from_secs(5)).expect("the proxy saw no request");
    let host = emu.url.trim_start_matches("https://");
    assert_eq!(first, format!("CONNECT {host} HTTP/1.1"));
    // NO_PROXY bypasses it.
    ctx.run(ctx.login(&emu, USERNAME).env("HTTPS_PROXY", "http://127.0.0.1:9").env("NO_PROXY", "127.0.0.1")).ok();
}

#[test]
fn waits_for_propagation() {
    let ctx = Ctx::new();
    let emu = Emu::start("propagation-delay");
    let r = ctx.run(&mut ctx.login(&emu, USERNAME)).code(3);
    assert!(r.stderr.contains("client identifier invalid"));
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--wait-for-propagation", "30s", "--report", "r.json"])).ok();
    assert!(r.stderr.contains("Logged in"));
    let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    assert!(report["attempts"].as_array().unwrap().len() >= 2);
}

#[test]
fn assertions_go_only_to_salesforce_or_loopback() {
    let ctx = Ctx::new();
    let key = fixture_key();
    let r = ctx
        .run(
            ctx.sfjwt()
                .args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", "https://login.evil.example", "--key"])
                .arg(&key),
        )
        .code(2);
    assert!(
        r.stderr.contains("refusing to send credentials to login.evil.example") && r.stderr.contains("--allow-host"),
        "{}",
        r.stderr
    );
    ctx.run(
        ctx.sfjwt().args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", "http://127.0.0.1:9", "--key"]).arg(&key),
    )
    .code(2)
    .stderr_has("--insecure-http");
    // A config file cannot allow a host.
    std::fs::write(
        ctx.path("sfjwt.yaml"),
        "targets:\n  x:\n    client_id: 3MVG9Example.key_1\n    allow_host: evil.example\n",
    )
    .unwrap();
    ctx.run(ctx.sfjwt().args(["login", "--target", "x", "-o", USERNAME, "--key"]).arg(&key))
        .code(2)
        .stderr_has("unknown field `allow_host`");
}

#[test]
fn config_targets_and_precedence() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let key = fixture_key();
    std::fs::write(
        ctx.path("sfjwt.yaml"),
        format!(
            "targets:\n  prod:\n    client_id: 3MVG9Example.key_1\n    username: ci@acme.com\n    login_url: {}\n    key: env:PROD_JWT_KEY\n    ca_file: {}\n  uat:\n    client_id: 3MVG9Example.key_2\n    username: ci@acme.com.uat\n    login_url: test\n",
            emu.url,
            emu.ca.display()
        ),
    )
    .unwrap();
    let pem = std::fs::read_to_string(&key).unwrap();
    ctx.run(ctx.sfjwt().args(["login", "--target", "prod"]).env("PROD_JWT_KEY", &pem)).ok();
    // A flag overrides the target, the target overrides the environment, and both are noted.
    let r = ctx.run(
        ctx.sfjwt()
            .args(["login", "--target", "prod", "-o", "nobody@acme.com"])
            .env("PROD_JWT_KEY", &pem)
            .env("SFJWT_CLIENT_ID", "3MVG9Other.key_9"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("note: username from --username overrides"), "{}", r.stderr);
    assert!(r.stderr.contains("client id from sfjwt.yaml target prod overrides SFJWT_CLIENT_ID"), "{}", r.stderr);
    // The order `login --help` states: flags, a target named with --target, the environment, the
    // config file's default_target. A committed default_target must not re-point a job.
    let help =
        ctx.run(ctx.sfjwt().args(["login", "--help"])).ok().stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("in order: flags, the target of sfjwt.yaml named with --target, the environment"), "{help}");
    assert!(help.contains("SFJWT_TIMEOUT), the config file's default_target, sfdcLoginUrl"), "{help}");
    let with_default =
        std::fs::read_to_string(ctx.path("sfjwt.yaml")).unwrap().replace("targets:", "default_target: prod\ntargets:");
    std::fs::write(ctx.path("sfjwt.yaml"), with_default).unwrap();
    let r = ctx.run(ctx.sfjwt().args(["login"]).env("PROD_JWT_KEY", &pem).env("SFJWT_CLIENT_ID", "3MVG9Other.key_9"));
    assert_eq!(r.code, 3, "the environment's client id was used: {}", r.stderr);
    assert!(r.stderr.contains("client id from SFJWT_CLIENT_ID overrides sfjwt.yaml target prod"), "{}", r.stderr);
    // Errors name the file, the line and what is known.
    ctx.run(ctx.sfjwt().args(["login", "--target", "staging"]))
        .code(2)
        .stderr_has("no target named \"staging\"")
        .stderr_has("known targets: prod, uat");
    std::fs::write(ctx.path("bad.yaml"), "targets:\n  prod:\n    client_id: x\n    usernme: y\n").unwrap();
    ctx.run(ctx.sfjwt().args(["login", "--config", "bad.yaml", "--target", "prod"]))
        .code(2)
        .stderr_has("bad.yaml")
        .stderr_has("line 4")
        .stderr_has("usernme");
    std::fs::write(ctx.path("bad2.yaml"), "targets: [oops\n").unwrap();
    ctx.run(ctx.sfjwt().args(["login", "--config", "bad2.yaml", "--target", "prod"])).code(2).stderr_has("line 1");
    ctx.run(ctx.sfjwt().args(["login", "--config", "missing.yaml"])).code(2).stderr_has("missing.yaml");
}

#[test]
fn login_url_from_sfdx_project() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    std::fs::write(ctx.path("sfdx-project.json"), format!("{{\"sfdcLoginUrl\": \"{}\"}}", emu.url)).unwrap();
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "--ca-file"]).arg(&emu.ca).arg("--key").arg(fixture_key());
    ctx.run(&mut cmd).ok();
}

#[test]
fn revoke_at_the_end_of_a_job() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let r = ctx.run_revealing(ctx.login(&emu, USERNAME).args(["--format", "env"])).ok();
    let token = r.stdout.lines().next().unwrap().trim_start_matches("SF_ACCESS_TOKEN=").to_string();
    let revoke = |ctx: &Ctx| {
        let mut cmd = ctx.sfjwt();
        cmd.args(["revoke", "--instance-url", &emu.url, "--ca-file"]).arg(&emu.ca).env("SF_ACCESS_TOKEN", &token);
        ctx.run(&mut cmd)
    };
    revoke(&ctx).ok().stderr_has("Revoked");
    // Already revoked: a cleanup job must not fail on it.
    revoke(&ctx).ok().stderr_has("already revoked or has expired");
    // From standard input.
    let r = ctx.run_revealing(ctx.login(&emu, USERNAME).args(["--format", "env"])).ok();
    let token = r.stdout.lines().next().unwrap().trim_start_matches("SF_ACCESS_TOKEN=").to_string();
    let mut cmd = ctx.sfjwt();
    cmd.args(["revoke", "--instance-url", &emu.url, "--ca-file"]).arg(&emu.ca);
    ctx.run_stdin(&mut cmd, format!("{token}\n").as_bytes()).ok();
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn sf_cli_handoff() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)");
    let sf_env = |cmd: &mut std::process::Command| crate::common::sf_env(cmd, &sf, &emu.ca);
    let mut cmd = ctx.login(&emu, USERNAME);
    cmd.args(["--sf-alias", "emu"]);
    sf_env(&mut cmd);
    // sf must trust the emulator through sfjwt's own --ca-file (NODE_EXTRA_CA_CERTS set by sfjwt),
    // not through a variable the test sets: behind a TLS-inspecting proxy that is all users have.
    cmd.env_remove("NODE_EXTRA_CA_CERTS");
    let r = ctx.run(&mut cmd).ok();
    assert!(r.stderr.contains("--target-org emu"), "{}", r.stderr);
    // A later sf command uses the stored session: no key file involved.
    let result = crate::common::sf_org_display(&ctx, &sf, &emu.ca, "emu");
    assert_eq!(result["username"], USERNAME);
    assert_eq!(result["instanceUrl"].as_str().unwrap().trim_end_matches('/'), emu.url);
    assert!(result.get("privateKey").is_none(), "sf pinned a key file");
}

/// `--sf-alias` starts sf with an allow-listed environment: a fake sf (SFJWT_SF_BIN) writes out
/// what it was given. Before, it inherited sfjwt's whole environment: the key in SFJWT_KEY, the
/// passphrase, the admin token and every other secret of the job.
#[test]
fn sf_gets_only_the_environment_it_needs() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let dump = ctx.path("sf-env.txt");
    let fake = ctx.path("fake-sf");
    std::fs::write(&fake, format!("#!/bin/sh\nenv > '{}'\n", dump.display())).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let pem = std::fs::read_to_string(fixture_key()).unwrap();
    ctx.secret(&pem);
    ctx.secret("pass-phrase-never-for-sf");
    ctx.secret(ADMIN_TOKEN);
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--ca-file"])
        .arg(&emu.ca)
        .args(["--sf-alias", "emu"])
        .env("SFJWT_SF_BIN", &fake)
        .env("SFJWT_KEY", &pem)
        .env("SFJWT_KEY_PASSPHRASE", "pass-phrase-never-for-sf")
        .env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("DEPLOY_SECRET", "job-secret-never-for-sf")
        .env("NO_PROXY", "internal.example")
        .env("LC_ALL", "C.UTF-8")
        .env("SF_USE_GENERIC_UNIX_KEYCHAIN", "true");
    let r = ctx.run(&mut cmd).ok();
    assert!(r.stderr.contains("sf cannot renew this session"), "{}", r.stderr);
    let env = std::fs::read_to_string(&dump).unwrap();
    let names: Vec<&str> = env.lines().filter_map(|l| l.split_once('=').map(|(k, _)| k)).collect();
    for needed in ["PATH", "HOME", "NO_PROXY", "LC_ALL", "SF_USE_GENERIC_UNIX_KEYCHAIN", "SF_ACCESS_TOKEN"] {
        assert!(names.contains(&needed), "sf needs {needed}: {names:?}");
    }
    // The CA sfjwt was given reaches sf as Node's variable.
    assert!(env.contains(&format!("NODE_EXTRA_CA_CERTS={}", emu.ca.display())), "{env}");
    for secret in ["SFJWT_KEY", "SFJWT_KEY_PASSPHRASE", "SFJWT_ADMIN_TOKEN", "DEPLOY_SECRET"] {
        assert!(!names.contains(&secret), "{secret} reached sf: {names:?}");
    }
    for value in ["PRIVATE KEY", "pass-phrase-never-for-sf", ADMIN_TOKEN, "job-secret-never-for-sf"] {
        assert!(!env.contains(value), "a secret's value reached sf");
    }
    assert!(!names.iter().any(|n| n.starts_with("SFJWT_")), "{names:?}");
}

/// `--set-default`/`-s` and `--set-default-dev-hub`/`-d` reach sf with the hand-off, as with
/// `sf org login jwt`: the real sf's own config then names the alias (before, clap refused them).
#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn sf_cli_handoff_sets_the_default_org_and_dev_hub() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)");
    let mut cmd = ctx.login(&emu, USERNAME);
    cmd.args(["--sf-alias", "emu", "-s", "--set-default-dev-hub"]);
    crate::common::sf_env(&mut cmd, &sf, &emu.ca);
    let r = ctx.run(&mut cmd).ok();
    assert!(r.stderr.contains("emu is the default org (target-org)"), "{}", r.stderr);
    assert!(r.stderr.contains("emu is the default Dev Hub (target-dev-hub)"), "{}", r.stderr);
    assert!(r.stderr.contains("sf cannot renew this session"), "{}", r.stderr);
    let mut get = std::process::Command::new(&sf);
    get.args(["config", "get", "target-org", "target-dev-hub", "--json"])
        .current_dir(ctx.path(""))
        .env("HOME", ctx.path(""));
    crate::common::sf_env(&mut get, &sf, &emu.ca);
    let out = get.output().unwrap();
    let j: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
    let value = |name: &str| {
        j["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
            .unwrap_or_default()
    };
    assert_eq!(value("target-org"), "emu", "{j}");
    assert_eq!(value("target-dev-hub"), "emu", "{j}");
    // Without --sf-alias the flags mean nothing, and say so.
    let r = ctx.run(ctx.login(&emu, USERNAME).arg("--set-default")).code(2);
    assert!(r.stderr.contains("--sf-alias"), "{}", r.stderr);
}

/// A JWT-based access token carries `exp` (the org's session timeout): login says when the
/// session ends, at the second. An opaque token says nothing, and neither does login.
#[test]
fn login_prints_when_the_session_expires_if_the_org_says() {
    let ctx = Ctx::new();
    let healthy = std::fs::read_to_string(repo().join("fixtures/orgs/healthy.yaml")).unwrap();
    let jwt_tokens = healthy
        .replace("certificate: ci.crt", &format!("certificate: {}", repo().join("fixtures/orgs/ci.crt").display()))
        .replace(
            "    permission-sets: [CI_Access]\nusers:",
            "    permission-sets: [CI_Access]\n    jwt-access-tokens: true\nusers:",
        );
    assert_ne!(jwt_tokens, healthy);
    let scenario = ctx.path("jwt-tokens.yaml");
    std::fs::write(&scenario, jwt_tokens).unwrap();
    let emu = Emu::start_with(&scenario, &[]);
    let r = ctx.run(&mut ctx.login(&emu, USERNAME)).ok();
    let line =
        r.stderr.lines().find(|l| l.starts_with("The session expires at ")).unwrap_or_else(|| panic!("{}", r.stderr));
    // "YYYY-MM-DD HH:MM:SS UTC": seconds, no fraction.
    let at = line.trim_start_matches("The session expires at ").split(" (").next().unwrap();
    assert!(at.len() == 23 && at.ends_with(" UTC") && !at.contains('.'), "{line}");
    let j = ctx.run(ctx.login(&emu, USERNAME).args(["--format", "json"])).ok().json();
    let rfc3339 = j["expires_at"].as_str().unwrap_or_default().to_string();
    assert!(rfc3339.len() == 20 && rfc3339.ends_with('Z') && !rfc3339.contains('.'), "seconds, UTC: {j}");
    let opaque = Emu::start("healthy");
    let r = ctx.run(&mut ctx.login(&opaque, USERNAME)).ok();
    assert!(!r.stderr.contains("session expires"), "{}", r.stderr);
    let j = ctx.run(ctx.login(&opaque, USERNAME).args(["--format", "json"])).ok().json();
    assert!(j.get("expires_at").is_none(), "{j}");
}

/// The cause line names its confidence once: `cause: user_not_approved (likely): the app lets
/// …`, not `(likely): Likely: the app lets …` as before; the Markdown heading likewise.
#[test]
fn the_cause_line_says_its_confidence_once() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.md"])).code(3);
    let line = r.stderr.lines().find(|l| l.starts_with("cause: ")).unwrap_or_default();
    assert!(line.starts_with("cause: user_not_approved (likely): the app lets"), "{}", r.stderr);
    assert!(!line.to_lowercase().contains("likely: "), "{line}");
    let md = ctx.read_clean("r.md");
    let heading = md.lines().position(|l| l.starts_with("### Diagnosis: `user_not_approved` (likely)")).unwrap();
    let paragraph = md.lines().nth(heading + 2).unwrap_or_default();
    assert!(paragraph.starts_with("the app lets"), "{md}");
}

/// Splits a printed command the way sh would for the simple quoting sfjwt uses ('…').
fn shell_words(line: &str) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("for w in {line}; do printf '%s\\0' \"$w\"; done"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().split('\0').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The skew a report's `clock` check names ("… clock is 600s off …").
fn reported_skew(report: &serde_json::Value) -> i64 {
    let clock = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "clock").expect("a clock check");
    let detail = clock["detail"].as_str().unwrap();
    let n = detail.split("clock is ").nth(1).and_then(|r| r.split('s').next()).expect("the skew in seconds");
    n.parse().unwrap_or_else(|_| panic!("a number of seconds in {detail:?}"))
}

/// An org whose clock runs 10 minutes ahead (issue 23 §3): the 180 s assertion is expired on
/// arrival; sfjwt reads the server's Date, signs once more with exp relative to the server's
/// clock, succeeds with a warning naming the skew, and the report keeps both attempts.
/// `--no-clock-compensation` keeps the refusal.
#[test]
fn a_server_clock_ahead_is_compensated_unless_turned_off() {
    let ctx = Ctx::new();
    let emu = Emu::start("clock-ahead");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "ok.json", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("signed it once more with exp relative to the server's clock"), "{}", r.stderr);
    assert!(r.stderr.contains("Logged in as ci@acme.com"), "{}", r.stderr);
    let ok: serde_json::Value = serde_json::from_str(&ctx.read_clean("ok.json")).unwrap();
    assert_eq!(ok["status"], "ok");
    let attempts = ok["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "both attempts are recorded: {attempts:?}");
    assert_eq!(attempts[0]["error_description"], "expired authorization code");
    assert_eq!(attempts[1]["outcome"], "granted");
    // The scenario sets the emulator's clock 600 s ahead; the Date header has whole seconds.
    assert!((590..=610).contains(&reported_skew(&ok)), "{ok}");
    validate_with_schema(&ctx.path("ok.json"));

    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "off.json", "--no-clock-compensation"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("expired authorization code"), "{}", r.stderr);
    assert!(r.stderr.contains("not compensated (--no-clock-compensation)"), "{}", r.stderr);
    let off: serde_json::Value = serde_json::from_str(&ctx.read_clean("off.json")).unwrap();
    assert_eq!(off["diagnosis"]["cause"], "assertion_expired");
    assert_eq!(off["attempts"].as_array().unwrap().len(), 1, "{off}");
    assert!((590..=610).contains(&reported_skew(&off)), "{off}");
}
