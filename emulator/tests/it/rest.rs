//! The REST surface diagnosis reads, through real sessions.

use serde_json::json;

use crate::support::*;

fn token(emu: &Emu) -> String {
    let r = grant_claims(emu, &claims(CI_USER, LOGIN));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["access_token"].as_str().unwrap().to_string()
}

#[test]
fn admin_session_reads_setup_objects() {
    let emu = emu("not-preauthorized");
    let r = query(&emu, ADMIN_TOKEN, "SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication");
    assert_eq!(r.status, 200, "{}", r.body);
    let app = &r.json()["records"][0];
    assert_eq!(app["Name"], "CI");
    assert_eq!(app["OptionsAllowAdminApprovedUsersOnly"], true);
    let app_id = app["Id"].as_str().unwrap().to_string();
    assert!(app_id.starts_with("0H4"));

    let q = format!(
        "SELECT Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND SetupEntityId = '{app_id}'"
    );
    let r = query(&emu, ADMIN_TOKEN, &q);
    let recs = r.json()["records"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["Parent"]["Name"], "CI_Access");

    let r = query(
        &emu,
        ADMIN_TOKEN,
        "SELECT Id, Username, IsActive, Profile.Name FROM User WHERE Username = 'ci@acme.com'",
    );
    let user = &r.json()["records"][0];
    assert_eq!(user["Profile"]["Name"], "CI Integration");
    let uid = user["Id"].as_str().unwrap().to_string();
    let r = query(
        &emu,
        ADMIN_TOKEN,
        &format!("SELECT PermissionSet.Name, IsActive FROM PermissionSetAssignment WHERE AssigneeId = '{uid}'"),
    );
    let names: Vec<_> =
        r.json()["records"].as_array().unwrap().iter().map(|r| r["PermissionSet"]["Name"].clone()).collect();
    assert_eq!(names.len(), 1, "only the profile's own permission set: {names:?}");

    // The refused attempt is in LoginHistory.
    let g = grant_claims(&emu, &claims(CI_USER, LOGIN));
    assert_eq!(g.status, 400);
    let r = query(
        &emu,
        ADMIN_TOKEN,
        &format!(
            "SELECT Status, Application, LoginType FROM LoginHistory WHERE UserId = '{uid}' AND LoginTime = LAST_N_DAYS:1 ORDER BY LoginTime DESC LIMIT 5"
        ),
    );
    let row = &r.json()["records"][0];
    assert_eq!(row["Application"], "CI");
    assert_eq!(row["LoginType"], "Remote Access 2.0");
    assert_eq!(row["Status"], "Failed: Not approved for access");
}

#[test]
fn restricted_ip_is_recorded_in_login_history() {
    let emu = emu("ip-restricted");
    assert_eq!(grant_claims(&emu, &claims(CI_USER, LOGIN)).status, 400);
    let r = query(&emu, ADMIN_TOKEN, "SELECT Status FROM LoginHistory WHERE Application = 'CI'");
    assert_eq!(r.json()["records"][0]["Status"], "Restricted IP");
}

#[test]
fn eca_objects_and_frozen_users() {
    let emu = emu("healthy-eca");
    let r = query(&emu, ADMIN_TOKEN, "SELECT Id, MasterLabel FROM ExternalClientApplication");
    let id = r.json()["records"][0]["Id"].as_str().unwrap().to_string();
    assert!(id.starts_with("0xI"));
    let r = query(
        &emu,
        ADMIN_TOKEN,
        &format!(
            "SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = '{id}'"
        ),
    );
    assert_eq!(r.json()["records"][0]["PermittedUsersPolicyType"], "AdminApprovedPreAuthorized");
    // An uninstalled app has no ConnectedApplication row.
    let emu = emu_named("app-not-installed");
    let r = query(&emu, ADMIN_TOKEN, "SELECT Id FROM ConnectedApplication");
    assert_eq!(r.json()["totalSize"], 0);
    let emu = emu_named("frozen-user");
    let r = query(
        &emu,
        ADMIN_TOKEN,
        "SELECT IsFrozen FROM UserLogin WHERE UserId IN (SELECT Id FROM User WHERE Username = 'ci@acme.com')",
    );
    assert_eq!(r.json()["records"][0]["IsFrozen"], true);
}

fn emu_named(name: &str) -> Emu {
    emu(name)
}

#[test]
fn non_admin_session_and_errors() {
    let emu = emu("healthy");
    let t = token(&emu);
    let r = query(&emu, &t, "SELECT Id FROM SetupEntityAccess");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()[0]["errorCode"], "INVALID_TYPE");
    assert!(r.json()[0]["message"].as_str().unwrap().starts_with("sObject type 'SetupEntityAccess' is not supported."));
    // What the sf CLI reads after login works for any user.
    let r = query(
        &emu,
        &t,
        "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["records"][0]["IsSandbox"], false);
    let r = query(&emu, &t, "SELECT Nope FROM User");
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD");
    let r = query(&emu, &t, "SELECT COUNT(Id) FROM User GROUP BY Name");
    assert_eq!(r.json()[0]["errorCode"], "MALFORMED_QUERY");
    let r = query(&emu, "00D000000000001!bogus", "SELECT Id FROM User");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()[0]["errorCode"], "INVALID_SESSION_ID");
}

#[test]
fn identity_userinfo_versions_and_revoke() {
    let emu = emu("healthy");
    let g = grant_claims(&emu, &claims(CI_USER, LOGIN)).json();
    let t = g["access_token"].as_str().unwrap().to_string();
    let auth = format!("Authorization: Bearer {t}");
    let r = curl(&emu, &[g["id"].as_str().unwrap(), "-H", &auth]);
    assert_eq!(r.json()["username"], CI_USER);
    let r = curl(&emu, &[&format!("{}/services/oauth2/userinfo", emu.url), "-H", &auth]);
    assert_eq!(r.json()["preferred_username"], CI_USER);
    let r = curl(&emu, &[&format!("{}/services/data", emu.url)]);
    assert!(r.json().as_array().unwrap().iter().any(|v| v["version"] == "66.0"));
    let revoke = format!("{}/services/oauth2/revoke", emu.url);
    assert_eq!(curl(&emu, &[&revoke, "--data-urlencode", &format!("token={t}")]).status, 200);
    assert_eq!(query(&emu, &t, "SELECT Id FROM Organization").status, 401, "revoked token still works");
    let r = curl(&emu, &[&revoke, "--data-urlencode", &format!("token={t}")]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": "unsupported_token_type", "error_description": "this token type is not supported"})
    );
}
