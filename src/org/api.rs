//! Reading the org through an admin session: SOQL and sObject describes over the REST API, several
//! at once through the Composite API, with Salesforce's error shapes turned into something
//! diagnosis can reason about (a missing permission is evidence too).

use reqwest::blocking::Client;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::net::{self, Exchange, NetSettings};

pub const API_VERSION: &str = "v60.0";

/// Composite API limits (REST API guide, "Send Multiple Requests Using Composite").
pub const MAX_SUBREQUESTS: usize = 25;
pub const MAX_QUERIES: usize = 5;

pub struct AdminSession {
    pub instance_url: String,
    pub token: Zeroizing<String>,
}

impl AdminSession {
    /// The token is registered as a secret, so a server echoing it is scrubbed from every output.
    pub fn new(instance_url: String, token: String) -> AdminSession {
        crate::secrets::register(&token);
        AdminSession { instance_url, token: Zeroizing::new(token) }
    }
}

impl std::fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSession").field("instance_url", &self.instance_url).field("token", &"<redacted>").finish()
    }
}

#[derive(Debug, Clone)]
pub enum QueryError {
    /// INVALID_TYPE, INSUFFICIENT_ACCESS, …: the session may not read this object.
    Denied {
        code: String,
        message: String,
    },
    /// INVALID_FIELD: a field this org does not have (some exist only with an org feature).
    NoSuchField(String),
    /// INVALID_SESSION_ID: the admin token is not valid.
    Session(String),
    /// A composite subrequest not run: it referred to an earlier result that had no value.
    Halted,
    Other(String),
}

impl QueryError {
    pub fn describe(&self) -> String {
        match self {
            QueryError::Denied { code, message } => {
                format!("{code}: {}", message.split(". ").next().unwrap_or(message))
            }
            QueryError::NoSuchField(m) => format!("INVALID_FIELD: {}", m.split(". ").next().unwrap_or(m)),
            QueryError::Halted => "not run: an earlier result it depends on was empty".into(),
            QueryError::Session(m) | QueryError::Other(m) => m.clone(),
        }
    }

    /// Reads Salesforce's error list (`[{"errorCode", "message"}]`) answered with `status`.
    fn from_answer(status: u16, body: &Value) -> QueryError {
        let first = body.get(0).cloned().unwrap_or(Value::Null);
        let code = first.get("errorCode").and_then(Value::as_str).unwrap_or_default().to_string();
        let message = first.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
        match code.as_str() {
            "INVALID_SESSION_ID" => {
                QueryError::Session(format!("HTTP {status}: the admin session is not valid ({message})"))
            }
            "INVALID_FIELD" => QueryError::NoSuchField(message),
            "INVALID_TYPE" | "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
                QueryError::Denied { code, message }
            }
            "PROCESSING_HALTED" => QueryError::Halted,
            _ => QueryError::Other(format!("HTTP {status}: {code} {}", message.chars().take(300).collect::<String>())),
        }
    }
}

/// One read in a composite call; `reference` names its result for later subrequests
/// (`@{reference.records[0].Id}`) and for the caller.
#[derive(Clone, Debug)]
pub enum Sub {
    Query { reference: &'static str, soql: String },
    Describe { reference: &'static str, object: &'static str },
}

impl Sub {
    pub fn reference(&self) -> &'static str {
        match self {
            Sub::Query { reference, .. } | Sub::Describe { reference, .. } => reference,
        }
    }

    fn url(&self) -> String {
        match self {
            Sub::Query { soql, .. } => {
                format!("/services/data/{API_VERSION}/query?q={}", encode_keeping_references(soql))
            }
            Sub::Describe { object, .. } => format!("/services/data/{API_VERSION}/sobjects/{object}/describe"),
        }
    }
}

/// Percent-encodes SOQL for a URL but leaves `@{ref.path}` literal, as Salesforce resolves it.
fn encode_keeping_references(soql: &str) -> String {
    let mut out = String::new();
    let mut rest = soql;
    while let Some(start) = rest.find("@{") {
        let Some(len) = rest[start..].find('}') else { break };
        out.extend(url::form_urlencoded::byte_serialize(&rest.as_bytes()[..start]));
        out.push_str(&rest[start..start + len + 1]);
        rest = &rest[start + len + 1..];
    }
    out.extend(url::form_urlencoded::byte_serialize(rest.as_bytes()));
    out
}

pub type SubResult = Result<Value, QueryError>;

pub struct OrgApi<'a> {
    pub client: &'a Client,
    pub net: &'a NetSettings,
    pub session: &'a AdminSession,
}

impl OrgApi<'_> {
    fn base(&self) -> String {
        format!("{}/services/data/{API_VERSION}", self.session.instance_url.trim_end_matches('/'))
    }

    /// Sends one request (with the net module's retries) and returns the JSON of a 2xx answer.
    fn send(&self, make: impl Fn(&Client) -> reqwest::blocking::RequestBuilder) -> SubResult {
        let bearer = format!("Bearer {}", self.session.token.as_str());
        // Query and describe answers are larger than token answers: their own, documented bound.
        let net = NetSettings { max_body: net::QUERY_BODY_LIMIT, ..self.net.clone() };
        let tries = net::send_with_retries(
            &net,
            || make(self.client).header(reqwest::header::AUTHORIZATION, bearer.as_str()),
            |_, _| {},
        );
        match tries.into_iter().last().map(|t| t.exchange) {
            Some(Exchange::Answer { status: 200..=299, body, .. }) => {
                serde_json::from_str(&body).map_err(|e| QueryError::Other(format!("bad JSON: {e}")))
            }
            Some(Exchange::Answer { status, body, .. }) => {
                Err(QueryError::from_answer(status, &serde_json::from_str(&body).unwrap_or(Value::Null)))
            }
            Some(Exchange::Failed { kind, detail }) => Err(QueryError::Other(format!("{}: {detail}", kind.as_str()))),
            None => Err(QueryError::Other("no request sent".into())),
        }
    }

    pub fn query(&self, soql: &str) -> Result<Vec<Value>, QueryError> {
        let url = format!("{}/query", self.base());
        self.send(|c| c.get(&url).query(&[("q", soql)])).map(records)
    }

    /// Runs the subrequests in one POST /composite (allOrNone false: a failure stays with its
    /// subrequest and those depending on it). Answers by reference, in order. When the org
    /// refuses the composite call itself, each subrequest is sent on its own instead.
    pub fn batch(&self, subs: &[Sub]) -> Vec<(&'static str, SubResult)> {
        if subs.is_empty() {
            return vec![];
        }
        debug_assert!(subs.len() <= MAX_SUBREQUESTS);
        debug_assert!(subs.iter().filter(|s| matches!(s, Sub::Query { .. })).count() <= MAX_QUERIES);
        let requests: Vec<Value> =
            subs.iter().map(|s| json!({"method": "GET", "url": s.url(), "referenceId": s.reference()})).collect();
        let body = json!({"allOrNone": false, "compositeRequest": requests});
        let url = format!("{}/composite", self.base());
        let text = body.to_string();
        let post =
            |c: &Client| c.post(&url).header(reqwest::header::CONTENT_TYPE, "application/json").body(text.clone());
        match self.send(post) {
            Ok(answer) => composite_results(subs, &answer),
            Err(e @ QueryError::Session(_)) => subs.iter().map(|s| (s.reference(), Err(e.clone()))).collect(),
            Err(_) => self.one_by_one(subs),
        }
    }

    /// The fallback: each subrequest alone, references resolved here from earlier answers.
    fn one_by_one(&self, subs: &[Sub]) -> Vec<(&'static str, SubResult)> {
        let mut done: Vec<(&'static str, SubResult)> = Vec::new();
        for s in subs {
            let result = match s {
                Sub::Query { soql, .. } => match resolve_references(soql, &done) {
                    Some(q) => self.query(&q).map(|rows| json!({ "records": rows })),
                    None => Err(QueryError::Halted),
                },
                Sub::Describe { object, .. } => {
                    let url = format!("{}/sobjects/{object}/describe", self.base());
                    self.send(|c| c.get(&url))
                }
            };
            done.push((s.reference(), result));
        }
        done
    }
}

fn records(v: Value) -> Vec<Value> {
    v.get("records").and_then(Value::as_array).cloned().unwrap_or_default()
}

/// Pairs each subrequest with its result; a subrequest missing from the answer is an error.
fn composite_results(subs: &[Sub], answer: &Value) -> Vec<(&'static str, SubResult)> {
    let list = answer.get("compositeResponse").and_then(Value::as_array).cloned().unwrap_or_default();
    subs.iter()
        .map(|s| {
            let found = list.iter().find(|r| r.get("referenceId").and_then(Value::as_str) == Some(s.reference()));
            let result = match found {
                None => Err(QueryError::Other("missing from the composite answer".into())),
                Some(r) => {
                    let status = r.get("httpStatusCode").and_then(Value::as_u64).unwrap_or(0) as u16;
                    let body = r.get("body").cloned().unwrap_or(Value::Null);
                    if (200..300).contains(&status) { Ok(body) } else { Err(QueryError::from_answer(status, &body)) }
                }
            };
            (s.reference(), result)
        })
        .collect()
}

/// `@{ref.records[0].Id}` replaced by the Id in an earlier answer; None when there is none.
fn resolve_references(soql: &str, done: &[(&'static str, SubResult)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = soql;
    while let Some(start) = rest.find("@{") {
        let end = rest[start..].find('}')? + start;
        let (name, _) = rest[start + 2..end].split_once('.')?;
        let body = done.iter().find(|(r, _)| *r == name)?.1.as_ref().ok()?;
        let id = body.get("records")?.get(0)?.get("Id")?.as_str()?;
        out.push_str(&rest[..start]);
        out.push_str(id);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The rows of a query subrequest's result.
pub fn rows_of(result: &SubResult) -> Result<Vec<Value>, QueryError> {
    result.clone().map(records)
}

/// Quotes a value for a SOQL string literal.
pub fn soql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The string at a dotted path (`Profile.Name`) of a record.
pub fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.').try_fold(v, |cur, k| cur.get(k)).and_then(Value::as_str)
}

/// The boolean at a dotted path of a record.
pub fn bool_at(v: &Value, path: &str) -> Option<bool> {
    path.split('.').try_fold(v, |cur, k| cur.get(k)).and_then(Value::as_bool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_stay_literal_and_resolve_locally() {
        let soql = "SELECT Id FROM UserLogin WHERE UserId = '@{user.records[0].Id}'";
        let url = encode_keeping_references(soql);
        assert!(url.contains("'@{user.records[0].Id}'") || url.contains("%27@{user.records[0].Id}%27"), "{url}");
        assert!(url.starts_with("SELECT+Id+FROM+UserLogin"), "{url}");
        let done = vec![("user", Ok(json!({"records": [{"Id": "005X"}]})))];
        assert_eq!(resolve_references(soql, &done).unwrap(), "SELECT Id FROM UserLogin WHERE UserId = '005X'");
        let empty = vec![("user", Ok(json!({"records": []})))];
        assert!(resolve_references(soql, &empty).is_none());
    }

    #[test]
    fn error_codes_are_told_apart() {
        let e = |code: &str| QueryError::from_answer(400, &json!([{"errorCode": code, "message": "m"}]));
        assert!(matches!(e("INVALID_FIELD"), QueryError::NoSuchField(_)));
        assert!(matches!(e("INVALID_TYPE"), QueryError::Denied { .. }));
        assert!(matches!(e("PROCESSING_HALTED"), QueryError::Halted));
        assert!(matches!(e("INVALID_SESSION_ID"), QueryError::Session(_)));
    }
}
