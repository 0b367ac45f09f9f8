//! Verdicts for the keyless login (token exchange): Salesforce's reported refusal texts
//! (keyless.md §1.9) plus what the OIDC token's own claims already show.

use reqwest::blocking::Client;

use crate::credentials::oidc::{self, OidcClaims, OidcToken};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::error::Error;
use crate::login::grant::Attempt;
use crate::login::target::OidcCredential;
use crate::net::NetSettings;
use crate::record::{Check, CheckStatus};

/// The pipeline's OIDC token, acquired and looked at before it is sent: its claims (decoded, not
/// verified), what the local preflight found, and the report's check of them.
pub struct Subject {
    pub token: OidcToken,
    pub claims: Option<OidcClaims>,
    /// Problems the local preflight found (expiry, audience), as warnings.
    pub preflight: Vec<String>,
    pub check: Check,
}

/// Acquires the token from its source, registered as a secret (and masked in GitHub Actions)
/// the moment it is read. Without one, the error and its diagnosis (`oidc_token_unavailable`).
pub fn acquire(
    o: &OidcCredential,
    client: &Client,
    net: &NetSettings,
    env: &dyn Fn(&str) -> Option<String>,
    github: bool,
) -> Result<Subject, Box<(Error, Diagnosis)>> {
    let token = oidc::acquire(&o.source, &o.audience, client, net, env, github).map_err(|e| {
        let evidence = vec![format!("{}: {e}", o.source.describe())];
        Box::new((e, Diagnosis::new(Cause::OidcTokenUnavailable, Confidence::Confirmed, evidence)))
    })?;
    // Registered for every source (env:, file:, gitlab): any echo of it is scrubbed everywhere.
    crate::secrets::register(token.expose());
    if github {
        crate::secrets::github_mask(token.expose());
    }
    let claims = oidc::decode(token.expose());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let preflight = claims.as_ref().map(|c| oidc::preflight(c, &o.audience, now)).unwrap_or_default();
    let check = Check {
        id: "oidc_token".into(),
        title: "OIDC token claims (decoded, not verified)".into(),
        status: if preflight.is_empty() { CheckStatus::Pass } else { CheckStatus::Warn },
        detail: claims.as_ref().map(describe).unwrap_or_default(),
    };
    Ok(Subject { token, claims, preflight, check })
}

/// What the remediation names: the app and the handler that were asked.
pub struct Context<'a> {
    pub client_id: &'a str,
    pub token_handler: Option<&'a str>,
    pub claims: Option<&'a OidcClaims>,
    /// Problems the local preflight found (expiry, audience).
    pub preflight: &'a [String],
}

/// Causes for a token-exchange refusal, most likely first. A handler's own message (any other
/// `invalid_request` text) rests on an unconfirmed behaviour, so it is at most `possible`.
pub fn from_error_text(error: &str, description: &str) -> Vec<(Cause, Confidence)> {
    let d = description.to_lowercase();
    let e = error.to_lowercase();
    let has = |s: &str| d.contains(s) || e.contains(s);
    use Cause::*;
    use Confidence::*;
    if has("token handler not found") {
        return vec![(ExchangeHandlerMissing, Likely)];
    }
    if has("token handler validation failed") {
        return vec![(ExchangeTokenRejected, Likely)];
    }
    // diagnose::from_error_text hands these three texts here: none may fall through to it.
    // "app not enabled for token exchange": reported by lekkimworld/salesforce-tokenexchange-poc
    // (README) when the app's policy lacks Enable Token Exchange Flow (docs/evidence.md kx-29).
    if has("unauthorized_client") || has("not enabled for token exchange") {
        return vec![(ExchangeNotEnabled, Likely), (ExchangeHandlerMissing, Possible)];
    }
    if d.contains("approved this consumer") {
        return vec![(UserNotPreauthorized, Likely)];
    }
    if error == "invalid_request" {
        return vec![(ExchangeTokenRejected, Possible), (ExchangeHandlerMissing, Possible)];
    }
    diagnose::from_error_text(error, description)
}

pub fn refused(attempts: &[Attempt], error: &str, description: &str, ctx: &Context<'_>) -> Diagnosis {
    let evidence: Vec<String> = attempts.iter().map(diagnose::describe_attempt).collect();
    let ranked = from_error_text(error, description);
    let (cause, confidence) = ranked[0];
    let mut d = Diagnosis::new(cause, confidence, evidence).with_candidates(&ranked[1..]);
    let generic = ["token handler validation failed", "token handler not found"];
    if error == "invalid_request" && !generic.iter().any(|g| description.to_lowercase().contains(g)) {
        d.evidence.push(format!(
            "the handler's message (that Salesforce passes it to the client is unconfirmed): {description}"
        ));
    }
    d.evidence.extend(ctx.preflight.iter().map(|p| format!("local check of the OIDC token: {p}")));
    if let Some(c) = ctx.claims {
        d.evidence.push(format!("OIDC token claims (unverified): {}", describe(c)));
    }
    let handler = ctx.token_handler.map_or("the app's default handler".to_string(), |h| format!("handler {h}"));
    match cause {
        Cause::ExchangeTokenRejected | Cause::ExchangeHandlerMissing => d.remediation.insert(
            0,
            format!("Asked: {handler} of the app with consumer key {} (sfjwt setup --keyless names it SfjwtKeylessHandler).", ctx.client_id),
        ),
        Cause::UserNotPreauthorized => d.remediation.insert(
            0,
            "The handler mapped the token to a user the app does not pre-authorize: assign that user (the allow-list row's Username) the permission set sfjwt setup --keyless generated.".into(),
        ),
        _ => {}
    }
    if let Some(first) = ctx.preflight.first()
        && cause == Cause::ExchangeTokenRejected
    {
        d.remediation.insert(1, format!("The claim that does not match: {first}."));
    }
    d
}

/// A handler's message is free text from Apex: anything shaped like a JWT (the subject token,
/// whole or cut short) is removed before it reaches a terminal or a report.
pub fn scrub(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let jwtish = w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()).starts_with("eyJ") && w.len() > 16;
            if jwtish { "<JWT removed>" } else { w }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// iss/aud/sub/exp and the allow-list claims, one line.
pub fn describe(c: &OidcClaims) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "iss={} aud={} sub={} exp={} repository={} ref={} environment={}",
        o(&c.iss),
        if c.aud.is_empty() { "-".into() } else { c.aud.join(",") },
        o(&c.sub),
        c.exp.map_or("-".into(), |e| e.to_string()),
        o(&c.repository),
        o(&c.git_ref),
        o(&c.environment)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_texts_map_to_keyless_causes() {
        let top = |e: &str, d: &str| from_error_text(e, d)[0];
        assert_eq!(top("invalid_request", "token handler not found").0, Cause::ExchangeHandlerMissing);
        assert_eq!(
            top("invalid_request", "token handler validation failed"),
            (Cause::ExchangeTokenRejected, Confidence::Likely)
        );
        assert_eq!(top("unauthorized_client", "").0, Cause::ExchangeNotEnabled);
        assert_eq!(top("invalid_request", "app not enabled for token exchange").0, Cause::ExchangeNotEnabled);
        assert_eq!(top("invalid_grant", "user hasn't approved this consumer").0, Cause::UserNotPreauthorized);
        // A handler's own message: at most possible.
        assert_eq!(
            top("invalid_request", "repository not allowed: acme/other"),
            (Cause::ExchangeTokenRejected, Confidence::Possible)
        );
    }

    #[test]
    fn jwt_shaped_words_are_scrubbed() {
        assert_eq!(scrub("bad token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIi… rejected"), "bad token: <JWT removed> rejected");
        assert_eq!(scrub("repository not allowed: acme/other"), "repository not allowed: acme/other");
    }
}
