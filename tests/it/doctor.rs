//! `sfjwt doctor` and `sfjwt explain` end to end: every cause a correct sfjwt can meet, from an
//! emulator scenario, without and with the admin session; repository metadata; report formats.

use crate::common::*;

struct Case {
    scenario: &'static str,
    user: &'static str,
    extra: &'static [&'static str],
    without_admin: (&'static str, &'static str),
    with_admin: (&'static str, &'static str),
}

const CASES: &[Case] = &[
    Case {
        scenario: "not-preauthorized",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("user_not_preauthorized", "confirmed"),
    },
    Case {
        scenario: "not-preauthorized-invalid-app-access",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_not_preauthorized", "likely"),
        with_admin: ("user_not_preauthorized", "confirmed"),
    },
    Case {
        scenario: "assignment-expired",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("user_not_preauthorized", "confirmed"),
    },
    // The disputed text: without org data the more likely reading; with it, the right one.
    Case {
        scenario: "self-authorize-not-approved",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("user_not_approved", "confirmed"),
    },
    Case {
        scenario: "app-not-installed",
        user: USERNAME,
        extra: &[],
        without_admin: ("app_not_installed", "possible"),
        with_admin: ("app_not_installed", "likely"),
    },
    Case {
        scenario: "app-not-installed-hasnt-approved",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("app_not_installed", "likely"),
    },
    Case {
        scenario: "eca-not-installed",
        user: USERNAME,
        extra: &[],
        without_admin: ("app_not_installed", "likely"),
        with_admin: ("app_not_installed", "likely"),
    },
    Case {
        scenario: "app-blocked",
        user: USERNAME,
        extra: &[],
        without_admin: ("app_blocked", "possible"),
        with_admin: ("app_blocked", "possible"),
    },
    Case {
        scenario: "certificate-mismatch",
        user: USERNAME,
        extra: &[],
        without_admin: ("certificate_mismatch", "likely"),
        with_admin: ("certificate_mismatch", "likely"),
    },
    Case {
        scenario: "inactive-user",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_inactive", "likely"),
        with_admin: ("user_inactive", "confirmed"),
    },
    Case {
        scenario: "frozen-user",
        user: USERNAME,
        extra: &[],
        without_admin: ("user_inactive", "likely"),
        with_admin: ("user_inactive", "confirmed"),
    },
    Case {
        scenario: "high-assurance",
        user: USERNAME,
        extra: &["--app-name", "CI"],
        without_admin: ("high_assurance_required", "possible"),
        with_admin: ("high_assurance_required", "confirmed"),
    },
    Case {
        scenario: "ip-restricted",
        user: USERNAME,
        extra: &[],
        without_admin: ("ip_restricted", "likely"),
        with_admin: ("ip_restricted", "confirmed"),
    },
    Case {
        scenario: "org-inactive",
        user: USERNAME,
        extra: &[],
        without_admin: ("org_inactive", "likely"),
        with_admin: ("org_inactive", "likely"),
    },
    Case {
        scenario: "no-valid-scopes",
        user: USERNAME,
        extra: &[],
        without_admin: ("no_valid_scopes", "possible"),
        with_admin: ("no_valid_scopes", "possible"),
    },
    // The emulator's clock runs 10 minutes ahead: its Date header proves the skew.
    Case {
        scenario: "clock-ahead",
        user: USERNAME,
        extra: &[],
        without_admin: ("assertion_expired", "confirmed"),
        with_admin: ("assertion_expired", "confirmed"),
    },
    Case {
        scenario: "healthy",
        user: "ci@acme.com.uat",
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("user_unknown", "confirmed"),
    },
    Case {
        scenario: "healthy",
        user: "nobody@acme.com",
        extra: &[],
        without_admin: ("user_not_approved", "likely"),
        with_admin: ("user_unknown", "confirmed"),
    },
    Case {
        scenario: "healthy",
        user: USERNAME,
        extra: &["--audience", "https://test.salesforce.com"],
        without_admin: ("audience_invalid", "likely"),
        with_admin: ("audience_invalid", "likely"),
    },
    Case {
        scenario: "propagation-delay",
        user: USERNAME,
        extra: &[],
        without_admin: ("client_id_unknown", "likely"),
        with_admin: ("client_id_unknown", "likely"),
    },
    Case {
        scenario: "faults-always-503",
        user: USERNAME,
        extra: &["--max-retries", "0"],
        without_admin: ("network_error", "confirmed"),
        with_admin: ("network_error", "confirmed"),
    },
    Case {
        scenario: "healthy",
        user: USERNAME,
        extra: &[],
        without_admin: ("none", "confirmed"),
        with_admin: ("none", "confirmed"),
    },
    Case {
        scenario: "use-any-api-client",
        user: USERNAME,
        extra: &[],
        without_admin: ("none", "confirmed"),
        with_admin: ("none", "confirmed"),
    },
];

fn report(ctx: &Ctx, name: &str) -> serde_json::Value {
    serde_json::from_str(&ctx.read_clean(name)).unwrap()
}

#[test]
fn every_cause_without_and_with_the_admin_session() {
    for case in CASES {
        for (admin, (cause, confidence)) in [(false, case.without_admin), (true, case.with_admin)] {
            let ctx = Ctx::new();
            let emu = Emu::start(case.scenario);
            let r = ctx.run(
                ctx.doctor(&emu, case.user, admin).args(case.extra).args(["--report", "r.json", "--report", "r.xml"]),
            );
            let label = format!("{} / {} / admin={admin}", case.scenario, case.user);
            let j = report(&ctx, "r.json");
            assert_eq!(j["diagnosis"]["cause"], cause, "{label}\n{}", r.stderr);
            assert_eq!(j["diagnosis"]["confidence"], confidence, "{label}\n{}", r.stderr);
            assert_eq!(r.code, if cause == "none" { 0 } else { 1 }, "{label}\n{}", r.stderr);
            validate_with_schema(&ctx.path("r.json"));
            let (tests, failures, _, types) = parse_junit(&ctx.path("r.xml"));
            assert_eq!(tests, j["checks"].as_array().unwrap().len(), "{label}");
            assert_eq!(failures > 0, cause != "none", "{label}");
            assert!(types.iter().all(|t| t == cause), "{label}: {types:?}");
        }
    }
}

#[test]
fn admin_evidence_names_the_gap_and_the_fix() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let r = ctx.run(ctx.doctor(&emu, USERNAME, true).args(["--report", "r.json"])).code(1);
    assert!(r.stderr.contains("[FAIL] User pre-authorized for the app: the app lists [permission set CI_Access]; the user holds [profile CI Integration]"), "{}", r.stderr);
    let j = report(&ctx, "r.json");
    assert_eq!(
        j["diagnosis"]["fix"],
        "sf org assign permset --name CI_Access --on-behalf-of ci@acme.com --target-org <admin alias>"
    );
    let evidence = j["diagnosis"]["evidence"].to_string();
    assert!(evidence.contains("LoginHistory"), "how the app was found: {evidence}");
    // Expired assignments are named as such.
    let emu = Emu::start("assignment-expired");
    let r = ctx.run(&mut ctx.doctor(&emu, USERNAME, true)).code(1);
    assert!(r.stderr.contains("not in force: permission set CI_Access (expired)"), "{}", r.stderr);
    // Frozen is told apart from inactive.
    let emu = Emu::start("frozen-user");
    ctx.run(&mut ctx.doctor(&emu, USERNAME, true)).code(1).stderr_has("is frozen (UserLogin.IsFrozen)");
    // --app-name identifies the app directly.
    let emu = Emu::start("self-authorize-not-approved");
    ctx.run(ctx.doctor(&emu, USERNAME, true).args(["--app-name", "CI", "--report", "a.json"])).code(1);
    assert!(report(&ctx, "a.json")["diagnosis"]["evidence"].to_string().contains("app identified by --app-name"));
}

#[test]
fn a_session_without_setup_access_says_what_it_needs() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let mut cmd = ctx.doctor(&emu, USERNAME, false);
    cmd.env("SFJWT_ADMIN_TOKEN", "00D000000000001!READONLYSESSIONFORTESTS").args([
        "--admin-instance-url",
        &emu.url,
        "--report",
        "r.json",
    ]);
    let r = ctx.run(&mut cmd).code(1);
    assert!(r.stderr.contains("the admin user needs View Setup and Configuration"), "{}", r.stderr);
    let j = report(&ctx, "r.json");
    assert_eq!(j["diagnosis"]["cause"], "user_not_approved");
    assert_eq!(j["diagnosis"]["confidence"], "likely");
    // A bad admin token is a failed check, not a crash.
    let mut cmd = ctx.doctor(&emu, USERNAME, false);
    cmd.env("SFJWT_ADMIN_TOKEN", "00D000000000001!bogus").args(["--admin-instance-url", &emu.url]);
    ctx.run(&mut cmd).code(1).stderr_has("[FAIL] Admin session");
    let mut cmd = ctx.doctor(&emu, USERNAME, false);
    cmd.env("SFJWT_ADMIN_TOKEN", "x");
    ctx.run(&mut cmd).code(2).stderr_has("needs its instance URL");
}

/// An admin token as CI secrets hand it over: a trailing newline is dropped and the session works;
/// a space or line break inside is refused (exit 2) without quoting the token; and a session that
/// answered nothing (an unreachable instance) is a failed check, never "can query the org".
#[test]
fn an_admin_session_passes_only_when_the_org_answered() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let doctor = |token: &str, instance: &str| {
        let mut cmd = ctx.doctor(&emu, USERNAME, false);
        cmd.env("SFJWT_ADMIN_TOKEN", token).args(["--admin-instance-url", instance, "--max-retries", "0"]);
        cmd
    };
    let r = ctx.run(&mut doctor(&format!("{ADMIN_TOKEN}\n"), &emu.url));
    assert!(r.stderr.contains("[pass] Admin session"), "{}", r.stderr);
    assert!(r.stderr.contains("[pass] User exists and is active"), "the org was read: {}", r.stderr);
    for inside in [" ", "\n", "\t"] {
        let token = format!("00D000000000001!ADMIN{inside}SESSIONTOKENFORTESTS");
        let r = ctx.run(&mut doctor(&token, &emu.url)).code(2);
        assert!(r.stderr.contains("the admin token holds a space, a line break"), "{}", r.stderr);
        assert!(!r.stderr.contains("SESSIONTOKENFORTESTS"), "the token is not quoted: {}", r.stderr);
    }
    let r = ctx.run(doctor(ADMIN_TOKEN, "https://127.0.0.1:9").args(["--allow-host", "127.0.0.1"]));
    assert!(r.stderr.contains("[FAIL] Admin session: the admin session could not query the org"), "{}", r.stderr);
    assert!(!r.stderr.contains("[pass] Admin session"), "{}", r.stderr);
}

#[test]
fn repository_metadata_settles_causes() {
    let users = repo().join("fixtures/orgs/deployed-users.yaml");
    let src = |d: &str| repo().join("fixtures/source").join(d);
    let run = |folder: &str, key: &str, user: &str, extra: &[&str]| {
        let ctx = Ctx::new();
        let emu = Emu::start_with(&users, &["--source-dir", src(folder).to_str().unwrap()]);
        ctx.secret_key_file(&fixture_key());
        let r = ctx.run(
            ctx.sfjwt()
                .args(["doctor", "-i", key, "-o", user, "-r", &emu.url, "--ca-file"])
                .arg(&emu.ca)
                .arg("--key")
                .arg(fixture_key())
                .arg("--source-dir")
                .arg(src(folder))
                .args(extra)
                .args(["--report", "r.json"]),
        );
        let j: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        (r, j)
    };
    // Admin-approved per the metadata: not pre-authorized, with the permission set to assign.
    let (r, j) = run("connected-app", "3MVG9Deployed.connected_app", "outsider@acme.com", &[]);
    assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{}", r.stderr);
    assert!(
        j["diagnosis"]["fix"]
            .as_str()
            .unwrap()
            .contains("--name CI_Deploy_JWT_Access --on-behalf-of outsider@acme.com")
    );
    assert!(r.stderr.contains("[pass] App metadata in the repository"), "{}", r.stderr);
    assert!(r.stderr.contains("[pass] Repository certificate matches the key"), "{}", r.stderr);
    // Self-authorize per the metadata: the disputed text reads as never approved.
    let (r, j) = run("self-authorize", "3MVG9Deployed.self_auth", "outsider@acme.com", &[]);
    assert_eq!(j["diagnosis"]["cause"], "user_not_approved", "{}", r.stderr);
    // The repository's certificate is not the key's: confirmed without any org access.
    let (r, j) = run("wrong-cert", "3MVG9Deployed.wrong_cert", "deployer@acme.com", &[]);
    assert_eq!(j["diagnosis"]["cause"], "certificate_mismatch", "{}", r.stderr);
    assert_eq!(j["diagnosis"]["confidence"], "confirmed");
    assert!(r.stderr.contains("[FAIL] Repository certificate matches the key"), "{}", r.stderr);
    // The healthy user passes every check.
    let (r, j) = run("eca", "3MVG9Deployed.eca_key", "deployer@acme.com", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["status"], "ok");
    assert!(j["checks"].as_array().unwrap().iter().all(|c| c["status"] != "fail"));
    // An External Client App's certificate is in its global OAuth settings, and that file is named.
    let line = r.stderr.lines().find(|l| l.contains("Repository certificate matches the key")).unwrap_or_default();
    assert!(line.contains(".ecaGlblOauth-meta.xml matches this key"), "{}", r.stderr);
}

#[test]
fn healthy_doctor_passes_every_check() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let r = ctx
        .run(ctx.doctor(&emu, USERNAME, true).args(["--cert"]).arg(repo().join("fixtures/orgs/ci.crt")).args([
            "--app-name",
            "CI",
            "--report",
            "r.json",
        ]))
        .ok();
    let j = report(&ctx, "r.json");
    let checks = j["checks"].as_array().unwrap();
    for c in checks {
        assert!(c["status"] == "pass" || c["status"] == "skip", "check not passing: {c}\n{}", r.stderr);
    }
    for id in [
        "key",
        "certificate_match",
        "certificate_expiry",
        "grant",
        "clock",
        "admin_session",
        "org_user",
        "org_app",
        "org_policy",
        "org_access",
    ] {
        assert!(checks.iter().any(|c| c["id"] == id && c["status"] == "pass"), "missing passing check {id}");
    }
    assert_eq!(j["identity"]["org_id"], "00D000000000001AAA");
}

#[test]
fn markdown_report_snapshot() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    ctx.run(ctx.doctor(&emu, USERNAME, true).args(["--report", "r.md"])).code(1);
    let md = ctx.read_clean("r.md");
    let port = emu.url.rsplit(':').next().unwrap().to_string();
    let md = md.replace(&port, "PORT");
    let re_time = |s: &str| {
        // LoginHistory times vary run to run.
        s.lines()
            .map(|l| {
                if l.contains("Recent logins") {
                    // The times vary; the status (a failed login is a warning) does not.
                    let status = l.split(" | ").nth(1).unwrap_or_default();
                    format!("| Recent logins (LoginHistory) | {status} | [times] |")
                } else if l.contains("server clock minus local clock") {
                    "| Local clock agrees with the server | pass | [skew] |".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!(re_time(&md));
}

#[test]
fn explain_reads_other_tools_errors() {
    let ctx = Ctx::new();
    let cases: &[(&str, &str)] = &[
        (
            "Error (JwtGrantError): We encountered a JSON web token error, which is likely not an issue with Salesforce CLI. Here's the error: JwtAuthError::Error authenticating with JWT.\nErrors encountered:\nExternal client app is not installed in this org\nExternal client app is not installed in this org\naudience is invalid  [audience=https://login.salesforce.com login=https://test.salesforce.com/]",
            // explain knows no host: the My Domain fix first, installing as the other candidate.
            "my_domain_required",
        ),
        (
            "simple_salesforce.exceptions.SalesforceAuthenticationFailed: INVALID_GRANT: user hasn't approved this consumer",
            "user_not_approved",
        ),
        (
            r#"Invalid status code: 400, response body: {"error":"invalid_grant","error_description":"expired authorization code"}"#,
            "assertion_expired",
        ),
        (
            "Failure passed to redirect url. error=invalid_client&error_description=app+must+be+installed+into+org",
            "app_not_installed",
        ),
        ("Restforce::AuthenticationError: invalid_grant: inactive user", "user_inactive"),
        ("invalid_grant: IP restricted or invalid login hours", "ip_restricted"),
        ("something completely different", "unknown"),
    ];
    for (text, cause) in cases {
        // Exit 1 when the text holds no recognisable error, 0 when a cause was identified.
        let exit = if *cause == "unknown" { 1 } else { 0 };
        let r = ctx.run(ctx.sfjwt().args(["explain", text, "--format", "json"])).code(exit);
        assert_eq!(r.json()["cause"], *cause, "{text}");
    }
    let r =
        ctx.run(ctx.sfjwt().args(["explain", "app_not_found: External client app is not installed in this org"])).ok();
    let fixes: Vec<&str> = r.stdout.lines().filter_map(|l| l.strip_prefix("help: ")).collect();
    assert!(fixes[0].contains("My Domain") && fixes[1].contains("deploy or install"), "{}", r.stdout);
    let r = ctx
        .run_stdin(
            ctx.sfjwt().args(["explain"]),
            b"{\"error\":\"invalid_client_id\",\"error_description\":\"client identifier invalid\"}\n",
        )
        .ok();
    assert!(r.stdout.starts_with("cause: client_id_unknown (likely)"), "{}", r.stdout);
    ctx.run(ctx.sfjwt().args(["explain", "invalid_grant: user hasn't approved this consumer", "--report", "e.json"]))
        .ok();
    validate_with_schema(&ctx.path("e.json"));
    ctx.run_stdin(ctx.sfjwt().args(["explain"]), b"   ").code(2);
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn admin_session_from_the_sf_cli() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)");
    let path = format!(
        "{}:{}",
        std::path::Path::new(&sf).parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_sf = |cmd: &mut std::process::Command| {
        cmd.env("SFJWT_SF_BIN", &sf)
            .env("PATH", &path)
            .env("HOME", ctx.dir.path())
            .env("NODE_EXTRA_CA_CERTS", &emu.ca)
            .env("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
            .env("SF_DISABLE_TELEMETRY", "true")
            .env("SF_AUTOUPDATE_DISABLE", "true");
    };
    // The admin's session stored in sf, as `sf org login web` would leave it.
    let mut store = std::process::Command::new(&sf);
    store
        .args(["org", "login", "access-token", "--instance-url", &emu.url, "--alias", "admin", "--no-prompt"])
        .env("SF_ACCESS_TOKEN", ADMIN_TOKEN);
    with_sf(&mut store);
    let out = store.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ctx.secret(ADMIN_TOKEN);
    let mut cmd = ctx.doctor(&emu, USERNAME, false);
    cmd.args(["--admin-sf-org", "admin", "--report", "r.json"]);
    with_sf(&mut cmd);
    let r = ctx.run(&mut cmd).code(1);
    let j = report(&ctx, "r.json");
    assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{}", r.stderr);
    assert_eq!(j["diagnosis"]["confidence"], "confirmed");
}

#[test]
fn sandbox_causes_mention_a_refresh() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy-sandbox");
    let mut cmd = ctx.doctor(&emu, "gone@acme.com.uat", true);
    cmd.args(["--audience", "https://test.salesforce.com", "--report", "r.json"]);
    ctx.run(&mut cmd).code(1);
    let j = report(&ctx, "r.json");
    assert_eq!(j["diagnosis"]["cause"], "user_unknown");
    assert_eq!(j["diagnosis"]["confidence"], "confirmed");
    assert!(j["diagnosis"]["remediation"].to_string().contains("a refresh reverts"), "{}", j["diagnosis"]);
}

/// salesforce.md §7.1: "Approve Uninstalled Connected Apps" has no PermissionSet field, so the
/// doctor says it does not know, instead of reading an INVALID_FIELD as false or as a missing
/// admin permission; LoginHistory's hint names Manage Users.
#[test]
fn absent_permission_fields_are_unknown_never_false() {
    let ctx = Ctx::new();
    let emu = Emu::start("app-not-installed");
    let r = ctx.run(ctx.doctor(&emu, USERNAME, true).args(["--report", "r.json"])).code(1);
    let j = report(&ctx, "r.json");
    assert_eq!(j["diagnosis"]["cause"], "app_not_installed");
    let evidence = j["diagnosis"]["evidence"].to_string();
    assert!(evidence.contains("Approve Uninstalled Connected Apps is unknown"), "{evidence}");
    assert!(!evidence.contains("does not hold Approve Uninstalled"), "{evidence}");
    assert!(
        !r.stderr.contains("INVALID_FIELD") && !r.stderr.contains("Admin can read the setup objects"),
        "{}",
        r.stderr
    );
    // An org with API Access Control has Use Any API Client, and the doctor reads it.
    let emu = Emu::start("use-any-api-client");
    ctx.run(ctx.doctor(&emu, USERNAME, true).args(["--app-name", "CI"]))
        .ok()
        .stderr_has("[pass] User pre-authorized for the app: the user holds Use Any API Client");
}

#[test]
fn login_history_hint_names_manage_users() {
    let ctx = Ctx::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("fixtures/orgs/ci.crt"), dir.path().join("ci.crt")).unwrap();
    let scenario = dir.path().join("viewer.yaml");
    std::fs::write(
        &scenario,
        std::fs::read_to_string(repo().join("fixtures/orgs/not-preauthorized.yaml")).unwrap()
            + "  - username: viewer@acme.com\n    profile: Setup Viewer\n    session-token: 00D000000000001!VIEWSETUPONLYSESSION\nprofiles:\n  - name: Setup Viewer\n    permissions: [api-enabled, view-setup]\n",
    )
    .unwrap();
    let emu = Emu::start_with(&scenario, &[]);
    let mut cmd = ctx.doctor(&emu, USERNAME, false);
    cmd.env("SFJWT_ADMIN_TOKEN", "00D000000000001!VIEWSETUPONLYSESSION").args(["--admin-instance-url", &emu.url]);
    let r = ctx.run(&mut cmd).code(1);
    assert!(
        r.stderr.contains("[warn] Admin can read the setup objects: LoginHistory could not be read (INVALID_TYPE): the admin user needs Manage Users"),
        "{}",
        r.stderr
    );
    // Without LoginHistory the app is not identified; the rest of the evidence still comes.
    assert!(r.stderr.contains("[pass] User exists and is active"), "{}", r.stderr);
}
