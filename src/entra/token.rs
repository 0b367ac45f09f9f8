//! The client credentials request to the v2.0 token endpoint, and its answer classified.

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::net::{self, Exchange, FailureKind, NetSettings};

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

#[derive(Deserialize)]
struct Success {
    access_token: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    expires_in: Option<u64>,
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
        |t, wait| eprintln!("note: {}; retrying in {:.1}s", scrubbed(&describe(&t.exchange)), wait.as_secs_f64()),
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
    if status == 200
        && let Ok(s) = serde_json::from_str::<Success>(&body)
        && !s.access_token.is_empty()
    {
        let token_type = if s.token_type.is_empty() { "Bearer".into() } else { s.token_type };
        return Answer::Granted(Granted {
            access_token: Zeroizing::new(s.access_token),
            token_type,
            expires_in: s.expires_in,
        });
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
        |t, wait| eprintln!("note: {}; retrying in {:.1}s", scrubbed(&describe(&t.exchange)), wait.as_secs_f64()),
    );
    let n = tries.len();
    let Some(last) = tries.into_iter().last() else {
        return (Err(Answer::NoAnswer { kind: FailureKind::Connect, detail: "no request was sent".into() }), n);
    };
    let (status, body) = match &last.exchange {
        Exchange::Answer { status, body, .. } => (*status, body.clone()),
        Exchange::Failed { .. } => return (Err(classify(last.exchange)), n),
    };
    let endpoint = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("token_endpoint").and_then(|e| e.as_str()).map(str::to_string))
        .filter(|e| url::Url::parse(e).is_ok_and(|u| u.scheme() == "https" && u.authority() == host));
    match endpoint {
        Some(e) if status == 200 => (Ok(e), n),
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

/// The `roles` claim of a JWT access token (read, not verified: the token is for the resource,
/// and only says what Entra put in it). `None` when the token is not a JWT.
pub fn roles(access_token: &str) -> Option<Vec<String>> {
    use base64::Engine;
    let payload = access_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let roles = claims.get("roles").and_then(|r| r.as_array()).cloned().unwrap_or_default();
    Some(roles.iter().filter_map(|r| r.as_str().map(str::to_string)).collect())
}

/// A retry note quotes the URL, which holds the tenant as the user gave it.
fn scrubbed(text: &str) -> String {
    crate::secrets::terminal_safe(&crate::secrets::scrub(text))
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
    fn roles_from_a_jwt_access_token() {
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!("{}.{}.sig", enc("{}"), enc(r#"{"roles":["Sites.Read.All","User.Read.All"]}"#));
        assert_eq!(roles(&jwt).unwrap(), ["Sites.Read.All", "User.Read.All"]);
        assert_eq!(roles(&format!("{}.{}.s", enc("{}"), enc("{}"))).unwrap(), Vec::<String>::new());
        assert_eq!(roles("opaque-token"), None);
    }
}
