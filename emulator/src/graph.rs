//! The Microsoft Graph objects of the emulated Entra tenant (issue 25 §2, `doctor --provider
//! entra`): the app registration (`application`, its `keyCredentials` and
//! `federatedIdentityCredentials`), its service principal (`appRoleAssignmentRequired`, the
//! application permissions granted to it, the principals assigned to it) and the resource service
//! principals whose `appRoles` name those permissions. Served as Graph v1.0 does: single GETs and
//! JSON batching (`POST /v1.0/$batch`, at most 20 requests, each answered with id/status/body),
//! errors as `{"error":{"code","message"}}`. Each behaviour and its source: docs/evidence.md
//! (Entra section, "Graph" rows).

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};
use x509_parser::prelude::FromDer;

use crate::entra::{AppSpec, TenantSpec};
use crate::http::{Request, Response};

/// Microsoft Graph's own application id (the resource of https://graph.microsoft.com/.default).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Graph's documented limit of requests in one JSON batch.
const BATCH_LIMIT: usize = 20;
/// The least privileged application permission that reads applications and service principals,
/// and the higher ones that include it (the "List appRoleAssignments" permissions table).
const READ_PERMISSIONS: &[&str] =
    &["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/// `entra-tenant: graph:` in a scenario: who may read the directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GraphSpec {
    /// The admin's Graph access token (a scenario value; opaque to the emulator).
    pub admin_token: String,
    /// The application permissions that token carries (its `roles`).
    #[serde(default = "read_all")]
    pub admin_token_permissions: Vec<String>,
}

fn read_all() -> Vec<String> {
    vec!["Application.Read.All".into()]
}

struct Key {
    thumbprint_b64: String,
    subject: String,
    not_before: String,
    not_after: String,
}

struct AppObj {
    app_id: String,
    in_tenant: bool,
    keys: Vec<Key>,
    federated: Vec<(String, String, Vec<String>)>,
    roles: Vec<String>,
    assignment_required: bool,
    assigned: Vec<String>,
}

/// The directory as Graph shows it.
pub struct Directory {
    token: String,
    permissions: Vec<String>,
    apps: Vec<AppObj>,
}

/// A stable GUID-shaped object id per (kind, name): Graph's ids are opaque, ours repeatable.
fn object_id(kind: &str, name: &str) -> String {
    let d = digest::digest(&digest::SHA256, format!("{kind}:{name}").as_bytes());
    let h: String = d.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn key(pem: &str) -> Result<Key, String> {
    let start = pem.find("-----BEGIN").ok_or("no PEM block")?;
    let (_, block) = x509_parser::pem::parse_x509_pem(&pem.as_bytes()[start..]).map_err(|e| format!("bad PEM: {e}"))?;
    let (_, x509) =
        x509_parser::certificate::X509Certificate::from_der(&block.contents).map_err(|e| format!("bad X.509: {e}"))?;
    let iso = |t: x509_parser::time::ASN1Time| {
        t.to_datetime().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    };
    Ok(Key {
        // Graph: customKeyIdentifier defaults to the certificate's (SHA-1) thumbprint, a Binary
        // value, i.e. base64 in JSON (the manifest's "$base64Thumbprint").
        thumbprint_b64: STANDARD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &block.contents)),
        subject: x509.subject().to_string(),
        not_before: iso(x509.validity().not_before),
        not_after: iso(x509.validity().not_after),
    })
}

impl Directory {
    /// `None` when the scenario gives no `graph:` (no admin can read this tenant).
    pub fn new(spec: &TenantSpec, base: &std::path::Path) -> Result<Option<Directory>, String> {
        let Some(g) = &spec.graph else { return Ok(None) };
        let mut apps = Vec::new();
        for a in &spec.apps {
            apps.push(app(a, base)?);
        }
        Ok(Some(Directory { token: g.admin_token.clone(), permissions: g.admin_token_permissions.clone(), apps }))
    }

    fn app_by(&self, pred: impl Fn(&AppObj) -> bool) -> Option<&AppObj> {
        self.apps.iter().find(|a| a.in_tenant && pred(a))
    }
}

fn app(a: &AppSpec, base: &std::path::Path) -> Result<AppObj, String> {
    let mut keys = Vec::new();
    for c in &a.certificates {
        let pem = crate::scenario::certificate_pem(c, base)?;
        keys.push(key(&pem).map_err(|e| format!("entra app {}: {e}", a.client_id))?);
    }
    Ok(AppObj {
        app_id: a.client_id.clone(),
        in_tenant: a.in_tenant,
        keys,
        federated: a
            .federated_credentials
            .iter()
            .map(|f| (f.issuer.clone(), f.subject.clone(), f.audiences.clone()))
            .collect(),
        roles: a.roles.clone(),
        assignment_required: a.app_role_assignment_required,
        assigned: a.assigned.clone(),
    })
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error": {"code": code, "message": message}}))
}

/// `/v1.0/…` paths; `None` for every other path.
pub fn route(dir: Option<&Directory>, req: &Request) -> Option<Response> {
    let rest = req.path.strip_prefix("/v1.0/")?;
    let Some(dir) = dir else {
        let (s, b) = error(404, "NotFound", "this scenario has no Microsoft Graph (entra-tenant: graph:)");
        return Some(Response::Json(s, b));
    };
    // Authentication first, for the batch as a whole (an invalid token never reaches a request).
    match req.bearer() {
        Some(t) if t == dir.token => {}
        Some(t) if !t.is_empty() => {
            let (s, b) = error(401, "InvalidAuthenticationToken", "Access token validation failure.");
            return Some(Response::Json(s, b));
        }
        _ => {
            let (s, b) = error(401, "InvalidAuthenticationToken", "Access token is empty.");
            return Some(Response::Json(s, b));
        }
    }
    let (status, body) = match (req.method.as_str(), rest) {
        ("POST", "$batch") => batch(dir, &req.body),
        ("GET", _) => {
            let query: Vec<(String, String)> = req.query.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            get(dir, rest, &query)
        }
        _ => error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."),
    };
    Some(Response::Json(status, body))
}

fn batch(dir: &Directory, body: &[u8]) -> (u16, Value) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return error(400, "BadRequest", "Invalid batch payload format.");
    };
    let Some(requests) = v.get("requests").and_then(Value::as_array) else {
        return error(400, "BadRequest", "Invalid batch payload format.");
    };
    if requests.len() > BATCH_LIMIT {
        return error(400, "BadRequest", "The number of batch requests exceeds the limit of 20.");
    }
    let responses: Vec<Value> = requests
        .iter()
        .map(|r| {
            let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
            let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
            let method = r.get("method").and_then(Value::as_str).unwrap_or_default();
            let (status, body) = if method.eq_ignore_ascii_case("GET") {
                let (path, query) =
                    url.trim_start_matches('/').split_once('?').unwrap_or((url.trim_start_matches('/'), ""));
                let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
                get(dir, path, &query)
            } else {
                error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
            };
            json!({"id": id, "status": status, "headers": {"Content-Type": "application/json"}, "body": body})
        })
        .collect();
    (200, json!({"responses": responses}))
}

/// Reading the directory needs Application.Read.All (or a permission that includes it).
fn may_read(dir: &Directory) -> bool {
    dir.permissions.iter().any(|p| READ_PERMISSIONS.contains(&p.as_str()))
}

fn filter_value<'a>(query: &'a [(String, String)], prefix: &str) -> Option<&'a str> {
    let f = query.iter().find(|(k, _)| k == "$filter")?.1.trim();
    f.strip_prefix(prefix)?.trim_end_matches(')').trim().strip_prefix('\'')?.strip_suffix('\'')
}

fn get(dir: &Directory, path: &str, query: &[(String, String)]) -> (u16, Value) {
    if !may_read(dir) {
        return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["applications"] => match filter_value(query, "appId eq ") {
            Some(id) => list(dir.app_by(|a| a.app_id.eq_ignore_ascii_case(id)).map(application).into_iter().collect()),
            None => error(400, "Request_UnsupportedQuery", "Unsupported query."),
        },
        ["servicePrincipals"] => {
            if let Some(id) = filter_value(query, "appId eq ") {
                if id.eq_ignore_ascii_case(GRAPH_APP_ID) {
                    return list(vec![graph_sp(dir)]);
                }
                return list(
                    dir.app_by(|a| a.app_id.eq_ignore_ascii_case(id)).map(service_principal).into_iter().collect(),
                );
            }
            match filter_value(query, "servicePrincipalNames/any(x:x eq ") {
                Some(n) if graph_names().contains(&n) => list(vec![graph_sp(dir)]),
                Some(_) => list(vec![]),
                None => error(400, "Request_UnsupportedQuery", "Unsupported query."),
            }
        }
        ["applications", id, "federatedIdentityCredentials"] => {
            match dir.app_by(|a| object_id("application", &a.app_id) == *id) {
                Some(a) => list(federated(a)),
                None => not_found(id),
            }
        }
        ["servicePrincipals", id, what @ ("appRoleAssignments" | "appRoleAssignedTo")] => {
            match dir.app_by(|a| object_id("servicePrincipal", &a.app_id) == *id) {
                Some(a) if *what == "appRoleAssignments" => list(granted(a)),
                Some(a) => list(assigned(a)),
                None => not_found(id),
            }
        }
        [first, ..] => error(400, "BadRequest", &format!("Resource not found for the segment '{first}'.")),
        [] => error(400, "BadRequest", "Invalid request."),
    }
}

fn not_found(id: &str) -> (u16, Value) {
    error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn list(items: Vec<Value>) -> (u16, Value) {
    (200, json!({"value": items}))
}

fn application(a: &AppObj) -> Value {
    let keys: Vec<Value> = a
        .keys
        .iter()
        .map(|k| {
            json!({"customKeyIdentifier": k.thumbprint_b64, "displayName": k.subject,
                "startDateTime": k.not_before, "endDateTime": k.not_after,
                "keyId": object_id("key", &k.thumbprint_b64), "type": "AsymmetricX509Cert", "usage": "Verify", "key": null})
        })
        .collect();
    json!({"id": object_id("application", &a.app_id), "appId": a.app_id, "displayName": "sfjwt CI", "keyCredentials": keys})
}

fn service_principal(a: &AppObj) -> Value {
    json!({"id": object_id("servicePrincipal", &a.app_id), "appId": a.app_id, "displayName": "sfjwt CI",
        "appRoleAssignmentRequired": a.assignment_required})
}

fn federated(a: &AppObj) -> Vec<Value> {
    a.federated
        .iter()
        .enumerate()
        .map(|(i, (iss, sub, aud))| {
            json!({"id": object_id("fic", &format!("{}:{i}", a.app_id)), "name": format!("credential-{}", i + 1),
                "issuer": iss, "subject": sub, "audiences": aud})
        })
        .collect()
}

/// Graph's service principal as a resource: its `appRoles` name the permissions granted.
fn graph_names() -> [&'static str; 3] {
    ["https://graph.microsoft.com", "https://graph.microsoft.com/", GRAPH_APP_ID]
}

fn graph_sp(dir: &Directory) -> Value {
    let mut names: Vec<&str> = dir.apps.iter().flat_map(|a| a.roles.iter().map(String::as_str)).collect();
    names.sort_unstable();
    names.dedup();
    let roles: Vec<Value> = names
        .iter()
        .map(|n| json!({"id": object_id("appRole", n), "value": n, "displayName": n, "allowedMemberTypes": ["Application"], "isEnabled": true}))
        .collect();
    json!({"id": object_id("servicePrincipal", GRAPH_APP_ID), "appId": GRAPH_APP_ID, "displayName": "Microsoft Graph",
        "servicePrincipalNames": graph_names(), "appRoles": roles})
}

fn granted(a: &AppObj) -> Vec<Value> {
    a.roles
        .iter()
        .map(|r| {
            json!({"id": object_id("assignment", &format!("{}:{r}", a.app_id)), "appRoleId": object_id("appRole", r),
                "principalId": object_id("servicePrincipal", &a.app_id), "principalType": "ServicePrincipal",
                "principalDisplayName": "sfjwt CI", "resourceId": object_id("servicePrincipal", GRAPH_APP_ID),
                "resourceDisplayName": "Microsoft Graph"})
        })
        .collect()
}

fn assigned(a: &AppObj) -> Vec<Value> {
    a.assigned
        .iter()
        .map(|p| {
            json!({"id": object_id("assignedTo", &format!("{}:{p}", a.app_id)), "appRoleId": "00000000-0000-0000-0000-000000000000",
                "principalId": object_id("principal", p), "principalType": if p.starts_with("group:") { "Group" } else { "User" },
                "principalDisplayName": p.trim_start_matches("group:").trim_start_matches("user:"),
                "resourceId": object_id("servicePrincipal", &a.app_id), "resourceDisplayName": "sfjwt CI"})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(permissions: &[&str]) -> Directory {
        Directory {
            token: "admin".into(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
            apps: vec![AppObj {
                app_id: "app-1".into(),
                in_tenant: true,
                keys: vec![],
                federated: vec![("iss".into(), "sub".into(), vec!["aud".into()])],
                roles: vec!["Sites.Read.All".into()],
                assignment_required: true,
                assigned: vec!["group:CI operators".into()],
            }],
        }
    }

    fn batch_of(d: &Directory, urls: &[&str]) -> Value {
        let requests: Vec<Value> =
            urls.iter().enumerate().map(|(i, u)| json!({"id": i.to_string(), "method": "GET", "url": u})).collect();
        let (status, body) = batch(d, json!({"requests": requests}).to_string().as_bytes());
        assert_eq!(status, 200, "{body}");
        body
    }

    #[test]
    fn graph_batch_answers_each_request_with_its_id() {
        let d = dir(&["Application.Read.All"]);
        let b =
            batch_of(&d, &["/applications?$filter=appId eq 'app-1'", "servicePrincipals?$filter=appId%20eq%20'app-1'"]);
        let r = &b["responses"];
        assert_eq!((r[0]["id"].as_str(), r[0]["status"].as_u64()), (Some("0"), Some(200)));
        assert_eq!(r[0]["body"]["value"][0]["appId"], "app-1");
        assert_eq!(r[1]["body"]["value"][0]["appRoleAssignmentRequired"], true);
        let sp = r[1]["body"]["value"][0]["id"].as_str().unwrap().to_string();
        let b = batch_of(
            &d,
            &[
                &format!("/servicePrincipals/{sp}/appRoleAssignments"),
                &format!("/servicePrincipals/{sp}/appRoleAssignedTo"),
            ],
        );
        let granted = &b["responses"][0]["body"]["value"][0];
        let graph = batch_of(
            &d,
            &["/servicePrincipals?$filter=servicePrincipalNames/any(x:x eq 'https://graph.microsoft.com')"],
        );
        let role = &graph["responses"][0]["body"]["value"][0]["appRoles"][0];
        assert_eq!(
            (granted["appRoleId"].as_str(), role["value"].as_str()),
            (role["id"].as_str(), Some("Sites.Read.All"))
        );
        assert_eq!(b["responses"][1]["body"]["value"][0]["principalType"], "Group");
    }

    fn request(method: &str, path: &str, query: &[(&str, &str)], auth: Option<&str>) -> Request {
        let mut headers = std::collections::HashMap::new();
        if let Some(a) = auth {
            headers.insert("authorization".to_string(), format!("Bearer {a}"));
        }
        Request {
            method: method.into(),
            path: path.into(),
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            headers,
            body: vec![],
            peer: "127.0.0.1:1".parse().unwrap(),
        }
    }

    fn answer(r: Option<Response>) -> (u16, Value) {
        match r {
            Some(Response::Json(s, b)) => (s, b),
            _ => panic!("not a JSON answer"),
        }
    }

    #[test]
    fn graph_checks_the_admin_token_before_anything_and_serves_single_gets() {
        let d = dir(&["Application.Read.All"]);
        let get = |auth| {
            answer(route(Some(&d), &request("GET", "/v1.0/applications", &[("$filter", "appId eq 'app-1'")], auth)))
        };
        let (s, b) = get(None);
        assert_eq!(
            (s, b["error"]["code"].as_str(), b["error"]["message"].as_str()),
            (401, Some("InvalidAuthenticationToken"), Some("Access token is empty."))
        );
        let (s, b) = get(Some("someone-else"));
        assert_eq!((s, b["error"]["message"].as_str()), (401, Some("Access token validation failure.")));
        let (s, b) = get(Some("admin"));
        assert_eq!((s, b["value"][0]["appId"].as_str()), (200, Some("app-1")));
        assert!(route(Some(&d), &request("GET", "/services/data", &[], None)).is_none());
    }

    #[test]
    fn graph_refuses_more_than_twenty_and_reads_without_permission() {
        let d = dir(&["Application.Read.All"]);
        let requests: Vec<Value> =
            (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/applications"})).collect();
        let (status, body) = batch(&d, json!({"requests": requests}).to_string().as_bytes());
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("BadRequest")));
        let b = batch_of(&dir(&["User.Read.All"]), &["/applications?$filter=appId eq 'app-1'"]);
        assert_eq!(b["responses"][0]["status"], 403);
        assert_eq!(b["responses"][0]["body"]["error"]["code"], "Authorization_RequestDenied");
        let b = batch_of(&d, &["/servicePrincipals/nope/appRoleAssignments"]);
        assert_eq!(b["responses"][0]["body"]["error"]["code"], "Request_ResourceNotFound");
    }
}
