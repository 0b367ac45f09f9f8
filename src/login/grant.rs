//! The JWT bearer grant against one login host: audiences to try, attempts, and the verdict.
//! The assertion only ever goes to the host the user named.

use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;
use zeroize::Zeroizing;

use crate::credentials::keys::RsaPrivateKey;
use crate::error::Error;
use crate::login::assertion::{self, Claims};
use crate::login::endpoint::{self, HostPolicy, LOGIN, LoginUrl, TEST};
use crate::net::{self, Exchange, FailureKind, NetSettings};

pub struct GrantRequest<'a> {
    pub login: &'a LoginUrl,
    /// The rules the answer's `instance_url` must pass too: it receives the token next.
    pub hosts: &'a HostPolicy,
    pub client_id: &'a str,
    pub username: &'a str,
    pub key: &'a RsaPrivateKey,
    /// Set by the user: then it is the only audience tried.
    pub audience: Option<&'a str>,
    pub lifetime: Duration,
    pub wait_for_propagation: Option<Duration>,
}

/// One audience tried against the token endpoint, as reports show it.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub host: String,
    pub audience: String,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub content_type: Option<String>,
    /// Why there was no usable answer, when there was none.
    pub failure: Option<FailureKind>,
    /// A short, secret-free excerpt of what came back, or the network error.
    pub detail: Option<String>,
    /// HTTP requests made for this attempt (1 + retries).
    pub requests: u32,
    /// The server's Date header, for the clock-skew check.
    pub server_date: Option<String>,
    pub elapsed_ms: u64,
    pub outcome: AttemptOutcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Granted,
    Refused,
    NoAnswer,
}

/// What the token endpoint granted. Debug never shows the token.
pub struct Granted {
    pub access_token: Zeroizing<String>,
    pub instance_url: String,
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub token_type: String,
    pub scope: Option<String>,
    pub issued_at: Option<String>,
    pub audience: String,
    /// When the session ends, in Unix seconds, when the org says: `expires_in` in the answer
    /// (RFC 6749 §5.1), or the `exp` of a JWT-based access token. Salesforce's opaque tokens
    /// carry neither: the session timeout decides, unseen.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("access_token", &"<redacted>")
            .field("instance_url", &self.instance_url)
            .field("org_id", &self.org_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub enum Outcome {
    Granted(Granted),
    Refused { error: String, description: String },
    NoAnswer { failure: FailureKind, detail: String },
}

/// Progress callbacks, so the command can print lines on a terminal without the core printing.
pub trait Progress {
    fn retrying(&mut self, _audience: &str, _why: &str, _wait: Duration) {}
    fn waiting(&mut self, _why: &str, _remaining: Duration) {}
}

pub struct Silent;
impl Progress for Silent {}

pub fn is_audience_refusal(error: &str, description: &str) -> bool {
    error == "app_not_found" || description.to_lowercase().contains("audience")
}

fn is_propagation_refusal(error: &str) -> bool {
    error == "invalid_client_id" || error == "app_not_found"
}

/// Audiences in the order to try them: the chosen one, then the documented alternatives
/// (catalogue §1.4: login, test, the host's own URL), all against the same host.
fn audience_plan(req: &GrantRequest<'_>) -> Vec<String> {
    if let Some(a) = req.audience {
        return vec![a.to_string()];
    }
    let mut plan = vec![endpoint::default_audience(req.login).to_string()];
    for alt in [LOGIN.to_string(), TEST.to_string(), endpoint::origin(req.login)] {
        if !plan.contains(&alt) {
            plan.push(alt);
        }
    }
    plan
}

pub fn run(
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    req: &GrantRequest<'_>,
    progress: &mut dyn Progress,
) -> Result<(Outcome, Vec<Attempt>), Error> {
    run_shifted(client, net, req, 0, progress)
}

/// The grant with each assertion's `exp` shifted by `offset` seconds (a server clock that runs
/// ahead; see `clock`).
pub fn run_shifted(
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    req: &GrantRequest<'_>,
    offset: i64,
    progress: &mut dyn Progress,
) -> Result<(Outcome, Vec<Attempt>), Error> {
    let started = Instant::now();
    let mut attempts = Vec::new();
    loop {
        let verdict = one_round(client, net, req, offset, progress, &mut attempts)?;
        if let Outcome::Refused { error, .. } = &verdict
            && is_propagation_refusal(error)
            && let Some(limit) = req.wait_for_propagation
        {
            let elapsed = started.elapsed();
            if elapsed < limit {
                let wait = Duration::from_secs(5).min(limit - elapsed);
                progress.waiting(error, limit - elapsed);
                std::thread::sleep(wait);
                continue;
            }
        }
        return Ok((verdict, attempts));
    }
}

fn one_round(
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    req: &GrantRequest<'_>,
    offset: i64,
    progress: &mut dyn Progress,
    attempts: &mut Vec<Attempt>,
) -> Result<Outcome, Error> {
    let token_url = format!("{}/services/oauth2/token", endpoint::origin(req.login));
    let mut steps: Vec<Outcome> = Vec::new();
    let plan = audience_plan(req);
    for (i, aud) in plan.iter().enumerate() {
        let claims = Claims::shifted(req.client_id, req.username, aud, req.lifetime, offset);
        let jwt = assertion::sign(req.key, &claims)?;
        // A bearer credential for its lifetime: a server echoing it back must not publish it.
        crate::secrets::register_signed(&jwt);
        let started = Instant::now();
        let tries = net::send_with_retries(
            net,
            || {
                let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", jwt.as_str())];
                client.post(&token_url).form(&form)
            },
            |t, wait| progress.retrying(aud, &describe_try(&t.exchange), wait),
        );
        let requests = tries.len() as u32;
        let last = tries.into_iter().last().map(|t| t.exchange);
        let (step, attempt) = interpret(last, req.hosts, req.login, aud, requests, started.elapsed());
        attempts.push(attempt);
        let fallback =
            matches!(&step, Outcome::Refused { error, description } if is_audience_refusal(error, description));
        let done = matches!(step, Outcome::Granted(_)) || !fallback || i + 1 == plan.len();
        steps.push(step);
        if done {
            break;
        }
    }
    Ok(verdict(steps))
}

fn describe_try(ex: &Exchange) -> String {
    match ex {
        Exchange::Answer { status, content_type, .. } => format!("HTTP {status} ({content_type})"),
        Exchange::Failed { kind, .. } => kind.as_str().replace('_', " "),
    }
}

/// A 4xx refusal outranks a network error; among refusals, one that got past the audience
/// check says more than an audience refusal.
fn verdict(steps: Vec<Outcome>) -> Outcome {
    let rank = |s: &Outcome| match s {
        Outcome::Granted(_) => 4,
        Outcome::Refused { error, description } if !is_audience_refusal(error, description) => 3,
        Outcome::Refused { error, .. } if error == "app_not_found" => 2,
        Outcome::Refused { .. } => 1,
        Outcome::NoAnswer { .. } => 0,
    };
    let best = steps.into_iter().enumerate().max_by_key(|(i, s)| (rank(s), std::cmp::Reverse(*i))).map(|(_, s)| s);
    best.unwrap_or(Outcome::NoAnswer { failure: FailureKind::Other, detail: "no attempt was made".into() })
}

/// Whitespace folded and cut to `max` characters: whatever a server sends, reports stay readable.
fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(max).collect();
    if flat.chars().count() > max {
        out.push('…');
    }
    out
}

fn interpret(
    last: Option<Exchange>,
    hosts: &HostPolicy,
    login: &Url,
    aud: &str,
    requests: u32,
    elapsed: Duration,
) -> (Outcome, Attempt) {
    let mut attempt = Attempt {
        host: login.host_str().unwrap_or_default().to_string(),
        audience: aud.to_string(),
        http_status: None,
        error: None,
        error_description: None,
        content_type: None,
        failure: None,
        detail: None,
        requests,
        server_date: None,
        elapsed_ms: elapsed.as_millis() as u64,
        outcome: AttemptOutcome::NoAnswer,
    };
    let outcome = match last {
        None => Outcome::NoAnswer { failure: FailureKind::Other, detail: "no request was sent".into() },
        Some(Exchange::Failed { kind, detail }) => Outcome::NoAnswer { failure: kind, detail },
        Some(Exchange::Answer { status, content_type, body, date }) => {
            attempt.http_status = Some(status);
            attempt.server_date = date.map(|d| excerpt(&d, 64));
            let content_type = excerpt(&content_type, 80);
            attempt.content_type = Some(content_type.clone());
            answer(status, &content_type, &body, hosts, aud)
        }
    };
    match &outcome {
        Outcome::Granted(_) => attempt.outcome = AttemptOutcome::Granted,
        Outcome::Refused { error, description } => {
            attempt.error = Some(error.clone());
            attempt.error_description = Some(description.clone());
            attempt.outcome = AttemptOutcome::Refused;
        }
        Outcome::NoAnswer { failure, detail } => {
            attempt.failure = Some(*failure);
            attempt.detail = Some(detail.clone());
        }
    }
    (outcome, attempt)
}

/// One complete answer from the token endpoint, read and validated.
fn answer(status: u16, content_type: &str, body: &str, hosts: &HostPolicy, aud: &str) -> Outcome {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |j: &serde_json::Value, k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let unexpected = |detail: String| Outcome::NoAnswer { failure: FailureKind::UnexpectedAnswer, detail };
    match json {
        Some(j) if status == 200 && j.get("access_token").is_some() => match granted(&j, hosts, aud) {
            Ok(g) => Outcome::Granted(g),
            Err(why) => unexpected(format!("HTTP 200 with an unusable token answer: {why}")),
        },
        Some(j) if (400..500).contains(&status) && field(&j, "error").is_some() => {
            let error = excerpt(&field(&j, "error").unwrap_or_default(), 100);
            let description = excerpt(&field(&j, "error_description").unwrap_or_default(), 500);
            if net::is_retry_request(&error, &description) {
                // Persisted past the retries (docs/evidence.md#unknown-error-retry): a server fault, not a verdict.
                let detail = format!("Salesforce asked for a retry ({error}: {description}) and kept asking");
                return Outcome::NoAnswer { failure: FailureKind::RetryRequested, detail };
            }
            Outcome::Refused { error, description }
        }
        _ => {
            // A proxy's or maintenance page, or JSON we do not understand: say what it was.
            let ct = if content_type.is_empty() { "no content type" } else { content_type };
            unexpected(format!("HTTP {status} ({ct}): {}", excerpt(body, 160)))
        }
    }
}

/// The longest access token accepted: opaque ones are ~112 characters, JWT-based ones a few KiB.
const MAX_TOKEN: usize = 16 * 1024;

/// A field as Salesforce sends it: printable ASCII, no spaces or line breaks, bounded.
fn plain(j: &serde_json::Value, key: &str, max: usize) -> Result<Option<String>, String> {
    let Some(v) = j.get(key) else { return Ok(None) };
    let text = v.as_str().ok_or_else(|| format!("{key} is not a string"))?;
    if text.len() > max || text.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(format!("{key} is not shaped like Salesforce's (printable ASCII, at most {max} characters)"));
    }
    Ok(Some(text.to_string()))
}

/// A Salesforce record id: 15 or 18 letters and digits with the object's key prefix.
fn record_id(text: &str, prefix: &str) -> bool {
    matches!(text.len(), 15 | 18) && text.starts_with(prefix) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

fn granted(j: &serde_json::Value, hosts: &HostPolicy, aud: &str) -> Result<Granted, String> {
    let token = plain(j, "access_token", MAX_TOKEN)?.filter(|t| !t.is_empty()).ok_or("access_token is empty")?;
    // Salesforce's tokens (opaque `00D…!…` or JWT) use only these: nothing a shell or a dotenv
    // reader would interpret ($, `, quotes, ;, spaces) ever reaches an output.
    if !token.chars().all(|c| c.is_ascii_alphanumeric() || "!._-+/=~".contains(c)) {
        return Err("access_token holds characters Salesforce never uses".into());
    }
    let token = Zeroizing::new(token);
    crate::secrets::register(&token);
    let instance = plain(j, "instance_url", 2048)?.ok_or("no instance_url")?;
    let instance_url = hosts.answer_url(&instance).map_err(|why| format!("instance_url refused: {why}"))?;
    let id = plain(j, "id", 2048)?.ok_or("no id")?;
    // id is https://HOST/id/ORGID/USERID
    let mut parts = id.trim_end_matches('/').rsplit('/');
    let user_id = parts.next().unwrap_or_default().to_string();
    let org_id = parts.next().unwrap_or_default().to_string();
    if !record_id(&org_id, "00D") || !record_id(&user_id, "005") {
        return Err("id does not end in an org id (00D…) and a user id (005…)".into());
    }
    let issued_at = plain(j, "issued_at", 20)?;
    if issued_at.as_deref().is_some_and(|t| !t.chars().all(|c| c.is_ascii_digit())) {
        return Err("issued_at is not a number of milliseconds".into());
    }
    let scope = match j.get("scope").and_then(|v| v.as_str()) {
        Some(s) if s.len() > 4096 || s.chars().any(|c| !(c.is_ascii_graphic() || c == ' ')) => {
            return Err("scope holds characters Salesforce never sends".into());
        }
        other => other.map(str::to_string),
    };
    let expires_at = expires_at(j, &token, issued_at.as_deref());
    Ok(Granted {
        access_token: token,
        instance_url: endpoint::origin(&instance_url),
        id,
        org_id,
        user_id,
        token_type: plain(j, "token_type", 32)?.unwrap_or_else(|| "Bearer".into()),
        scope,
        expires_at,
        issued_at,
        audience: aud.to_string(),
    })
}

/// The session's end if the answer says: `expires_in` seconds from `issued_at` (else now), or a
/// JWT-based token's `exp`. Bounded to a year from now: anything else is not believed.
fn expires_at(j: &serde_json::Value, token: &str, issued_at: Option<&str>) -> Option<i64> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let from = issued_at.and_then(|ms| ms.parse::<i64>().ok()).map(|ms| ms / 1000).unwrap_or(now);
    let at = match j.get("expires_in").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())) {
        Some(secs) => from.checked_add(secs)?,
        None if is_jwt_format(token) => jwt_exp(token)?,
        None => return None,
    };
    (now < at && at - now <= 366 * 24 * 3600).then_some(at)
}

/// The `exp` claim of a JWT-based access token, read without verifying it (only shown).
fn jwt_exp(token: &str) -> Option<i64> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_i64()
}

/// One token-endpoint answer read as an outcome and its report entry: the token exchange
/// (keyless login) reads Salesforce's answers exactly as the JWT bearer grant does.
pub fn read_answer(
    last: Option<Exchange>,
    hosts: &HostPolicy,
    login: &Url,
    label: &str,
    (requests, elapsed): (u32, Duration),
) -> (Outcome, Attempt) {
    interpret(last, hosts, login, label, requests, elapsed)
}

/// How one token-endpoint answer reads (exposed for fuzzing the response parser).
pub fn classify_answer(status: u16, content_type: &str, body: &str) -> Outcome {
    let login = Url::parse("https://login.salesforce.com").expect("constant URL");
    let ex = Exchange::Answer { status, content_type: content_type.into(), body: body.into(), date: None };
    interpret(Some(ex), &HostPolicy::default(), &login, LOGIN, 1, Duration::ZERO).0
}

/// Access tokens in JWT format (an app setting) break SOAP deploys below API v68 and raw
/// `--target-org` use; opaque ones look like `00D…!…`.
pub fn is_jwt_format(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3 && !token.contains('!') && parts.iter().all(|p| p.len() > 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sessions_end_is_read_from_expires_in_or_a_jwt_tokens_exp() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let issued = (now * 1000).to_string();
        let j = serde_json::json!({"expires_in": 7200});
        assert_eq!(expires_at(&j, "00Dx!opaque", Some(&issued)), Some(now + 7200));
        let none = serde_json::json!({});
        assert_eq!(expires_at(&none, "00Dx!opaque", None), None, "an opaque token says nothing");
        use base64::Engine;
        let part = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!(
            "{}.{}.{}",
            part(serde_json::json!({"alg": "RS256"})),
            part(serde_json::json!({"exp": now + 60})),
            "signaturepart"
        );
        assert_eq!(expires_at(&none, &token, None), Some(now + 60));
        let past = format!(
            "{}.{}.{}",
            part(serde_json::json!({"alg": "RS256"})),
            part(serde_json::json!({"exp": now - 60})),
            "signaturepart"
        );
        assert_eq!(expires_at(&none, &past, None), None, "a past end is not believed");
    }

    #[test]
    fn jwt_format_detection() {
        assert!(!is_jwt_format("00D000000000001!AQcAQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6"));
        assert!(is_jwt_format("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ.c2lnbmF0dXJlc2lnbmF0dXJl"));
    }

    /// Found by the token_response fuzz target: a long Content-Type made the detail unbounded.
    #[test]
    fn server_supplied_text_is_bounded() {
        let ct = "\u{c3}".repeat(300);
        match classify_answer(476, &ct, &"x".repeat(5000)) {
            Outcome::NoAnswer { detail, .. } => assert!(detail.chars().count() < 400, "{}", detail.len()),
            other => panic!("{other:?}"),
        }
        let body = format!(r#"{{"error":"{}","error_description":"{}"}}"#, "e".repeat(1000), "d".repeat(5000));
        match classify_answer(400, "application/json", &body) {
            Outcome::Refused { error, description } => {
                assert!(error.chars().count() <= 101 && description.chars().count() <= 501)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn verdict_prefers_refusals_that_got_further() {
        let r = |e: &str, d: &str| Outcome::Refused { error: e.into(), description: d.into() };
        let v = verdict(vec![
            Outcome::NoAnswer { failure: FailureKind::Timeout, detail: String::new() },
            r("invalid_grant", "audience is invalid"),
            r("invalid_grant", "user hasn't approved this consumer"),
            r("app_not_found", "External client app is not installed in this org"),
        ]);
        assert!(matches!(v, Outcome::Refused { description, .. } if description.contains("hasn't approved")));
        let v = verdict(vec![
            r("invalid_grant", "audience is invalid"),
            Outcome::NoAnswer { failure: FailureKind::Timeout, detail: String::new() },
        ]);
        assert!(matches!(v, Outcome::Refused { .. }), "a refusal outranks a network error");
    }
}
