//! What each path answers: the token endpoint, revoke, identity, and the REST API (SOQL).

use serde_json::{Value, json};

use crate::http::{Request, Response};
use crate::objects::View;
use crate::org::{Org, User};

pub const API_VERSIONS: &[&str] = &["51.0", "60.0", "62.0", "64.0", "65.0", "66.0"];

fn invalid_session() -> Response {
    Response::Json(401, json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]))
}

fn not_found() -> Response {
    Response::Json(404, json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]))
}

fn session<'a>(org: &'a Org, req: &Request) -> Option<&'a User> {
    let token = req.bearer()?;
    let user_id = org.state.lock().ok()?.tokens.get(token).map(|t| t.user_id.clone())?;
    org.user_by_id(&user_id)
}

/// The refusal a granted session meets on every REST call, if any (High Assurance, API off).
fn rest_refusal(org: &Org, req: &Request) -> Option<Response> {
    let token = req.bearer()?;
    let r = org.state.lock().ok()?.tokens.get(token).and_then(|t| t.rest_refusal)?;
    Some(Response::Json(r.status, json!([{"message": r.message, "errorCode": r.code}])))
}

pub fn route(org: &Org, req: &Request, own_url: &str) -> Response {
    // The sf CLI sends `//services/…` for some calls (seen with sf 2.x here): the same path.
    let squashed =
        if req.path.starts_with("//") { format!("/{}", req.path.trim_start_matches('/')) } else { req.path.clone() };
    let path = squashed.trim_end_matches('/');
    if let Some(r) = crate::keyless::route(org.issuer.as_ref(), req, own_url, org.now().unix_timestamp()) {
        return r;
    }
    let now = org.now().unix_timestamp();
    if let Some(r) = crate::graph::route(org.graph.as_ref(), req) {
        return r;
    }
    if let Some(r) = crate::entra::route(org.entra.as_ref(), org.issuer.as_ref(), req, own_url, now) {
        return r;
    }
    match (req.method.as_str(), path) {
        ("POST", "/services/oauth2/token")
            if req.form().get("grant_type").map(String::as_str) == Some(crate::exchange::GRANT_TYPE) =>
        {
            let a = crate::exchange::token(org, &req.form(), own_url);
            Response::Json(a.status, a.body)
        }
        ("POST", "/services/oauth2/token") => {
            let a = crate::grant::token(org, &req.form(), req.peer.ip(), own_url);
            Response::Json(a.status, a.body)
        }
        ("POST", "/services/oauth2/revoke") | ("GET", "/services/oauth2/revoke") => {
            let token = req.form().get("token").cloned().or_else(|| req.query.get("token").cloned());
            let removed = token.and_then(|t| org.state.lock().ok().and_then(|mut s| s.tokens.remove(&t)));
            match removed {
                Some(_) => Response::Empty(200),
                None => Response::Json(
                    400,
                    json!({"error": "unsupported_token_type", "error_description": "this token type is not supported"}),
                ),
            }
        }
        ("GET", "/services/oauth2/userinfo") => match session(org, req) {
            Some(u) => Response::Json(200, identity(org, u, own_url)),
            None => Response::Json(403, json!({"error": "Bad_OAuth_Token"})),
        },
        ("GET", "/services/data") => Response::Json(
            200,
            Value::Array(
                API_VERSIONS
                    .iter()
                    .map(|v| json!({"label": "Emulated", "url": format!("/services/data/v{v}"), "version": v}))
                    .collect(),
            ),
        ),
        ("GET", p) if p.starts_with("/id/") => match session(org, req) {
            Some(u) if p == format!("/id/{}/{}", org.id, u.id) || p.ends_with(&u.id[..15]) => {
                Response::Json(200, identity(org, u, own_url))
            }
            Some(_) => Response::Json(403, json!({"error": "Bad_Id"})),
            None => invalid_session(),
        },
        ("GET", p) if p.starts_with("/services/data/v") => data(org, req, p),
        ("POST", p)
            if p.starts_with("/services/data/v")
                && p.ends_with("/composite")
                && org.behaviour.composite == crate::scenario::Composite::Available =>
        {
            match session(org, req) {
                Some(_) => crate::composite::handle(org, req),
                None => invalid_session(),
            }
        }
        _ => not_found(),
    }
}

pub(crate) fn data(org: &Org, req: &Request, path: &str) -> Response {
    let rest = &path["/services/data/v".len()..];
    let (version, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if !API_VERSIONS.contains(&version) && version.parse::<f64>().is_err() {
        return not_found();
    }
    let Some(user) = session(org, req) else { return invalid_session() };
    if let Some(refused) = rest_refusal(org, req) {
        return refused;
    }
    match tail {
        "" => Response::Json(
            200,
            json!({"query": format!("/services/data/v{version}/query"), "sobjects": format!("/services/data/v{version}/sobjects")}),
        ),
        "query" | "queryAll" | "tooling/query" => {
            let Some(q) = req.query.get("q") else {
                return Response::Json(
                    400,
                    json!([{"message": "A query string has to be specified", "errorCode": "MALFORMED_QUERY"}]),
                );
            };
            let view = View { org, user };
            if req.query.get("columns").map(String::as_str) == Some("true") {
                // What `sf data query` asks for to lay out its table (plain fields only).
                return match crate::soql::parse(q) {
                    Ok(parsed) => Response::Json(
                        200,
                        json!({"columnMetadata": parsed.fields.iter().map(|f| json!({
                        "columnName": f, "displayName": f, "aggregate": false, "joinColumns": [],
                    })).collect::<Vec<_>>()}),
                    ),
                    Err(e) => Response::Json(400, json!([{"message": e.message(), "errorCode": e.code()}])),
                };
            }
            let result = crate::soql::parse(q).and_then(|parsed| crate::soql::run(&view, &parsed));
            match result {
                Ok(records) => {
                    Response::Json(200, json!({"totalSize": records.len(), "done": true, "records": records}))
                }
                Err(e) => Response::Json(400, json!([{"message": e.message(), "errorCode": e.code()}])),
            }
        }
        t if t.starts_with("sobjects/") => {
            let mut parts = t["sobjects/".len()..].split('/');
            let (Some(object), Some(id)) = (parts.next(), parts.next()) else { return not_found() };
            if id == "describe" {
                return match crate::objects::describe(&View { org, user }, object) {
                    Some(d) => Response::Json(200, d),
                    None => not_found(),
                };
            }
            record(&View { org, user }, object, id)
        }
        _ => not_found(),
    }
}

/// GET /sobjects/OBJECT/ID: the record's plain fields (the sf CLI reads User this way).
fn record(view: &View<'_>, object: &str, id: &str) -> Response {
    use crate::soql::Source;
    let Some(def) = view.def(object) else { return not_found() };
    if let Some(e) = view.denied(def.name) {
        return Response::Json(400, json!([{"message": e.message(), "errorCode": e.code()}]));
    }
    let rows = view.rows(def.name);
    let Some(row) =
        rows.iter().find(|r| r.get("Id").and_then(Value::as_str).is_some_and(|v| v == id || v.starts_with(id)))
    else {
        return not_found();
    };
    let mut out = serde_json::Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": def.name, "url": format!("/services/data/v66.0/sobjects/{}/{id}", def.name)}),
    );
    for f in def.fields {
        out.insert(f.to_string(), row.get(*f).cloned().unwrap_or(Value::Null));
    }
    Response::Json(200, Value::Object(out))
}

fn identity(org: &Org, u: &User, own: &str) -> Value {
    json!({
        "id": format!("{own}/id/{}/{}", org.id, u.id),
        "sub": format!("{own}/id/{}/{}", org.id, u.id),
        "user_id": u.id,
        "organization_id": org.id,
        "username": u.username,
        "preferred_username": u.username,
        "nickname": u.username.split('@').next().unwrap_or_default(),
        "name": u.username,
        "email": u.email,
        "email_verified": true,
        "active": u.active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "is_app_installed": true,
        "urls": {
            "rest": format!("{own}/services/data/v{{version}}/"),
            "query": format!("{own}/services/data/v{{version}}/query/"),
            "sobjects": format!("{own}/services/data/v{{version}}/sobjects/"),
            "profile": format!("{own}/{}", u.id),
        },
    })
}
