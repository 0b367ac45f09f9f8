//! The keyless login: RFC 8693 token exchange at the org's My Domain token endpoint, trading the
//! pipeline's OIDC token for a session (keyless.md §1.6). No client secret, no key. Requests go
//! through `net` (timeouts, retries, proxies, CAs) and answers are read by `grant::read_answer`.

use std::time::Instant;

use url::Url;

use crate::credentials::oidc::OidcToken;
use crate::error::Error;
use crate::login::endpoint::{self, HostPolicy, LoginUrl};
use crate::login::grant::{self, Attempt, Outcome, Progress};
use crate::net::{self, Exchange, NetSettings};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// `subject_token_type`: an OIDC ID token (default) or a plain JWT (keyless.md §1.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubjectTokenType {
    #[default]
    IdToken,
    Jwt,
}

impl SubjectTokenType {
    pub fn urn(self) -> &'static str {
        match self {
            SubjectTokenType::IdToken => "urn:ietf:params:oauth:token-type:id_token",
            // RFC 8693's spelling; Salesforce's enum doc writes …:JWT (case sensitivity UNCONFIRMED).
            SubjectTokenType::Jwt => "urn:ietf:params:oauth:token-type:jwt",
        }
    }
}

pub struct ExchangeRequest<'a> {
    /// The org's My Domain URL, checked by the host policy.
    pub login: &'a LoginUrl,
    /// The rules the answer's `instance_url` must pass too.
    pub hosts: &'a HostPolicy,
    pub client_id: &'a str,
    pub subject_token: &'a OidcToken,
    pub token_type: SubjectTokenType,
    pub token_handler: Option<&'a str>,
    /// The subject token's audience, as the report's attempt shows it.
    pub audience: &'a str,
}

pub fn run(
    client: &reqwest::blocking::Client,
    settings: &NetSettings,
    req: &ExchangeRequest<'_>,
    progress: &mut dyn Progress,
) -> Result<(Outcome, Vec<Attempt>), Error> {
    let token_url = format!("{}/services/oauth2/token", endpoint::origin(req.login));
    let started = Instant::now();
    let tries = net::send_with_retries(
        settings,
        || {
            let mut form = vec![
                ("grant_type", GRANT_TYPE),
                ("subject_token", req.subject_token.expose()),
                ("subject_token_type", req.token_type.urn()),
                ("client_id", req.client_id),
            ];
            if let Some(h) = req.token_handler {
                form.push(("token_handler", h));
            }
            client.post(&token_url).form(&form)
        },
        |t, wait| {
            let why = match &t.exchange {
                Exchange::Answer { status, .. } => format!("HTTP {status}"),
                Exchange::Failed { kind, .. } => kind.as_str().replace('_', " "),
            };
            progress.retrying(req.audience, &why, wait)
        },
    );
    let requests = tries.len() as u32;
    let last = tries.into_iter().last().map(|t| t.exchange);
    let (outcome, attempt) =
        grant::read_answer(last, req.hosts, req.login, req.audience, (requests, started.elapsed()));
    Ok((outcome, vec![attempt]))
}

/// Token exchange is documented against the My Domain token endpoint only (keyless.md §1.6):
/// login.salesforce.com / test.salesforce.com are refused with that advice.
pub fn require_my_domain(login: &Url) -> Result<(), Error> {
    let host = login.host_str().unwrap_or_default().to_ascii_lowercase();
    if host == "login.salesforce.com" || host == "test.salesforce.com" {
        return Err(Error::usage(
            format!("--oidc needs the org's My Domain as --login-url, not {host}"),
            "Salesforce documents token exchange at the My Domain token endpoint: pass -r https://acme.my.salesforce.com",
        ));
    }
    Ok(())
}
