//! POST /services/oauth2/token with the RFC 8693 token-exchange grant, as keyless.md §1 describes
//! Salesforce's: the app must allow the flow, a handler enabled for the app (named by
//! `token_handler`, or the default one) validates the subject token with its Apex policy, and the
//! user it maps to must be pre-authorized. Refusal texts are the reported ones (keyless.md §1.9);
//! each is ledgered in docs/evidence.md (Keyless section).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::grant::Answer;
use crate::keyless::{HandlerMessage, HandlerSpec, Issuer, IssuerKind};
use crate::org::{App, Org};
use crate::scenario::PermittedUsers;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// The generated Apex's SKEW_SECONDS: the clock skew tolerated for nbf.
const SKEW_SECONDS: i64 = 60;
/// Summer '24 limit (keyless.md §1.10).
const MAX_SUBJECT_TOKEN: usize = 10_000;

fn refuse(error: &str, description: &str) -> Answer {
    Answer { status: 400, body: json!({ "error": error, "error_description": description }) }
}

pub fn token(org: &Org, form: &HashMap<String, String>, own_url: &str) -> Answer {
    let own = own_url.trim_end_matches('/');
    if org.inactive {
        return refuse("inactive_org", "Org is locked, closed, or suspended");
    }
    let app = form.get("client_id").and_then(|id| org.apps.iter().find(|a| &a.consumer_key == id));
    let Some(app) = app.filter(|a| org.started.elapsed().as_secs() >= a.propagation_delay) else {
        return refuse("invalid_client_id", "client identifier invalid");
    };
    if !app.token_exchange {
        return refuse("unauthorized_client", "token exchange is not enabled for this client");
    }
    if form.contains_key("client_secret") {
        // The generated app has isSecretRequiredForTokenExchange=false; a secret is never expected.
        return refuse("invalid_client", "invalid client credentials");
    }
    let (Some(subject), Some(kind)) = (form.get("subject_token"), form.get("subject_token_type")) else {
        return refuse("invalid_request", "subject_token and subject_token_type are required");
    };
    if subject.len() > MAX_SUBJECT_TOKEN {
        return refuse("invalid_request", "subject_token is too long");
    }
    let handler = handler_for(org, app, form.get("token_handler").map(String::as_str));
    // Case-insensitive: the docs write …:JWT, RFC 8693 and reported clients …:jwt (UNCONFIRMED).
    let kind = kind.to_ascii_lowercase();
    let supported = |h: &&HandlerSpec| (kind == ID_TOKEN && h.id_token_supported) || (kind == JWT && h.jwt_supported);
    let Some(handler) = handler.filter(supported) else {
        return refuse("invalid_request", "token handler not found");
    };
    log_execution(org, handler);
    let user_name = match validate(org, handler, subject, own) {
        Ok(u) => u,
        Err(message) => {
            eprintln!("OauthTokenExchangeApexExec {}: {message}", handler.apex_class);
            return match org.behaviour.handler_message {
                HandlerMessage::Generic => refuse("invalid_request", "token handler validation failed"),
                HandlerMessage::Returned => refuse("invalid_request", &message),
            };
        }
    };
    let Some(user) = org.user_by_name(&user_name).filter(|u| u.active && !u.frozen) else {
        return refuse("invalid_grant", "invalid user");
    };
    if app.permitted == PermittedUsers::AdminApprovedPreauthorized && !org.preauthorized(user, app) {
        org.record_login(&user.id, "Failed: Not approved for access", &app.name);
        return crate::grant::hasnt_approved();
    }
    let token = crate::grant::access_token(org, app.jwt_access_tokens, &user.id);
    if let Ok(mut s) = org.state.lock() {
        s.tokens.insert(token.clone(), crate::org::IssuedToken { user_id: user.id.clone(), rest_refusal: None });
    }
    org.record_login(&user.id, "Success", &app.name);
    // Salesforce's usual token response, not RFC 8693's: no issued_token_type (keyless.md §1.7).
    let scopes: Vec<&String> = app.scopes.iter().filter(|s| *s != "refresh_token").collect();
    Answer {
        status: 200,
        body: json!({
            "access_token": token,
            "instance_url": own,
            "id": format!("{own}/id/{}/{}", org.id, user.id),
            "token_type": "Bearer",
            "scope": scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            "issued_at": (org.now().unix_timestamp() * 1000).to_string(),
            "signature": crate::grant::random_alnum(43),
        }),
    }
}

/// The handler ran: a debug log as a trace flag on its execution user would keep (keyless.md §1.9).
fn log_execution(org: &Org, h: &HandlerSpec) {
    let user = h.policy.allow.first().and_then(|r| org.user_by_name(&r.user)).map(|u| u.id.clone()).unwrap_or_default();
    if let Ok(mut s) = org.state.lock() {
        let id = crate::ids::make(crate::ids::APEX_LOG, s.apex_logs.len() + 1);
        let time = org.now();
        s.apex_logs.push(crate::org::ApexLogEntry {
            id,
            user_id: user,
            time,
            operation: "OauthTokenExchangeApexExec".into(),
        });
    }
}

/// The handler `token_handler` names (class or developer name), else the app's default one.
fn handler_for<'a>(org: &'a Org, app: &App, named: Option<&str>) -> Option<&'a HandlerSpec> {
    let mut enabled = org.handlers.iter().filter(|h| h.enabled && h.app == app.name);
    match named {
        Some(n) => enabled.find(|h| h.apex_class == n || h.name == n),
        None => enabled.find(|h| h.default),
    }
}

/// The generated Apex handler's checks, in its order and with its messages; returns the user.
fn validate(org: &Org, h: &HandlerSpec, token: &str, own: &str) -> Result<String, String> {
    let issuer: Option<&Issuer> = org.issuer.as_ref();
    // Auth.JWTUtil.validateJWTWithKeysEndpoint: signature only (keyless.md §1.4: assume so).
    let verified = issuer.is_some_and(|i| crate::keyless::verify_with_jwks(token, &i.jwks()));
    if !verified {
        return Err("signature does not verify against the issuer's JWKS".into());
    }
    let claims = crate::jwt::parse(token).map_err(|e| format!("not a JWT: {e}"))?.claims;
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let p = &h.policy;
    if s("iss") != p.issuer {
        return Err(format!("issuer not trusted: {}", s("iss")));
    }
    let expected_aud = if p.audience == "my-domain" { own.to_string() } else { p.audience.clone() };
    // As the generated Apex: exactly the audience, or a one-entry list of exactly it.
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => *a == expected_aud,
        Some(Value::Array(a)) => a.len() == 1 && a[0].as_str() == Some(expected_aud.as_str()),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("audience mismatch: expected {expected_aud}"));
    }
    let now = org.now().unix_timestamp();
    // As the generated Apex's check(): exp and nbf read by toDatetime, nbf with SKEW_SECONDS.
    if epoch(claims.get("exp")).is_none_or(|exp| exp <= now) {
        return Err("token expired".into());
    }
    let nbf_claim = claims.get("nbf").filter(|v| !v.is_null());
    let nbf = epoch(nbf_claim);
    if nbf_claim.is_some() && nbf.is_none() {
        return Err("token nbf unreadable".into());
    }
    if nbf.is_some_and(|nbf| nbf > now + SKEW_SECONDS) {
        return Err("token not yet valid".into());
    }
    let gitlab = issuer.is_some_and(|i| i.spec.kind == IssuerKind::Gitlab);
    let repo = if gitlab { s("project_path") } else { s("repository") };
    // The generated Apex's loop: the first row of the repository that admits the token maps the
    // user; otherwise the first such row's reason (or the repository's) is the refusal.
    let mut first = None;
    for row in p.allow.iter().filter(|r| r.repository == repo) {
        match row.mismatch(&repo, &s, gitlab) {
            None => return Ok(row.user.clone()),
            Some(why) => {
                first.get_or_insert(why);
            }
        }
    }
    Err(first.unwrap_or_else(|| format!("repository not allowed: {repo}")))
}

/// A claim as epoch seconds, read as the generated Apex's toDatetime reads it: a number (a
/// Decimal truncated), a string of digits, or an ISO-8601 date-time string (a space may stand for
/// the `T`); anything else is unreadable (None).
fn epoch(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.trunc() as i64)),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                return s.parse().ok();
            }
            let iso = s.replace(' ', "T");
            time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(time::OffsetDateTime::unix_timestamp)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn exp_and_nbf_read_as_the_generated_apex_reads_them() {
        let e = |v: serde_json::Value| super::epoch(Some(&v));
        assert_eq!(e(json!(1_768_478_400)), Some(1_768_478_400));
        assert_eq!(e(json!(1_768_478_400.9)), Some(1_768_478_400));
        assert_eq!(e(json!(" 1768478400 ")), Some(1_768_478_400));
        assert_eq!(e(json!("2026-01-15T12:00:00Z")), Some(1_768_478_400));
        assert_eq!(e(json!("2026-01-15 12:00:00Z")), Some(1_768_478_400));
        for unreadable in [json!("next tuesday"), json!("-5"), json!(""), json!(true), json!([1])] {
            assert_eq!(e(unreadable.clone()), None, "{unreadable}");
        }
    }
}
