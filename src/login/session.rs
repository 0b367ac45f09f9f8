//! The check after the grant: one cheap authenticated REST call. High Assurance, a user without
//! "API Enabled" and editions without API all pass the grant and fail here (docs/evidence.md#api-disabled-user, #api-disabled-org).

use reqwest::blocking::Client;

use crate::login::grant::Granted;
use crate::net::{self, Exchange, NetSettings};

/// The REST version of the check; every org since Spring '24 serves it.
pub const API_VERSION: &str = "v60.0";

#[derive(Debug)]
pub enum SessionCheck {
    /// The session read the user's own record.
    Works,
    /// Salesforce refused the session with an error code (`errorCode`, `message`).
    Refused { status: u16, code: String, message: String },
    /// No usable answer: says nothing about the session.
    Inconclusive(String),
}

/// `SELECT Id FROM User WHERE Id = '<user>'`: any API-enabled user may read its own record.
pub fn verify(client: &Client, net: &NetSettings, granted: &Granted) -> SessionCheck {
    let url = format!("{}/services/data/{API_VERSION}/query", granted.instance_url);
    let soql = format!("SELECT Id FROM User WHERE Id = '{}'", granted.user_id);
    let tries = net::send_with_retries(
        net,
        || client.get(&url).query(&[("q", soql.as_str())]).bearer_auth(granted.access_token.as_str()),
        |_, _| {},
    );
    match tries.into_iter().last().map(|t| t.exchange) {
        Some(Exchange::Answer { status: 200, body, .. }) => {
            let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
            if json.as_ref().and_then(|j| j.get("records")).is_some_and(|r| r.is_array()) {
                SessionCheck::Works
            } else {
                SessionCheck::Inconclusive("HTTP 200 without query records".into())
            }
        }
        Some(Exchange::Answer { status, body, .. }) => refusal(status, &body),
        Some(Exchange::Failed { kind, detail }) => SessionCheck::Inconclusive(format!("{kind}: {detail}")),
        None => SessionCheck::Inconclusive("no request was sent".into()),
    }
}

/// REST errors are `[{"errorCode": …, "message": …}]`.
fn refusal(status: u16, body: &str) -> SessionCheck {
    let first = serde_json::from_str::<serde_json::Value>(body).ok().and_then(|j| j.get(0).cloned());
    let field = |k: &str| first.as_ref().and_then(|e| e.get(k)).and_then(|v| v.as_str()).map(bounded);
    match (field("errorCode"), field("message")) {
        (Some(code), Some(message)) => SessionCheck::Refused { status, code, message },
        _ => SessionCheck::Inconclusive(format!("HTTP {status} without a REST error body")),
    }
}

fn bounded(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(300).collect()
}
