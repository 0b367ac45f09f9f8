//! Reading refusals out of free text: another tool's log line (sf's JwtGrantError,
//! simple-salesforce's exception, a raw JSON body, a web-flow redirect URL).

use super::{Cause, Confidence, Diagnosis};

/// Most of the input an excerpt shows, in characters (never cut inside one).
const EXCERPT: usize = 240;

/// The most telling (error, description) pairs in free text.
fn pairs(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    // A JSON body, possibly embedded in a line.
    for (i, _) in text.match_indices('{') {
        if let Some(end) = text[i..].find('}')
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text[i..=i + end])
            && let Some(e) = v.get("error").and_then(|e| e.as_str())
        {
            let d = v.get("error_description").and_then(|d| d.as_str()).unwrap_or_default();
            out.push((e.to_string(), d.to_string(), text[i..=i + end].to_string()));
        }
    }
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // "invalid_grant: …", "INVALID_GRANT: …", "error=invalid_client&error_description=app+must+…"
        let lower = line.to_lowercase();
        let mut error = String::new();
        for code in [
            "invalid_grant",
            "invalid_client_id",
            "invalid_client",
            "invalid_app_access",
            "app_not_found",
            "inactive_user",
            "inactive_org",
            "rate_limit_exceeded",
            "unsupported_grant_type",
            "invalid_scope",
            "oauth_app_blocked",
            "oauth_app_access_denied",
            "oauth_ec_app_not_found",
            "oauth_approval_error_generic",
            "access_denied",
            "invalid_session_id",
            "api_currently_disabled",
            "api_disabled_for_org",
        ] {
            if lower.contains(code) {
                error = code.to_string();
                break;
            }
        }
        let decoded = percent_decode(&line.replace('+', " "));
        out.push((error, decoded.clone(), line.to_string()));
    }
    out
}

/// Whether the text holds an error wording sfjwt knows (even one whose cause is unknown, such as
/// `authentication failure`): `explain` exits 1 only when it holds none.
pub fn recognises(text: &str) -> bool {
    super::entra::recognises(text) || pairs(text).iter().any(|(e, d, _)| super::wordings::find(e, d).is_some())
}

/// A line of pasted text as evidence: terminal escapes, NUL and bidi overrides replaced, CR/LF
/// and other controls as spaces (no `::workflow-command::` line can start), every long run of
/// token-like characters (an access token, a JWT, a base64 key) cut to its first 4, then bounded.
fn quoted(source: &str) -> String {
    let safe = crate::secrets::terminal_safe(&crate::untrusted::text(source));
    crate::secrets::redact_long_runs(&safe).chars().take(EXCERPT).collect()
}

/// The diagnosis of free text from another tool's log; `Unknown` when nothing in it is an error.
pub fn explain(text: &str) -> Diagnosis {
    // Microsoft Entra's AADSTS codes name their cause better than any OAuth error word beside them.
    if let Some(d) = super::entra::explain(text) {
        return d;
    }
    let rank = |c: Cause| match c {
        Cause::Unknown => 0,
        Cause::AudienceInvalid => 1,
        Cause::AppNotInstalled => 2,
        _ => 3,
    };
    let mut best: Option<(Vec<(Cause, Confidence)>, String)> = None;
    let mut best_pair: Option<(String, String)> = None;
    for (error, description, source) in pairs(text) {
        let ranked = super::from_error_text(&error, &description);
        let better = match &best {
            None => true,
            Some((b, _)) => rank(ranked[0].0) > rank(b[0].0),
        };
        if better {
            best = Some((ranked, source));
            best_pair = Some((error, description));
        }
    }
    let (ranked, source) = best.unwrap_or_else(|| (vec![(Cause::Unknown, Confidence::Possible)], String::new()));
    // Pasted logs carry escapes, bidi overrides and tokens: quote them as none of those.
    let excerpt = quoted(&source);
    let evidence = if ranked[0].0 == Cause::Unknown {
        vec!["no error code or wording sfjwt knows appears in the text".to_string()]
    } else {
        vec![format!("matched: {excerpt}")]
    };
    let (error, description) = best_pair.unwrap_or_default();
    let mut d = super::from_refusal(&error, &description, evidence);
    if d.cause == Cause::Unknown {
        // explain has no attempts or report to point at: say what it needs instead.
        d.remediation = vec![
            "Paste the line that holds the error code and description (e.g. `invalid_grant: user hasn't approved this consumer`), or the raw JSON body.".into(),
            "Or run `sfjwt doctor` with the pipeline's inputs: it makes the grant itself and reads the org.".into(),
        ];
    }
    d.candidates.retain(|c| ranked.iter().any(|(r, _)| *r == c.cause));
    if let Some(signal) = just_created(text)
        && d.candidates.iter().any(|c| c.cause == Cause::ReplicationPending)
    {
        d = replication_first(d, signal);
    }
    if d.cause == Cause::UnsupportedGrantType && text.to_lowercase().contains("http://") {
        // The redirect to https:// turns the POST into a GET (SalesforceCommerceCloud/b2c-crm-sync #16).
        d.evidence.push("the text shows an http:// URL: a login URL must be https://".into());
    }
    d
}

/// The sf CLI's words for creating a scratch org or a user, which it logs in to with JWT at once:
/// a refusal there is most often the new org or user not yet known to every server
/// (forcedotcom/cli #1640, #2575; salesforce.md §5, scratch orgs).
fn just_created(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    ["force:org:create", "org create scratch", "force:user:create", "org create user", "with scratch org"]
        .into_iter()
        .find(|signal| lower.contains(signal))
}

/// `replication_pending` first (likely), the other readings kept as possible candidates.
fn replication_first(d: Diagnosis, signal: &str) -> Diagnosis {
    let others: Vec<(Cause, Confidence)> = d
        .candidates
        .iter()
        .filter(|c| c.cause != Cause::ReplicationPending)
        .map(|c| (c.cause, Confidence::Possible))
        .collect();
    let mut evidence = d.evidence;
    evidence.push(format!(
        "the text shows the sf CLI logging in right after creating a scratch org or user ({signal:?}): a new org or user takes minutes to reach every Salesforce server"
    ));
    Diagnosis::new(Cause::ReplicationPending, Confidence::Likely, evidence).with_candidates(&others)
}

/// Redirect URLs carry the description percent-encoded (`app%20must%20be%20installed`).
fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('&', "%26")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_are_decoded() {
        let d =
            explain("https://x/cb?error=OAUTH_APP_BLOCKED&error_description=this%20app%20is%20blocked%20by%20admin");
        assert_eq!(d.cause, Cause::AppBlocked);
        let d = explain("callback?error=access_denied&error_description=end-user+denied+authorization");
        assert_eq!(d.cause, Cause::AppBlocked);
        let d = explain("error=invalid_client_id&error_description=client%20identifier%20invalid");
        assert_eq!(d.cause, Cause::ClientIdUnknown);
    }

    #[test]
    fn sf_cli_wrappers_and_key_errors_are_read() {
        let d = explain("Here’s the error: error:0906D06C:PEM routines:PEM_read_bio:no start line");
        assert_eq!(d.cause, Cause::InvalidKey);
        let d = explain(
            "Error authenticating with JWT.\nErrors encountered:\naudience is invalid [audience=https://login.salesforce.com login=https://test.salesforce.com/]",
        );
        assert_eq!(d.cause, Cause::AudienceInvalid);
        let d = explain(
            "Error (JwtGrantError): We encountered a JSON web token error. Here’s the error: JwtAuthError::Error authenticating with JWT.",
        );
        assert_eq!(d.cause, Cause::Unknown);
        assert!(recognises("JwtAuthError::Error authenticating with JWT."));
        let d = explain(
            "This org appears to have a problem with its OAuth configuration. Reason: invalid_grant - invalid assertion",
        );
        assert_eq!(d.cause, Cause::CertificateMismatch);
        let d = explain(
            "sfdx auth:web:login -r http://login.salesforce.com\nError authenticating with auth code due to: grant type not supported",
        );
        assert_eq!(d.cause, Cause::UnsupportedGrantType);
        assert!(d.evidence.iter().any(|e| e.contains("http://")), "{:?}", d.evidence);
        let d = explain(
            "MUTUAL_AUTHENTICATION_FAILED: This session could not be mutually authenticated for the use with REST API",
        );
        assert_eq!(d.cause, Cause::PasswordExpired);
        assert!(d.candidates.iter().any(|c| c.cause == Cause::MutualTlsRequired));
        let d = explain("Connect iframe shows `OAUTH_EC_APP_NOT_FOUND`");
        assert_eq!(d.cause, Cause::AppNotInstalled);
        let d = explain("API_CURRENTLY_DISABLED: API functionality is temporarily unavailable");
        assert_eq!(d.cause, Cause::ApiTemporarilyUnavailable);
    }

    #[test]
    fn pasted_escapes_and_tokens_are_not_quoted_back() {
        let token = "00D5g000004XyZa!AQ4AQFakeAccessTokenValueThatIsLong.xyz";
        let d = explain(&format!(
            "invalid_grant: user hasn't approved this consumer \u{1b}]0;pwned\u{7}\u{202e}\r::add-mask::x token={token}"
        ));
        let line = d.evidence.join("\n");
        assert!(!line.contains(token) && line.contains("…(hidden)"), "{line}");
        assert!(!line.chars().any(|c| c.is_control() || c == '\u{202e}'), "{line:?}");
    }

    #[test]
    fn a_refusal_right_after_creating_a_scratch_org_or_user_is_replication_first() {
        let d = explain(
            "force:org:create: Error authenticating with JWT config due to: user hasn't approved this consumer",
        );
        assert_eq!((d.cause, d.confidence), (Cause::ReplicationPending, Confidence::Likely));
        assert!(d.candidates.iter().any(|c| c.cause == Cause::UserNotPreauthorized));
        // Without that context the same words keep their usual reading.
        let d = explain("Error authenticating with JWT config due to: user hasn't approved this consumer");
        assert_eq!(d.cause, Cause::UserNotApproved);
        // Another refusal in the same context is not a replication question.
        let d = explain("ERROR running org create scratch: invalid_grant: invalid assertion");
        assert_eq!(d.cause, Cause::CertificateMismatch);
    }

    #[test]
    fn text_without_an_error_is_unknown() {
        assert_eq!(explain("all good, nothing here").cause, Cause::Unknown);
    }
}
