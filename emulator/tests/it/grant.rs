//! Every scenario's token-endpoint answer, exactly: status and body.

use serde_json::json;

use crate::support::*;

fn expect_refusal(scenario: &str, user: &str, aud: &str, error: &str, description: &str) {
    let emu = emu(scenario);
    let r = grant_claims(&emu, &claims(user, aud));
    assert_eq!(r.status, 400, "{scenario}: {}", r.body);
    assert_eq!(r.json(), json!({"error": error, "error_description": description}), "{scenario}");
    assert!(r.content_type.starts_with("application/json"), "{scenario}: {}", r.content_type);
}

fn expect_success(scenario: &str, user: &str, aud: &str) -> serde_json::Value {
    let emu = emu(scenario);
    let r = grant_claims(&emu, &claims(user, aud));
    assert_eq!(r.status, 200, "{scenario}: {}", r.body);
    let body = r.json();
    assert_eq!(body["instance_url"], emu.url.as_str());
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("00D") && token.contains('!'), "opaque token shape: {token}");
    let id = body["id"].as_str().unwrap();
    let parts: Vec<&str> = id.trim_start_matches(&format!("{}/id/", emu.url)).split('/').collect();
    assert!(parts[0].starts_with("00D") && parts[1].starts_with("005"), "id {id}");
    assert!(body["scope"].as_str().unwrap().contains("api"));
    body
}

#[test]
fn healthy_scenarios_grant() {
    expect_success("healthy", CI_USER, LOGIN);
    expect_success("example", CI_USER, LOGIN);
    expect_success("healthy-eca", CI_USER, LOGIN);
    expect_success("healthy-sandbox", "ci@acme.com.uat", TEST);
    expect_success("permission-set-group", CI_USER, LOGIN);
    expect_success("self-authorize-approved", CI_USER, LOGIN);
    expect_success("ip-relaxed", CI_USER, LOGIN);
    expect_success("use-any-api-client", CI_USER, LOGIN);
}

#[test]
fn catalogue_refusals() {
    let hasnt = "user hasn't approved this consumer";
    expect_refusal("not-preauthorized", CI_USER, LOGIN, "invalid_grant", hasnt);
    expect_refusal(
        "not-preauthorized-invalid-app-access",
        CI_USER,
        LOGIN,
        "invalid_app_access",
        "user is not admin approved to access this app",
    );
    expect_refusal("assignment-expired", CI_USER, LOGIN, "invalid_grant", hasnt);
    expect_refusal("self-authorize-not-approved", CI_USER, LOGIN, "invalid_grant", hasnt);
    expect_refusal("app-not-installed", CI_USER, LOGIN, "invalid_client", "app must be installed into org");
    expect_refusal("app-not-installed-hasnt-approved", CI_USER, LOGIN, "invalid_grant", hasnt);
    expect_refusal(
        "eca-not-installed",
        CI_USER,
        LOGIN,
        "app_not_found",
        "External client app is not installed in this org",
    );
    expect_refusal("app-blocked", CI_USER, LOGIN, "OAUTH_APP_BLOCKED", "this app is blocked by admin");
    expect_refusal("certificate-mismatch", CI_USER, LOGIN, "invalid_grant", "invalid assertion");
    expect_refusal("inactive-user", CI_USER, LOGIN, "invalid_grant", "inactive user");
    expect_refusal("frozen-user", CI_USER, LOGIN, "invalid_grant", "inactive user");
    expect_refusal("inactive-user-doc-wording", CI_USER, LOGIN, "inactive_user", "User is inactive");
    expect_refusal("ip-restricted", CI_USER, LOGIN, "invalid_grant", "ip restricted");
    expect_refusal("org-inactive", CI_USER, LOGIN, "inactive_org", "Org is locked, closed, or suspended");
    expect_refusal("no-valid-scopes", CI_USER, LOGIN, "invalid_grant", "no valid scopes defined");
    expect_refusal("clock-ahead", CI_USER, LOGIN, "invalid_grant", "expired authorization code");
    expect_refusal("healthy", "nobody@acme.com", LOGIN, "invalid_grant", hasnt);
    expect_refusal("healthy", CI_USER, TEST, "invalid_grant", "audience is invalid");
    expect_refusal("healthy-sandbox", "ci@acme.com.uat", LOGIN, "invalid_grant", "audience is invalid");
    // A sandbox username against production: the user does not exist there.
    expect_refusal("healthy", "ci@acme.com.uat", LOGIN, "invalid_grant", hasnt);
}

#[test]
fn my_domain_audience_for_external_client_apps() {
    let emu = emu("eca-my-domain-audience");
    for aud in [LOGIN, TEST] {
        let r = grant_claims(&emu, &claims(CI_USER, aud));
        assert_eq!(r.json()["error"], "app_not_found", "{aud}");
    }
    let own = emu.url.clone();
    let r = grant_claims(&emu, &claims(CI_USER, &own));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = grant_claims(&emu, &claims(CI_USER, &format!("{own}/")));
    assert_eq!(r.status, 200, "trailing slash on aud must not matter: {}", r.body);
}

#[test]
fn validation_like_salesforce() {
    let emu = emu("healthy");
    let ok = |c: serde_json::Value| {
        let r = grant_claims(&emu, &c);
        assert_eq!(r.status, 200, "{c}: {}", r.body);
    };
    let now = now();
    // exp as a numeric string, as Salesforce's own example sends it
    ok(json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": LOGIN, "exp": (now + 60).to_string()}));
    // exp in milliseconds, as the sf CLI sends it: no upper bound
    ok(json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": LOGIN, "exp": now * 1000 + 300}));
    // exp = now (CumulusCI) is within the skew
    ok(json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": LOGIN, "exp": now}));
    // prn in place of sub; and prn wins over sub
    ok(json!({"iss": CLIENT_ID, "prn": CI_USER, "aud": LOGIN, "exp": now + 60}));
    ok(json!({"iss": CLIENT_ID, "prn": CI_USER, "sub": "nobody@acme.com", "aud": LOGIN, "exp": now + 60}));
    // aud with a trailing slash, or as an array
    ok(json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": format!("{LOGIN}/"), "exp": now + 60}));
    ok(json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": [LOGIN], "exp": now + 60}));

    let refused = |body: &str, error: &str, description: &str| {
        let url = format!("{}/services/oauth2/token", emu.url);
        let r = curl(&emu, &[&url, "--data", body]);
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), json!({"error": error, "error_description": description}), "{body}");
    };
    refused("grant_type=password&username=x", "unsupported_grant_type", "grant type not supported");
    let gt = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
    refused(&format!("{gt}&assertion=not.a.jwt"), "invalid_grant", "invalid assertion");
    refused(gt, "invalid_grant", "invalid assertion");
    let hs = sign_with_header(&json!({"alg": "HS256"}), &claims(CI_USER, LOGIN));
    refused(&format!("{gt}&assertion={hs}"), "invalid_grant", "invalid assertion");
    let past = sign(&json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": LOGIN, "exp": now - 600}));
    refused(&format!("{gt}&assertion={past}"), "invalid_grant", "expired authorization code");
    let no_exp = sign(&json!({"iss": CLIENT_ID, "sub": CI_USER, "aud": LOGIN}));
    refused(&format!("{gt}&assertion={no_exp}"), "invalid_grant", "invalid assertion");
    let other_app = sign(&json!({"iss": "3MVG9Unknown.key", "sub": CI_USER, "aud": LOGIN, "exp": now + 60}));
    refused(&format!("{gt}&assertion={other_app}"), "invalid_client_id", "client identifier invalid");
    // A valid assertion whose signature was tampered with.
    let good = sign(&claims(CI_USER, LOGIN));
    let tampered = format!("{}AAAA", &good[..good.len() - 4]);
    refused(&format!("{gt}&assertion={tampered}"), "invalid_grant", "invalid assertion");
}

#[test]
fn propagation_delay_then_success() {
    let emu = emu("propagation-delay");
    let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.json()["error"], "invalid_client_id");
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn rate_limit_after_the_allowed_logins() {
    let emu = emu("rate-limited");
    assert_eq!(grant_claims(&emu, &claims(CI_USER, LOGIN)).status, 200);
    let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.json(), json!({"error": "rate_limit_exceeded", "error_description": "Number of logins exceeded"}));
}

#[test]
fn faults_are_injected_then_clear() {
    let e = emu("faults-503");
    for _ in 0..2 {
        let r = grant_claims(&e, &claims(CI_USER, LOGIN));
        assert_eq!(r.status, 503);
    }
    assert_eq!(grant_claims(&e, &claims(CI_USER, LOGIN)).status, 200);

    let e = emu("faults-429");
    let r = grant_claims(&e, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 429);
    assert!(r.headers.to_ascii_lowercase().contains("retry-after: 1"), "{}", r.headers);

    let e = emu("faults-html");
    let r = grant_claims(&e, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 503);
    assert!(r.content_type.starts_with("text/html"), "{}", r.content_type);
    assert!(r.body.contains("Maintenance"));
    assert_eq!(grant_claims(&e, &claims(CI_USER, LOGIN)).status, 200);

    let e = emu("faults-truncated");
    let r = grant_claims(&e, &claims(CI_USER, LOGIN));
    assert_eq!(r.curl_exit, 18, "curl should report a partial transfer");

    let e = emu("faults-drop");
    let r = grant_claims(&e, &claims(CI_USER, LOGIN));
    assert_eq!(r.curl_exit, 52, "curl should report an empty reply");
    assert_eq!(grant_claims(&e, &claims(CI_USER, LOGIN)).status, 200);

    let e = emu("faults-hang");
    let url = format!("{}/services/oauth2/token", e.url);
    let r = curl(&e, &["--max-time", "1", &url, "-d", "grant_type=x"]);
    assert_eq!(r.curl_exit, 28, "curl should time out");

    let e = emu("faults-slow");
    let start = std::time::Instant::now();
    assert_eq!(grant_claims(&e, &claims(CI_USER, LOGIN)).status, 200);
    assert!(start.elapsed().as_millis() >= 3000, "latency was not injected");
}

/// Granted sessions that cannot use the API (salesforce.md §7.2): the token is issued, and every
/// REST call answers the documented error code instead.
#[test]
fn sessions_refused_after_the_grant() {
    for (scenario, status, code, message) in [
        ("high-assurance", 401, "INVALID_SESSION_ID", "This session is not valid for use with the REST API"),
        // The profile's Session Security Level Required at Login, the app requiring nothing.
        ("high-assurance-profile", 401, "INVALID_SESSION_ID", "This session is not valid for use with the REST API"),
        ("api-disabled-user", 403, "API_CURRENTLY_DISABLED", "API is disabled for this User"),
        // REST's own words (restforce #219), not SOAP's "… Organization or Partner".
        ("api-disabled-org", 403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."),
        (
            "api-temporarily-unavailable",
            403,
            "API_CURRENTLY_DISABLED",
            "Because of a system problem, API functionality is temporarily unavailable",
        ),
    ] {
        let body = expect_success(scenario, CI_USER, LOGIN);
        let emu = emu(scenario);
        let token = grant_claims(&emu, &claims(CI_USER, LOGIN)).json()["access_token"].as_str().unwrap().to_string();
        let r = query(&emu, &token, "SELECT Id FROM User");
        assert_eq!(r.status, status, "{scenario}: {}", r.body);
        assert_eq!(r.json(), json!([{"errorCode": code, "message": message}]), "{scenario}");
        assert!(body["access_token"].is_string());
    }
    // The healthy org's session reads its own user.
    let emu = emu("healthy");
    let token = grant_claims(&emu, &claims(CI_USER, LOGIN)).json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(query(&emu, &token, "SELECT Id FROM User").status, 200);
}

/// Since December 2025 "Use Any API Client" no longer exempts a user from the uninstalled
/// connected app block (Salesforce knowledge article 005228838, as reported); it still bypasses
/// the Permitted Users policy (the `use-any-api-client` scenario grants).
#[test]
fn use_any_api_client_does_not_bypass_an_uninstalled_app() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("fixtures/orgs/ci.crt"), dir.path().join("ci.crt")).unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/orgs/use-any-api-client.yaml")).unwrap();
    let uninstalled = text.replace(
        "    permitted-users: admin-approved-preauthorized\n    permission-sets: [CI_Access]\n",
        "    installed: false\n",
    );
    assert_ne!(uninstalled, text, "the fixture's app block changed: update this test");
    let path = dir.path().join("uninstalled.yaml");
    std::fs::write(&path, uninstalled).unwrap();
    let emu = start(&path, &[]);
    let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json(), json!({"error": "invalid_client", "error_description": "app must be installed into org"}));
}

#[test]
fn retry_requests_then_grant() {
    let emu = emu("retry-request-transient");
    for _ in 0..2 {
        let r = grant_claims(&emu, &claims(CI_USER, LOGIN));
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), json!({"error": "unknown_error", "error_description": "retry your request"}));
    }
    assert_eq!(grant_claims(&emu, &claims(CI_USER, LOGIN)).status, 200);
}

#[test]
fn unrealistic_scenarios_are_refused() {
    let yaml = "apps:\n  - name: CI\n    kind: connected-app\n    consumer-key: 3MVG9Example.key_1\n    certificate: ci.crt\n    installed: false\n    permitted-users: admin-approved-preauthorized\n    permission-sets: [CI_Access]\n";
    let err = sfjwt_emulator::scenario::Scenario::parse(yaml, "inline").unwrap_err().to_string();
    assert!(err.contains("not installed has no editable policies"), "{err}");
}
