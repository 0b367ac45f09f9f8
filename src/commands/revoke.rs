//! `sfjwt revoke`: end a session at the end of a job. A token that is already gone is not an
//! error (cleanup jobs must not fail); no answer is.

use std::io::Read;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::cli::RevokeArgs;
use crate::cli::duration;
use crate::error::{Error, Exit, UsageKind};
use crate::login::endpoint::{self, HostPolicy};
use crate::login::revoke::{Revoked, revoke};
use crate::net::{self, NetSettings};
use crate::output::printer::Outcome;

/// The variables holding the token, in the order read: `login --format env|shell`,
/// `--dotenv` and `--export-env` write SF_ACCESS_TOKEN; SFJWT_ACCESS_TOKEN is the older name.
const TOKEN_VARS: &[&str] = &["SF_ACCESS_TOKEN", "SFJWT_ACCESS_TOKEN"];

pub fn run(args: RevokeArgs) -> Result<Outcome, Error> {
    let instance = args
        .instance_url
        .clone()
        .or_else(|| std::env::var("SF_ORG_INSTANCE_URL").ok().filter(|v| !v.is_empty()))
        .ok_or_else(|| Error::usage("no instance URL", "pass --instance-url or set SF_ORG_INSTANCE_URL"))?;
    // The instance URL came from a server's answer or a variable: it gets the login host's rules.
    let url = HostPolicy::new(&args.allow_host, args.insecure_http).login_url(&instance)?;
    let timeout = duration::parse(&args.timeout)
        .map_err(|e| Error::usage_of(UsageKind::InvalidValue, format!("invalid --timeout: {e}"), "e.g. 30s"))?;
    let token = read_token()?;
    // Registered: an answer echoing it (even form-encoded) is scrubbed like any other secret.
    crate::secrets::register(&token);
    let net = NetSettings {
        timeout: timeout.max(Duration::from_secs(1)),
        max_retries: 2,
        retry_window: Duration::from_secs(30),
        ca_files: ca_files(&args.ca_file)?,
        max_body: net::TOKEN_BODY_LIMIT,
    };
    let client = net::client(&net)?;
    let origin = endpoint::origin(&url);
    match revoke(&client, &net, &origin, &token) {
        Revoked::Done => {
            eprintln!("Revoked the access token at {origin}");
            let result = serde_json::json!({ "revoked": true, "instance_url": origin });
            Ok(Outcome::new(Exit::Success).with_result(Some(result)))
        }
        Revoked::Refused { status, excerpt } if gone(&excerpt) => {
            eprintln!("note: {origin} did not revoke the token (HTTP {status}: {excerpt})");
            eprintln!("note: it was already revoked or has expired; nothing left to do");
            let result = serde_json::json!({ "revoked": false, "instance_url": origin });
            Ok(Outcome::new(Exit::Success).with_result(Some(result)))
        }
        Revoked::Refused { status, excerpt } => {
            eprintln!("error: {origin} refused to revoke the token: HTTP {status}: {excerpt}");
            Ok(Outcome::new(Exit::Refused).with_failure("RevokeRefused", excerpt, None))
        }
        Revoked::NoAnswer(why) => {
            eprintln!("error: no usable answer from {origin}: {why}");
            if why.starts_with("tls") {
                eprintln!("help: {}", crate::diagnose::login::tls_help(&why));
            }
            Ok(Outcome::new(Exit::NoAnswer).with_failure("NoUsableAnswer", why, Some("network_error")))
        }
    }
}

/// Salesforce answers an unknown, expired or already revoked token with these errors: the token
/// is gone, which is what a cleanup job wanted. Anything else is a refusal.
fn gone(answer: &str) -> bool {
    let a = answer.to_ascii_lowercase();
    a.contains("unsupported_token_type") || a.contains("invalid_token")
}

fn read_token() -> Result<Zeroizing<String>, Error> {
    let set: Vec<(&str, Zeroizing<String>)> = TOKEN_VARS
        .iter()
        .filter_map(|n| {
            std::env::var(n).ok().filter(|t| !t.trim().is_empty()).map(|t| (*n, Zeroizing::new(t.trim().to_string())))
        })
        .collect();
    if let [(a, first), (b, second)] = set.as_slice()
        && first != second
    {
        // Revoking the wrong one would leave the live session valid and still exit 0.
        return Err(Error::usage(
            format!("{a} and {b} hold different tokens"),
            "unset the one that is not this job's session (sfjwt login exports SF_ACCESS_TOKEN)",
        ));
    }
    if let Some((_, t)) = set.into_iter().next() {
        return Ok(t);
    }
    let mut buf = Zeroizing::new(String::new());
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut buf)
        .map_err(|e| Error::usage(format!("cannot read the token from standard input: {e}"), "pipe the token in"))?;
    let token = Zeroizing::new(buf.trim().to_string());
    if token.is_empty() {
        return Err(Error::usage(
            "no access token to revoke",
            "set SF_ACCESS_TOKEN (what `sfjwt login` exports) or pipe the token on standard input",
        ));
    }
    Ok(token)
}

/// `--ca-file`, else SFJWT_CA_FILE, as for login: the revoke job of a pipeline behind a
/// TLS-inspecting proxy has the same variable its login job had (the GitLab template's does).
fn ca_files(flags: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Error> {
    let files = match flags {
        [] => std::env::var_os("SFJWT_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .into_iter()
            .collect(),
        given => given.to_vec(),
    };
    match files.iter().find(|f| !f.exists()) {
        Some(f) => Err(Error::usage(
            format!("CA file {} does not exist", f.display()),
            "--ca-file or SFJWT_CA_FILE: name a PEM bundle of CA certificates",
        )),
        None => Ok(files),
    }
}
