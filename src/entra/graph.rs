//! Microsoft Graph for `doctor --provider entra`: where Graph is (the cloud's Graph host, or one
//! the user allowed), and JSON batching (`POST /v1.0/$batch`, up to 20 GETs in one request, each
//! answered with its id, status and body). Answers are validated, never trusted: a batch answer
//! without a response for a request counts as that request failing.
//! Sources: https://learn.microsoft.com/graph/json-batching, https://learn.microsoft.com/graph/deployments.

use serde_json::{Value, json};
use url::Url;

use crate::error::Error;
use crate::net::{self, Exchange, NetSettings};

/// Graph's own limit of requests in one batch.
pub const BATCH_LIMIT: usize = 20;

/// Each cloud's login host and its Graph host (the national cloud deployments page).
const CLOUD_GRAPH: &[(&str, &str)] = &[
    ("login.microsoftonline.com", "graph.microsoft.com"),
    ("login.microsoftonline.us", "graph.microsoft.us"),
    ("login.partner.microsoftonline.cn", "microsoftgraph.chinacloudapi.cn"),
    ("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
];

/// `https://HOST` of Graph: `--graph-url`, else the Graph of the authority's cloud. A host that
/// is not a Microsoft Graph host needs `--allow-host` (the admin token goes there).
pub fn origin(graph_url: Option<&str>, authority_host: &str, allow: &[String]) -> Result<String, Error> {
    let value = match graph_url {
        Some(v) => v.to_string(),
        None => match CLOUD_GRAPH.iter().find(|(login, _)| login.eq_ignore_ascii_case(authority_host)) {
            Some((_, graph)) => format!("https://{graph}"),
            None => {
                return Err(Error::usage(
                    format!("which Microsoft Graph serves the authority {authority_host}?"),
                    "pass --graph-url (and --allow-host for a host that is not a Microsoft Graph host)",
                ));
            }
        },
    };
    let full = if value.contains("://") { value.clone() } else { format!("https://{value}") };
    let bad = |why: &str| {
        Error::usage(format!("invalid --graph-url {value:?}: {why}"), "e.g. --graph-url https://graph.microsoft.us")
    };
    let url = Url::parse(&full).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "https" {
        return Err(bad("Graph is https only"));
    }
    if !matches!(url.path(), "/" | "/v1.0" | "/v1.0/") || url.query().is_some() {
        return Err(bad("give the host only (the doctor reads /v1.0)"));
    }
    let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    // US Government L5 (DOD) shares L4's login host but has its own Graph: named, never derived.
    let known = CLOUD_GRAPH.iter().any(|(_, g)| *g == host) || host == "dod-graph.microsoft.us";
    if !known && !allow.iter().any(|a| a.trim().trim_end_matches('.').eq_ignore_ascii_case(&host)) {
        return Err(Error::usage(
            format!("refusing to send the admin token to {host}: not a Microsoft Graph host"),
            format!(
                "Graph is graph.microsoft.com, graph.microsoft.us or microsoftgraph.chinacloudapi.cn; if {host} really serves it, pass --allow-host {host}"
            ),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// One answer inside a batch.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Graph's error shape: `{"error":{"code","message"}}`.
    pub fn error(&self) -> Option<(String, String)> {
        let e = self.body.get("error")?;
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        Some((s("code"), s("message")))
    }

    /// A collection's `value` (empty when absent or not a list).
    pub fn values(&self) -> Vec<Value> {
        self.body.get("value").and_then(Value::as_array).cloned().unwrap_or_default()
    }
}

/// What a batch came to: one reply per request id, or why there were none.
#[derive(Debug)]
pub enum Batch {
    Replies(Vec<(String, Reply)>),
    /// The batch itself was refused (e.g. 401 for the token) or answered with something else.
    Refused(Reply),
    NoAnswer(String),
}

impl Batch {
    pub fn get(&self, id: &str) -> Option<&Reply> {
        match self {
            Batch::Replies(r) => r.iter().find(|(i, _)| i == id).map(|(_, r)| r),
            _ => None,
        }
    }
}

/// Sends `requests` (id, relative GET url) as one `$batch`; counts the HTTP requests sent.
pub fn batch(
    client: &reqwest::blocking::Client,
    settings: &NetSettings,
    origin: &str,
    token: &str,
    requests: &[(&str, String)],
) -> (Batch, usize) {
    let body = json!({"requests": requests.iter().take(BATCH_LIMIT).map(|(id, url)| json!({"id": id, "method": "GET", "url": url})).collect::<Vec<_>>()});
    let url = format!("{origin}/v1.0/$batch");
    let body = body.to_string();
    let tries = net::send_with_retries(
        settings,
        || {
            client
                .post(&url)
                .bearer_auth(token)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .body(body.clone())
        },
        |t, wait| eprintln!("note: Microsoft Graph: {}; retrying in {:.1}s", busy(&t.exchange), wait.as_secs_f64()),
    );
    let n = tries.len();
    let Some(last) = tries.into_iter().last() else { return (Batch::NoAnswer("no request was sent".into()), n) };
    (read(last.exchange, requests), n)
}

/// What a retried try came to, in words: a timeout is not "busy".
fn busy(ex: &Exchange) -> String {
    match ex {
        Exchange::Answer { status, .. } => format!("HTTP {status} (busy)"),
        Exchange::Failed { kind, detail } => {
            let what = if *kind == net::FailureKind::Timeout { "timed out" } else { kind.as_str() };
            format!("{what} ({})", crate::secrets::for_terminal(detail))
        }
    }
}

fn read(ex: Exchange, requests: &[(&str, String)]) -> Batch {
    let (status, body) = match ex {
        Exchange::Failed { kind, detail } => {
            return Batch::NoAnswer(format!("{}: {}", kind.as_str(), crate::secrets::terminal_safe(&detail)));
        }
        Exchange::Answer { status, body, .. } => (status, body),
    };
    let value: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(_) => return Batch::NoAnswer(format!("HTTP {status}: not a JSON answer")),
    };
    if status != 200 {
        return Batch::Refused(Reply { status, body: value });
    }
    let Some(list) = value.get("responses").and_then(Value::as_array) else {
        return Batch::NoAnswer("HTTP 200 without `responses`: not a batch answer".into());
    };
    // Ids are validated: an unknown one is ignored; a request answered twice (or with no status)
    // is a request that failed, never a guess at which answer is the real one.
    let replies = requests
        .iter()
        .filter_map(|(id, _)| {
            let mut matching = list.iter().filter(|r| r.get("id").and_then(Value::as_str) == Some(id));
            let r = matching.next()?;
            if matching.next().is_some() {
                return Some((
                    id.to_string(),
                    failed("DuplicateResponse", "Graph answered this request more than once"),
                ));
            }
            let status = r.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok());
            let reply = match status {
                Some(status) => Reply { status, body: r.get("body").cloned().unwrap_or(Value::Null) },
                None => failed("NoStatus", "Graph's answer for this request has no status"),
            };
            Some((id.to_string(), reply))
        })
        .collect();
    Batch::Replies(replies)
}

/// A sub-answer that cannot be used, said as Graph says errors (status 0: Graph gave none).
fn failed(code: &str, message: &str) -> Reply {
    Reply { status: 0, body: json!({"error": {"code": code, "message": message}}) }
}

/// A value put in an OData string literal: quotes doubled.
pub fn odata_quote(v: &str) -> String {
    v.replace('\'', "''")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_hosts_follow_the_cloud_others_need_allow_host() {
        assert_eq!(origin(None, "login.microsoftonline.com", &[]).unwrap(), "https://graph.microsoft.com");
        assert_eq!(origin(None, "login.microsoftonline.us", &[]).unwrap(), "https://graph.microsoft.us");
        assert_eq!(origin(None, "login.chinacloudapi.cn", &[]).unwrap(), "https://microsoftgraph.chinacloudapi.cn");
        assert!(origin(None, "127.0.0.1", &[]).unwrap_err().to_string().contains("which Microsoft Graph"));
        let e = origin(Some("https://127.0.0.1:9"), "127.0.0.1", &[]).unwrap_err().to_string();
        assert!(e.contains("not a Microsoft Graph host"), "{e}");
        assert_eq!(origin(Some("https://127.0.0.1:9"), "x", &["127.0.0.1".into()]).unwrap(), "https://127.0.0.1:9");
        assert!(origin(Some("http://graph.microsoft.com"), "x", &[]).is_err());
        assert!(origin(Some("dod-graph.microsoft.us"), "login.microsoftonline.us", &[]).is_ok());
        assert!(origin(Some("https://graph.microsoft.com/beta"), "x", &[]).is_err());
    }

    #[test]
    fn batch_answers_are_matched_by_id_and_validated() {
        let answer = |status: u16, body: &str| Exchange::Answer {
            status,
            content_type: "application/json".into(),
            body: body.into(),
            date: None,
        };
        let reqs = [("app", "/applications".to_string()), ("sp", "/servicePrincipals".to_string())];
        let b = read(answer(200, r#"{"responses":[{"id":"sp","status":200,"body":{"value":[1]}}]}"#), &reqs);
        assert!(b.get("app").is_none());
        assert_eq!(b.get("sp").unwrap().values().len(), 1);
        let b = read(answer(401, r#"{"error":{"code":"InvalidAuthenticationToken","message":"m"}}"#), &reqs);
        assert!(matches!(&b, Batch::Refused(r) if r.error().unwrap().0 == "InvalidAuthenticationToken"));
        assert!(matches!(read(answer(200, "<html>"), &reqs), Batch::NoAnswer(_)));
        assert_eq!(odata_quote("a'b"), "a''b");
        let b = read(
            answer(
                200,
                r#"{"responses":[{"id":"sp","status":200,"body":{"value":[]}},{"id":"sp","status":200,"body":{"value":[1]}},{"id":"x","status":200},{"id":"app"}]}"#,
            ),
            &reqs,
        );
        assert_eq!(b.get("sp").unwrap().error().unwrap().0, "DuplicateResponse");
        assert_eq!(b.get("app").unwrap().status, 0);
        assert!(b.get("x").is_none());
    }
}
