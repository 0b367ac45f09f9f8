//! Microsoft Entra refusals in `explain` (issue 25 §2): `AADSTS` codes in a token endpoint's JSON
//! answer or in pasted az CLI / azure/login / MSAL / azure-identity logs, read into the same
//! [`Diagnosis`] as Salesforce refusals. The table (codes, causes, fixes) is `entra::causes`, the
//! one login reads too; this module adds what a report needs: the excerpt, the values Entra
//! quoted, the candidates with their confidence, docs/causes.md and docs/evidence.md in step.

use super::{Cause, Confidence, Diagnosis};
use crate::entra::causes::{self as table, EntraCause, Likelihood};
pub use crate::entra::causes::{CODES, EntraCode, codes_in, find};
use Confidence::Possible;

/// Most of the input an excerpt shows, in characters.
const EXCERPT: usize = 240;

/// The report's cause of a table cause (the same id: the table's ids are `Cause`'s).
pub fn cause_of(c: &EntraCause) -> Cause {
    Cause::ALL.iter().copied().find(|k| k.id() == c.id).unwrap_or(Cause::Unknown)
}

fn confidence(l: Likelihood) -> Confidence {
    match l {
        Likelihood::Likely => Confidence::Likely,
        Likelihood::Possible => Confidence::Possible,
    }
}

/// A row's causes as the report names them, most likely first.
pub fn causes_of(row: &EntraCode) -> Vec<(Cause, Confidence)> {
    row.causes.iter().map(|(c, l)| (cause_of(c), confidence(*l))).collect()
}

/// Whether a text holds a refusal sfjwt reads (an AADSTS code outside the table is not one).
pub fn recognises(text: &str) -> bool {
    find(text, None).is_some()
}

/// `explain`'s reading of free text; `None` when nothing in it is Entra's.
pub fn explain(text: &str) -> Option<Diagnosis> {
    diagnose(text, None, vec![])
}

/// Login's reading of the token endpoint's answer body (JSON with `error`, `error_description`,
/// `error_codes`, or whatever else came back); `keyless` says whether the assertion sent was the
/// CI's OIDC token. `evidence` leads the report's.
pub fn from_answer(body: &str, keyless: bool, evidence: Vec<String>) -> Diagnosis {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|s| s.as_str()).unwrap_or_default().to_string();
            let codes: Vec<u64> = v
                .get("error_codes")
                .and_then(|c| c.as_array())
                .map(|a| a.iter().filter_map(|n| n.as_u64()).collect())
                .unwrap_or_default();
            from_refusal(&field("error"), &field("error_description"), &codes, keyless, evidence)
        }
        Err(_) => from_refusal("", body, &[], keyless, evidence),
    }
}

/// The same from an answer already parsed into its fields.
pub fn from_refusal(error: &str, description: &str, codes: &[u64], keyless: bool, evidence: Vec<String>) -> Diagnosis {
    let codes: Vec<String> = codes.iter().map(|n| format!("AADSTS{n}")).collect();
    let text = format!("{error}: {description} {}", codes.join(" "));
    match diagnose(&text, Some(keyless), evidence.clone()) {
        Some(d) => d,
        None => {
            let mut evidence = evidence;
            evidence.push("the answer holds no AADSTS code or wording sfjwt reads".into());
            Diagnosis::new(Cause::Unknown, Possible, evidence)
        }
    }
}

fn diagnose(text: &str, keyless: Option<bool>, mut evidence: Vec<String>) -> Option<Diagnosis> {
    let Some((row, code)) = find(text, keyless) else {
        // Only an AADSTS-prefixed number is surely Entra's ("error code: 500" may be anyone's).
        let aadsts = text.to_ascii_lowercase().contains("aadsts");
        return codes_in(text).first().filter(|_| aadsts).map(|&code| unknown_code(code, evidence));
    };
    // A log may hold several refusals (a retry, then the final failure): the last code read is
    // the one that ended the run, unless the table's reading already covers it.
    let earlier = others_in(text, keyless);
    let (row, code) = match earlier.first() {
        Some(&(last, c)) if !row.codes.contains(&c) => (last, Some(c)),
        _ => (row, code),
    };
    // The support ids and the quoted line belong to the refusal read: from the line of its last
    // AADSTS on.
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |n| n + 1);
    let own = code
        .and_then(|c| text.to_ascii_lowercase().rfind(&format!("aadsts{c}")))
        .map_or(text, |at| &text[line_start(at)..]);
    let code = code.map(|c| format!("AADSTS{c}")).unwrap_or_else(|| "the wording (no code)".into());
    evidence.push(format!("{code}: {} (docs/evidence.md#{})", row.reading, row.id));
    for (other, c) in earlier.iter().filter(|(r, _)| r.id != row.id) {
        evidence
            .push(format!("also in the text, earlier: AADSTS{c}: {} (docs/evidence.md#{})", other.reading, other.id));
    }
    evidence.extend(quoted_values(text));
    evidence.extend(support_ids(own));
    evidence.push(format!("matched: {}", excerpt(own, row)));
    let mut causes = causes_of(row);
    for (other, _) in earlier.iter().filter(|(r, _)| r.id != row.id) {
        causes.extend(causes_of(other));
    }
    let (cause, conf) = causes[0];
    let mut d = Diagnosis::new(cause, conf, evidence).with_candidates(&causes[1..]);
    // A row may read its cause in its own terms (AADSTS501051: the app's fix first).
    d.remediation = row.causes[0].0.fix.iter().map(|f| f.to_string()).collect();
    Some(d)
}

/// Each AADSTS code the table reads, by where it last appears, the last first, with its row
/// (the first that fits, as [`find`] picks). Only codes with the AADSTS prefix count.
fn others_in(text: &str, keyless: Option<bool>) -> Vec<(&'static EntraCode, u32)> {
    let lower = text.to_lowercase().replace('’', "'");
    let mut placed: Vec<(usize, u32)> =
        codes_in(text).into_iter().filter_map(|c| lower.rfind(&format!("aadsts{c}")).map(|at| (at, c))).collect();
    placed.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut out: Vec<(&'static EntraCode, u32)> = Vec::new();
    for (_, c) in placed {
        let row = CODES.iter().find(|r| r.codes.contains(&c) && fits_row(r, &lower, keyless));
        if let Some(r) = row.filter(|r| !out.iter().any(|(o, _)| o.id == r.id)) {
            out.push((r, c));
        }
    }
    out
}

fn fits_row(row: &EntraCode, lower: &str, keyless: Option<bool>) -> bool {
    let side = match (row.keyless, keyless) {
        (Some(want), Some(known)) => want == known,
        _ => row.when.is_empty() || row.when.iter().any(|w| lower.contains(w)),
    };
    side && !row.unless.iter().any(|u| lower.contains(u))
}

/// Entra's Trace ID and Correlation ID, as its answers and the az CLI / azure/login print them
/// (`Trace ID: …`, `"trace_id": "…"`): what Microsoft support asks for.
fn support_ids(text: &str) -> Vec<String> {
    let find = |labels: &[&str]| {
        let lower = text.to_ascii_lowercase();
        labels.iter().find_map(|l| {
            let at = lower.find(l)? + l.len();
            let rest = text[at..].trim_start_matches([':', ' ', '"', '=']);
            let id: String = rest.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').take(36).collect();
            (id.len() >= 32).then_some(id)
        })
    };
    let trace = find(&["trace id", "trace_id\"", "trace_id"]);
    let correlation = find(&["correlation id", "correlation_id\"", "correlation_id"]);
    match (trace, correlation) {
        (None, None) => vec![],
        (t, c) => vec![format!(
            "Entra's trace ID {}, correlation ID {} (quote both to Microsoft support)",
            t.as_deref().unwrap_or("(none)"),
            c.as_deref().unwrap_or("(none)")
        )],
    }
}

/// An AADSTS code outside the table: say so, and where Microsoft explains it.
fn unknown_code(code: u32, mut evidence: Vec<String>) -> Diagnosis {
    evidence.push(format!("AADSTS{code} is not a code sfjwt reads yet"));
    let mut d = Diagnosis::new(Cause::Unknown, Possible, evidence);
    d.remediation = vec![
        format!("Microsoft's description and fix: https://login.microsoftonline.com/error?code={code}"),
        "The codes sfjwt reads: docs/causes.md (entra_ causes); the reference: https://learn.microsoft.com/entra/identity-platform/reference-error-codes".into(),
    ];
    d
}

/// The line that matched, cut to [`EXCERPT`] characters.
fn excerpt(text: &str, row: &EntraCode) -> String {
    let hit = |l: &&str| {
        let lower = l.to_lowercase();
        lower.contains("aadsts") || row.needles.iter().any(|n| lower.contains(n))
    };
    let line = text.lines().map(str::trim).find(hit).unwrap_or_else(|| text.trim());
    safe(&line.chars().take(EXCERPT).collect::<String>())
}

/// Pasted text made fit for a report: a JWT on the same line (an assertion, an OIDC token) is
/// removed, control characters become spaces.
fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let run =
            rest[at..].find(|c: char| !(c.is_ascii_alphanumeric() || "-_.=".contains(c))).unwrap_or(rest.len() - at);
        out.push_str(&rest[..at]);
        // A token is long (every JWT opens with "eyJ"); a short run so spelt is an ordinary word.
        out.push_str(if run > 16 { "<JWT removed>" } else { &rest[at..at + run] });
        rest = &rest[at + run..];
    }
    out.push_str(rest);
    crate::secrets::terminal_safe(&out)
}

/// The values Entra quotes back that the fix needs: the federated token's issuer, subject and
/// audience, and the client id it did not find (a placeholder or a name is not a client id).
fn quoted_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (label, marker) in [
        ("issuer", "assertion issuer"),
        ("subject", "assertion subject"),
        ("audience", "assertion audience"),
        ("client id", "application with identifier"),
    ] {
        let Some(value) = quoted_after(text, marker) else { continue };
        let shape = if label == "client id" && !value.contains('*') && !is_guid(&value) {
            " (not a GUID: a placeholder or a name, not an Application (client) ID)"
        } else {
            ""
        };
        out.push(format!("the answer's {label}: '{}'{shape}", safe(&value)));
    }
    out
}

/// The first '…'-quoted value after a marker (case-insensitive), at most 200 characters.
fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(marker)? + marker.len();
    let rest = text[at..].trim_start_matches([':', ' ']);
    let inner = rest.strip_prefix('\'')?;
    let end = inner.find('\'')?;
    Some(inner[..end].chars().take(200).collect())
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// The table's entry of a cause.
fn entry(cause: Cause) -> Option<&'static EntraCause> {
    table::ALL.iter().copied().find(|c| c.id == cause.id())
}

/// What to do, in the words of the Microsoft Entra admin center (the table's fix).
pub fn remediation(cause: Cause) -> &'static [&'static str] {
    entry(cause).map(|c| c.fix).unwrap_or(&[])
}

/// One line: what the refusal means (the table's summary).
pub fn summary(cause: Cause) -> &'static str {
    entry(cause).map(|c| c.summary).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entra::causes::MAX_CODES;
    use Cause::*;

    fn top(text: &str) -> Cause {
        explain(text).map(|d| d.cause).unwrap_or(Cause::None)
    }

    #[test]
    fn codes_are_read_in_their_pasted_forms() {
        assert_eq!(codes_in("Error: AADSTS700016: Application"), vec![700016]);
        assert_eq!(codes_in("aaDSTS90093: Calling principal"), vec![90093]);
        assert_eq!(codes_in("**AADSTS**7000215**: x"), vec![7000215]);
        assert_eq!(codes_in("> Sign-in error code:  90095 > Failure"), vec![90095]);
        assert_eq!(codes_in(r#"{"error_codes": [ 700027 ], "x": 1}"#), vec![700027]);
        assert_eq!(codes_in("AADSTS%3a nothing"), Vec::<u32>::new());
        let flood: String = (0..10_000).map(|n| format!("AADSTS{n} ")).collect();
        assert_eq!(codes_in(&flood).len(), MAX_CODES);
    }

    #[test]
    fn each_code_the_issue_names_has_its_cause() {
        for (code, cause) in [
            (65001, EntraAdminConsentRequired),
            (90094, EntraAdminConsentRequired),
            (90095, EntraAdminConsentRequired),
            (65004, EntraConsentDeclined),
            (50105, EntraAssignmentRequired),
            (700016, EntraAppNotInTenant),
            (500011, EntraResourceNotFound),
            (700027, EntraCertificateNotRegistered),
            (700021, EntraAssertionInvalid),
            (700023, EntraAssertionInvalid),
            (700024, EntraAssertionExpired),
            (1000502, EntraCertificateExpired),
            (7000215, EntraClientSecretInvalid),
            (7000222, EntraClientSecretExpired),
            (70021, EntraFederatedCredentialMismatch),
            (700211, EntraFederatedCredentialMismatch),
            (700212, EntraFederatedCredentialMismatch),
            (700213, EntraFederatedCredentialMismatch),
            (90002, EntraTenantNotFound),
            (900023, EntraTenantNotFound),
            (53003, EntraConditionalAccess),
            (70011, EntraInvalidScope),
            (1002012, EntraInvalidScope),
        ] {
            assert_eq!(top(&format!("AADSTS{code}: …")), cause, "AADSTS{code}");
        }
    }

    #[test]
    fn the_assertion_s_source_decides_700024() {
        let text = "AADSTS700024: Client assertion is not within its valid time range.";
        assert_eq!(top(text), EntraAssertionExpired);
        assert_eq!(
            top(&format!("ClientAssertionCredential authentication failed: {text}")),
            EntraFederatedTokenExpired
        );
        let body = r#"{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range.","error_codes":[700024]}"#;
        assert_eq!(from_answer(body, true, vec![]).cause, EntraFederatedTokenExpired);
        assert_eq!(from_answer(body, false, vec![]).cause, EntraAssertionExpired);
        let d = from_refusal("invalid_client", "", &[7000222], false, vec!["attempt 1".into()]);
        assert_eq!((d.cause, d.evidence[0].as_str()), (EntraClientSecretExpired, "attempt 1"));
        let d = from_answer("<html>bad gateway</html>", false, vec!["attempt 1".into()]);
        assert_eq!((d.cause, d.evidence.len()), (Cause::Unknown, 2));
    }

    #[test]
    fn legacy_and_codeless_wordings_still_read() {
        assert_eq!(
            top("AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is provided."),
            EntraClientSecretInvalid
        );
        assert_eq!(top("Need admin approval: only an admin can grant"), EntraAdminConsentRequired);
        assert_eq!(top("invalid_grant: user hasn't approved this consumer"), Cause::None);
    }

    #[test]
    fn a_pasted_token_never_reaches_the_evidence() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYiJ9.c2lnbmF0dXJl";
        let d = explain(&format!(
            "AADSTS700024: Client assertion is not within its valid time range. assertion={jwt}\u{1b}[2J"
        ))
        .unwrap();
        assert!(d.evidence.iter().all(|e| !e.contains("eyJ") && !e.contains('\u{1b}')), "{:?}", d.evidence);
        assert_eq!(safe("x eyJshort y"), "x eyJshort y");
    }

    #[test]
    fn an_unknown_code_points_to_microsoft_s_page() {
        let d = explain("AADSTS99999: something new").unwrap();
        assert_eq!(d.cause, Cause::Unknown);
        assert!(d.remediation[0].ends_with("error?code=99999"), "{:?}", d.remediation);
        assert!(!recognises("AADSTS99999: something new"));
    }

    #[test]
    fn quoted_values_name_a_placeholder_client_id() {
        let d = explain("AADSTS700016: Application with identifier 'Enter_the_Application_Id_here' was not found in the directory 'x'.").unwrap();
        assert!(
            d.evidence.iter().any(|e| e.contains("'Enter_the_Application_Id_here' (not a GUID")),
            "{:?}",
            d.evidence
        );
        let d = explain("AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com/'. Assertion Subject: 'repo:o/r:ref:refs/heads/main'.").unwrap();
        assert!(
            d.evidence.contains(&"the answer's issuer: 'https://token.actions.githubusercontent.com/'".to_string())
        );
        assert!(d.evidence.contains(&"the answer's subject: 'repo:o/r:ref:refs/heads/main'".to_string()));
    }

    #[test]
    fn every_entra_cause_has_a_fix_and_a_summary_and_rows_start_confident_at_most_likely() {
        for c in Cause::ALL.iter().filter(|c| c.id().starts_with("entra_")) {
            assert!(!remediation(*c).is_empty() && !summary(*c).is_empty(), "{}", c.id());
        }
        for r in CODES {
            assert!(
                causes_of(r).iter().all(|(c, conf)| *conf != Confidence::Confirmed && *c != Cause::Unknown),
                "{}",
                r.id
            );
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use super::{CODES, causes_of};

    /// docs/causes.md lists, per Entra cause, every code row that can lead to it.
    #[test]
    fn causes_doc_lists_each_code_row_with_its_evidence() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md")).unwrap();
        for r in CODES {
            for (cause, _) in causes_of(r) {
                let head = format!("\n## {}\n", cause.id());
                let start = doc.find(&head).map(|i| i + head.len()).unwrap_or(doc.len());
                let end = doc[start..].find("\n## ").map(|i| start + i).unwrap_or(doc.len());
                let entry = format!("[`{}`](evidence.md#{}) ({})", r.id, r.id, r.evidence.id());
                assert!(doc[start..end].contains(&entry), "docs/causes.md ## {} lacks {entry}", cause.id());
            }
        }
    }
}
