//! Revoking an access token at `/services/oauth2/revoke`: at the end of a job, and when a
//! granted session turns out unusable.

use reqwest::blocking::Client;

use crate::net::{self, Exchange, NetSettings};

#[derive(Debug)]
pub enum Revoked {
    Done,
    /// The instance refused (already revoked or expired, usually), with a scrubbed excerpt.
    Refused {
        status: u16,
        excerpt: String,
    },
    NoAnswer(String),
}

pub fn revoke(client: &Client, net: &NetSettings, origin: &str, token: &str) -> Revoked {
    let url = format!("{origin}/services/oauth2/revoke");
    let tries = net::send_with_retries(net, || client.post(&url).form(&[("token", token)]), |_, _| {});
    match tries.into_iter().last().map(|t| t.exchange) {
        Some(Exchange::Answer { status: 200, .. }) => Revoked::Done,
        Some(Exchange::Answer { status, body, .. }) if (400..500).contains(&status) => {
            let scrubbed = crate::secrets::scrub(&body.replace(token, "***")).into_owned();
            let excerpt = scrubbed.chars().filter(|c| !c.is_control()).take(200).collect();
            Revoked::Refused { status, excerpt }
        }
        Some(Exchange::Answer { status, content_type, .. }) => {
            Revoked::NoAnswer(format!("HTTP {status} ({})", content_type.chars().take(60).collect::<String>()))
        }
        Some(Exchange::Failed { kind, detail }) => Revoked::NoAnswer(format!("{kind}: {detail}")),
        None => Revoked::NoAnswer("no request was sent".into()),
    }
}

/// Revoke, and say so on stderr if it did not work; never fails the caller.
pub fn best_effort(client: &Client, net: &NetSettings, origin: &str, token: &str) {
    if !matches!(revoke(client, net, origin, token), Revoked::Done) {
        eprintln!("warning: could not revoke the unusable token; it expires with the app's session timeout");
    }
}
