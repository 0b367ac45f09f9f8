//! POST /services/data/vXX.X/composite, from the REST API Developer Guide ("Send Multiple Requests
//! Using Composite", "Composite Request Body", "Composite Subrequest Result"): up to 25
//! subrequests, at most 5 of them queries; a later subrequest names an earlier result as
//! `@{referenceId.path}` in its URL; with `allOrNone` one failure turns every other result into a
//! rolled-back 400, without it only the subrequests that depend on the failure fail. The top-level
//! answer is 200 either way. Written from the documented shapes, sharing nothing with sfjwt.
//!
//! Only GET subrequests run here (the org is read-only to clients). Two wordings are not in the
//! guide and are UNCONFIRMED: the error for an unresolvable reference (PROCESSING_HALTED, as
//! reported by users) and the error for too many subrequests or queries.

use serde_json::{Map, Value, json};

use crate::http::{Request, Response};
use crate::org::Org;

pub const MAX_SUBREQUESTS: usize = 25;
pub const MAX_QUERIES: usize = 5;

const ROLLED_BACK: &str = "The transaction was rolled back since another operation in the same transaction failed.";

fn error(code: &str, message: impl Into<String>) -> Value {
    json!([{"errorCode": code, "message": message.into()}])
}

fn bad_request(code: &str, message: impl Into<String>) -> Response {
    Response::Json(400, error(code, message))
}

struct Sub {
    method: String,
    url: String,
    reference: String,
}

/// The subrequests, checked against the documented limits before any runs.
fn parse(body: &[u8]) -> Result<(bool, Vec<Sub>), Response> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request("JSON_PARSER_ERROR", format!("The request body is not valid JSON: {e}")))?;
    let all_or_none = v.get("allOrNone").and_then(Value::as_bool).unwrap_or(false);
    let list = v
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_request("INVALID_INPUT", "compositeRequest is required"))?;
    if list.is_empty() || list.len() > MAX_SUBREQUESTS {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!("A composite request holds 1 to {MAX_SUBREQUESTS} subrequests; this one has {}", list.len()),
        ));
    }
    let mut subs: Vec<Sub> = Vec::new();
    for item in list {
        let field = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(method), Some(url), Some(reference)) = (field("method"), field("url"), field("referenceId")) else {
            return Err(bad_request("INVALID_INPUT", "every subrequest needs method, url and referenceId"));
        };
        if reference.is_empty() || !reference.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad_request("INVALID_INPUT", format!("Invalid referenceId: {reference}")));
        }
        if subs.iter().any(|s| s.reference == reference) {
            return Err(bad_request("INVALID_INPUT", format!("Duplicate referenceId provided: {reference}")));
        }
        subs.push(Sub { method, url, reference });
    }
    let queries = subs.iter().filter(|s| is_query(&s.url)).count();
    if queries > MAX_QUERIES {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!("A composite request may hold at most {MAX_QUERIES} query subrequests; this one has {queries}"),
        ));
    }
    Ok((all_or_none, subs))
}

fn is_query(url: &str) -> bool {
    let path = url.split('?').next().unwrap_or_default().trim_end_matches('/');
    path.ends_with("/query") || path.ends_with("/queryAll")
}

/// Follows `records[0].Id` through a JSON value.
fn walk<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path.split('.') {
        let (key, rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            cur = cur.get(idx.strip_suffix(']')?.parse::<usize>().ok()?)?;
        }
    }
    Some(cur)
}

/// Replaces every `@{ref.path}` with the value an earlier, successful subrequest returned.
fn substitute(url: &str, done: &[(String, u16, Value)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or("unterminated reference")? + start;
        let expr = &rest[start + 2..end];
        let (name, path) = expr.split_once('.').unwrap_or((expr, ""));
        let missing = || {
            format!("Invalid reference specified. No value for {expr} found in {name}. Provided referenceId ({name})")
        };
        let (_, status, body) = done.iter().find(|(r, _, _)| r == name).ok_or_else(missing)?;
        if *status >= 300 {
            return Err(missing());
        }
        let value = if path.is_empty() { Some(body) } else { walk(body, path) };
        let text = match value {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => return Err(missing()),
        };
        out.extend(url::form_urlencoded::byte_serialize(text.as_bytes()));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn run_one(org: &Org, outer: &Request, sub: &Sub, done: &[(String, u16, Value)]) -> (u16, Value) {
    if sub.method != "GET" {
        let m = &sub.method;
        return (405, error("METHOD_NOT_ALLOWED", format!("HTTP Method '{m}' not allowed. Allowed are GET")));
    }
    let url = match substitute(&sub.url, done) {
        Ok(u) => u,
        Err(message) => return (400, error("PROCESSING_HALTED", message)),
    };
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()),
        None => (url.clone(), Default::default()),
    };
    if !path.starts_with("/services/data/v") || path.ends_with("/composite") {
        return (404, error("NOT_FOUND", "The requested resource does not exist"));
    }
    let req = Request {
        method: "GET".into(),
        path: path.clone(),
        query,
        headers: outer.headers.clone(),
        body: Vec::new(),
        peer: outer.peer,
    };
    match crate::routes::data(org, &req, path.trim_end_matches('/')) {
        Response::Json(status, body) => (status, body),
        _ => (500, error("UNKNOWN_EXCEPTION", "An unexpected error occurred.")),
    }
}

pub fn handle(org: &Org, req: &Request) -> Response {
    let (all_or_none, subs) = match parse(&req.body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut done: Vec<(String, u16, Value)> = Vec::new();
    let mut failed = false;
    for sub in &subs {
        // With allOrNone nothing runs after the first failure.
        let (status, body) = if all_or_none && failed {
            (400, error("PROCESSING_HALTED", ROLLED_BACK))
        } else {
            run_one(org, req, sub, &done)
        };
        failed |= status >= 300;
        done.push((sub.reference.clone(), status, body));
    }
    if all_or_none && failed {
        let first_failure = done.iter().position(|(_, s, _)| *s >= 300);
        for (i, (_, status, body)) in done.iter_mut().enumerate() {
            if Some(i) != first_failure {
                *status = 400;
                *body = error("PROCESSING_HALTED", ROLLED_BACK);
            }
        }
    }
    let results: Vec<Value> = done
        .into_iter()
        .map(|(reference, status, body)| {
            json!({"body": body, "httpHeaders": Value::Object(Map::new()), "httpStatusCode": status, "referenceId": reference})
        })
        .collect();
    Response::Json(200, json!({ "compositeResponse": results }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_walk_records_and_fail_when_absent() {
        let done = vec![("u".to_string(), 200, json!({"records": [{"Id": "005A"}]}))];
        assert_eq!(substitute("/q?q=X+'@{u.records[0].Id}'", &done).unwrap(), "/q?q=X+'005A'");
        let empty = vec![("u".to_string(), 200, json!({"records": []}))];
        assert!(substitute("@{u.records[0].Id}", &empty).unwrap_err().starts_with("Invalid reference specified"));
        assert!(substitute("@{nope.x}", &done).is_err());
    }

    #[test]
    fn limits_are_checked_before_anything_runs() {
        let sub = |i: usize, url: &str| json!({"method": "GET", "url": url, "referenceId": format!("r{i}")});
        let many: Vec<Value> = (0..26).map(|i| sub(i, "/services/data/v60.0/sobjects/User/describe")).collect();
        assert!(parse(json!({"compositeRequest": many}).to_string().as_bytes()).is_err());
        let six: Vec<Value> = (0..6).map(|i| sub(i, "/services/data/v60.0/query?q=SELECT+Id+FROM+User")).collect();
        assert!(parse(json!({"compositeRequest": six}).to_string().as_bytes()).is_err());
        let five: Vec<Value> = (0..5).map(|i| sub(i, "/services/data/v60.0/query/?q=SELECT+Id+FROM+User")).collect();
        assert!(parse(json!({"compositeRequest": five}).to_string().as_bytes()).is_ok());
        let dup = vec![sub(1, "/a"), sub(1, "/b")];
        assert!(parse(json!({"compositeRequest": dup}).to_string().as_bytes()).is_err());
    }
}
