//! Reading the org through an admin session: SOQL over the REST API, with Salesforce's error
//! shapes turned into something diagnosis can reason about (a missing permission is evidence too).

use reqwest::blocking::Client;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::login::net::{self, Exchange, NetSettings};

pub const API_VERSION: &str = "v60.0";

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
    /// INVALID_TYPE, INVALID_FIELD, …: the session may not read this.
    Denied {
        code: String,
        message: String,
    },
    /// INVALID_SESSION_ID: the admin token is not valid.
    Session(String),
    Other(String),
}

impl QueryError {
    pub fn describe(&self) -> String {
        match self {
            QueryError::Denied { code, message } => {
                format!("{code}: {}", message.split(". ").next().unwrap_or(message))
            }
            QueryError::Session(m) | QueryError::Other(m) => m.clone(),
        }
    }
}

pub struct OrgApi<'a> {
    pub client: &'a Client,
    pub net: &'a NetSettings,
    pub session: &'a AdminSession,
}

impl OrgApi<'_> {
    pub fn query(&self, soql: &str) -> Result<Vec<Value>, QueryError> {
        let url = format!("{}/services/data/{API_VERSION}/query", self.session.instance_url.trim_end_matches('/'));
        let bearer = format!("Bearer {}", self.session.token.as_str());
        let tries = net::send_with_retries(
            self.net,
            || self.client.get(&url).query(&[("q", soql)]).header(reqwest::header::AUTHORIZATION, bearer.as_str()),
            |_, _| {},
        );
        match tries.into_iter().last().map(|t| t.exchange) {
            Some(Exchange::Answer { status: 200, body, .. }) => {
                let v: Value = serde_json::from_str(&body).map_err(|e| QueryError::Other(format!("bad JSON: {e}")))?;
                Ok(v.get("records").and_then(Value::as_array).cloned().unwrap_or_default())
            }
            Some(Exchange::Answer { status, body, .. }) => {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let first = v.get(0).cloned().unwrap_or(Value::Null);
                let code = first.get("errorCode").and_then(Value::as_str).unwrap_or_default().to_string();
                let message = first.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
                match code.as_str() {
                    "INVALID_SESSION_ID" => {
                        Err(QueryError::Session(format!("HTTP {status}: the admin session is not valid ({message})")))
                    }
                    "INVALID_TYPE" | "INVALID_FIELD" | "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
                        Err(QueryError::Denied { code, message })
                    }
                    _ => Err(QueryError::Other(format!("HTTP {status}: {code} {message}"))),
                }
            }
            Some(Exchange::Failed { kind, detail }) => Err(QueryError::Other(format!("{}: {detail}", kind.as_str()))),
            None => Err(QueryError::Other("no request sent".into())),
        }
    }
}

/// Quotes a value for a SOQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

pub fn s<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.').try_fold(v, |cur, k| cur.get(k)).and_then(Value::as_str)
}

pub fn b(v: &Value, path: &str) -> Option<bool> {
    path.split('.').try_fold(v, |cur, k| cur.get(k)).and_then(Value::as_bool)
}
