use serde_json::{Map, Value, json};

use super::*;

static DEFS: &[ObjectDef] = &[
    ObjectDef {
        name: "User",
        fields: &["Id", "Username", "IsActive", "ProfileId", "LastLoginDate"],
        rels: &[("Profile", "ProfileId", "Profile")],
    },
    ObjectDef { name: "Profile", fields: &["Id", "Name"], rels: &[] },
    ObjectDef { name: "Secret", fields: &["Id"], rels: &[] },
];

struct Fake;

impl Source for Fake {
    fn def(&self, object: &str) -> Option<&'static ObjectDef> {
        DEFS.iter().find(|d| d.name.eq_ignore_ascii_case(object))
    }

    fn rows(&self, object: &str) -> Vec<Map<String, Value>> {
        let profile = |id: &str, name: &str| json!({"Id": id, "Name": name});
        let rows = match object {
            "User" => vec![
                json!({"Id": "005A", "Username": "ci@acme.com", "IsActive": true, "ProfileId": "00eA", "LastLoginDate": "2026-11-20T10:00:00.000+0000", "Profile": profile("00eA", "CI Integration")}),
                json!({"Id": "005B", "Username": "admin@acme.com", "IsActive": true, "ProfileId": "00eB", "LastLoginDate": null, "Profile": profile("00eB", "System Administrator")}),
                json!({"Id": "005C", "Username": "old@acme.com", "IsActive": false, "ProfileId": "00eA", "LastLoginDate": "2020-01-01T00:00:00.000+0000", "Profile": profile("00eA", "CI Integration")}),
            ],
            "Profile" => vec![profile("00eA", "CI Integration"), profile("00eB", "System Administrator")],
            _ => vec![],
        };
        rows.into_iter().filter_map(|v| if let Value::Object(m) = v { Some(m) } else { None }).collect()
    }

    fn denied(&self, object: &str) -> Option<SoqlError> {
        (object == "Secret").then(|| SoqlError::InvalidType("Secret".into()))
    }
}

fn usernames(q: &str) -> Vec<String> {
    let rows = run(&Fake, &parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"))).unwrap_or_else(|e| panic!("{q}: {e:?}"));
    rows.iter().map(|r| r["Username"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn accepts_the_grammar_diagnosis_uses() {
    assert_eq!(usernames("SELECT Username FROM User WHERE Username = 'ci@acme.com'"), ["ci@acme.com"]);
    assert_eq!(
        usernames("select username from user where isactive = true order by username desc"),
        ["ci@acme.com", "admin@acme.com"]
    );
    assert_eq!(
        usernames("SELECT Username FROM User WHERE Profile.Name = 'CI Integration' AND NOT IsActive = false"),
        ["ci@acme.com"]
    );
    assert_eq!(
        usernames(
            "SELECT Username FROM User WHERE Username IN ('old@acme.com', 'x') OR (Username LIKE 'adm%' AND IsActive != false)"
        ),
        ["admin@acme.com", "old@acme.com"]
    );
    assert_eq!(
        usernames("SELECT Username FROM User WHERE Username NOT IN ('old@acme.com') ORDER BY Username LIMIT 1"),
        ["admin@acme.com"]
    );
    assert_eq!(
        usernames(
            "SELECT Username FROM User WHERE ProfileId IN (SELECT Id FROM Profile WHERE Name = 'System Administrator')"
        ),
        ["admin@acme.com"]
    );
    assert_eq!(
        usernames(
            "SELECT Username FROM User WHERE ProfileId NOT IN (SELECT Id FROM Profile WHERE Name LIKE 'System%')"
        )
        .len(),
        2
    );
    assert_eq!(
        usernames(
            "SELECT Username FROM User WHERE LastLoginDate = LAST_N_DAYS:30000 ORDER BY LastLoginDate ASC NULLS LAST"
        ),
        ["old@acme.com", "ci@acme.com"]
    );
    assert_eq!(usernames("SELECT Username FROM User WHERE LastLoginDate < 2021-01-01T00:00:00Z"), ["old@acme.com"]);
    assert_eq!(usernames("SELECT Username FROM User WHERE Username LIKE '_i@%'"), ["ci@acme.com"]);
}

#[test]
fn projects_relationships_as_nested_records() {
    let rows = run(&Fake, &parse("SELECT Profile.Name, Id FROM User WHERE Id = '005A'").unwrap()).unwrap();
    assert_eq!(rows[0]["Profile"]["Name"], "CI Integration");
    assert_eq!(rows[0]["Profile"]["attributes"]["type"], "Profile");
    assert_eq!(rows[0]["attributes"]["type"], "User");
    assert!(rows[0].get("Username").is_none(), "unselected field returned");
}

#[test]
fn rejects_what_is_outside_the_grammar() {
    for q in [
        "SELECT COUNT(Id) FROM User",
        "SELECT Username FROM User GROUP BY Username",
        "SELECT FROM User",
        "SELECT Username User",
        "SELECT Username FROM User WHERE",
        "SELECT Username FROM User WHERE Username = 'unterminated",
        "SELECT Username FROM User LIMIT x",
        "SELECT Username FROM User WHERE Username ~ 'x'",
        "SELECT Username FROM User trailing",
        "SELECT (SELECT Id FROM Profile) FROM User",
    ] {
        let err = parse(q).and_then(|p| run(&Fake, &p)).expect_err(q);
        assert_eq!(err.code(), "MALFORMED_QUERY", "{q}: {err:?}");
    }
}

#[test]
fn unknown_fields_objects_and_denied_objects() {
    let err = run(&Fake, &parse("SELECT Nope FROM User").unwrap()).unwrap_err();
    assert_eq!(err.code(), "INVALID_FIELD");
    assert!(err.message().starts_with("No such column 'Nope' on entity 'User'"));
    let err = run(&Fake, &parse("SELECT Id FROM User WHERE Profile.Nope = 'x'").unwrap()).unwrap_err();
    assert_eq!(err.code(), "INVALID_FIELD");
    let err = run(&Fake, &parse("SELECT Id FROM ScratchOrgInfo").unwrap()).unwrap_err();
    assert_eq!(err.code(), "INVALID_TYPE");
    assert!(err.message().starts_with("sObject type 'ScratchOrgInfo' is not supported."));
    assert_eq!(run(&Fake, &parse("SELECT Id FROM Secret").unwrap()).unwrap_err().code(), "INVALID_TYPE");
    let err = parse("SELECT A.B.C.D FROM User").and_then(|p| run(&Fake, &p)).unwrap_err();
    assert_eq!(err.code(), "MALFORMED_QUERY");
}

#[test]
fn deep_nesting_is_malformed_not_a_stack_overflow() {
    let q = format!("SELECT Id FROM User WHERE {}Id = 'x'{}", "(".repeat(50_000), ")".repeat(50_000));
    let err = parse(&q).unwrap_err();
    assert_eq!(err.code(), "MALFORMED_QUERY");
    assert!(err.message().contains("nested deeper"), "{}", err.message());
}
