//! `setup --keyless` without `--repo-id` / `--owner-id`: the immutable ids read from the CI's REST
//! API (GitHub `GET {api}/repos/OWNER/NAME` → `id`, `owner.id`; GitLab
//! `GET {api}/projects/URL-ENCODED-PATH` → `id`, `namespace.id`). One bounded request with a
//! timeout; the answer must name the repository exactly as given and carry numeric ids, or
//! nothing is pinned and `setup` stops with the by-hand command.

use std::time::Duration;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::appmeta::keyless::Provider;
use crate::net::{self, Exchange, NetSettings};

/// An answer for one repository is a few KiB; anything larger is not the CI's API talking.
const BODY_LIMIT: u64 = 256 * 1024;
const TIMEOUT: Duration = Duration::from_secs(15);

/// Where to ask and with what: the API's base URL and an optional bearer token.
pub struct Api {
    pub base: String,
    /// The variable it came from, for messages (GITHUB_API_URL, CI_API_V4_URL or "default").
    pub base_from: &'static str,
    token: Option<(&'static str, Zeroizing<String>)>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl Api {
    /// GitHub: GITHUB_API_URL, else GHES's `https://HOST/api/v3` when the issuer is
    /// `https://HOST/_services/token`, else api.github.com; token GH_TOKEN or GITHUB_TOKEN.
    /// GitLab: CI_API_V4_URL, else the instance's `/api/v4`; token GITLAB_TOKEN (as PRIVATE-TOKEN).
    pub fn from_env(provider: Provider, issuer: &str) -> Api {
        let (var, tokens): (_, &[&'static str]) = match provider {
            Provider::Github => ("GITHUB_API_URL", &["GH_TOKEN", "GITHUB_TOKEN"]),
            Provider::Gitlab => ("CI_API_V4_URL", &["GITLAB_TOKEN"]),
        };
        let (base, base_from) = match env(var) {
            Some(v) => (v, var),
            None => (default_base(provider, issuer), "default"),
        };
        let token = tokens.iter().find_map(|t| env(t).map(|v| (*t, Zeroizing::new(v))));
        if let Some((_, t)) = &token {
            crate::secrets::register(t);
        }
        Api { base: base.trim_end_matches('/').to_string(), base_from, token }
    }

    fn url(&self, provider: Provider, repo: &str) -> String {
        match provider {
            Provider::Github => format!("{}/repos/{repo}", self.base),
            Provider::Gitlab => format!("{}/projects/{}", self.base, repo.replace('/', "%2F")),
        }
    }
}

/// The API of the issuer's instance: GHES `https://HOST/api/v3` for an issuer
/// `https://HOST/_services/token`, else api.github.com; GitLab `{instance}/api/v4`.
fn default_base(provider: Provider, issuer: &str) -> String {
    match provider {
        Provider::Github => issuer
            .strip_suffix("/_services/token")
            .map_or_else(|| "https://api.github.com".into(), |host| format!("{host}/api/v3")),
        Provider::Gitlab => format!("{issuer}/api/v4"),
    }
}

/// The ids (repository, owner), or why they could not be read (no secret in it).
pub fn ids(
    provider: Provider,
    repo: &str,
    api: &Api,
    ca_files: &[std::path::PathBuf],
) -> Result<(String, String), String> {
    let parsed = url::Url::parse(&api.base).map_err(|e| format!("{} is not a URL: {e}", api.base))?;
    if parsed.scheme() != "https" || !parsed.username().is_empty() || parsed.password().is_some() {
        // A token must not travel in clear text, nor the URL carry credentials.
        return Err(format!("{} ({}) is not an https:// URL without credentials", api.base, api.base_from));
    }
    let settings = NetSettings {
        timeout: TIMEOUT,
        max_retries: 1,
        retry_window: TIMEOUT,
        ca_files: ca_files.to_vec(),
        max_body: BODY_LIMIT,
    };
    let client = net::client(&settings).map_err(|e| e.to_string())?;
    let url = api.url(provider, repo);
    let tries = net::send_with_retries(
        &settings,
        || {
            let mut req = client.get(&url);
            req = match provider {
                Provider::Github => {
                    req.header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", "2022-11-28")
                }
                Provider::Gitlab => req.header("Accept", "application/json"),
            };
            // GitHub takes the token as a bearer; GitLab documents PRIVATE-TOKEN for personal,
            // project and group access tokens.
            match (&api.token, provider) {
                (Some((_, t)), Provider::Github) => req = req.bearer_auth(t.as_str()),
                (Some((_, t)), Provider::Gitlab) => req = req.header("PRIVATE-TOKEN", t.as_str()),
                (None, _) => {}
            }
            req
        },
        |_, _| {},
    );
    let exchange = tries.into_iter().last().map(|t| t.exchange);
    match exchange {
        Some(Exchange::Answer { status: 200, body, .. }) => parse(provider, repo, &body),
        Some(Exchange::Answer { status, body, .. }) => Err(refused(provider, api, status, &body)),
        Some(Exchange::Failed { detail, .. }) => Err(format!("{url} did not answer: {detail}")),
        None => Err(format!("{url} was not asked")),
    }
}

/// A refusal in words: which status, the API's own message (bounded), what to try.
fn refused(provider: Provider, api: &Api, status: u16, body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|j| j.get("message").or_else(|| j.get("error")).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let message: String = crate::secrets::terminal_safe(&message).chars().take(200).collect();
    let token = api.token.as_ref().map(|(name, _)| *name);
    let names = match provider {
        Provider::Github => "GH_TOKEN or GITHUB_TOKEN",
        Provider::Gitlab => "GITLAB_TOKEN",
    };
    let hint = match (status, token) {
        (301 | 302 | 307 | 308, _) => {
            "the repository was renamed or transferred: pass its current name as --repo".into()
        }
        (401 | 403, Some(name)) => format!("{name} was refused"),
        (404, Some(name)) => format!("not found, or not visible with {name}"),
        (401 | 403 | 404 | 429, None) => format!("a private repository, or the rate limit, needs {names}"),
        _ => String::new(),
    };
    let said = if message.is_empty() { String::new() } else { format!(": {message}") };
    let hint = if hint.is_empty() { hint } else { format!(" ({hint})") };
    format!("HTTP {status}{said}{hint}")
}

/// The answer's ids, when it is the repository asked for (by its exact name: the token's claim
/// carries that spelling, and a renamed repository's old name must not pin the new one).
fn parse(provider: Provider, repo: &str, body: &str) -> Result<(String, String), String> {
    let j: Value = serde_json::from_str(body).map_err(|_| "the answer is not JSON".to_string())?;
    let (name_field, owner_field) = match provider {
        Provider::Github => ("full_name", "owner"),
        Provider::Gitlab => ("path_with_namespace", "namespace"),
    };
    let name = j.get(name_field).and_then(Value::as_str).unwrap_or_default();
    if name != repo {
        let shown: String = crate::secrets::terminal_safe(name).chars().take(200).collect();
        return Err(format!(
            "the API names this repository {shown:?}, not {repo:?}: pass --repo exactly as it names it"
        ));
    }
    let id = |v: Option<&Value>, what: &str| {
        v.and_then(Value::as_u64)
            .filter(|n| *n > 0)
            .map(|n| n.to_string())
            .ok_or(format!("the answer has no numeric {what}"))
    };
    Ok((id(j.get("id"), "id")?, id(j.get(owner_field).and_then(|o| o.get("id")), &format!("{owner_field}.id"))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_validated() {
        let gh = |b: &str| parse(Provider::Github, "acme/app", b);
        assert_eq!(gh(r#"{"id":1,"full_name":"acme/app","owner":{"id":2}}"#), Ok(("1".into(), "2".into())));
        for (body, why) in [
            ("<html>", "not JSON"),
            (r#"{"id":1,"full_name":"Acme/App","owner":{"id":2}}"#, "names this repository \"Acme/App\""),
            (r#"{"id":1,"full_name":"acme/renamed","owner":{"id":2}}"#, "pass --repo exactly"),
            (r#"{"id":"1","full_name":"acme/app","owner":{"id":2}}"#, "no numeric id"),
            (r#"{"id":-1,"full_name":"acme/app","owner":{"id":2}}"#, "no numeric id"),
            (r#"{"id":0,"full_name":"acme/app","owner":{"id":2}}"#, "no numeric id"),
            (r#"{"id":1.5,"full_name":"acme/app","owner":{"id":2}}"#, "no numeric id"),
            (r#"{"id":1,"full_name":"acme/app"}"#, "no numeric owner.id"),
        ] {
            let e = gh(body).unwrap_err();
            assert!(e.contains(why), "{body}: {e}");
        }
        let gl = parse(Provider::Gitlab, "g/sub/p", r#"{"id":7,"path_with_namespace":"g/sub/p","namespace":{"id":8}}"#);
        assert_eq!(gl, Ok(("7".into(), "8".into())));
    }

    #[test]
    fn refusals_say_what_to_do() {
        let api = |token: Option<&'static str>| Api {
            base: "https://api.github.com".into(),
            base_from: "default",
            token: token.map(|t| (t, Zeroizing::new("t".to_string()))),
        };
        let (none, with) = (api(None), api(Some("GH_TOKEN")));
        assert_eq!(
            refused(Provider::Github, &with, 301, r#"{"message":"Moved Permanently"}"#),
            "HTTP 301: Moved Permanently (the repository was renamed or transferred: pass its current name as --repo)"
        );
        assert_eq!(
            refused(Provider::Github, &with, 401, r#"{"message":"Bad credentials"}"#),
            "HTTP 401: Bad credentials (GH_TOKEN was refused)"
        );
        assert_eq!(
            refused(Provider::Github, &none, 403, "<html>rate limited</html>"),
            "HTTP 403 (a private repository, or the rate limit, needs GH_TOKEN or GITHUB_TOKEN)"
        );
        assert_eq!(
            refused(Provider::Gitlab, &none, 404, r#"{"message":"404 Project Not Found"}"#),
            "HTTP 404: 404 Project Not Found (a private repository, or the rate limit, needs GITLAB_TOKEN)"
        );
        // A server's message is one bounded line.
        let long = format!(r#"{{"message":"a\nb{}"}}"#, "x".repeat(500));
        let said = refused(Provider::Github, &none, 500, &long);
        assert!(said.starts_with("HTTP 500: a b") && said.len() < 230, "{said}");
    }

    #[test]
    fn default_apis_follow_the_issuer() {
        let gh = |i: &str| default_base(Provider::Github, i);
        assert_eq!(gh("https://token.actions.githubusercontent.com"), "https://api.github.com");
        assert_eq!(gh("https://ghe.acme.com/_services/token"), "https://ghe.acme.com/api/v3");
        assert_eq!(default_base(Provider::Gitlab, "https://gitlab.com"), "https://gitlab.com/api/v4");
        assert_eq!(default_base(Provider::Gitlab, "https://git.acme.com"), "https://git.acme.com/api/v4");
    }

    #[test]
    fn api_urls() {
        let api = |base: &str| Api { base: base.into(), base_from: "default", token: None };
        assert_eq!(
            api("https://api.github.com").url(Provider::Github, "acme/app"),
            "https://api.github.com/repos/acme/app"
        );
        assert_eq!(
            api("https://gitlab.com/api/v4").url(Provider::Gitlab, "g/sub/p"),
            "https://gitlab.com/api/v4/projects/g%2Fsub%2Fp"
        );
    }
}
