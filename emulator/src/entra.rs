//! A Microsoft Entra tenant (issue 25): the v2.0 OpenID configuration, the tenant's JWKS and the
//! v2.0 token endpoint's client credentials grant with a client assertion, either a certificate
//! assertion (RFC 7523, signed by the app's key) or a CI's OIDC token matched against the app's
//! federated identity credentials. Checked with the emulator's own code, never sfjwt's.
//!
//! Wordings and codes: /work/shared/reference/entra.md §1–§4 and the texts quoted in
//! docs/evidence.md (Entra section); refusals come in Entra's JSON shape (`error`,
//! `error_description` with Trace ID / Correlation ID / Timestamp lines, `error_codes`,
//! `timestamp`, `trace_id`, `correlation_id`, `error_uri`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

use aws_lc_rs::digest;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use x509_parser::prelude::FromDer;

use crate::http::{Request, Response};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";
const DOCS_CERT: &str = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";
/// Entra tolerates some clock skew on assertions; 5 minutes, as MSAL's own clock-skew allowance.
const SKEW: i64 = 300;
const TOKEN_LIFETIME: i64 = 3599;

/// `entra-tenant:` in a scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TenantSpec {
    /// The directory (tenant) id, a GUID.
    pub id: String,
    /// Verified domains that name the tenant too (e.g. contoso.onmicrosoft.com).
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    /// The Graph objects doctor reads, and the admin token that may read them (graph.rs).
    #[serde(default)]
    pub graph: Option<crate::graph::GraphSpec>,
    /// Resource principals of the tenant's own APIs (e.g. api://ci-deploy-api), besides
    /// Microsoft's first-party resources, which every tenant has. Any other scope: AADSTS500011.
    #[serde(default)]
    pub resources: Vec<String>,
    /// The tenant's own APIs whose enterprise app has "Assignment required?" on: only apps given
    /// one of their app roles (`assigned-to` on the app) get a token for them (AADSTS501051).
    #[serde(default)]
    pub resources_requiring_assignment: Vec<String>,
    /// Federated mismatches answered per field (AADSTS700211/700212/700213/7002138, what Entra
    /// answers today) instead of the older AADSTS70021 that names all three values.
    #[serde(default)]
    pub per_field_federated_errors: bool,
}

/// An app registration and its service principal in the tenant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppSpec {
    /// Application (client) id.
    pub client_id: String,
    /// No service principal in this tenant (a multi-tenant app nobody installed): AADSTS700016.
    #[serde(default = "yes")]
    pub in_tenant: bool,
    /// Certificates uploaded under Certificates & secrets (inline PEM or a path).
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Client secret values.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Client secret values past their expiry date: AADSTS7000222.
    #[serde(default)]
    pub expired_secrets: Vec<String>,
    /// APIs of `resources-requiring-assignment` on which this app holds an app role.
    #[serde(default)]
    pub assigned_to: Vec<String>,
    /// A Conditional Access policy for workload identities blocks this app: AADSTS53003.
    #[serde(default)]
    pub blocked_by_conditional_access: bool,
    #[serde(default)]
    pub federated_credentials: Vec<FederatedSpec>,
    /// Application permissions admin-consented (the access token's `roles`), e.g. Sites.Read.All.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The service principal's appRoleAssignmentRequired (Graph only; graph.rs).
    #[serde(default)]
    pub app_role_assignment_required: bool,
    /// Principals assigned to the service principal, `user:NAME` or `group:NAME` (Graph only).
    #[serde(default)]
    pub assigned: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FederatedSpec {
    pub issuer: String,
    pub subject: String,
    #[serde(default = "default_audiences")]
    pub audiences: Vec<String>,
}

fn default_audiences() -> Vec<String> {
    vec![FEDERATED_AUDIENCE.into()]
}

struct Cert {
    /// PKCS#1 RSAPublicKey.
    public_key: Vec<u8>,
    sha1: Vec<u8>,
    sha256: Vec<u8>,
    /// notBefore and notAfter, Unix seconds: Entra refuses a certificate outside them (1000502).
    not_before: i64,
    not_after: i64,
}

struct App {
    spec: AppSpec,
    certs: Vec<Cert>,
}

/// The tenant at run time: its apps, the key it signs access tokens with, the jti values seen.
pub struct Tenant {
    spec_id: String,
    domains: Vec<String>,
    apps: Vec<App>,
    resources: Vec<String>,
    requiring_assignment: Vec<String>,
    per_field: bool,
    key: KeyPair,
    kid: String,
    seen_jti: Mutex<HashSet<String>>,
}

impl Tenant {
    pub fn new(spec: TenantSpec, base: &Path) -> Result<Tenant, String> {
        let mut apps = Vec::new();
        for a in spec.apps {
            let mut certs = Vec::new();
            for c in &a.certificates {
                let pem = crate::scenario::certificate_pem(c, base)?;
                certs.push(cert(&pem).map_err(|e| format!("entra app {}: {e}", a.client_id))?);
            }
            apps.push(App { spec: a, certs });
        }
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| "cannot generate the tenant key")?;
        let mut id = [0u8; 8];
        let _ = aws_lc_rs::rand::fill(&mut id);
        Ok(Tenant {
            spec_id: spec.id,
            domains: spec.domains,
            apps,
            resources: spec.resources,
            requiring_assignment: spec.resources_requiring_assignment,
            per_field: spec.per_field_federated_errors,
            key,
            kid: URL_SAFE_NO_PAD.encode(id),
            seen_jti: Mutex::new(HashSet::new()),
        })
    }

    fn names(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.spec_id) || self.domains.iter().any(|d| d.eq_ignore_ascii_case(segment))
    }

    fn jwks(&self) -> Value {
        let c = PublicKeyComponents::<Vec<u8>>::from(self.key.public_key());
        json!({"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)}]})
    }
}

fn cert(pem: &str) -> Result<Cert, String> {
    let start = pem.find("-----BEGIN").ok_or("no PEM block")?;
    let (_, block) = x509_parser::pem::parse_x509_pem(&pem.as_bytes()[start..]).map_err(|e| format!("bad PEM: {e}"))?;
    let (_, x509) =
        x509_parser::certificate::X509Certificate::from_der(&block.contents).map_err(|e| format!("bad X.509: {e}"))?;
    Ok(Cert {
        public_key: x509.public_key().subject_public_key.data.to_vec(),
        sha1: digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &block.contents).as_ref().to_vec(),
        sha256: digest::digest(&digest::SHA256, &block.contents).as_ref().to_vec(),
        not_before: x509.validity().not_before.timestamp(),
        not_after: x509.validity().not_after.timestamp(),
    })
}

/// `/{tenant}/…` paths; `None` for every other path (the Salesforce org answers those).
pub fn route(
    tenant: Option<&Tenant>,
    issuer: Option<&crate::keyless::Issuer>,
    req: &Request,
    own_url: &str,
    now: i64,
) -> Option<Response> {
    let tenant = tenant?;
    let (segment, tail) = req.path.trim_start_matches('/').split_once('/')?;
    let known = matches!(
        tail,
        "v2.0/.well-known/openid-configuration"
            | ".well-known/openid-configuration"
            | "discovery/v2.0/keys"
            | "oauth2/v2.0/token"
    );
    if !known {
        return None;
    }
    let base = format!("{}/{segment}", own_url.trim_end_matches('/'));
    // Neither a GUID nor a domain (a word such as 'token' or 'authorize' from a URL built wrong).
    if !is_guid(segment) && !segment.contains('.') {
        let text = format!(
            "Specified tenant identifier '{segment}' is neither a valid DNS name, nor a valid external domain."
        );
        return Some(refusal(400, "invalid_request", 900023, &text, now));
    }
    if !tenant.names(segment) {
        let text = format!(
            "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the \
             correct cloud. Check with your subscription administrator, this may happen if there are no active \
             subscriptions for the tenant."
        );
        return Some(refusal(400, "invalid_tenant", 90002, &text, now));
    }
    let tid = &tenant.spec_id;
    Some(match (req.method.as_str(), tail) {
        ("GET", "discovery/v2.0/keys") => Response::Json(200, tenant.jwks()),
        // Entra's discovery names the tenant by its id, whichever name the request used.
        ("GET", _) if tail.ends_with("openid-configuration") => {
            let canonical = format!("{}/{tid}", own_url.trim_end_matches('/'));
            Response::Json(200, openid_configuration(&canonical, tid))
        }
        ("POST", "oauth2/v2.0/token") => match token(tenant, issuer, &req.form(), &base, now) {
            Ok(body) => Response::Json(200, body),
            Err(r) => r,
        },
        _ => Response::Json(405, json!({"error": "invalid_request", "error_description": "method not allowed"})),
    })
}

fn openid_configuration(base: &str, tid: &str) -> Value {
    json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": format!("https://login.microsoftonline.com/{tid}/v2.0"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
    })
}

/// Entra's error answer. The three ids are fresh per answer, as Entra's are.
pub fn refusal(status: u16, error: &str, code: u64, text: &str, now: i64) -> Response {
    let stamp = OffsetDateTime::from_unix_timestamp(now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let timestamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let (trace, correlation) = (guid(), guid());
    Response::Json(
        status,
        json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<usize> = s.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn guid() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

type Form = std::collections::HashMap<String, String>;

/// The client credentials grant, checked in the order Entra reports problems: the app, how it
/// authenticates, the assertion, then the scope.
fn token(
    tenant: &Tenant,
    issuer: Option<&crate::keyless::Issuer>,
    form: &Form,
    base: &str,
    now: i64,
) -> Result<Value, Response> {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if get("grant_type") != "client_credentials" {
        let text = format!("The app requested an unsupported grant type '{}'.", get("grant_type"));
        return Err(refusal(400, "unsupported_grant_type", 70003, &text, now));
    }
    let client_id = get("client_id");
    let app = tenant.apps.iter().find(|a| a.spec.client_id.eq_ignore_ascii_case(client_id) && a.spec.in_tenant);
    let Some(app) = app else {
        let text = format!(
            "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the \
             application has not been installed by the administrator of the tenant or consented to by any user in the \
             tenant. You may have sent your authentication request to the wrong tenant.",
            tenant.domains.first().unwrap_or(&tenant.spec_id)
        );
        return Err(refusal(400, "unauthorized_client", 700016, &text, now));
    };
    if let Some(secret) = form.get("client_secret") {
        if app.spec.expired_secrets.contains(secret) {
            let text = format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new \
                 keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added \
                 security: https://aka.ms/certCreds."
            );
            return Err(refusal(401, "invalid_client", 7000222, &text, now));
        }
        if !app.spec.secrets.contains(secret) {
            let text = format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret \
                 value, not the client secret ID, for a secret added to app '{client_id}'."
            );
            return Err(refusal(401, "invalid_client", 7000215, &text, now));
        }
    } else {
        let assertion = form.get("client_assertion").filter(|_| get("client_assertion_type") == ASSERTION_TYPE);
        let Some(assertion) = assertion else {
            let text = "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
            return Err(refusal(401, "invalid_client", 7000218, text, now));
        };
        check_assertion(tenant, app, issuer, assertion, base, now)?;
    }
    let resource = scope_resource(get("scope")).ok_or_else(|| {
        let text = format!(
            "The provided value for scope {} is not valid. Client credential flows must have a scope value with \
             /.default suffixed to the resource identifier (application ID URI).",
            get("scope")
        );
        refusal(400, "invalid_scope", 1002012, &text, now)
    })?;
    check_resource(tenant, &resource, get("scope"), now)?;
    check_assignment(tenant, app, &resource, now)?;
    if app.spec.blocked_by_conditional_access {
        let text =
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.";
        return Err(refusal(400, "invalid_grant", 53003, text, now));
    }
    let access_token =
        access_token(tenant, app, &resource, now).map_err(|e| Response::Json(500, json!({"error": e})))?;
    Ok(json!({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
              "access_token": access_token}))
}

/// Microsoft's first-party resources, present in every tenant (Graph by its URI and its app id).
const FIRST_PARTY: &[&str] = &[
    "https://graph.microsoft.com",
    "00000003-0000-0000-c000-000000000000",
    "https://management.azure.com",
    "https://management.core.windows.net",
    "https://vault.azure.net",
    "https://storage.azure.com",
    "https://database.windows.net",
];

/// The scope's resource must be a URI or a GUID (AADSTS70011) and have a service principal in the
/// tenant (AADSTS500011).
fn check_resource(tenant: &Tenant, resource: &str, scope: &str, now: i64) -> Result<(), Response> {
    if !resource.contains("://") && !is_guid(resource.split('/').next().unwrap_or_default()) {
        let text = format!(
            "The provided request must include a 'scope' input parameter. The provided value for the input parameter \
             'scope' is not valid. The scope {scope} is not valid. The scope format is invalid. Scope must be in a valid \
             URI form <https://example/scope> or a valid Guid <guid/scope>."
        );
        return Err(refusal(400, "invalid_scope", 70011, &text, now));
    }
    let known = |r: &str| same_resource(r, resource);
    let own = || tenant.resources.iter().chain(&tenant.requiring_assignment);
    if !FIRST_PARTY.iter().any(|r| known(r)) && !own().any(|r| known(r)) {
        let text = format!(
            "The resource principal named {resource} was not found in the tenant named {}. This can happen if the \
             application has not been installed by the administrator of the tenant or consented to by any user in the \
             tenant. You might have sent your authentication request to the wrong tenant.",
            tenant.domains.first().unwrap_or(&tenant.spec_id)
        );
        return Err(refusal(400, "invalid_resource", 500011, &text, now));
    }
    Ok(())
}

fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// An API with "Assignment required?" on issues tokens only to apps holding one of its app roles.
fn check_assignment(tenant: &Tenant, app: &App, resource: &str, now: i64) -> Result<(), Response> {
    let required = tenant.requiring_assignment.iter().any(|r| same_resource(r, resource));
    if !required || app.spec.assigned_to.iter().any(|r| same_resource(r, resource)) {
        return Ok(());
    }
    let name = resource.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or(resource);
    let text = format!(
        "Application '{}'(sfjwt-ci) is not assigned to a role for the application '{resource}'({name}).",
        app.spec.client_id
    );
    Err(refusal(400, "invalid_client", 501051, &text, now))
}

/// `RESOURCE/.default`, exactly one: the resource, else `None`.
fn scope_resource(scope: &str) -> Option<String> {
    let words: Vec<&str> = scope.split_whitespace().collect();
    match words.as_slice() {
        [one] => one.strip_suffix("/.default").filter(|r| !r.is_empty()).map(str::to_string),
        _ => None,
    }
}

struct Jwt {
    header: Value,
    claims: Value,
    input: String,
    signature: Vec<u8>,
}

fn parse_jwt(jwt: &str) -> Option<Jwt> {
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    let [h, c, s] = parts.as_slice() else { return None };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok();
    let header = serde_json::from_slice(&decode(h)?).ok()?;
    let claims = serde_json::from_slice(&decode(c)?).ok()?;
    Some(Jwt { header, claims, input: format!("{h}.{c}"), signature: decode(s)? })
}

impl Jwt {
    fn str(&self, name: &str) -> &str {
        self.claims.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    /// A NumericDate: RFC 7519 allows fractions, and MSAL for Python sends them (time.time()).
    fn time(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }

    fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => vec![],
        }
    }
}

fn malformed(now: i64) -> Response {
    refusal(401, "invalid_client", 50027, "JWT token is invalid or malformed.", now)
}

fn check_assertion(
    tenant: &Tenant,
    app: &App,
    issuer: Option<&crate::keyless::Issuer>,
    assertion: &str,
    base: &str,
    now: i64,
) -> Result<(), Response> {
    let jwt = parse_jwt(assertion).ok_or_else(|| malformed(now))?;
    // A certificate assertion is the app's own (iss = client id, a thumbprint header); anything
    // else is an external token for the federated credentials.
    let thumbprinted = jwt.header.get("x5t#S256").is_some() || jwt.header.get("x5t").is_some();
    if !thumbprinted && !jwt.str("iss").eq_ignore_ascii_case(&app.spec.client_id) {
        return check_federated(app, issuer, &jwt, assertion, tenant.per_field, now);
    }
    check_certificate(tenant, app, &jwt, base, now)
}

fn check_certificate(tenant: &Tenant, app: &App, jwt: &Jwt, base: &str, now: i64) -> Result<(), Response> {
    let id = &app.spec.client_id;
    let (thumbprint, hex) = presented_thumbprint(jwt).ok_or_else(|| malformed(now))?;
    let cert = app.certs.iter().find(|c| c.sha256 == thumbprint || c.sha1 == thumbprint);
    let Some(cert) = cert else {
        let text = format!(
            "The certificate with identifier used to sign the client assertion is not registered on application. \
             [Reason - The key was not found., Thumbprint of key used by client: '{hex}', Please visit the Azure \
             Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{id}'.]"
        );
        return Err(refusal(401, "invalid_client", 700027, &text, now));
    };
    if !verify(jwt, &cert.public_key) {
        let text = format!(
            "Assertion failed signature validation. [Reason - The provided signature value did not match the \
             expected signature value., Thumbprint of key used by client: '{hex}']"
        );
        return Err(refusal(401, "invalid_client", 50013, &text, now));
    }
    if now < cert.not_before || now > cert.not_after {
        // The wording is the title of AzureAD/microsoft-identity-web #2834 (evidence en-31).
        let text = "The provided certificate is not within its specified validity window.";
        return Err(refusal(401, "invalid_client", 1000502, text, now));
    }
    if !jwt.str("iss").eq_ignore_ascii_case(id) || !jwt.str("sub").eq_ignore_ascii_case(id) {
        let text = format!(
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at \
             {DOCS_CERT} ."
        );
        return Err(refusal(401, "invalid_client", 700021, &text, now));
    }
    // The token endpoint as requested, or under the tenant's id (what discovery names; MSAL
    // sends that one). Whether Entra accepts a domain in `aud` is unconfirmed (evidence en-20).
    let endpoint = format!("{base}/oauth2/v2.0/token");
    let (origin, _) = base.rsplit_once('/').unwrap_or((base, ""));
    let by_id = format!("{origin}/{}/oauth2/v2.0/token", tenant.spec_id);
    if !jwt.audiences().iter().any(|a| a.eq_ignore_ascii_case(&endpoint) || a.eq_ignore_ascii_case(&by_id)) {
        let text = format!(
            "Client assertion audience claim does not match Realm issuer. Review the documentation at {DOCS_CERT} ."
        );
        return Err(refusal(401, "invalid_client", 700023, &text, now));
    }
    check_times(jwt, now, &format!("Review the documentation at {DOCS_CERT} ."))?;
    let jti = jwt.str("jti");
    let fresh = !jti.is_empty() && tenant.seen_jti.lock().map(|mut s| s.insert(jti.to_string())).unwrap_or(false);
    if !fresh {
        // Entra documents jti as a unique identifier; its answer to a missing or replayed one is
        // not documented, so the emulator answers as for a malformed assertion.
        return Err(malformed(now));
    }
    Ok(())
}

/// The thumbprint in the header (x5t#S256 preferred) and its upper-case hex for messages.
fn presented_thumbprint(jwt: &Jwt) -> Option<(Vec<u8>, String)> {
    let value = jwt.header.get("x5t#S256").or_else(|| jwt.header.get("x5t")).and_then(Value::as_str)?;
    let bytes = URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok()?;
    let hex = bytes.iter().map(|b| format!("{b:02X}")).collect();
    Some((bytes, hex))
}

/// RS256 (older MSAL, `x5t`) or PS256 (current docs, `x5t#S256`).
fn verify(jwt: &Jwt, public_key: &[u8]) -> bool {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, UnparsedPublicKey};
    let alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm =
        match jwt.header.get("alg").and_then(Value::as_str) {
            Some("RS256") => &RSA_PKCS1_2048_8192_SHA256,
            Some("PS256") => &RSA_PSS_2048_8192_SHA256,
            _ => return false,
        };
    UnparsedPublicKey::new(alg, public_key).verify(jwt.input.as_bytes(), &jwt.signature).is_ok()
}

fn iso(t: i64) -> String {
    let d = OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.0000000Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// nbf/exp with Entra's wording (AADSTS700024; a missing nbf shows as 1970-01-01, as in real logs).
fn check_times(jwt: &Jwt, now: i64, tail: &str) -> Result<(), Response> {
    let nbf = jwt.time("nbf").unwrap_or(0);
    let exp = jwt.time("exp").unwrap_or(0);
    if now + SKEW < nbf || now - SKEW > exp {
        let text = format!(
            "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry \
             time of assertion {}. {tail}",
            iso(now),
            iso(nbf),
            iso(exp)
        );
        return Err(refusal(401, "invalid_client", 700024, &text, now));
    }
    Ok(())
}

/// Workload identity federation: the token must be the scenario's CI issuer's, in time, and match
/// one federated credential on issuer, subject and audience (case-sensitive, entra.md §2).
fn check_federated(
    app: &App,
    issuer: Option<&crate::keyless::Issuer>,
    jwt: &Jwt,
    raw: &str,
    per_field: bool,
    now: i64,
) -> Result<(), Response> {
    let verified =
        issuer.is_some_and(|i| jwt.str("iss") == i.iss() && crate::keyless::verify_with_jwks(raw, &i.jwks()));
    if !verified {
        return Err(refusal(401, "invalid_client", 50013, "Assertion failed signature validation.", now));
    }
    check_times(
        jwt,
        now,
        "Review the documentation at https://learn.microsoft.com/entra/workload-id/workload-identity-federation .",
    )?;
    let (iss, sub) = (jwt.str("iss"), jwt.str("sub"));
    let auds = jwt.audiences();
    let matched = app
        .spec
        .federated_credentials
        .iter()
        .any(|f| f.issuer == iss && f.subject == sub && auds.iter().any(|a| f.audiences.contains(a)));
    if !matched && per_field {
        return Err(federated_field_mismatch(app, iss, sub, &auds, now));
    }
    if !matched {
        let text = format!(
            "No matching federated identity record found for presented assertion. Assertion Issuer: '{iss}'. \
             Assertion Subject: '{sub}'. Assertion Audience: '{}'. \
             https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
            auds.join(", ")
        );
        return Err(refusal(400, "invalid_request", 70021, &text, now));
    }
    Ok(())
}

const FIC_DOCS: &str = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/// Today's per-field answers: the first field no credential of the app matches, issuer, then
/// subject (case-sensitive, with its own code when only the case differs), then audience.
fn federated_field_mismatch(app: &App, iss: &str, sub: &str, auds: &[String], now: i64) -> Response {
    let check =
        "Check your federated identity credential Subject, Audience and Issuer against the presented assertion.";
    let creds: Vec<&FederatedSpec> = app.spec.federated_credentials.iter().filter(|f| f.issuer == iss).collect();
    if creds.is_empty() {
        let text = format!(
            "No matching federated identity record found for presented assertion issuer '{iss}'. Please check your \
             federated identity credential Subject, Audience and Issuer against the presented assertion. {FIC_DOCS}"
        );
        return refusal(400, "invalid_client", 700211, &text, now);
    }
    if !creds.iter().any(|f| f.subject == sub) {
        if creds.iter().any(|f| f.subject.eq_ignore_ascii_case(sub)) {
            let text = format!(
                "No matching federated identity record found for presented assertion subject '{sub}'. The subject \
                 matches with case-insensitive comparison, but not with case-sensitive comparison. {check} See \
                 documentation at: {FIC_DOCS}."
            );
            return refusal(400, "invalid_client", 7002138, &text, now);
        }
        let text = format!(
            "No matching federated identity record found for presented assertion subject '{sub}'. {check} {FIC_DOCS}"
        );
        return refusal(400, "invalid_client", 700213, &text, now);
    }
    let text = format!(
        "No matching federated identity record found for presented assertion audience '{}'. {check} {FIC_DOCS}",
        auds.join(", ")
    );
    refusal(400, "invalid_client", 700212, &text, now)
}

/// A v1.0-shaped app-only access token (what Graph gets): `roles` only when some were consented.
fn access_token(tenant: &Tenant, app: &App, resource: &str, now: i64) -> Result<String, String> {
    let tid = &tenant.spec_id;
    let mut claims = json!({
        "aud": resource, "iss": format!("https://sts.windows.net/{tid}/"), "iat": now - 5, "nbf": now - 5,
        "exp": now + TOKEN_LIFETIME, "appid": app.spec.client_id, "appidacr": "2", "idtyp": "app",
        "oid": guid(), "sub": guid(), "tid": tid, "ver": "1.0",
    });
    if !app.spec.roles.is_empty() {
        claims["roles"] = json!(app.spec.roles);
    }
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": tenant.kid});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0u8; tenant.key.public_modulus_len()];
    tenant
        .key
        .sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), input.as_bytes(), &mut sig)
        .map_err(|_| "signing failed")?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PSS_SHA256, RsaKeyPair};

    const APP: &str = "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60";
    const BASE: &str = "https://127.0.0.1:1/contoso.onmicrosoft.com";
    const NOW: i64 = 1_800_000_000;

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
    }

    /// The bundled test key (fixtures/keys/ci.key, PKCS#8) and a tenant holding its certificate.
    fn setup(certificate: &str) -> (Tenant, RsaKeyPair, String) {
        let pem = std::fs::read_to_string(fixtures().join("keys/ci.key")).unwrap();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        let key = RsaKeyPair::from_pkcs8(&der).unwrap();
        let spec = TenantSpec {
            id: "7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47".into(),
            domains: vec!["contoso.onmicrosoft.com".into()],
            apps: vec![AppSpec {
                client_id: APP.into(),
                in_tenant: true,
                certificates: vec![certificate.into()],
                secrets: vec!["the-value".into()],
                expired_secrets: vec!["old-value".into()],
                blocked_by_conditional_access: false,
                assigned_to: vec![],
                federated_credentials: vec![FederatedSpec {
                    issuer: "https://token.actions.githubusercontent.com".into(),
                    subject: "repo:Acme/app:ref:refs/heads/main".into(),
                    audiences: default_audiences(),
                }],
                roles: vec!["Sites.Read.All".into()],
                app_role_assignment_required: false,
                assigned: vec![],
            }],
            graph: None,
            resources: vec!["api://ci-deploy-api".into()],
            resources_requiring_assignment: vec![],
            per_field_federated_errors: true,
        };
        let tenant = Tenant::new(spec, &fixtures().join("orgs")).unwrap();
        let x5t = URL_SAFE_NO_PAD.encode(&tenant.apps[0].certs[0].sha256);
        (tenant, key, x5t)
    }

    fn sign(key: &RsaKeyPair, header: Value, claims: Value) -> String {
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(&RSA_PSS_SHA256, &aws_lc_rs::rand::SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn good_claims(jti: &str) -> Value {
        json!({"aud": format!("{BASE}/oauth2/v2.0/token"), "iss": APP, "sub": APP, "jti": jti,
               "nbf": NOW - 10, "iat": NOW - 10, "exp": NOW + 290})
    }

    /// The AADSTS code of the token endpoint's answer to this form (0: a token).
    fn answer_code(tenant: &Tenant, form: &[(&str, &str)]) -> u64 {
        let form: Form = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match token(tenant, None, &form, BASE, NOW) {
            Ok(_) => 0,
            Err(Response::Json(_, body)) => body["error_codes"][0].as_u64().unwrap(),
            Err(_) => panic!("not a JSON answer"),
        }
    }

    /// The AADSTS code of the answer to one grant with this assertion (0: a token).
    fn code(tenant: &Tenant, assertion: &str) -> u64 {
        answer_code(
            tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", APP),
                ("scope", "https://graph.microsoft.com/.default"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion),
            ],
        )
    }

    #[test]
    fn certificate_assertions_are_checked_claim_by_claim() {
        let (tenant, key, x5t) = setup("ci.crt");
        let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": x5t});
        assert_eq!(code(&tenant, &sign(&key, header.clone(), good_claims("j1"))), 0);
        // The same jti again is a replay.
        assert_eq!(code(&tenant, &sign(&key, header.clone(), good_claims("j1"))), 50027);
        let with = |k: &str, v: Value| {
            let mut c = good_claims(&format!("j-{k}"));
            c[k] = v;
            c
        };
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("iss", json!("someone-else")))), 700021);
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("sub", json!("someone-else")))), 700021);
        let v1 = format!("{BASE}/oauth2/token");
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("aud", json!(v1)))), 700023);
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("exp", json!(NOW - 400)))), 700024);
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("nbf", json!(NOW + 400)))), 700024);
        // A fractional NumericDate, as MSAL for Python sends, is a time like any other.
        assert_eq!(code(&tenant, &sign(&key, header.clone(), with("exp", json!(NOW as f64 + 290.5)))), 0);
        let mut c = good_claims("j-nojti");
        c.as_object_mut().unwrap().remove("jti");
        assert_eq!(code(&tenant, &sign(&key, header.clone(), c)), 50027);
        // A tampered body no longer verifies against the registered certificate.
        let signed = sign(&key, header.clone(), good_claims("j-t"));
        let mut parts: Vec<String> = signed.split('.').map(str::to_string).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(good_claims("j-other").to_string());
        assert_eq!(code(&tenant, &parts.join(".")), 50013);
        // RS256 signatures are not accepted under alg PS256.
        let rs = {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(good_claims("j-rs").to_string())
            );
            let mut sig = vec![0u8; key.public_modulus_len()];
            key.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
        };
        assert_eq!(code(&tenant, &rs), 50013);
        // An unknown thumbprint: the certificate is not registered.
        let other = json!({"alg": "PS256", "x5t#S256": URL_SAFE_NO_PAD.encode([7u8; 32])});
        assert_eq!(code(&tenant, &sign(&key, other, good_claims("j-x5t"))), 700027);
    }

    /// The fixture certificate expired in 2021; NOW is 2027 (and any later clock).
    #[test]
    fn an_uploaded_certificate_past_its_not_after_is_1000502() {
        let (tenant, key, x5t) = setup("ci-expired.crt");
        let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": x5t});
        let assertion = sign(&key, header, good_claims("j-expired"));
        assert_eq!(code(&tenant, &assertion), 1000502);
        let (tenant, key, x5t) = setup("ci.crt");
        let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": x5t});
        assert_eq!(code(&tenant, &sign(&key, header, good_claims("j-valid"))), 0);
    }

    #[test]
    fn a_key_whose_certificate_is_not_uploaded_is_700027() {
        let (tenant, key, _) = setup("other.crt");
        let ci = cert(&std::fs::read_to_string(fixtures().join("orgs/ci.crt")).unwrap()).unwrap();
        let header = json!({"alg": "PS256", "x5t#S256": URL_SAFE_NO_PAD.encode(&ci.sha256)});
        assert_eq!(code(&tenant, &sign(&key, header, good_claims("j"))), 700027);
    }

    /// The AADSTS code of a client-secret grant for this scope (0: a token).
    fn secret_code(tenant: &Tenant, secret: &str, scope: &str) -> u64 {
        let form =
            [("grant_type", "client_credentials"), ("client_id", APP), ("scope", scope), ("client_secret", secret)];
        answer_code(tenant, &form)
    }

    #[test]
    fn secrets_scopes_resources_and_conditional_access() {
        let (mut tenant, _, _) = setup("ci.crt");
        let graph = "https://graph.microsoft.com/.default";
        assert_eq!(secret_code(&tenant, "the-value", graph), 0);
        assert_eq!(secret_code(&tenant, "old-value", graph), 7000222);
        assert_eq!(secret_code(&tenant, "secret-id", graph), 7000215);
        assert_eq!(secret_code(&tenant, "the-value", "api://ci-deploy-api/.default"), 0);
        assert_eq!(secret_code(&tenant, "the-value", "api://other-api/.default"), 500011);
        assert_eq!(secret_code(&tenant, "the-value", "https://https://graph.microsoft.com//.default"), 500011);
        assert_eq!(secret_code(&tenant, "the-value", "contoso.crm4.dynamics.com/.default"), 70011);
        assert_eq!(secret_code(&tenant, "the-value", "https://graph.microsoft.com/User.Read"), 1002012);
        tenant.requiring_assignment = vec!["api://payroll-api".into()];
        assert_eq!(secret_code(&tenant, "the-value", "api://payroll-api/.default"), 501051);
        tenant.apps[0].spec.assigned_to = vec!["api://payroll-api".into()];
        assert_eq!(secret_code(&tenant, "the-value", "api://payroll-api/.default"), 0);
        tenant.apps[0].spec.blocked_by_conditional_access = true;
        assert_eq!(secret_code(&tenant, "the-value", graph), 53003);
    }

    #[test]
    fn federated_mismatches_are_answered_per_field() {
        let (tenant, _, _) = setup("ci.crt");
        let app = &tenant.apps[0];
        let gh = "https://token.actions.githubusercontent.com";
        let aud = vec![FEDERATED_AUDIENCE.to_string()];
        let code = |iss: &str, sub: &str, aud: &[String]| match federated_field_mismatch(app, iss, sub, aud, NOW) {
            Response::Json(_, body) => body["error_codes"][0].as_u64().unwrap(),
            _ => panic!("not a JSON answer"),
        };
        assert_eq!(code(&format!("{gh}/"), "repo:Acme/app:ref:refs/heads/main", &aud), 700211);
        assert_eq!(code(gh, "repo:acme/app:ref:refs/heads/main", &aud), 7002138);
        assert_eq!(code(gh, "repo:Acme/app:environment:prod", &aud), 700213);
        assert_eq!(code(gh, "repo:Acme/app:ref:refs/heads/main", &["https://example.com".to_string()]), 700212);
    }

    #[test]
    fn tenant_identifiers_that_are_neither_guid_nor_domain() {
        assert!(is_guid("7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47"));
        // A GUID one digit short (caddy-dns/azure #3) is neither.
        assert!(!is_guid("e63649b2-07c0-49ed-a24b-87381dac292"));
    }

    #[test]
    fn scope_must_be_one_resource_default() {
        assert_eq!(
            scope_resource("https://graph.microsoft.com/.default").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(scope_resource("https://graph.microsoft.com/User.Read"), None);
        assert_eq!(scope_resource("a/.default b/.default"), None);
        assert_eq!(scope_resource("/.default"), None);
    }

    #[test]
    fn refusals_have_entras_shape() {
        let Response::Json(400, body) = refusal(400, "invalid_tenant", 90002, "Tenant 'x' not found.", 1_700_000_000)
        else {
            panic!("not a JSON 400")
        };
        assert_eq!(body["error_codes"][0], 90002);
        let d = body["error_description"].as_str().unwrap();
        assert!(d.starts_with("AADSTS90002: Tenant 'x' not found.\r\nTrace ID: "), "{d}");
        assert!(d.ends_with("\r\nTimestamp: 2023-11-14 22:13:20Z"), "{d}");
        assert_eq!(body["trace_id"].as_str().unwrap().len(), 36);
        assert!(d.contains(body["correlation_id"].as_str().unwrap()));
    }
}
