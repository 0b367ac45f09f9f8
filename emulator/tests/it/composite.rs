//! /composite, the PermissionSet describe and the fields that exist only in some orgs, through
//! curl (an independent HTTP client) against the running emulator.

use serde_json::{Value, json};

use crate::support::*;

fn composite(emu: &Emu, body: &Value) -> Http {
    let url = format!("{}/services/data/v60.0/composite", emu.url);
    curl(
        emu,
        &[
            &url,
            "-H",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body.to_string(),
        ],
    )
}

fn q(reference: &str, soql: &str) -> Value {
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    // References stay literal, as in the guide's examples.
    let encoded = encoded.replace("%40%7B", "@{").replace("%7D", "}").replace("%5B", "[").replace("%5D", "]");
    json!({"method": "GET", "url": format!("/services/data/v60.0/query?q={encoded}"), "referenceId": reference})
}

#[test]
fn references_chain_subrequests_and_failures_stay_local() {
    let emu = emu("not-preauthorized");
    let body = json!({"allOrNone": false, "compositeRequest": [
        {"method": "GET", "url": "/services/data/v60.0/sobjects/PermissionSet/describe", "referenceId": "psDescribe"},
        q("user", "SELECT Id, Username FROM User WHERE Username = 'ci@acme.com'"),
        q("login", "SELECT IsFrozen FROM UserLogin WHERE UserId = '@{user.records[0].Id}'"),
        q("nobody", "SELECT Id FROM User WHERE Username = 'nobody@acme.com'"),
        q("orphan", "SELECT IsFrozen FROM UserLogin WHERE UserId = '@{nobody.records[0].Id}'"),
    ]});
    let r = composite(&emu, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.json()["compositeResponse"].as_array().unwrap().clone();
    let by = |id: &str| results.iter().find(|x| x["referenceId"] == id).unwrap().clone();
    assert_eq!(by("login")["httpStatusCode"], 200);
    assert_eq!(by("login")["body"]["records"][0]["IsFrozen"], false);
    let fields: Vec<String> = by("psDescribe")["body"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains(&"PermissionsApiEnabled".to_string()));
    assert!(!fields.iter().any(|f| f == "PermissionsCanApproveUninstalledApps" || f == "PermissionsUseAnyApiClient"));
    // The unresolvable reference fails its own subrequest only.
    assert_eq!(by("orphan")["httpStatusCode"], 400);
    assert_eq!(by("orphan")["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(by("user")["httpStatusCode"], 200);
}

#[test]
fn all_or_none_rolls_everything_back_and_limits_hold() {
    let emu = emu("healthy");
    let body = json!({"allOrNone": true, "compositeRequest": [
        q("org", "SELECT Id FROM Organization"),
        q("bad", "SELECT PermissionsCanApproveUninstalledApps FROM PermissionSet"),
        q("after", "SELECT Id FROM User"),
    ]});
    let r = composite(&emu, &body);
    let results = r.json()["compositeResponse"].as_array().unwrap().clone();
    let codes: Vec<Value> = results.iter().map(|x| x["httpStatusCode"].clone()).collect();
    assert_eq!(codes, [json!(400), json!(400), json!(400)], "{}", r.body);
    assert_eq!(results[1]["body"][0]["errorCode"], "INVALID_FIELD");
    assert_eq!(results[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    let six: Vec<Value> = (0..6).map(|i| q(&format!("q{i}"), "SELECT Id FROM User")).collect();
    let r = composite(&emu, &json!({"compositeRequest": six}));
    assert_eq!(r.status, 400, "at most 5 queries: {}", r.body);
}

#[test]
fn use_any_api_client_exists_only_with_api_access_control() {
    let with = emu("use-any-api-client");
    let r = query(
        &with,
        ADMIN_TOKEN,
        "SELECT Name, PermissionsUseAnyApiClient FROM PermissionSet WHERE Name = 'Any_Client'",
    );
    assert_eq!(r.json()["records"][0]["PermissionsUseAnyApiClient"], true, "{}", r.body);
    let without = emu("healthy");
    let r = query(&without, ADMIN_TOKEN, "SELECT PermissionsUseAnyApiClient FROM PermissionSet");
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD", "{}", r.body);
    let r = query(&with, ADMIN_TOKEN, "SELECT PermissionsCanApproveUninstalledApps FROM PermissionSet");
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD", "no org has it: {}", r.body);
}

#[test]
fn a_scenario_granting_use_any_api_client_without_api_access_control_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario("use-any-api-client")).unwrap().replace("api-access-control: true", "");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, text).unwrap();
    std::fs::copy(scenario("healthy").with_file_name("ci.crt"), dir.path().join("ci.crt")).unwrap();
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_sfjwt-emulator")).arg("--scenario").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("api-access-control"));
}

#[test]
fn login_history_needs_manage_users() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(scenario("healthy").with_file_name("ci.crt"), dir.path().join("ci.crt")).unwrap();
    let path = dir.path().join("s.yaml");
    std::fs::write(
        &path,
        "apps:\n  - name: CI\n    consumer-key: 3MVG9Example.key_1\n    certificate: ci.crt\n    permission-sets: [CI_Access]\nusers:\n  - username: ci@acme.com\n    permission-sets: [CI_Access]\n  - username: viewer@acme.com\n    profile: Viewer\n    session-token: 00D000000000001!VIEWSETUPONLYSESSION\nprofiles:\n  - name: Viewer\n    permissions: [api-enabled, view-setup]\n",
    )
    .unwrap();
    let emu = start(&path, &[]);
    let r = query(&emu, "00D000000000001!VIEWSETUPONLYSESSION", "SELECT Status FROM LoginHistory");
    assert_eq!(r.json()[0]["errorCode"], "INVALID_TYPE", "{}", r.body);
    let r = query(&emu, "00D000000000001!VIEWSETUPONLYSESSION", "SELECT Id FROM ConnectedApplication");
    assert_eq!(r.status, 200, "View Setup reads the app: {}", r.body);
}
