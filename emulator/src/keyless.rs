//! The keyless side of a scenario: a fake CI OIDC issuer (GitHub- or GitLab-shaped tokens signed
//! with a key generated at start, which neither sfjwt nor the tests ever see) and the token
//! exchange handlers the org has enabled, with their trust policy in the generated Apex's terms.

use std::collections::BTreeMap;

use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Request, Response};

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum IssuerKind {
    #[default]
    Github,
    Gitlab,
}

/// `oidc-issuer:` in a scenario: what the CI's token service mints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IssuerSpec {
    #[serde(default)]
    pub kind: IssuerKind,
    /// The `iss` claim [default: GitHub's or gitlab.com's real issuer URL].
    #[serde(default)]
    pub issuer: Option<String>,
    /// The bearer token the token-request endpoint wants (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
    pub request_token: String,
    /// Seconds from issue to `exp`; negative mints an already expired token.
    #[serde(default = "default_lifetime")]
    pub lifetime_seconds: i64,
    /// Seconds from now to `nbf`; positive mints a token not valid yet [default: `iat`]. A
    /// `nbf` in `claims` (a string) is minted as given instead.
    #[serde(default)]
    pub not_before_seconds: Option<i64>,
    /// The bearer token the CI's REST API wants (GH_TOKEN / GITLAB_TOKEN); absent: any or none.
    #[serde(default)]
    pub api_token: Option<String>,
    /// Claims of the minted token beyond the standard ones (repository, ref, environment, ...).
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
}

fn default_lifetime() -> i64 {
    300
}

/// How a refused handler's reason reaches the client: keyless.md §1.9 leaves it unconfirmed.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HandlerMessage {
    /// Only "token handler validation failed" (what the reported guides saw).
    #[default]
    Generic,
    /// The handler's customErrorMsg as the error_description.
    Returned,
}

/// `token-exchange-handlers:` entries: the OauthTokenExchangeHandler metadata plus its Apex policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HandlerSpec {
    /// The handler's developerName.
    pub name: String,
    /// The Apex class (token_handler may name either; which one Salesforce wants is UNCONFIRMED).
    pub apex_class: String,
    /// The app (by name) this handler is enabled for.
    pub app: String,
    #[serde(default = "yes")]
    pub default: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub id_token_supported: bool,
    #[serde(default = "yes")]
    pub jwt_supported: bool,
    pub policy: PolicySpec,
}

fn yes() -> bool {
    true
}

/// The handler's checks, as the Apex sfjwt generates performs them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicySpec {
    pub issuer: String,
    /// A URL, or `my-domain` for the emulator's own URL (the org's My Domain).
    pub audience: String,
    /// Rows of the allow-list Custom Metadata; each names the user it maps to.
    pub allow: Vec<AllowRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowRow {
    /// GitHub `repository` or GitLab `project_path`.
    pub repository: String,
    /// A ref such as refs/heads/main (GitLab: the branch name); absent means any.
    #[serde(default, rename = "ref")]
    pub git_ref: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    /// The immutable repository id (GitHub repository_id, GitLab project_id); absent means any.
    #[serde(default)]
    pub repo_id: Option<String>,
    /// The owner's id (GitHub repository_owner_id, GitLab namespace_id); absent means any.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// `branch` or `tag` (ref_type claim); absent means any.
    #[serde(default)]
    pub ref_type: Option<String>,
    /// Only runs on a protected ref (ref_protected == "true").
    #[serde(default)]
    pub protected_only: bool,
    /// Comma-separated triggers (GitHub event_name, GitLab pipeline_source); absent means any.
    #[serde(default)]
    pub events: Option<String>,
    /// GitHub `job_workflow_ref` (the reusable workflow that runs); absent means any.
    #[serde(default)]
    pub job_workflow_ref: Option<String>,
    pub user: String,
}

/// A row's field that pins something: present and not blank (the Apex String.isNotBlank).
fn pinned(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.trim().is_empty())
}

impl AllowRow {
    /// Why this row (of the token's repository) does not admit the token, in the generated
    /// Apex's rule order and words (SfjwtKeylessHandler.mismatch); None: it does.
    pub fn mismatch(&self, repo: &str, claim: &dyn Fn(&str) -> String, gitlab: bool) -> Option<String> {
        let (id_claim, owner_claim, event_claim) = if gitlab {
            ("project_id", "namespace_id", "pipeline_source")
        } else {
            ("repository_id", "repository_owner_id", "event_name")
        };
        let (id, owner) = (claim(id_claim), claim(owner_claim));
        if pinned(&self.repo_id).is_some_and(|r| r != id) {
            return Some(format!("repository id not allowed for {repo}: {id} (recreated or renamed?)"));
        }
        if pinned(&self.owner_id).is_some_and(|o| o != owner) {
            return Some(format!("owner id not allowed for {repo}: {owner}"));
        }
        let (ref_type, git_ref, event, env) =
            (claim("ref_type"), claim("ref"), claim(event_claim), claim("environment"));
        if pinned(&self.ref_type).is_some_and(|t| t != ref_type) {
            return Some(format!("ref type not allowed for {repo}: {ref_type}"));
        }
        if pinned(&self.git_ref).is_some_and(|r| r != git_ref) {
            return Some(format!("ref not allowed for {repo}: {git_ref}"));
        }
        if self.protected_only && claim("ref_protected") != "true" {
            return Some(format!("ref not protected for {repo}: {git_ref}"));
        }
        if pinned(&self.events).is_some_and(|list| !list.split(',').any(|e| e.trim() == event)) {
            return Some(format!("event not allowed for {repo}: {event}"));
        }
        let workflow = claim("job_workflow_ref");
        if pinned(&self.job_workflow_ref).is_some_and(|w| w != workflow) {
            return Some(format!("workflow not allowed for {repo}: {workflow}"));
        }
        if pinned(&self.environment).is_some_and(|e| e != env) {
            let env = if env.is_empty() { "(none)".to_string() } else { env };
            return Some(format!("environment not allowed for {repo}: {env}"));
        }
        None
    }
}

/// The issuer at run time: its spec and a key made at start.
pub struct Issuer {
    pub spec: IssuerSpec,
    key: KeyPair,
    pub kid: String,
}

impl Issuer {
    pub fn new(spec: IssuerSpec) -> Result<Issuer, String> {
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| "cannot generate the issuer key")?;
        let mut id = [0u8; 8];
        let _ = aws_lc_rs::rand::fill(&mut id);
        Ok(Issuer { spec, key, kid: URL_SAFE_NO_PAD.encode(id) })
    }

    pub fn iss(&self) -> String {
        self.spec.issuer.clone().unwrap_or_else(|| match self.spec.kind {
            IssuerKind::Github => "https://token.actions.githubusercontent.com".into(),
            IssuerKind::Gitlab => "https://gitlab.com".into(),
        })
    }

    /// The JWKS document (RFC 7517) with the one signing key.
    pub fn jwks(&self) -> Value {
        let c = PublicKeyComponents::<Vec<u8>>::from(self.key.public_key());
        json!({"keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e),
        }]})
    }

    /// A token shaped like the CI's (GitHub docs §4 / GitLab docs §5 of keyless.md).
    pub fn mint(&self, audience: Option<&str>, now: i64) -> Result<String, String> {
        let c = &self.spec.claims;
        let get = |k: &str, d: &str| c.get(k).cloned().unwrap_or_else(|| d.to_string());
        let mut claims = serde_json::Map::new();
        match self.spec.kind {
            IssuerKind::Github => {
                let repo = get("repository", "acme/app");
                let git_ref = get("ref", "refs/heads/main");
                let owner = repo.split('/').next().unwrap_or_default().to_string();
                let sub = match c.get("environment") {
                    Some(env) => format!("repo:{repo}:environment:{env}"),
                    None => format!("repo:{repo}:ref:{git_ref}"),
                };
                claims.insert("sub".into(), get("sub", &sub).into());
                claims.insert(
                    "aud".into(),
                    audience.map_or(format!("https://github.com/{owner}"), str::to_string).into(),
                );
                for (k, v) in [
                    ("repository", repo.clone()),
                    ("repository_owner", owner),
                    ("repository_id", get("repository_id", "100")),
                    ("repository_owner_id", get("repository_owner_id", "200")),
                    ("ref", git_ref.clone()),
                    ("ref_type", get("ref_type", "branch")),
                    ("workflow", get("workflow", "deploy")),
                    (
                        "job_workflow_ref",
                        get("job_workflow_ref", &format!("{repo}/.github/workflows/deploy.yml@{git_ref}")),
                    ),
                    ("event_name", get("event_name", "push")),
                    ("run_id", get("run_id", "1234567890")),
                    ("actor", get("actor", "octocat")),
                    ("runner_environment", get("runner_environment", "github-hosted")),
                ] {
                    claims.insert(k.into(), v.into());
                }
            }
            IssuerKind::Gitlab => {
                let project = get("project_path", "acme/app");
                let git_ref = get("ref", "main");
                let sub = format!("project_path:{project}:ref_type:branch:ref:{git_ref}");
                claims.insert("sub".into(), get("sub", &sub).into());
                claims.insert("aud".into(), audience.unwrap_or("https://gitlab.com").into());
                let namespace = project.rsplit_once('/').map(|(n, _)| n.to_string()).unwrap_or_default();
                for (k, v) in [
                    ("project_path", project.clone()),
                    ("namespace_path", namespace),
                    ("project_id", get("project_id", "100")),
                    ("namespace_id", get("namespace_id", "200")),
                    ("ref", git_ref),
                    ("ref_type", get("ref_type", "branch")),
                    ("ref_protected", get("ref_protected", "true")),
                    ("pipeline_source", get("pipeline_source", "push")),
                    ("pipeline_id", get("pipeline_id", "42")),
                    ("job_id", get("job_id", "4242")),
                    ("user_login", get("user_login", "octocat")),
                ] {
                    claims.insert(k.into(), v.into());
                }
            }
        }
        for (k, v) in c {
            if !claims.contains_key(k) {
                claims.insert(k.clone(), v.clone().into());
            }
        }
        let exp = now + self.spec.lifetime_seconds;
        let iat = exp.min(now) - 5;
        claims.insert("iss".into(), self.iss().into());
        claims.insert("iat".into(), iat.into());
        if !c.contains_key("nbf") {
            claims.insert("nbf".into(), self.spec.not_before_seconds.map_or(iat, |s| now + s).into());
        }
        claims.insert("exp".into(), exp.into());
        claims.insert("jti".into(), crate::grant::random_alnum(24).into());
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string())
        );
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), input.as_bytes(), &mut sig)
            .map_err(|_| "signing failed")?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

/// `/_oidc/{github,gitlab}/...`: the CI token service (the fake ACTIONS_ID_TOKEN_REQUEST_URL:
/// `token?audience=` with the request token as bearer, answering `{"value": JWT}`), its
/// discovery document and JWKS.
pub fn route(issuer: Option<&Issuer>, req: &Request, own_url: &str, now: i64) -> Option<Response> {
    let rest = req.path.strip_prefix("/_oidc/")?;
    let Some(issuer) = issuer else {
        return Some(Response::Json(404, json!({"message": "this scenario has no oidc-issuer"})));
    };
    let (kind, tail) = rest.split_once('/')?;
    let kind_ok = match issuer.spec.kind {
        IssuerKind::Github => kind == "github",
        IssuerKind::Gitlab => kind == "gitlab",
    };
    if !kind_ok {
        return Some(Response::Json(404, json!({"message": format!("the scenario's issuer is not {kind}")})));
    }
    if let Some(path) = tail.strip_prefix("api/") {
        return Some(api(issuer, req, path));
    }
    let base = format!("{}/_oidc/{kind}", own_url.trim_end_matches('/'));
    Some(match (req.method.as_str(), tail) {
        ("GET", ".well-known/jwks") => Response::Json(200, issuer.jwks()),
        ("GET", ".well-known/openid-configuration") => Response::Json(
            200,
            json!({"issuer": issuer.iss(), "jwks_uri": format!("{base}/.well-known/jwks"),
                   "id_token_signing_alg_values_supported": ["RS256"]}),
        ),
        ("GET", "token") => {
            let auth = req.headers.get("authorization").map(String::as_str).unwrap_or_default();
            let presented = auth.get(..7).filter(|p| p.eq_ignore_ascii_case("bearer ")).map(|_| auth[7..].trim());
            if presented != Some(issuer.spec.request_token.as_str()) {
                return Some(Response::Json(401, json!({"message": "Bad credentials"})));
            }
            match issuer.mint(req.query.get("audience").map(String::as_str), now) {
                Ok(jwt) => Response::Json(200, json!({"count": jwt.len(), "value": jwt})),
                Err(e) => Response::Json(500, json!({"message": e})),
            }
        }
        _ => Response::Json(404, json!({"message": "not found"})),
    })
}

/// `/_oidc/{github,gitlab}/api/...`: the CI's REST API as `setup` reads it (GitHub
/// `repos/OWNER/NAME`, GitLab `v4/projects/URL-ENCODED-PATH`), answering the ids the issuer mints
/// for its repository, and 404 for any other, as the real APIs do for a repository one cannot see.
fn api(issuer: &Issuer, req: &Request, path: &str) -> Response {
    if let Some(want) = &issuer.spec.api_token {
        // GitHub: `Authorization: Bearer`; GitLab: `PRIVATE-TOKEN` (its REST authentication docs).
        let presented = match issuer.spec.kind {
            IssuerKind::Github => req.headers.get("authorization").and_then(|a| a.strip_prefix("Bearer ")),
            IssuerKind::Gitlab => req.headers.get("private-token").map(String::as_str),
        };
        if presented != Some(want.as_str()) {
            return Response::Json(401, json!({"message": "Bad credentials"}));
        }
    }
    let c = &issuer.spec.claims;
    let get = |k: &str, d: &str| c.get(k).cloned().unwrap_or_else(|| d.to_string());
    let id = |k: &str| get(k, if k.contains("owner") || k.contains("namespace") { "200" } else { "100" });
    let number = |v: String| v.parse::<u64>().map_or(Value::String(v), Value::from);
    let not_found = Response::Json(404, json!({"message": "Not Found"}));
    match (req.method.as_str(), issuer.spec.kind) {
        ("GET", IssuerKind::Github) => {
            let repo = get("repository", "acme/app");
            if !path.strip_prefix("repos/").is_some_and(|p| p.eq_ignore_ascii_case(&repo)) {
                return not_found;
            }
            let (owner, name) = repo.split_once('/').unwrap_or_default();
            Response::Json(
                200,
                json!({"id": number(id("repository_id")), "name": name, "full_name": repo,
                       "owner": {"login": owner, "id": number(id("repository_owner_id"))}}),
            )
        }
        ("GET", IssuerKind::Gitlab) => {
            let project = get("project_path", "acme/app");
            let asked = path.strip_prefix("v4/projects/").map(|p| p.replace("%2F", "/").replace("%2f", "/"));
            if asked.as_deref() != Some(project.as_str()) || !path.contains("%2") {
                return not_found;
            }
            let namespace = project.rsplit_once('/').map(|(n, _)| n.to_string()).unwrap_or_default();
            Response::Json(
                200,
                json!({"id": number(id("project_id")), "path_with_namespace": project,
                       "namespace": {"id": number(id("namespace_id")), "full_path": namespace}}),
            )
        }
        _ => not_found,
    }
}

/// Verifies an RS256 JWT against a JWKS document by `kid`, with the emulator's own code.
pub fn verify_with_jwks(jwt: &str, jwks: &Value) -> bool {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    let header: Option<Value> = URL_SAFE_NO_PAD.decode(parts[0]).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let Some(header) = header else { return false };
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return false;
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let Some(sig) = URL_SAFE_NO_PAD.decode(parts[2]).ok() else { return false };
    let input = format!("{}.{}", parts[0], parts[1]);
    let keys = jwks.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
    keys.iter().filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid).any(|k| {
        let part = |n: &str| k.get(n).and_then(Value::as_str).and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
        match (part("n"), part("e")) {
            (Some(n), Some(e)) => PublicKeyComponents { n, e }
                .verify(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
                .is_ok(),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: IssuerKind) -> IssuerSpec {
        IssuerSpec {
            kind,
            issuer: None,
            request_token: "rt".into(),
            lifetime_seconds: 300,
            not_before_seconds: None,
            api_token: None,
            claims: BTreeMap::from([("repository".into(), "acme/app".into())]),
        }
    }

    #[test]
    fn minted_tokens_verify_against_the_jwks_and_nothing_else() {
        let issuer = Issuer::new(spec(IssuerKind::Github)).unwrap();
        let other = Issuer::new(spec(IssuerKind::Github)).unwrap();
        let jwt = issuer.mint(Some("https://acme.my.salesforce.com"), 1_700_000_000).unwrap();
        assert!(verify_with_jwks(&jwt, &issuer.jwks()));
        assert!(!verify_with_jwks(&jwt, &other.jwks()));
        let mut tampered: Vec<&str> = jwt.split('.').collect();
        let body = URL_SAFE_NO_PAD.encode(r#"{"repository":"evil/app"}"#);
        tampered[1] = &body;
        assert!(!verify_with_jwks(&tampered.join("."), &issuer.jwks()));
    }

    #[test]
    fn github_and_gitlab_shapes() {
        let gh = Issuer::new(spec(IssuerKind::Github)).unwrap();
        let claims = crate::jwt::parse(&gh.mint(None, 1_700_000_000).unwrap()).unwrap().claims;
        assert_eq!(claims["iss"], "https://token.actions.githubusercontent.com");
        assert_eq!(claims["sub"], "repo:acme/app:ref:refs/heads/main");
        assert_eq!(claims["aud"], "https://github.com/acme");
        assert_eq!(claims["exp"], 1_700_000_300);
        let gl = Issuer::new(IssuerSpec { claims: BTreeMap::new(), ..spec(IssuerKind::Gitlab) }).unwrap();
        let claims = crate::jwt::parse(&gl.mint(Some("x"), 0).unwrap()).unwrap().claims;
        assert_eq!(claims["sub"], "project_path:acme/app:ref_type:branch:ref:main");
        assert_eq!(claims["iss"], "https://gitlab.com");
    }
}
