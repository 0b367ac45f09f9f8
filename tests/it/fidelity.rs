//! Diagnosis true to the real Salesforce (salesforce.md §7): the check after the grant, transient
//! refusals, usernames as hints, and the evidence ledger that ties the emulator to its sources.

use std::collections::BTreeSet;

use crate::common::*;

fn report(ctx: &Ctx, name: &str) -> serde_json::Value {
    serde_json::from_str(&ctx.read_clean(name)).unwrap()
}

/// High Assurance, a user without "API Enabled" and an edition without API pass the grant and
/// fail on the first API call (§7.2): exit 3, the cause, the token revoked, nothing handed on.
#[test]
fn sessions_that_cannot_use_the_api_are_refused_after_the_grant() {
    for (scenario, cause, confidence, code) in [
        // Several resolved causes (issue 23 §2): candidates, none confident.
        ("high-assurance", "high_assurance_required", "possible", "INVALID_SESSION_ID"),
        ("api-disabled-user", "api_disabled_for_user", "confirmed", "API_CURRENTLY_DISABLED"),
        ("api-disabled-org", "api_disabled_for_org", "confirmed", "API_DISABLED_FOR_ORG"),
    ] {
        let ctx = Ctx::new();
        let emu = Emu::start(scenario);
        let r = ctx.run(
            ctx.login(&emu, USERNAME)
                .args(["--dotenv", "sf.env", "--report", "r.json", "--format", "env"])
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", ctx.path("out.txt")),
        );
        assert_eq!(r.code, 3, "{scenario}: {}", r.stderr);
        assert!(r.stderr.contains("the grant succeeded, but the session cannot use the API"), "{}", r.stderr);
        assert!(r.stderr.contains(code), "{scenario}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{scenario}: no output on refusal: {}", r.stdout);
        assert!(!ctx.path("sf.env").exists(), "{scenario}: no dotenv");
        let outputs = std::fs::read_to_string(ctx.path("out.txt")).unwrap();
        assert!(!outputs.contains("access-token"), "{scenario}: {outputs}");
        assert!(outputs.contains(&format!("cause={cause}")), "{scenario}: {outputs}");
        let j = report(&ctx, "r.json");
        assert_eq!(j["diagnosis"]["cause"], cause, "{scenario}");
        assert_eq!(j["diagnosis"]["confidence"], confidence, "{scenario}");
        assert_eq!(j["attempts"][0]["outcome"], "granted", "{scenario}: the report says the grant itself succeeded");
        let session = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "session").unwrap();
        assert_eq!(session["status"], "fail", "{scenario}");
        validate_with_schema(&ctx.path("r.json"));
        // --no-verify skips the check: the grant alone decides.
        ctx.run(ctx.login(&emu, USERNAME).arg("--no-verify")).ok();
    }
}

/// `API_CURRENTLY_DISABLED` without "API is disabled for this User" is Salesforce's code for a
/// temporarily unavailable API (issue 23 §2): the login stands (exit 0, the session handed on),
/// with a warning saying so; no permissions fix, no revoked token.
#[test]
fn a_temporarily_unavailable_api_keeps_the_login() {
    let ctx = Ctx::new();
    let emu = Emu::start("api-temporarily-unavailable");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.json", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("temporarily unavailable"), "{}", r.stderr);
    assert!(r.stderr.contains("the login stands"), "{}", r.stderr);
    assert!(!r.stderr.contains("API Enabled"), "no permissions fix: {}", r.stderr);
    assert!(r.json()["instance_url"].is_string(), "the session is handed on: {}", r.stdout);
    let j = report(&ctx, "r.json");
    assert_eq!(j["status"], "ok");
    let session = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "session").unwrap();
    assert_eq!(session["status"], "warn");
}

/// `unknown_error: retry your request` is transient (§7.2): retried like a 5xx; exit 4 if it
/// persists, the report saying Salesforce asked for a retry.
#[test]
fn retry_requests_are_retried_then_reported() {
    let ctx = Ctx::new();
    let emu = Emu::start("retry-request-transient");
    ctx.run(ctx.login(&emu, USERNAME).args(["--report", "ok.json"])).ok();
    assert_eq!(report(&ctx, "ok.json")["attempts"][0]["requests"], 3);

    let emu = Emu::start("retry-request-persistent");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--report", "r.json", "--max-retries", "2"]));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("Salesforce asked for a retry"), "{}", r.stderr);
    let j = report(&ctx, "r.json");
    assert_eq!(j["attempts"][0]["failure"], "retry_requested");
    assert_eq!(j["attempts"][0]["requests"], 3);
    assert_eq!(j["diagnosis"]["cause"], "network_error");
    validate_with_schema(&ctx.path("r.json"));
}

/// The username is a hint, never a verdict (§7.4): `.dev` is an ordinary domain, and a sandbox
/// user created inside the sandbox has no suffix. Doctor's org data decides.
#[test]
fn usernames_are_hints_not_verdicts() {
    for (scenario, user, extra) in [
        ("dev-domain-not-preauthorized", "ci@acme.com.dev", &[][..]),
        ("sandbox-user-without-suffix", USERNAME, &["--audience", "https://test.salesforce.com"][..]),
    ] {
        let ctx = Ctx::new();
        let emu = Emu::start(scenario);
        let r = ctx.run(ctx.login(&emu, user).args(extra).args(["--report", "r.json"]));
        assert_eq!(r.code, 3, "{scenario}: {}", r.stderr);
        let j = report(&ctx, "r.json");
        assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{scenario}");
        for c in j["diagnosis"]["candidates"].as_array().unwrap() {
            if c["cause"] == "wrong_environment" {
                assert_eq!(c["confidence"], "possible", "{scenario}: a suffix may only add a possible candidate");
            }
        }
        let r = ctx.run(ctx.doctor(&emu, user, true).args(extra).args(["--report", "d.json"]));
        assert_eq!(r.code, 1, "{scenario}: {}", r.stderr);
        let j = report(&ctx, "d.json");
        assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{scenario}: {}", r.stderr);
        assert_eq!(j["diagnosis"]["confidence"], "confirmed", "{scenario}");
    }
}

/// One row of docs/evidence.md: id, behaviour, cause, level, source.
struct Row {
    id: String,
    behaviour: String,
    cause: String,
    level: String,
    source: String,
}

fn ledger() -> Vec<Row> {
    let text = std::fs::read_to_string(repo().join("docs/evidence.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| <a id="))
        .map(|l| {
            let cells: Vec<String> = l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect();
            assert_eq!(cells.len(), 5, "a ledger row has 5 cells: {l}");
            let id = cells[0].rsplit("</a>").next().unwrap().to_string();
            Row {
                id,
                behaviour: cells[1].clone(),
                cause: cells[2].clone(),
                level: cells[3].clone(),
                source: cells[4].clone(),
            }
        })
        .collect()
}

/// Quoted strings of each call `name("a", "b")` in a source file.
fn calls(path: &str, name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.split(&format!("{name}(\""))
        .skip(1)
        .filter_map(|rest| {
            let (a, rest) = rest.split_once("\", \"")?;
            let (b, _) = rest.split_once('"')?;
            Some((a.to_string(), b.to_string()))
        })
        .collect()
}

#[test]
fn every_emulator_behaviour_has_a_sourced_ledger_entry() {
    let rows = ledger();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let levels = ["official", "salesforce_code", "reported", "unconfirmed"];
    for r in &rows {
        assert!(levels.contains(&r.level.as_str()), "{}: level {:?}", r.id, r.level);
        assert!(r.source.len() > 4 && r.source != "—", "{}: no source", r.id);
    }
    let behaviours: String = rows.iter().map(|r| r.behaviour.clone()).collect::<Vec<_>>().join("\n");
    // Every refusal the emulator's token endpoint can send.
    let refusals = calls("emulator/src/grant.rs", "refuse");
    assert!(refusals.len() >= 15, "found {} refusals", refusals.len());
    for (error, description) in refusals {
        let line = format!("`{error}: {description}");
        assert!(behaviours.contains(&line), "no ledger entry for {line}`");
    }
    // Every REST refusal after a grant.
    let org = std::fs::read_to_string(repo().join("emulator/src/org.rs")).unwrap();
    for code in org.split("code: \"").skip(1).filter_map(|r| r.split('"').next()) {
        assert!(behaviours.contains(code), "no ledger entry for the REST refusal {code}");
    }
    // Every object doctor queries.
    let mut objects = BTreeSet::new();
    for entry in std::fs::read_dir(repo().join("src/org")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for rest in text.split("FROM ").skip(1) {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if !name.is_empty() {
                objects.insert(name);
            }
        }
    }
    for object in objects {
        assert!(behaviours.contains(&format!("`{object}`")), "no ledger entry for the object {object}");
    }
}

/// The product's wording table and the ledger agree (same ids, same levels), and `sfjwt explain`
/// gives each wording row's cause, as `login` does for the same text.
#[test]
fn explain_and_the_ledger_agree_on_every_wording() {
    let rows = ledger();
    let ctx = Ctx::new();
    for w in sfjwt::diagnose::wordings::WORDINGS {
        let row = rows.iter().find(|r| r.id == w.id).unwrap_or_else(|| panic!("no ledger row {}", w.id));
        assert_eq!(row.level, w.evidence.id(), "{}: ledger and code disagree on the level", w.id);
        let text = row.behaviour.split('`').nth(1).unwrap_or_default();
        let r = ctx.run(ctx.sfjwt().args(["explain", text, "--format", "json"]));
        assert_eq!(r.json()["cause"], row.cause.as_str(), "{}: explain {text:?}", w.id);
        if row.behaviour.contains("explain only") {
            continue; // a web-flow redirect or another flow's wording: login never receives it
        }
        let (error, description) = text.split_once(": ").unwrap_or((text, ""));
        let login_reading = sfjwt::diagnose::from_refusal(error, description, vec![]);
        assert_eq!(login_reading.cause.id(), row.cause, "{}: login's reading of {text:?}", w.id);
        if row.behaviour.starts_with("REST answers") {
            // After the grant, login reads the first REST call's refusal with the same table.
            use sfjwt::diagnose::login::{SessionReading, from_session_refusal};
            let first = match from_session_refusal(error, description) {
                SessionReading::Unusable(ranked) => ranked[0].0.id(),
                SessionReading::Transient => "api_temporarily_unavailable",
                SessionReading::Inconclusive => "unknown",
            };
            assert_eq!(first, row.cause, "{}: login's check after the grant reads {text:?}", w.id);
        }
    }
}
