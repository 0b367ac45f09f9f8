//! The client credentials request to the v2.0 token endpoint, and its answer classified.

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::net::{self, Exchange, FailureKind, NetSettings};

/// What to do about an answer that came but is not usable (a redirect, a token endpoint on
/// another host, a token answer failing validation): not a connectivity problem.
pub const UNUSABLE_HELP: &str = "The host answered, but not as Microsoft Entra's token endpoint does (a redirect, a token endpoint on another host, or a token answer failing validation): check -r/--login-url and any proxy between the job and Entra; sfjwt never follows or uses such an answer.";

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub struct Request<'a> {
    pub endpoint: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    /// The signed certificate assertion, or the CI's OIDC token.
    pub assertion: &'a str,
}

/// A token Entra issued. Debug never shows it.
pub struct Granted {
    pub access_token: Zeroizing<String>,
    pub token_type: String,
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted").field("token_type", &self.token_type).finish_non_exhaustive()
    }
}

/// Entra's error answer (entra.md §3): every field optional, as answers are validated, not trusted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Refusal {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    #[serde(default)]
    pub error_codes: Vec<u64>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl Refusal {
    /// The AADSTS code: `error_codes[0]`, else the one the description starts with.
    pub fn code(&self) -> Option<u64> {
        self.error_codes.first().copied().or_else(|| aadsts(&self.error_description))
    }

    /// The description's first line (the Trace/Correlation/Timestamp lines follow it).
    pub fn headline(&self) -> &str {
        self.error_description.lines().next().unwrap_or_default().trim()
    }
}

/// The first `AADSTS<digits>` in a text.
pub fn aadsts(text: &str) -> Option<u64> {
    let at = text.find("AADSTS")?;
    let digits: String = text[at + 6..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[derive(Debug)]
pub enum Answer {
    Granted(Granted),
    Refused { status: u16, refusal: Refusal },
    NoAnswer { kind: FailureKind, detail: String },
}

/// The longest access token accepted (as for Salesforce): JWT access tokens are a few KiB.
pub const MAX_TOKEN: usize = 16 * 1024;

/// A 200 answer holding `access_token`, validated as the Salesforce grant's is: the token
/// printable ASCII and bounded, `token_type` Bearer (any case; OAuth's `mac` or anything else is
/// not a token sfjwt can hand on). `Err` says which field failed, never its value.
fn success(v: &serde_json::Value) -> Result<Granted, String> {
    let token = v.get("access_token").and_then(|t| t.as_str()).ok_or("access_token is not a string")?;
    if token.is_empty() {
        return Err("access_token is empty".into());
    }
    if token.len() > MAX_TOKEN || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "access_token is not shaped like a token (printable ASCII, at most {MAX_TOKEN} characters)"
        ));
    }
    let token_type = match v.get("token_type") {
        None => "Bearer".to_string(),
        Some(t) => match t.as_str() {
            Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_string(),
            _ => return Err("token_type is not Bearer".into()),
        },
    };
    let expires_in = v.get("expires_in").and_then(|e| e.as_u64().or_else(|| e.as_str()?.parse().ok()));
    Ok(Granted { access_token: Zeroizing::new(token.to_string()), token_type, expires_in })
}

/// Sends the grant with the shared retry rules (5xx, 429, garbled answers); returns the answer
/// and the number of tries.
pub fn request(client: &reqwest::blocking::Client, settings: &NetSettings, req: &Request) -> (Answer, usize) {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", req.client_id),
        ("scope", req.scope),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", req.assertion),
    ];
    let tries = net::send_with_retries(
        settings,
        || client.post(req.endpoint).header("Accept", "application/json").form(&form),
        |t, wait| {
            eprintln!(
                "note: {}; retrying in {:.1}s",
                crate::secrets::for_terminal(&describe(&t.exchange)),
                wait.as_secs_f64()
            )
        },
    );
    let n = tries.len();
    let answer = tries.into_iter().last().map(|t| classify(t.exchange));
    (answer.unwrap_or(Answer::NoAnswer { kind: FailureKind::Connect, detail: "no request was sent".into() }), n)
}

fn describe(ex: &Exchange) -> String {
    match ex {
        Exchange::Answer { status, content_type, .. } => format!("HTTP {status} ({content_type})"),
        Exchange::Failed { kind, detail } => format!("{}: {}", kind.as_str(), crate::secrets::terminal_safe(detail)),
    }
}

pub fn classify(ex: Exchange) -> Answer {
    let (status, content_type, body) = match ex {
        Exchange::Failed { kind, detail } => return Answer::NoAnswer { kind, detail },
        Exchange::Answer { status, content_type, body, .. } => (status, content_type, body),
    };
    if (300..400).contains(&status) {
        // A redirect is never followed: the assertion would go with it to wherever it points.
        return Answer::NoAnswer {
            kind: FailureKind::UnexpectedAnswer,
            detail: format!(
                "HTTP {status}: redirect refused (a token endpoint's redirect is never followed: the assertion would go with it)"
            ),
        };
    }
    if status == 200
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&body)
        && v.get("access_token").is_some()
    {
        return match success(&v) {
            Ok(g) => Answer::Granted(g),
            Err(why) => Answer::NoAnswer {
                kind: FailureKind::UnexpectedAnswer,
                detail: format!("HTTP 200 with a token answer that fails validation: {why}"),
            },
        };
    }
    match serde_json::from_str::<Refusal>(&body) {
        Ok(r) if (400..500).contains(&status) && !r.error.is_empty() => Answer::Refused { status, refusal: r },
        _ => Answer::NoAnswer {
            kind: FailureKind::UnexpectedAnswer,
            detail: format!("HTTP {status} ({content_type}) is not a token endpoint answer"),
        },
    }
}

/// Discovery (`{authority}/v2.0/.well-known/openid-configuration`), as MSAL does it: the tenant's
/// token endpoint under its id, when `--tenant` is a domain. The endpoint must stay on the
/// authority's host (it receives the assertion). `Err` is the answer to report instead.
pub fn discover(
    client: &reqwest::blocking::Client,
    settings: &NetSettings,
    discovery_url: &str,
    host: &str,
) -> (Result<String, Answer>, usize) {
    let tries = net::send_with_retries(
        settings,
        || client.get(discovery_url).header("Accept", "application/json"),
        |t, wait| {
            eprintln!(
                "note: {}; retrying in {:.1}s",
                crate::secrets::for_terminal(&describe(&t.exchange)),
                wait.as_secs_f64()
            )
        },
    );
    let n = tries.len();
    let Some(last) = tries.into_iter().last() else {
        return (Err(Answer::NoAnswer { kind: FailureKind::Connect, detail: "no request was sent".into() }), n);
    };
    let (status, body) = match &last.exchange {
        Exchange::Answer { status, body, .. } => (*status, body.clone()),
        Exchange::Failed { .. } => return (Err(classify(last.exchange)), n),
    };
    let named = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("token_endpoint").and_then(|e| e.as_str()).map(str::to_string));
    let endpoint = named.clone().filter(|e| on_host(e, host));
    match endpoint {
        Some(e) if status == 200 => (Ok(e), n),
        None if status == 200 && named.is_some() => (
            Err(Answer::NoAnswer {
                kind: FailureKind::UnexpectedAnswer,
                detail: format!(
                    "the OpenID configuration names a token endpoint that is not https://{host}/…: refused (the assertion is only sent to the authority's own host)"
                ),
            }),
            n,
        ),
        _ => match classify(last.exchange) {
            Answer::Granted(_) => (
                Err(Answer::NoAnswer {
                    kind: FailureKind::UnexpectedAnswer,
                    detail: format!("the OpenID configuration (HTTP {status}) names no token endpoint on {host}"),
                }),
                n,
            ),
            other => (Err(other), n),
        },
    }
}

fn on_host(endpoint: &str, host: &str) -> bool {
    url::Url::parse(endpoint).is_ok_and(|u| u.scheme() == "https" && u.authority() == host)
}

/// A tenant id as Entra writes `tid`: a GUID (8-4-4-4-12 hex digits).
pub fn is_guid(v: &str) -> bool {
    v.len() == 36
        && v.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && v.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// A role as an app role's `value` may be: printable ASCII without spaces (the app roles page
/// allows no spaces), so no line breaks, controls or bidi marks reach CI outputs, step summaries
/// or reports.
pub fn is_plain_role(r: &str) -> bool {
    !r.is_empty() && r.len() <= 256 && r.chars().all(|c| c.is_ascii_graphic())
}

/// The `roles` claim of a JWT access token (read, not verified: the token is for the resource,
/// and only says what Entra put in it), and how many were dropped for not being plain role
/// names. `None` when the token is not a JWT.
pub fn roles_checked(access_token: &str) -> Option<(Vec<String>, usize)> {
    use base64::Engine;
    let payload = access_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let all = claims.get("roles").and_then(|r| r.as_array()).cloned().unwrap_or_default();
    let names: Vec<String> = all.iter().filter_map(|r| r.as_str().map(str::to_string)).collect();
    let plain: Vec<String> = names.iter().filter(|r| is_plain_role(r)).cloned().collect();
    let dropped = all.len() - plain.len();
    Some((plain, dropped))
}

/// The plain role names of [`roles_checked`].
pub fn roles(access_token: &str) -> Option<Vec<String>> {
    roles_checked(access_token).map(|(r, _)| r)
}

/// A required role the token holds in another case: still missing (the `roles` claim carries the
/// app role's value as defined, and sfjwt compares it exactly, as an API reading the claim
/// does), but the likely fix is the spelling, not consent.
pub fn case_hints(missing: &[&String], have: &[String]) -> Vec<String> {
    missing
        .iter()
        .filter_map(|m| {
            let held = have.iter().find(|h| h.eq_ignore_ascii_case(m))?;
            Some(format!(
                "{m} differs only in case: the token holds {held} (role values are compared exactly; pass --require-role {held})"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_role_differing_only_in_case_is_named_with_the_tokens_spelling() {
        let have = vec!["Sites.Read.All".to_string()];
        let (lower, other) = ("sites.read.all".to_string(), "User.Read.All".to_string());
        let hints = case_hints(&[&lower, &other], &have);
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert!(hints[0].starts_with("sites.read.all differs only in case: the token holds Sites.Read.All"));
    }

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        classify(Exchange::Answer { status, content_type: "application/json".into(), body: body.into(), date: None })
    }

    #[test]
    fn answers_are_classified() {
        assert!(
            matches!(answer(200, r#"{"token_type":"Bearer","expires_in":3599,"access_token":"x.y.z"}"#), Answer::Granted(g) if g.expires_in == Some(3599))
        );
        let Answer::Refused { refusal, .. } = answer(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS700027: Client assertion ...\r\nTrace ID: t","error_codes":[700027]}"#,
        ) else {
            panic!("not refused")
        };
        assert_eq!((refusal.code(), refusal.headline()), (Some(700027), "AADSTS700027: Client assertion ..."));
        assert!(matches!(answer(200, "{}"), Answer::NoAnswer { .. }));
        assert!(matches!(answer(502, r#"{"error":"x"}"#), Answer::NoAnswer { .. }));
        assert_eq!(aadsts("ERROR: AADSTS7000215: Invalid"), Some(7000215));
    }

    #[test]
    fn token_answers_are_shape_checked() {
        let bad = |body: &str| match answer(200, body) {
            Answer::NoAnswer { detail, .. } => detail,
            other => panic!("accepted {body}: {other:?}"),
        };
        assert!(bad(r#"{"token_type":"mac","access_token":"abc"}"#).contains("token_type is not Bearer"));
        assert!(bad(r#"{"token_type":"Bearer","access_token":"a b"}"#).contains("access_token is not shaped"));
        assert!(bad(r#"{"access_token":"a\nb"}"#).contains("fails validation"));
        let long = format!(r#"{{"access_token":"{}"}}"#, "a".repeat(MAX_TOKEN + 1));
        assert!(bad(&long).contains("at most 16384"));
        assert!(bad(r#"{"access_token":""}"#).contains("empty"));
        assert!(
            matches!(answer(200, r#"{"token_type":"bearer","access_token":"abc"}"#), Answer::Granted(g) if g.token_type == "Bearer")
        );
        let moved = classify(Exchange::Answer {
            status: 302,
            content_type: "text/html".into(),
            body: String::new(),
            date: None,
        });
        assert!(matches!(moved, Answer::NoAnswer { detail, .. } if detail.contains("redirect refused")));
    }

    #[test]
    fn tenant_ids_and_role_names_are_plain() {
        assert!(is_guid("7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47"));
        assert!(!is_guid("7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a4\n"));
        assert!(!is_guid("contoso.onmicrosoft.com"));
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt =
            format!("{}.{}.sig", enc("{}"), enc(r#"{"roles":["Sites.Read.All","a\n::error::x","b\u202ec","c d"]}"#));
        assert_eq!(roles_checked(&jwt).unwrap(), (vec!["Sites.Read.All".to_string()], 3));
    }

    #[test]
    fn roles_from_a_jwt_access_token() {
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!("{}.{}.sig", enc("{}"), enc(r#"{"roles":["Sites.Read.All","User.Read.All"]}"#));
        assert_eq!(roles(&jwt).unwrap(), ["Sites.Read.All", "User.Read.All"]);
        assert_eq!(roles(&format!("{}.{}.s", enc("{}"), enc("{}"))).unwrap(), Vec::<String>::new());
        assert_eq!(roles("opaque-token"), None);
    }
}
