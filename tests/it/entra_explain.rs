//! `sfjwt explain` on Microsoft Entra refusals (issue 25 §2): whole-command snapshots of real
//! AADSTS texts from fixtures/corpus/entra.yaml (each quoted with its thread), the report's schema,
//! and the code table kept in step with docs/evidence.md.

use crate::common::*;
use sfjwt::diagnose::entra::CODES;

/// A corpus case's text, by id: the snapshots run on what people really pasted.
fn corpus_text(id: &str) -> String {
    let path = repo().join("fixtures/corpus/entra.yaml");
    let cases: Vec<serde_json::Value> = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = cases.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no corpus case {id}"));
    case["text"].as_str().unwrap().to_string()
}

/// azure/login's federated login refused: the three values Entra quotes, and the credential to add
/// (Azure/login #175).
#[test]
fn explain_federated_credential_mismatch_from_azure_login() {
    let ctx = Ctx::new();
    let text = corpus_text("e021");
    sfjwt_snapshot!(ctx, "explain_entra_70021", ctx.sfjwt().args(["explain", &text]));
}

/// The az CLI under azure/login with a secret (Azure/login #498): the secret's Value, not its ID.
#[test]
fn explain_client_secret_invalid_from_the_az_cli() {
    let ctx = Ctx::new();
    let text = corpus_text("e051");
    sfjwt_snapshot!(ctx, "explain_entra_7000215", ctx.sfjwt().args(["explain", &text]));
}

/// An expired secret, with the app id Entra names (spencerwooo/onedrive-vercel-index #1051).
#[test]
fn explain_client_secret_expired() {
    let ctx = Ctx::new();
    let text = corpus_text("e065");
    sfjwt_snapshot!(ctx, "explain_entra_7000222", ctx.sfjwt().args(["explain", &text]));
}

/// An expired certificate, in the words of AzureAD/microsoft-identity-web #2834 (AADSTS1000502),
/// and the same wording without its code.
#[test]
fn explain_certificate_expired() {
    let ctx = Ctx::new();
    let text = corpus_text("e127");
    sfjwt_snapshot!(ctx, "explain_entra_1000502", ctx.sfjwt().args(["explain", &text]));
    let wording = "The provided certificate is not within its specified validity window";
    let r = ctx.run(ctx.sfjwt().args(["explain", wording, "--format", "json"])).ok();
    assert_eq!(r.json()["cause"], "entra_certificate_expired");
}

/// The consent page's text carries no code at all; its wording still reads
/// (Azure-Samples/active-directory-aspnetcore-webapp-openidconnect-v2 #44).
#[test]
fn explain_need_admin_approval_without_a_code() {
    let ctx = Ctx::new();
    let text = corpus_text("e097");
    sfjwt_snapshot!(ctx, "explain_entra_need_admin_approval", ctx.sfjwt().args(["explain", &text]));
}

/// A client-credentials scope without /.default (MicrosoftDocs/azure-docs #99862), read from stdin
/// as `az … 2>&1 | sfjwt explain` would pass it, with a JSON report that validates.
#[test]
fn explain_invalid_scope_from_stdin_with_a_valid_report() {
    let ctx = Ctx::new();
    let text = corpus_text("e106");
    let r = ctx.run_stdin(ctx.sfjwt().args(["explain", "--report", "e.json"]), text.as_bytes()).ok();
    assert!(r.stdout.starts_with("cause: entra_invalid_scope (likely)\n"), "{}", r.stdout);
    assert!(r.stdout.contains("help: Client credentials take exactly one scope, RESOURCE/.default"), "{}", r.stdout);
    validate_with_schema(&ctx.path("e.json"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ctx.path("e.json")).unwrap()).unwrap();
    assert_eq!(report["diagnosis"]["cause"], "entra_invalid_scope");
    assert_eq!(report["exit_code"], 0);
}

/// `--format json` on a token endpoint's JSON answer (the JSON form Entra sends, corpus e045):
/// the candidates of a code threads resolved two ways, neither more than possible.
#[test]
fn explain_json_of_a_raw_answer_lists_both_readings_of_700027() {
    let ctx = Ctx::new();
    let text = corpus_text("e045");
    let r = ctx.run(ctx.sfjwt().args(["explain", &text, "--format", "json"])).ok();
    let d = r.json();
    assert_eq!(d["cause"], "entra_assertion_invalid");
    assert_eq!(d["confidence"], "possible");
    let named: Vec<&str> = d["candidates"].as_array().unwrap().iter().map(|c| c["cause"].as_str().unwrap()).collect();
    assert_eq!(named, ["entra_assertion_invalid", "entra_certificate_not_registered"]);
    assert!(d["docs"].as_str().unwrap().ends_with("/docs/causes.md#entra_assertion_invalid"));
}

/// A code sfjwt does not read is not explained (exit 1), but the answer says where Microsoft
/// explains it. (A made-up code: every real one in the corpus is in the table.)
#[test]
fn explain_an_unknown_aadsts_code_points_to_microsoft() {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(["explain", "AADSTS99999: not a code sfjwt reads"])).code(1);
    assert!(r.stdout.starts_with("cause: unknown (possible)\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("help: Microsoft's description and fix: https://login.microsoftonline.com/error?code=99999")
    );
}

/// `explain` on a real text per code (fixtures/corpus/entra.yaml, each with its thread), one test
/// per code: `cargo test --test it entra_explain::code::NAME`. The codes of interactive sign-ins
/// (65001, 90094, 90095, 65004, 50105), which a pipeline's client-credentials login never meets,
/// are covered here, not by a login snapshot (docs/entra.md, "Which codes a pipeline meets").
macro_rules! explain_snapshots {
    ($($(#[doc = $doc:literal])* $name:ident: $case:literal;)*) => {
        mod code {
            use super::*;
            $(
                $(#[doc = $doc])*
                #[test]
                fn $name() {
                    explain_snapshot(stringify!($name), $case);
                }
            )*
        }
    };
}

fn explain_snapshot(name: &str, case: &str) {
    let ctx = Ctx::new();
    let text = corpus_text(case);
    sfjwt_snapshot!(ctx, format!("explain_entra_{name}"), ctx.sfjwt().args(["explain", &text]));
}

explain_snapshots! {
    /// ADAL username/password for automated tests (Azure-Samples/active-directory-dotnet-native-headless #10).
    aadsts_65001: "e087";
    /// CLI for Microsoft 365 device-code login in CI/CD (pnp/cli-microsoft365 #534).
    aadsts_90094: "e094";
    /// An admin consent request's sign-in log entry (MicrosoftDocs/azure-docs #80997).
    aadsts_90095: "e099";
    /// A user chose Cancel on the consent prompt (PuzzleServer/mainpuzzleserver #571), URL-encoded.
    aadsts_65004: "e100";
    /// An unassigned user of an app that requires assignment (soraxas/echo360 #68).
    aadsts_50105: "e102";
    /// A doubled scheme in the resource (pnp/sp-starter-kit #428).
    aadsts_500011: "e013";
    /// "authorize" read as the tenant (microsoft/Analysis-Services #194).
    aadsts_900023: "e080";
    /// A service principal blocked by a location policy (microsoft/fabric-toolbox #641).
    aadsts_53003: "e081";
    /// Permission names as scopes (jeffcarbs/omniauth-office365 #1).
    aadsts_70011: "e109";
    /// An AKS workload identity's issuer (Azure/azure-workload-identity #1200).
    aadsts_700211: "e027";
    /// azure/login on a branch the credential does not name (Azure/login #453).
    aadsts_700213: "e029";
    /// The subject's case (Azure/login #515).
    aadsts_7002138: "e035";
    /// A regional audience on the wrong cloud (AzureAD/microsoft-authentication-library-for-dotnet #2746).
    aadsts_700023: "e121";
}

/// AADSTS501051 for a client credentials grant, as PowershellScripts.github.io "Securing Azure
/// Functions" quotes it (not in the corpus: a blog, not a thread with a resolution).
#[test]
fn explain_entra_501051_an_app_without_a_role_on_an_api() {
    let ctx = Ctx::new();
    let text = "AADSTS501051: Application '1df771d6-ef9c-473e-af87-cafa8928e024'(testClient) \n    is not assigned to a role for the application '8d138478-d3a3-47f5-a233-1408cd6baae4'(testBackend2)";
    sfjwt_snapshot!(ctx, "explain_entra_aadsts_501051", ctx.sfjwt().args(["explain", text]));
}

/// One row of docs/evidence.md: id, behaviour, cause, level.
fn ledger() -> Vec<[String; 4]> {
    let text = std::fs::read_to_string(repo().join("docs/evidence.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| <a id=\"aadsts-"))
        .map(|l| {
            let cells: Vec<String> = l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect();
            assert_eq!(cells.len(), 5, "a ledger row has 5 cells: {l}");
            let id = cells[0].rsplit("</a>").next().unwrap().to_string();
            [id, cells[1].clone(), cells[2].clone(), cells[3].clone()]
        })
        .collect()
}

/// Every row of the code table has its ledger row (same level, same first cause), every ledger
/// row is in the table, and explain reads each row's quoted text as that cause.
#[test]
fn the_code_table_and_the_ledger_agree() {
    let rows = ledger();
    assert_eq!(rows.len(), CODES.len(), "ledger rows {:?}", rows.iter().map(|r| &r[0]).collect::<Vec<_>>());
    for code in CODES {
        let [_, behaviour, cause, level] =
            rows.iter().find(|r| r[0] == code.id).unwrap_or_else(|| panic!("no ledger row {}", code.id));
        assert_eq!(level, code.evidence.id(), "{}: ledger and code disagree on the level", code.id);
        assert_eq!(cause, code.causes[0].0.id, "{}: ledger and code disagree on the cause", code.id);
        let text = behaviour.split('`').nth(1).unwrap_or_default();
        let d = sfjwt::diagnose::text::explain(text);
        assert_eq!(d.cause.id(), cause, "{}: explain {text:?}", code.id);
        assert!(d.evidence.iter().any(|e| e.contains(&format!("docs/evidence.md#{}", code.id))), "{}", code.id);
    }
}

/// `--json` wraps the Entra diagnosis in the same envelope as every other outcome.
#[test]
fn explain_json_envelope_carries_the_entra_cause() {
    let ctx = Ctx::new();
    let text = corpus_text("e065");
    let r = ctx.run(ctx.sfjwt().args(["explain", &text, "--json"])).ok();
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["status"], 0, "{v}");
    assert_eq!(v["result"]["cause"], "entra_client_secret_expired", "{v}");
}

/// `login --provider entra` and `explain` read a refusal through one table (src/entra/causes.rs,
/// below diagnosis in the layers; diagnose::entra builds explain's report from its rows). Both
/// must name the same cause for every code, so a pipeline's login and a pasted log agree.
#[test]
fn login_and_explain_name_the_same_entra_cause_for_every_code() {
    use sfjwt::diagnose::entra::from_refusal as explain_reading;
    use sfjwt::entra::causes::from_refusal as login_reading;
    let not_registered =
        "The certificate with identifier used to sign the client assertion is not registered on application.";
    let bad_signature = "Client assertion contains an invalid signature.";
    let codes: &[(u64, &str)] = &[
        (700016, ""),
        (70001, ""),
        (500011, ""),
        (65001, ""),
        (90094, ""),
        (90095, ""),
        (700027, not_registered),
        (700027, bad_signature),
        (50013, ""),
        (700021, ""),
        (700023, ""),
        (700024, ""),
        (70021, ""),
        (700211, ""),
        (700212, ""),
        (700213, ""),
        (7000215, ""),
        (7000222, ""),
        (90002, ""),
        (900023, ""),
        (53003, ""),
        (70011, ""),
        (1002012, ""),
        (7000218, ""),
    ];
    let mut disagree = Vec::new();
    for &(code, text) in codes {
        for keyless in [false, true] {
            let login = login_reading(Some(code), text, keyless).id;
            let explain = explain_reading("invalid_client", text, &[code], keyless, vec![]).cause.id();
            if login != explain {
                disagree.push(format!("AADSTS{code} keyless={keyless} {text:?}: login {login}, explain {explain}"));
            }
        }
    }
    assert!(disagree.is_empty(), "login and explain disagree:\n{}", disagree.join("\n"));
}

/// A log with a retry refused (AADSTS700024, the CI token expired) and then the final failure
/// (AADSTS70021): the last code is the run's cause, the earlier one a candidate; Entra's trace and
/// correlation ids are quoted for support, in text and JSON.
#[test]
fn explain_ranks_the_last_code_first_and_quotes_the_support_ids() {
    let ctx = Ctx::new();
    let log = "Attempt 1 failed: AADSTS700024: Client assertion is not within its valid time range. \
               Trace ID: 0a1b2c3d-1111-4222-8333-444455556666 Correlation ID: 9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff\n\
               Retrying with a new token from token.actions.githubusercontent.com\n\
               Error: AADSTS70021: No matching federated identity record found for presented assertion. \
               Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: \
               'repo:acme/app:ref:refs/heads/dev'. Assertion Audience: 'api://AzureADTokenExchange'. \
               Trace ID: 6b5a4c3d-2222-4333-8444-555566667777 Correlation ID: 1e2d3c4b-bbbb-4ccc-8ddd-eeeeffff0000";
    let d = ctx.run(ctx.sfjwt().args(["explain", log, "--format", "json"])).ok().json();
    assert_eq!(d["cause"], "entra_federated_credential_mismatch", "{d}");
    let named: Vec<&str> = d["candidates"].as_array().unwrap().iter().map(|c| c["cause"].as_str().unwrap()).collect();
    assert!(named.contains(&"entra_federated_token_expired"), "{named:?}");
    // The ids quoted are the final refusal's, the one diagnosed, not the earlier attempt's.
    let evidence = d["evidence"].to_string();
    assert!(evidence.contains("trace ID 6b5a4c3d-2222-4333-8444-555566667777"), "{evidence}");
    assert!(evidence.contains("correlation ID 1e2d3c4b-bbbb-4ccc-8ddd-eeeeffff0000"), "{evidence}");
    assert!(!evidence.contains("0a1b2c3d-1111"), "{evidence}");
    assert!(
        evidence.contains("matched: AADSTS70021")
            || evidence.contains("matched: Error: AADSTS70021")
            || evidence.contains("AADSTS70021: No matching"),
        "{evidence}"
    );
    let text = ctx.run(ctx.sfjwt().args(["explain", log])).ok();
    assert!(text.stdout.starts_with("cause: entra_federated_credential_mismatch"), "{}", text.stdout);
    assert!(text.stdout.contains("trace ID 6b5a4c3d-2222-4333-8444-555566667777"), "{}", text.stdout);
}

/// AADSTS501051 is an app's refusal for an API: the app's fix (an application permission,
/// admin consent) comes first, the users' second.
#[test]
fn explain_501051_leads_with_the_apps_fix() {
    let ctx = Ctx::new();
    let text = "AADSTS501051: Application '0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60'(ci) is not assigned to a role for the application 'api://ci-deploy-api'(ci-deploy-api).";
    let d = ctx.run(ctx.sfjwt().args(["explain", text, "--format", "json"])).ok().json();
    assert_eq!(d["cause"], "entra_assignment_required");
    let first = d["remediation"][0].as_str().unwrap();
    assert!(first.contains("application permissions") && first.contains("Grant admin consent"), "{first}");
    assert!(d["remediation"][1].as_str().unwrap().contains("Users and groups"), "{d}");
}

/// A whole job log longer than explain keeps: the refusal at its end is still read (outside
/// attack: a 1 MiB head was kept and the final AADSTS line lost), and the skip is said.
#[test]
fn explain_reads_the_end_of_a_long_log() {
    let ctx = Ctx::new();
    let mut log = "2026-01-01T00:00:00Z starting job\n".repeat(80_000).into_bytes();
    log.extend_from_slice(b"ERROR: AADSTS700016: Application with identifier '0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60' was not found in the directory 'Contoso'.\n");
    assert!(log.len() > 2 * 1024 * 1024);
    let r = ctx.run_stdin(ctx.sfjwt().args(["explain", "--format", "json"]), &log).ok();
    assert_eq!(r.json()["cause"], "entra_app_not_in_tenant", "{}", r.stdout);
    assert!(r.stderr.contains("bytes in its middle were skipped"), "{}", r.stderr);
}
