//! The JWT bearer grant against one login host: audiences to try, attempts, and the verdict.
//! The assertion only ever goes to the host the user named.

use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;
use zeroize::Zeroizing;

use crate::credentials::keys::RsaPrivateKey;
use crate::error::Error;
use crate::login::assertion::{self, Claims};
use crate::login::endpoint::{self, LOGIN, TEST};
use crate::login::net::{self, Exchange, NetSettings};

pub struct GrantRequest<'a> {
    pub login: &'a Url,
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
    /// connection | tls | timeout | truncated_body | unexpected_answer | network, when there was no usable answer.
    pub failure: Option<String>,
    /// A short, secret-free excerpt of what came back, or the network error.
    pub detail: Option<String>,
    /// HTTP requests made for this attempt (1 + retries).
    pub requests: u32,
    /// The server's Date header, for the clock-skew check.
    pub server_date: Option<String>,
    pub elapsed_ms: u64,
    pub outcome: &'static str,
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
    NoAnswer { failure: String, detail: String },
}

enum Step {
    Granted(Granted),
    Refused { error: String, description: String },
    NoAnswer { failure: String, detail: String },
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
    let started = Instant::now();
    let mut attempts = Vec::new();
    loop {
        let verdict = one_round(client, net, req, progress, &mut attempts)?;
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
    progress: &mut dyn Progress,
    attempts: &mut Vec<Attempt>,
) -> Result<Outcome, Error> {
    let token_url = format!("{}/services/oauth2/token", endpoint::origin(req.login));
    let mut steps: Vec<Step> = Vec::new();
    let plan = audience_plan(req);
    for (i, aud) in plan.iter().enumerate() {
        let claims = Claims::new(req.client_id, req.username, aud, req.lifetime);
        let jwt = assertion::sign(req.key, &claims)?;
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
        let (step, attempt) = interpret(last, req.login, aud, requests, started.elapsed());
        attempts.push(attempt);
        let fallback = matches!(&step, Step::Refused { error, description } if is_audience_refusal(error, description));
        let done = matches!(step, Step::Granted(_)) || !fallback || i + 1 == plan.len();
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
fn verdict(steps: Vec<Step>) -> Outcome {
    let rank = |s: &Step| match s {
        Step::Granted(_) => 4,
        Step::Refused { error, description } if !is_audience_refusal(error, description) => 3,
        Step::Refused { error, .. } if error == "app_not_found" => 2,
        Step::Refused { .. } => 1,
        Step::NoAnswer { .. } => 0,
    };
    let best = steps.into_iter().enumerate().max_by_key(|(i, s)| (rank(s), std::cmp::Reverse(*i))).map(|(_, s)| s);
    match best {
        Some(Step::Granted(g)) => Outcome::Granted(g),
        Some(Step::Refused { error, description }) => Outcome::Refused { error, description },
        Some(Step::NoAnswer { failure, detail }) => Outcome::NoAnswer { failure, detail },
        None => Outcome::NoAnswer { failure: "network".into(), detail: "no attempt was made".into() },
    }
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

fn interpret(last: Option<Exchange>, login: &Url, aud: &str, requests: u32, elapsed: Duration) -> (Step, Attempt) {
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
        outcome: "no_answer",
    };
    let step = match last {
        None => Step::NoAnswer { failure: "network".into(), detail: "no request was sent".into() },
        Some(Exchange::Failed { kind, detail }) => {
            attempt.failure = Some(kind.as_str().into());
            attempt.detail = Some(detail.clone());
            Step::NoAnswer { failure: kind.as_str().into(), detail }
        }
        Some(Exchange::Answer { status, content_type, body, date }) => {
            attempt.http_status = Some(status);
            attempt.server_date = date.map(|d| excerpt(&d, 64));
            let content_type = excerpt(&content_type, 80);
            attempt.content_type = Some(content_type.clone());
            let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
            let field = |j: &serde_json::Value, k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_string);
            match json {
                Some(j) if status == 200 && field(&j, "access_token").is_some() => match granted(&j, aud) {
                    Some(g) => {
                        attempt.outcome = "granted";
                        Step::Granted(g)
                    }
                    None => {
                        let detail = "HTTP 200 without instance_url or id".to_string();
                        attempt.failure = Some("unexpected_answer".into());
                        attempt.detail = Some(detail.clone());
                        Step::NoAnswer { failure: "unexpected_answer".into(), detail }
                    }
                },
                Some(j) if (400..500).contains(&status) && field(&j, "error").is_some() => {
                    let error = excerpt(&field(&j, "error").unwrap_or_default(), 100);
                    let description = excerpt(&field(&j, "error_description").unwrap_or_default(), 500);
                    attempt.error = Some(error.clone());
                    attempt.error_description = Some(description.clone());
                    attempt.outcome = "refused";
                    Step::Refused { error, description }
                }
                _ => {
                    // A proxy's or maintenance page, or JSON we do not understand: say what it was.
                    let ct = if content_type.is_empty() { "no content type".to_string() } else { content_type };
                    let detail = format!("HTTP {status} ({ct}): {}", excerpt(&body, 160));
                    attempt.failure = Some("unexpected_answer".into());
                    attempt.detail = Some(detail.clone());
                    Step::NoAnswer { failure: "unexpected_answer".into(), detail }
                }
            }
        }
    };
    (step, attempt)
}

fn granted(j: &serde_json::Value, aud: &str) -> Option<Granted> {
    let s = |k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let id = s("id")?;
    let instance_url = s("instance_url")?.trim_end_matches('/').to_string();
    // id is https://HOST/id/ORGID/USERID
    let mut parts = id.trim_end_matches('/').rsplit('/');
    let user_id = parts.next()?.to_string();
    let org_id = parts.next()?.to_string();
    Some(Granted {
        access_token: Zeroizing::new(s("access_token")?),
        instance_url,
        id,
        org_id,
        user_id,
        token_type: s("token_type").unwrap_or_else(|| "Bearer".into()),
        scope: s("scope"),
        issued_at: s("issued_at"),
        audience: aud.to_string(),
    })
}

/// One token-endpoint answer read as an outcome and its report entry: the token exchange
/// (keyless login) reads Salesforce's answers exactly as the JWT bearer grant does.
pub fn read_answer(
    last: Option<Exchange>,
    login: &Url,
    label: &str,
    requests: u32,
    elapsed: Duration,
) -> (Outcome, Attempt) {
    let (step, attempt) = interpret(last, login, label, requests, elapsed);
    let outcome = match step {
        Step::Granted(g) => Outcome::Granted(g),
        Step::Refused { error, description } => Outcome::Refused { error, description },
        Step::NoAnswer { failure, detail } => Outcome::NoAnswer { failure, detail },
    };
    (outcome, attempt)
}

/// How one token-endpoint answer reads (exposed for fuzzing the response parser).
pub fn classify_answer(status: u16, content_type: &str, body: &str) -> Outcome {
    let login = Url::parse("https://login.salesforce.com").expect("constant URL");
    let ex = Exchange::Answer { status, content_type: content_type.into(), body: body.into(), date: None };
    let (step, _) = interpret(Some(ex), &login, LOGIN, 1, Duration::ZERO);
    match step {
        Step::Granted(g) => Outcome::Granted(g),
        Step::Refused { error, description } => Outcome::Refused { error, description },
        Step::NoAnswer { failure, detail } => Outcome::NoAnswer { failure, detail },
    }
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
        let r = |e: &str, d: &str| Step::Refused { error: e.into(), description: d.into() };
        let v = verdict(vec![
            Step::NoAnswer { failure: "timeout".into(), detail: String::new() },
            r("invalid_grant", "audience is invalid"),
            r("invalid_grant", "user hasn't approved this consumer"),
            r("app_not_found", "External client app is not installed in this org"),
        ]);
        assert!(matches!(v, Outcome::Refused { description, .. } if description.contains("hasn't approved")));
        let v = verdict(vec![
            r("invalid_grant", "audience is invalid"),
            Step::NoAnswer { failure: "timeout".into(), detail: String::new() },
        ]);
        assert!(matches!(v, Outcome::Refused { .. }), "a refusal outranks a network error");
    }
}
