//! Checks that talk to Salesforce: the grant itself (and the server's clock), then the org
//! through an admin session.

use reqwest::blocking::Client;

use super::State;
use crate::diagnose::attempt::{self, End};
use crate::diagnose::doctor::plan::AdminSource;
use crate::diagnose::verdict::{self, check};
use crate::error::Error;
use crate::login::endpoint;
use crate::login::grant::{GrantRequest, Silent};
use crate::org::api::{AdminSession, OrgApi};
use crate::org::facts;
use crate::record::CheckStatus;

pub(super) fn grant(st: &mut State<'_>, client: &Client) -> Result<(), Error> {
    let Some(k) = &st.key else {
        st.push(check("grant", "JWT bearer grant", CheckStatus::Skip, "no usable key"));
        return Ok(());
    };
    let s = st.s;
    let plan = attempt::Plan {
        flow: attempt::Flow::Grant(GrantRequest::new(&s.target, &s.key, k, &s.tries)),
        net: &s.tries.net,
        verify: true,
        github_mask: false,
        evidence_host: None,
        clock_compensation: None,
    };
    let done = attempt::run(client, &plan, &mut Silent)?;
    st.report.record_attempts(done.attempts);
    st.checks.extend(done.checks);
    match done.end {
        End::Granted { session, identity, .. } => {
            // As before this attempt was shared: the doctor's session is left to expire.
            session.keep();
            settle_environment(st, identity.is_sandbox);
            st.report.identity = Some(identity);
        }
        End::SessionRefused { identity, diagnosis } => {
            settle_environment(st, identity.is_sandbox);
            st.report.identity = Some(identity);
            st.session_refusal = Some(diagnosis);
        }
        End::Refused { error, description, diagnosis } => {
            st.refusal = Some((error, description));
            st.login_reading = Some(diagnosis);
        }
        End::NoAnswer { failure, diagnosis, .. } => {
            st.failure = Some(failure);
            st.login_reading = Some(diagnosis);
        }
    }
    clock(st);
    Ok(())
}

/// The session says which environment it is in (the attempt's sandbox rule, as `login` reports
/// it): the username is held against that rather than the login host alone.
fn settle_environment(st: &mut State<'_>, sandbox: bool) {
    if sandbox == st.local.login_host_is_sandbox {
        return;
    }
    st.local.login_host_is_sandbox = sandbox;
    let username = st.s.key.username.clone();
    let kind = if sandbox { "sandbox" } else { "production" };
    st.local.environment_mismatch = endpoint::environment_mismatch(&username, sandbox, "the session's org is");
    let c = super::local::environment_check(st, format!("{username} in a {kind} session"));
    st.replace(c);
}

fn clock(st: &mut State<'_>) {
    let date = st.report.attempts.iter().rev().find_map(|a| a.server_date.as_deref());
    let Some(skew) = date.and_then(crate::login::clock::skew_from_date) else { return };
    st.local.skew_seconds = Some(skew);
    let status = match skew.abs() {
        s if s > 150 => CheckStatus::Fail,
        s if s > 30 => CheckStatus::Warn,
        _ => CheckStatus::Pass,
    };
    let mut detail = format!("server clock minus local clock: {skew}s");
    let lifetime = i64::try_from(st.s.tries.lifetime.as_secs()).unwrap_or(i64::MAX);
    if skew.abs() >= lifetime && skew.abs() <= crate::login::clock::MAX_SKEW_SECONDS {
        // doctor names the skew; login compensates it (issue 23 §3).
        detail.push_str(
            " (beyond the assertion's lifetime: `sfjwt login` signs once more with exp relative to the server's clock unless --no-clock-compensation)",
        );
    }
    st.push(check("clock", "Local clock agrees with the server", status, detail));
}

pub(super) fn org(st: &mut State<'_>, client: &Client) -> Result<(), Error> {
    let session = match &st.s.admin {
        None => {
            let detail = "none given (--admin-token with --admin-instance-url, or --admin-sf-org)";
            st.push(check("admin_session", "Admin session", CheckStatus::Skip, detail));
            return Ok(());
        }
        Some(AdminSource::Token { instance_url, token }) => {
            AdminSession::new(endpoint::origin(instance_url), token.to_string())
        }
        Some(AdminSource::SfOrg(alias)) => {
            let session = sf_session(alias)?;
            // sf's stored instance URL gets the login host's rules before the token goes there.
            st.s.target.hosts.login_url(&session.instance_url)?;
            session
        }
    };
    let plan = st.s;
    let username = &plan.key.username;
    let api = OrgApi { client, net: &st.s.tries.net, session: &session };
    let repo_label = st.repo_app.as_ref().map(|a| a.label.clone());
    let f = facts::gather(&api, username, st.s.app_name.as_deref(), repo_label.as_deref());
    // The org says what it is; that beats guessing from the host name.
    if let Some(sandbox) = f.is_sandbox {
        st.local.login_host_is_sandbox = sandbox;
        st.local.environment_mismatch = endpoint::environment_mismatch(username, sandbox, "the org is");
        let kind = if sandbox { "sandbox" } else { "production" };
        let c = super::local::environment_check(st, format!("{} in a {kind} org", username));
        st.replace(c);
    }
    st.checks.extend(verdict::org_checks(&f, username));
    st.facts = Some(f);
    Ok(())
}

/// The admin session stored by the Salesforce CLI. Recent sf versions redact tokens in
/// `org display --json`, so ask the command made to reveal it.
fn sf_session(alias: &str) -> Result<AdminSession, Error> {
    let sf = crate::sfcli::Sf::new();
    let run = |args: &[&str]| -> Result<serde_json::Value, Error> {
        let out = sf
            .command(args)
            .output()
            .map_err(|e| sf.spawn_error(e, "; or pass --admin-token and --admin-instance-url"))?;
        serde_json::from_slice(&out.stdout).map_err(|_| {
            Error::usage(
                format!("`sf {}` did not answer JSON", args.first().copied().unwrap_or_default()),
                format!("check `sf org display --target-org {alias}`"),
            )
        })
    };
    let shown = run(&["org", "auth", "show-access-token", "--target-org", alias, "--json"])?;
    let token = shown["result"]["accessToken"].as_str().map(str::to_string);
    let mut url = shown["result"]["instanceUrl"].as_str().map(str::to_string);
    if url.is_none() {
        url = run(&["org", "display", "--target-org", alias, "--json"])?["result"]["instanceUrl"]
            .as_str()
            .map(str::to_string);
    }
    match (token, url) {
        (Some(t), Some(u)) => Ok(AdminSession::new(u.trim_end_matches('/').to_string(), t)),
        _ => Err(Error::usage(
            format!("the Salesforce CLI has no usable session for {alias}"),
            format!("log in first: sf org login web --alias {alias}"),
        )),
    }
}
