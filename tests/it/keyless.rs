//! Keyless login (`sfjwt login --oidc`) against the emulator's token-exchange grant. The OIDC
//! tokens come from the emulator's fake CI issuer (a key neither sfjwt nor these tests hold);
//! the emulator verifies them against its JWKS with its own code.

use std::path::Path;
use std::process::Command;

use crate::common::*;

pub const GH_REQUEST_TOKEN: &str = "gh-request-token-for-tests-0123456789abcdef";
pub const GL_REQUEST_TOKEN: &str = "gl-request-token-for-tests-0123456789abcdef";

/// A token from the emulator's issuer, fetched with curl (an independent HTTPS client).
pub fn mint(emu: &Emu, kind: &str, request_token: &str, audience: &str) -> String {
    let url = format!("{}/_oidc/{kind}/token?audience={}", emu.url, audience.replace(':', "%3A").replace('/', "%2F"));
    let out = Command::new("curl")
        .args(["-fsS", "--cacert"])
        .arg(&emu.ca)
        .args(["-H", &format!("Authorization: Bearer {request_token}"), &url])
        .output()
        .expect("curl");
    assert!(out.status.success(), "minting failed: {}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    j["value"].as_str().unwrap().to_string()
}

/// `sfjwt login --oidc SOURCE` against the emulator (its My Domain), with its CA.
fn keyless(ctx: &Ctx, emu: &Emu, source: &str) -> Command {
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--oidc", source, "-i", CLIENT_ID, "-r", &emu.url, "--ca-file"]).arg(&emu.ca);
    cmd.env_remove("ACTIONS_ID_TOKEN_REQUEST_URL").env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

fn report(ctx: &Ctx, name: &str) -> serde_json::Value {
    validate_with_schema(&ctx.path(name));
    serde_json::from_str(&ctx.read_clean(name)).unwrap()
}

/// Lines other than the `::add-mask::` ones, where a secret may appear (it is how it is masked).
fn unmasked(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("::add-mask::")).collect::<Vec<_>>().join("\n")
}

#[test]
fn github_token_service_login_writes_outputs_masks_and_a_token_exchange_report() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let outputs = ctx.path("gh-output");
    let mut cmd = keyless(&ctx, &emu, "github");
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .args(["--report", "r.json"]);
    let r = ctx.run_revealing(&mut cmd);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // Masks first, on stderr: the request token, then the OIDC token, then the access token.
    let masks: Vec<&str> = r.stderr.lines().filter_map(|l| l.strip_prefix("::add-mask::")).collect();
    assert_eq!(masks.len(), 3, "{}", r.stderr);
    assert_eq!(masks[0], GH_REQUEST_TOKEN);
    assert!(masks[1].starts_with("eyJ") && masks[1].split('.').count() == 3, "{}", masks[1]);
    assert!(masks[2].starts_with(TOKEN_PREFIX));
    ctx.secret(GH_REQUEST_TOKEN);
    ctx.secret(masks[1]);
    ctx.assert_no_secrets(&r.stdout);
    ctx.assert_no_secrets(&unmasked(&r.stderr));
    assert!(r.stderr.contains("mapped by the token exchange handler"), "{}", r.stderr);
    let out = std::fs::read_to_string(&outputs).unwrap();
    assert!(out.contains("org-id=00D000000000001AAA") && out.contains("cause=none"), "{out}");
    ctx.assert_no_secrets(&out);
    let rep = report(&ctx, "r.json");
    assert_eq!(rep["status"], "ok");
    assert_eq!(rep["target"]["flow"], "token_exchange");
    assert_eq!(rep["target"]["oidc"]["iss"], "https://token.actions.githubusercontent.com");
    assert_eq!(rep["target"]["oidc"]["aud"][0], emu.url.as_str());
    assert_eq!(rep["target"]["oidc"]["sub"], "repo:acme/app:ref:refs/heads/main");
    assert_eq!(rep["target"]["oidc"]["repository"], "acme/app");
    assert_eq!(rep["checks"][0]["id"], "oidc_token");
    assert_eq!(rep["checks"][0]["status"], "pass");
    assert!(rep["identity"]["user_id"].as_str().unwrap().starts_with("005"));
}

#[test]
fn missing_github_variables_name_the_permission_and_the_cause() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let r = ctx.run(keyless(&ctx, &emu, "github").args(["--report", "r.json"]));
    let r = r.code(2).stderr_has("permissions: id-token: write");
    assert!(r.stderr.contains("ACTIONS_ID_TOKEN_REQUEST_URL"), "{}", r.stderr);
    let rep = report(&ctx, "r.json");
    assert_eq!(rep["diagnosis"]["cause"], "oidc_token_unavailable");
    assert_eq!(rep["target"]["flow"], "token_exchange");
}

#[test]
fn wrong_request_token_is_a_clear_error() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let mut cmd = keyless(&ctx, &emu, "github");
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "not-the-right-request-token-xyz");
    ctx.secret("not-the-right-request-token-xyz");
    // Outside GitHub Actions no ::add-mask:: line is written: it would print the secret.
    let r = ctx.run(&mut cmd).code(2);
    assert!(r.stderr.contains("answered HTTP 401") && r.stderr.contains("id-token: write"), "{}", r.stderr);
    assert!(!r.stdout.contains("::add-mask::"), "{}", r.stdout);
}

#[test]
fn gitlab_id_token_variable_login_writes_the_dotenv() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-gitlab");
    let token = mint(&emu, "gitlab", GL_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    let mut cmd = keyless(&ctx, &emu, "gitlab");
    cmd.env("SFJWT_ID_TOKEN", &token).args(["--dotenv", "sf.env", "--report", "r.json", "--username", USERNAME]);
    let r = ctx.run(&mut cmd).ok();
    assert!(r.stderr.contains(&format!("Logged in as {USERNAME}")), "{}", r.stderr);
    let env = std::fs::read_to_string(ctx.path("sf.env")).unwrap();
    assert!(env.contains(&format!("SF_ORG_INSTANCE_URL={}", emu.url)) && env.contains(TOKEN_PREFIX), "{env}");
    ctx.assert_no_secrets(&env);
    let rep = report(&ctx, "r.json");
    assert_eq!(rep["target"]["oidc"]["iss"], "https://gitlab.com");
    assert_eq!(rep["target"]["oidc"]["sub"], "project_path:acme/app:ref_type:branch:ref:main");
}

#[test]
fn token_from_a_file_with_jwt_type_and_a_named_handler() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let token = mint(&emu, "github", GH_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    std::fs::write(ctx.path("id.jwt"), format!("{token}\n")).unwrap();
    let ok = |handler: &str| {
        let mut cmd = keyless(&ctx, &emu, "file:id.jwt");
        cmd.args(["--subject-token-type", "jwt", "--token-handler", handler]);
        ctx.run(&mut cmd)
    };
    // token_handler may name the Apex class or the handler's API name (which one is unconfirmed).
    ok("SfjwtKeylessHandler").ok();
    ok("sfjwt_Keyless_Handler").ok();
    let r = ok("NoSuchHandler").code(3);
    assert!(r.stderr.contains("token handler not found"), "{}", r.stderr);
}

/// Each refusal scenario: the cause, its confidence, and the evidence that names what did not match.
#[test]
fn refusals_map_to_keyless_causes() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("keyless-wrong-repo", "exchange_token_rejected", "possible", &["repository not allowed: acme/other"]),
        (
            "keyless-wrong-ref",
            "exchange_token_rejected",
            "possible",
            &["ref not allowed for acme/app: refs/heads/feature"],
        ),
        (
            "keyless-wrong-audience",
            "exchange_token_rejected",
            "possible",
            &["audience mismatch: expected https://acme.my.salesforce.com"],
        ),
        (
            "keyless-expired",
            "exchange_token_rejected",
            "possible",
            &["token expired", "local check of the OIDC token: the OIDC token expired"],
        ),
        ("keyless-rejected-generic", "exchange_token_rejected", "likely", &["token handler validation failed"]),
        ("keyless-no-handler", "exchange_handler_missing", "likely", &["token handler not found"]),
        ("keyless-not-enabled", "exchange_not_enabled", "likely", &["unauthorized_client"]),
        ("keyless-not-preauthorized", "user_not_preauthorized", "likely", &["hasn't approved this consumer"]),
    ];
    for (scenario, cause, confidence, evidence) in cases {
        let ctx = Ctx::new();
        let emu = Emu::start(scenario);
        let token = mint(&emu, "github", GH_REQUEST_TOKEN, &emu.url);
        ctx.secret(token.clone());
        let mut cmd = keyless(&ctx, &emu, "env:CI_OIDC");
        cmd.env("CI_OIDC", &token).args(["--report", "r.json", "--report", "r.md"]);
        let r = ctx.run(&mut cmd).code(3);
        let rep = report(&ctx, "r.json");
        let d = &rep["diagnosis"];
        assert_eq!(d["cause"], *cause, "{scenario}: {d:#}");
        assert_eq!(d["confidence"], *confidence, "{scenario}: {d:#}");
        let all = d["evidence"].to_string();
        for e in *evidence {
            assert!(all.contains(e), "{scenario}: evidence lacks {e:?}: {all}");
        }
        let remediation = d["remediation"].to_string();
        if *cause == "exchange_token_rejected" {
            assert!(remediation.contains("SfjwtKeylessHandler") && remediation.contains(CLIENT_ID), "{remediation}");
            assert!(remediation.contains("ApexLog"), "{remediation}");
        }
        assert!(r.stderr.contains(cause), "{scenario}: {}", r.stderr);
        ctx.read_clean("r.md");
    }
}

#[test]
fn audience_mismatch_is_visible_before_salesforce_is_asked() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let token = mint(&emu, "github", GH_REQUEST_TOKEN, "https://other.my.salesforce.com");
    ctx.secret(token.clone());
    let mut cmd = keyless(&ctx, &emu, "env:CI_OIDC");
    cmd.env("CI_OIDC", &token).args(["--report", "r.json"]);
    let r = ctx.run(&mut cmd).code(3);
    let warning = r.stderr.find("warning: the OIDC token's aud is https://other.my.salesforce.com").expect(&r.stderr);
    assert!(warning < r.stderr.find("error: Salesforce refused").unwrap(), "{}", r.stderr);
    let rep = report(&ctx, "r.json");
    assert_eq!(rep["checks"][0]["status"], "warn");
    assert!(
        rep["diagnosis"]["remediation"].to_string().contains("The claim that does not match: the OIDC token's aud")
    );
}

#[test]
fn bad_keyless_input_is_refused_before_any_request() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let cases: &[(&[&str], &str)] = &[
        (&["login", "--oidc", "env:T", "-i", CLIENT_ID, "-r", "login"], "My Domain"),
        (&["login", "--oidc", "env:T", "-i", CLIENT_ID, "-r", "test"], "My Domain"),
        (&["login", "--oidc", "azure", "-i", CLIENT_ID, "-r", "acme.my.salesforce.com"], "invalid --oidc"),
        (
            &["login", "--oidc", "env:T", "--key", "k.pem", "-i", CLIENT_ID, "-r", "acme.my.salesforce.com"],
            "cannot be used with",
        ),
        (
            &["login", "--oidc", "env:T", "-i", CLIENT_ID, "-r", "acme.my.salesforce.com", "--token-handler", "a b"],
            "invalid --token-handler",
        ),
        (
            &[
                "login",
                "--oidc",
                "env:NOT_SET_ANYWHERE",
                "-i",
                CLIENT_ID,
                "-r",
                &emu.url,
                "--ca-file",
                emu.ca.to_str().unwrap(),
            ],
            "NOT_SET_ANYWHERE is not set",
        ),
        (
            &["login", "--oidc", "env:T", "-i", CLIENT_ID, "-r", &emu.url, "--ca-file", emu.ca.to_str().unwrap()],
            "not a JWT",
        ),
        (&["login", "--oidc", "file:/nonexistent/id.jwt", "-i", CLIENT_ID, "-r", &emu.url], "OIDC token file"),
        (
            &["login", "--oidc", "gitlab", "-i", CLIENT_ID, "-r", &emu.url],
            "id_tokens: { SFJWT_ID_TOKEN: { aud: https://127.0.0.1",
        ),
        (&["login", "--oidc-audience", "x", "-i", CLIENT_ID, "-r", &emu.url], "--oidc"),
        (&["doctor", "--oidc", "env:T", "-i", CLIENT_ID, "-r", &emu.url], "doctor checks the JWT bearer setup"),
    ];
    for (args, needle) in cases {
        let mut cmd = ctx.sfjwt();
        cmd.args(*args).env("T", "plainly-not-a-jwt");
        ctx.run(&mut cmd).code(2).stderr_has(needle);
    }
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn keyless_session_hands_off_to_the_sf_cli() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)");
    let token = mint(&emu, "github", GH_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    let sf_env = |cmd: &mut Command| crate::common::sf_env(cmd, &sf, &emu.ca);
    let mut cmd = keyless(&ctx, &emu, "env:CI_OIDC");
    cmd.env("CI_OIDC", &token).args(["--sf-alias", "keyless"]);
    sf_env(&mut cmd);
    let r = ctx.run(&mut cmd).ok();
    assert!(r.stderr.contains("--target-org keyless"), "{}", r.stderr);
    let result = crate::common::sf_org_display(&ctx, &sf, &emu.ca, "keyless");
    assert_eq!(result["username"], USERNAME);
}

#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_keyless_template_hands_the_session_to_a_later_job() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-gitlab");
    let token = mint(&emu, "gitlab", GL_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    let project = ctx.path("project");
    std::fs::create_dir_all(&project).unwrap();
    // The template's install step runs as written, against a local release it pins by default.
    use crate::fake_release::{FakeRelease, LINUX_X64};
    let rel = FakeRelease::lay_out(&ctx, &format!("v{}", env!("CARGO_PKG_VERSION")), &[LINUX_X64]).serve(&[]);
    let template = "sfjwt-keyless.gitlab-ci.yml";
    std::fs::copy(repo().join("ci-templates/gitlab").join(template), project.join(template)).unwrap();
    std::fs::write(
        project.join(".gitlab-ci.yml"),
        format!("include:\n  - local: {template}\nstages: [login, deploy]\nsfjwt-login:\n  extends: .sfjwt-keyless-login\n  stage: login\ndeploy:\n  stage: deploy\n  script:\n    - echo \"instance from dotenv $SF_ORG_INSTANCE_URL\"\n    - test -n \"$SF_ACCESS_TOKEN\" && echo token present\n"),
    )
    .unwrap();
    // gitlab-ci-local has no OIDC issuer: the job's id_tokens variable is given as GitLab would fill it.
    std::fs::write(
        project.join(".gitlab-ci-local-variables.yml"),
        format!(
            "SFJWT_CLIENT_ID: {CLIENT_ID}\nSFJWT_LOGIN_URL: {}\nSFJWT_CA_FILE: {}\nSFJWT_ID_TOKEN: {token}\nSFJWT_BASE_URL: {}\nSFJWT_SHA256: {}\nSFJWT_INSTALLER_SHA256: {}\n",
            emu.url,
            emu.ca.display(),
            rel.base,
            rel.sha256(&rel.archive(LINUX_X64)),
            rel.sha256("install.sh"),
        ),
    )
    .unwrap();
    for args in
        [&["init", "-q"][..], &["add", "."], &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "t"]]
    {
        assert!(Command::new("git").args(args).current_dir(&project).status().unwrap().success());
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
    let path: Vec<_> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| d != &bin_dir && !d.join("sfjwt").exists())
        .collect();
    let path = std::env::join_paths(path).unwrap();
    let gcl = std::env::var_os("SFJWT_GCL_BIN").unwrap_or_else(|| "gitlab-ci-local".into());
    let out = Command::new(gcl).current_dir(&project).env("PATH", path).env("HOME", ctx.dir.path()).output().unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    ctx.assert_no_secrets(&log);
    assert!(!log.contains(TOKEN_PREFIX), "token in the job log:\n{log}");
    assert!(out.status.success(), "{log}");
    assert!(log.contains(&format!("instance from dotenv {}", emu.url)), "{log}");
    assert!(log.contains("token present") && log.contains("mapped by the token exchange handler"), "{log}");
    assert!(log.contains(&format!("verified {}", rel.archive(LINUX_X64))), "installed as written:\n{log}");
}

/// The debug-log query the remediation prints, run as printed by the real sf CLI against the
/// emulator (with an admin session): it finds the handler's log.
#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn the_printed_debug_log_query_runs_and_finds_the_handler_log() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-rejected-generic");
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)");
    let token = mint(&emu, "github", GH_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    let mut cmd = keyless(&ctx, &emu, "env:CI_OIDC");
    cmd.env("CI_OIDC", &token).args(["--report", "r.json"]);
    ctx.run(&mut cmd).code(3);
    let rep = report(&ctx, "r.json");
    let remediation = rep["diagnosis"]["remediation"].to_string();
    let start = remediation.find("`sf data query").expect(&remediation) + 1;
    let printed = remediation[start..].split('`').next().unwrap().replace("\\\"", "\"");
    let mut login = Command::new(&sf);
    login
        .args(["org", "login", "access-token", "--instance-url", &emu.url, "--alias", "admin", "--no-prompt"])
        .env("SF_ACCESS_TOKEN", ADMIN_TOKEN)
        .env("HOME", ctx.dir.path());
    crate::common::sf_env(&mut login, &sf, &emu.ca);
    assert!(login.status().unwrap().success());
    let mut query = Command::new("bash");
    query.args(["-c", &format!("{printed} --target-org admin --json")]).env("HOME", ctx.dir.path());
    crate::common::sf_env(&mut query, &sf, &emu.ca);
    let out = query.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}: {text}{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["result"]["records"][0]["Operation"], "OauthTokenExchangeApexExec", "{j:#}");
}

#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn github_keyless_login_under_act_masks_both_tokens() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let run = ctx.path("act-run");
    std::fs::create_dir_all(run.join(".github/workflows")).unwrap();
    std::fs::copy(repo().join("tests/keyless/github-run.yml"), run.join(".github/workflows/keyless.yml")).unwrap();
    for args in
        [&["init", "-q"][..], &["add", "."], &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "t"]]
    {
        assert!(Command::new("git").args(args).current_dir(&run).status().unwrap().success());
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
    let act = std::env::var_os("SFJWT_ACT_BIN").unwrap_or_else(|| "act".into());
    let request_url = format!("{}/_oidc/github/token?api-version=2.0", emu.url);
    let out = Command::new(act)
        .current_dir(&run)
        .args(["push", "-W", ".github/workflows/keyless.yml", "-P", "ubuntu-latest=-self-hosted"])
        .args(["--env", &format!("SFJWT_BIN_DIR={}", bin_dir.display())])
        .args(["--env", &format!("EMU_URL={}", emu.url), "--env", &format!("EMU_CA={}", emu.ca.display())])
        .args(["--env", &format!("ACTIONS_ID_TOKEN_REQUEST_URL={request_url}")])
        .args(["--env", &format!("ACTIONS_ID_TOKEN_REQUEST_TOKEN={GH_REQUEST_TOKEN}")])
        .env("HOME", ctx.dir.path())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{log}");
    // act applies the masks: the request token and the ID token appear nowhere, nor the session.
    ctx.secret(GH_REQUEST_TOKEN);
    ctx.assert_no_secrets(&log);
    assert!(!log.contains(TOKEN_PREFIX), "an access token reached act's log:\n{log}");
    assert!(!log.contains("eyJ"), "a JWT reached act's log:\n{log}");
    for needle in ["org-id: 00D000000000001AAA", "cause: none", "token: ***", "\"flow\": \"token_exchange\""] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
}

#[test]
fn explain_recognises_token_exchange_refusals() {
    let ctx = Ctx::new();
    for (text, cause) in [
        ("invalid_request: token handler not found", "exchange_handler_missing"),
        (
            r#"{"error":"invalid_request","error_description":"token handler validation failed"}"#,
            "exchange_token_rejected",
        ),
        ("HTTP 400 unauthorized_client", "exchange_not_enabled"),
        // Reported by a public implementation (docs/evidence.md kx-29).
        ("invalid_request: app not enabled for token exchange", "exchange_not_enabled"),
    ] {
        let r = ctx.run(ctx.sfjwt().args(["explain", text, "--format", "json"])).ok();
        assert_eq!(r.json()["cause"], cause, "{text}");
    }
}

/// issue 22: a refused keyless login records a passing oidc_token check first; its JUnit file
/// must still carry a failure (it said failures="0" with exit 3).
#[test]
fn a_refused_keyless_login_writes_a_failing_junit_case() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-rejected-generic");
    let token = mint(&emu, "github", GH_REQUEST_TOKEN, &emu.url);
    ctx.secret(token.clone());
    let mut cmd = keyless(&ctx, &emu, "env:CI_OIDC");
    cmd.env("CI_OIDC", &token).args(["--report", "r.xml"]);
    ctx.run(&mut cmd).code(3);
    let xml = ctx.read_clean("r.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: usize = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
    assert_eq!(failures, 1, "{xml}");
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("failures"), Some("1"), "{xml}");
    assert!(xml.contains("Token exchange") && xml.contains("exchange_token_rejected"), "{xml}");
}

/// A token endpoint that echoes the form it was sent (subject_token included) in its refusal.
fn echoing_server() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let answer = serde_json::json!({
                "error": "invalid_request",
                "error_description": format!("cannot read {}", String::from_utf8_lossy(&body)),
            })
            .to_string();
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    url
}

/// The OIDC token is a secret for every source, not only under GitHub Actions: a server that
/// echoes `subject_token=…` reaches stderr, --json and the reports only as ***.
#[test]
fn an_echoed_oidc_token_is_scrubbed_for_every_source() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let token = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(
            r#"{"iss":"https://gitlab.com","aud":"x","sub":"project_path:acme/app:ref_type:branch:ref:main","exp":4102444800}"#
        ),
        "c2lnbmF0dXJlLW9mLXRoZS1lY2hvZWQtdG9rZW4tZm9yLXRlc3Rz"
    );
    let url = echoing_server();
    for source in ["env:CI_OIDC", "gitlab", "file:id.jwt"] {
        let ctx = Ctx::new();
        ctx.secret(token.clone());
        std::fs::write(ctx.path("id.jwt"), &token).unwrap();
        let mut cmd = ctx.sfjwt();
        cmd.args(["login", "--oidc", source, "-i", CLIENT_ID, "-r", &url, "--insecure-http", "--json"])
            .args(["--report", "r.json", "--report", "r.md", "--report", "r.xml"])
            .env("CI_OIDC", &token)
            .env("SFJWT_ID_TOKEN", &token)
            .env_remove("GITHUB_ACTIONS");
        let r = ctx.run(&mut cmd).code(3);
        assert!(r.stderr.contains("cannot read") && r.stderr.contains("***"), "{source}: {}", r.stderr);
        // ctx.run already failed on any window of the token in stdout/stderr; the echo shows as ***.
        assert!(!r.stdout.contains("cannot read") || r.stdout.contains("***"), "{source}: {}", r.stdout);
        // read_clean fails on any window of the token; the reports that quote the answer show ***.
        for report in ["r.json", "r.md"] {
            let text = ctx.read_clean(report);
            assert!(text.contains("cannot read") && text.contains("***"), "{source} {report}: {text}");
        }
        ctx.read_clean("r.xml");
    }
}
