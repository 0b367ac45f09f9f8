//! The pipeline's own OIDC token, for the keyless login (token exchange): where it comes from
//! (GitHub's token service, GitLab's `id_tokens:` variable, a file, any variable), and its claims
//! decoded without verification so a report can show iss/aud/sub/exp before Salesforce is asked.
//! The token, and GitHub's request token, are secrets: Debug never shows them.

use std::path::PathBuf;

use base64::Engine;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::net::{self, Exchange, NetSettings};

/// GitLab's `id_tokens:` variable sfjwt reads unless told otherwise.
pub const GITLAB_DEFAULT_VAR: &str = "SFJWT_ID_TOKEN";
/// Salesforce accepts subject tokens up to 10,000 characters (Summer '24, keyless.md §1.10).
pub const MAX_TOKEN_CHARS: usize = 10_000;
/// The token service's answer is a small JSON object; anything far larger is refused.
const MAX_ANSWER_CHARS: usize = 64 * 1024;

/// `--oidc github|gitlab|gitlab:VAR|file:PATH|env:VAR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OidcSource {
    /// ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN (needs `id-token: write`).
    Github,
    /// The variable an `id_tokens:` entry fills.
    Gitlab(String),
    File(PathBuf),
    Env(String),
}

impl OidcSource {
    pub fn parse(spec: &str) -> Result<OidcSource, Error> {
        let bad = |why: &str| {
            Error::usage(
                // A token pasted where its source belongs is never quoted back.
                format!("invalid --oidc {:?}: {why}", crate::secrets::redact_long_runs(spec)),
                "use github, gitlab (or gitlab:VAR), file:PATH or env:VAR",
            )
        };
        let var_ok = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match spec.split_once(':') {
            None if spec == "github" => Ok(OidcSource::Github),
            None if spec == "gitlab" => Ok(OidcSource::Gitlab(GITLAB_DEFAULT_VAR.into())),
            Some(("gitlab", v)) if var_ok(v) => Ok(OidcSource::Gitlab(v.into())),
            Some(("env", v)) if var_ok(v) => Ok(OidcSource::Env(v.into())),
            Some(("file", p)) if !p.is_empty() => Ok(OidcSource::File(PathBuf::from(p))),
            Some(("gitlab" | "env", _)) => Err(bad("a variable name has only letters, digits and _")),
            _ => Err(bad("unknown source")),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            OidcSource::Github => "GitHub Actions' OIDC token service".into(),
            OidcSource::Gitlab(v) => format!("GitLab id_tokens variable {v}"),
            OidcSource::File(p) => format!("file {}", p.display()),
            OidcSource::Env(v) => format!("environment variable {v}"),
        }
    }
}

/// An OIDC token. Debug and Display never show it.
pub struct OidcToken(Zeroizing<String>);

impl OidcToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OidcToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OidcToken(<redacted>)")
    }
}

/// The claims a report shows (never the token). Unverified: only Salesforce's handler verifies.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OidcClaims {
    pub iss: Option<String>,
    pub aud: Vec<String>,
    pub sub: Option<String>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    /// GitHub `repository` or GitLab `project_path`.
    pub repository: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub environment: Option<String>,
}

/// Reads the token from its source. `env` is the process environment (injected for tests).
/// `mask`: in GitHub Actions, register the request token with `::add-mask::` before using it
/// (outside Actions that line would print it, so it is never written there).
pub fn acquire(
    source: &OidcSource,
    audience: &str,
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    env: &dyn Fn(&str) -> Option<String>,
    mask: bool,
) -> Result<OidcToken, Error> {
    let raw = match source {
        OidcSource::Github => github(audience, client, net, env, mask)?,
        OidcSource::Gitlab(var) => env(var).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            Error::usage(
                format!("the GitLab ID token variable {var} is not set"),
                format!("declare it in the job: id_tokens: {{ {var}: {{ aud: {audience} }} }}"),
            )
        })?,
        OidcSource::Env(var) => env(var)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::usage(format!("{var} is not set or empty"), "export the OIDC token in it"))?,
        OidcSource::File(path) => read_file(path)?,
    };
    let token = raw.trim().to_string();
    check_shape(&token)?;
    Ok(OidcToken(Zeroizing::new(token)))
}

fn read_file(path: &std::path::Path) -> Result<String, Error> {
    use std::io::Read;
    let io = |e: std::io::Error| Error::Io {
        action: "read the OIDC token file",
        // `--oidc file:eyJ…`: the token itself where its path belongs is not quoted back.
        path: if path.to_string_lossy().starts_with("eyJ") {
            "eyJ…(hidden: this looks like the token itself; use --oidc env:VAR)".into()
        } else {
            path.display().to_string()
        },
        source: e,
        help: Some("--oidc file:PATH names a file holding the token itself".into()),
    };
    let mut text = String::new();
    std::fs::File::open(path).map_err(io)?.take(MAX_ANSWER_CHARS as u64 + 1).read_to_string(&mut text).map_err(io)?;
    Ok(text)
}

fn check_shape(token: &str) -> Result<(), Error> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(Error::usage(
            format!("the OIDC token has {} characters; Salesforce accepts at most {MAX_TOKEN_CHARS}", token.len()),
            "trim custom claims from the token",
        ));
    }
    if decode(token).is_none() {
        return Err(Error::usage(
            "the OIDC token is not a JWT (three base64url parts with a JSON claims object)",
            "check that the source holds the ID token itself, not a file name or a JSON wrapper",
        ));
    }
    Ok(())
}

/// GitHub's token service: GET the request URL with `audience` added and the request token as
/// bearer; the answer is `{"value": JWT}` (keyless.md §4).
fn github(
    audience: &str,
    client: &reqwest::blocking::Client,
    settings: &NetSettings,
    env: &dyn Fn(&str) -> Option<String>,
    mask: bool,
) -> Result<String, Error> {
    let url = env("ACTIONS_ID_TOKEN_REQUEST_URL").filter(|v| !v.is_empty());
    let request_token = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN").filter(|v| !v.is_empty()).map(Zeroizing::new);
    let (Some(url), Some(request_token)) = (url, request_token) else {
        return Err(Error::usage(
            "ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: GitHub did not offer an OIDC token",
            "give the job `permissions: id-token: write` (and run it in GitHub Actions)",
        ));
    };
    if mask {
        crate::secrets::github_mask(&request_token);
    }
    let mut url = url::Url::parse(&url).map_err(|e| {
        Error::usage(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}"), "run in GitHub Actions")
    })?;
    if url.scheme() != "https" && !url.host_str().is_some_and(|h| h == "127.0.0.1" || h == "localhost") {
        return Err(Error::usage("ACTIONS_ID_TOKEN_REQUEST_URL is not https", "run in GitHub Actions"));
    }
    url.query_pairs_mut().append_pair("audience", audience);
    let tries =
        net::send_with_retries(settings, || client.get(url.clone()).bearer_auth(request_token.as_str()), |_, _| {});
    let host = url.host_str().unwrap_or_default().to_string();
    match tries.into_iter().last().map(|t| t.exchange) {
        Some(Exchange::Answer { status: 200, body, .. }) if body.len() <= MAX_ANSWER_CHARS => {
            let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
            json.and_then(|j| j.get("value").and_then(|v| v.as_str()).map(str::to_string)).ok_or_else(|| {
                Error::usage(
                    format!("GitHub's OIDC token service at {host} answered without a token"),
                    "retry the job; if it persists, check the runner",
                )
            })
        }
        Some(Exchange::Answer { status: 200, body, .. }) => Err(Error::usage(
            format!("GitHub's OIDC token service at {host} answered {} bytes, more than an ID token", body.len()),
            "check ACTIONS_ID_TOKEN_REQUEST_URL",
        )),
        Some(Exchange::Answer { status, .. }) => Err(Error::usage(
            format!("GitHub's OIDC token service at {host} answered HTTP {status}"),
            "check `permissions: id-token: write`; a fork's pull request gets no OIDC token",
        )),
        Some(Exchange::Failed { kind, detail }) => Err(Error::usage(
            format!("no answer from GitHub's OIDC token service at {host} ({}): {detail}", kind.as_str()),
            "check the runner's network and proxies",
        )),
        None => Err(Error::usage("GitHub's OIDC token service was not asked", "retry")),
    }
}

/// The claims, decoded without verifying the signature. None when it is not a JWT.
pub fn decode(token: &str) -> Option<OidcClaims> {
    let mut parts = token.split('.');
    let (_, Some(body), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')).ok()?;
    let serde_json::Value::Object(c) = serde_json::from_slice(&bytes).ok()? else { return None };
    let s = |k: &str| c.get(k).and_then(|v| v.as_str()).map(|v| v.chars().take(300).collect::<String>());
    let n = |k: &str| c.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
    let aud = match c.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.clone()],
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).take(10).collect(),
        _ => vec![],
    };
    Some(OidcClaims {
        iss: s("iss"),
        aud,
        sub: s("sub"),
        exp: n("exp"),
        nbf: n("nbf"),
        repository: s("repository").or_else(|| s("project_path")),
        git_ref: s("ref"),
        environment: s("environment"),
    })
}

/// What the claims already say is wrong, before Salesforce is asked: expiry and audience.
pub fn preflight(claims: &OidcClaims, audience: &str, now: i64) -> Vec<String> {
    let mut problems = preflight_time(claims, now);
    let want = audience.trim_end_matches('/');
    if !claims.aud.iter().any(|a| a.trim_end_matches('/') == want) {
        problems.push(format!(
            "the OIDC token's aud is {} but the handler is expected to require {want} (--oidc-audience)",
            if claims.aud.is_empty() { "missing".to_string() } else { claims.aud.join(", ") }
        ));
    }
    problems
}

/// What the token's own dates say is wrong at `now`: past `exp`, or `nbf` still ahead by more
/// than a clock's usual skew. Every issuer (Salesforce, Entra) refuses such a token.
pub fn preflight_time(claims: &OidcClaims, now: i64) -> Vec<String> {
    let mut problems = Vec::new();
    match claims.exp {
        Some(exp) if exp <= now => problems.push(format!("the OIDC token expired {} s ago (exp {exp})", now - exp)),
        None => problems.push("the OIDC token has no exp claim".into()),
        _ => {}
    }
    if let Some(nbf) = claims.nbf.filter(|n| *n > now + NBF_SKEW) {
        problems.push(format!(
            "the OIDC token is not valid for another {} s (nbf {nbf}): check the runner's clock",
            nbf - now
        ));
    }
    problems
}

/// How far ahead `nbf` may be before it is named: the skew token endpoints commonly allow.
const NBF_SKEW: i64 = 300;

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.{}", e(r#"{"alg":"RS256"}"#), e(claims), e("signature-bytes"))
    }

    #[test]
    fn sources_parse_and_bad_ones_are_refused() {
        assert_eq!(OidcSource::parse("github").unwrap(), OidcSource::Github);
        assert_eq!(OidcSource::parse("gitlab").unwrap(), OidcSource::Gitlab("SFJWT_ID_TOKEN".into()));
        assert_eq!(OidcSource::parse("gitlab:SF_ID").unwrap(), OidcSource::Gitlab("SF_ID".into()));
        assert_eq!(OidcSource::parse("env:TOK").unwrap(), OidcSource::Env("TOK".into()));
        assert_eq!(OidcSource::parse("file:/t/x").unwrap(), OidcSource::File("/t/x".into()));
        for bad in ["", "azure", "env:", "env:A B", "file:", "gitlab:$X"] {
            assert!(OidcSource::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn preflight_time_names_a_past_exp_and_an_nbf_still_ahead() {
        let c = |exp: i64, nbf: Option<i64>| OidcClaims { exp: Some(exp), nbf, ..decode(&jwt("{}")).unwrap() };
        assert!(preflight_time(&c(200, Some(100)), 150).is_empty());
        assert!(preflight_time(&c(200, None), 150 + NBF_SKEW).iter().any(|p| p.contains("expired")));
        let ahead = preflight_time(&c(10_000, Some(5_000)), 1_000);
        assert!(ahead.iter().any(|p| p.contains("not valid for another 4000 s")), "{ahead:?}");
    }

    #[test]
    fn claims_decode_and_preflight_names_expiry_and_audience() {
        let t = jwt(
            r#"{"iss":"https://token.actions.githubusercontent.com","aud":"https://acme.my.salesforce.com","sub":"repo:acme/app:ref:refs/heads/main","exp":100,"repository":"acme/app","ref":"refs/heads/main"}"#,
        );
        let c = decode(&t).unwrap();
        assert_eq!(c.repository.as_deref(), Some("acme/app"));
        assert!(preflight(&c, "https://acme.my.salesforce.com/", 50).is_empty());
        let p = preflight(&c, "https://other.my.salesforce.com", 200);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("expired 100 s ago") && p[1].contains("other.my.salesforce.com"), "{p:?}");
        assert!(decode("not.a-jwt").is_none() && decode("a.b.c.d").is_none());
    }

    #[test]
    fn token_debug_is_redacted_and_bad_shapes_are_refused() {
        let t = OidcToken(Zeroizing::new(jwt(r#"{"sub":"x"}"#)));
        assert_eq!(format!("{t:?}"), "OidcToken(<redacted>)");
        assert!(check_shape("abc").is_err());
        assert!(check_shape(&"a".repeat(MAX_TOKEN_CHARS + 1)).is_err());
    }
}
