use std::io::Read;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::cli::RevokeArgs;
use crate::cli::{duration, settings};
use crate::error::{Error, Exit};
use crate::login::endpoint;
use crate::login::net::{self, Exchange, NetSettings};

pub fn run(args: RevokeArgs) -> Result<Exit, Error> {
    let instance = args
        .instance_url
        .clone()
        .or_else(|| std::env::var("SF_ORG_INSTANCE_URL").ok())
        .ok_or_else(|| Error::usage("no instance URL", "pass --instance-url or set SF_ORG_INSTANCE_URL"))?;
    let url = endpoint::login_url(&instance, args.insecure_http)?;
    settings::check_host(&url, &args.allow_host)?;
    let token = match std::env::var("SFJWT_ACCESS_TOKEN").ok().filter(|t| !t.is_empty()) {
        Some(t) => Zeroizing::new(t),
        None => {
            let mut buf = Zeroizing::new(String::new());
            std::io::stdin().take(64 * 1024).read_to_string(&mut buf).map_err(|e| {
                Error::usage(format!("cannot read the token from standard input: {e}"), "pipe the token in")
            })?;
            Zeroizing::new(buf.trim().to_string())
        }
    };
    if token.is_empty() {
        return Err(Error::usage(
            "no access token to revoke",
            "set SFJWT_ACCESS_TOKEN or pipe the token on standard input",
        ));
    }
    let timeout =
        duration::parse(&args.timeout).map_err(|e| Error::usage(format!("invalid --timeout: {e}"), "e.g. 30s"))?;
    let net = NetSettings {
        timeout: timeout.max(Duration::from_secs(1)),
        max_retries: 2,
        retry_window: Duration::from_secs(30),
        ca_files: args.ca_file.clone(),
    };
    let client = net::client(&net)?;
    let revoke_url = format!("{}/services/oauth2/revoke", endpoint::origin(&url));
    let tries = net::send_with_retries(&net, || client.post(&revoke_url).form(&[("token", token.as_str())]), |_, _| {});
    match tries.into_iter().last().map(|t| t.exchange) {
        Some(Exchange::Answer { status: 200, .. }) => {
            eprintln!("Revoked the access token at {}", endpoint::origin(&url));
            Ok(Exit::Success)
        }
        Some(Exchange::Answer { status, body, .. }) if (400..500).contains(&status) => {
            let excerpt: String = body.replace(token.as_str(), "***").chars().take(200).collect();
            eprintln!("error: the instance refused to revoke the token: HTTP {status}: {excerpt}");
            eprintln!("help: the token may have expired or been revoked already");
            Ok(Exit::Refused)
        }
        Some(Exchange::Answer { status, content_type, .. }) => {
            eprintln!("error: no usable answer from {}: HTTP {status} ({content_type})", endpoint::origin(&url));
            Ok(Exit::NoAnswer)
        }
        Some(Exchange::Failed { kind, detail }) => {
            eprintln!("error: no usable answer from {}: {}: {detail}", endpoint::origin(&url), kind.as_str());
            Ok(Exit::NoAnswer)
        }
        None => Ok(Exit::NoAnswer),
    }
}
