//! Checks that talk to Salesforce: the grant itself (and the server's clock), then the org
//! through an admin session.

use reqwest::blocking::Client;

use super::State;
use crate::diagnose::doctor::plan::AdminSource;
use crate::diagnose::verdict::{self, check};
use crate::error::Error;
use crate::login::endpoint;
use crate::login::grant::{self, GrantRequest, Outcome};
use crate::org::api::{AdminSession, OrgApi};
use crate::org::facts;
use crate::record::{CheckStatus, Identity};

pub(super) fn grant(st: &mut State<'_>, client: &Client) -> Result<(), Error> {
    let Some(k) = &st.key else {
        st.push(check("grant", "JWT bearer grant", CheckStatus::Skip, "no usable key"));
        return Ok(());
    };
    let l = &st.s.login;
    let request = GrantRequest {
        login: &l.login,
        hosts: &l.hosts,
        client_id: &l.client_id,
        username: &l.username,
        key: k,
        audience: l.audience.as_deref(),
        lifetime: l.lifetime,
        wait_for_propagation: l.wait_for_propagation,
    };
    let (outcome, attempts) = grant::run(client, &l.net, &request, &mut grant::Silent)?;
    st.report.attempts = attempts;
    let c = match outcome {
        Outcome::Granted(g) => {
            st.report.identity = Some(Identity {
                org_id: g.org_id.clone(),
                user_id: g.user_id.clone(),
                instance_url: g.instance_url.clone(),
                is_sandbox: g.audience == endpoint::TEST || st.local.login_host_is_sandbox,
            });
            let detail = format!("logged in to org {} (aud {})", g.org_id, g.audience);
            st.push(check("grant", "JWT bearer grant", CheckStatus::Pass, detail));
            st.session_refusal = session_check(st, client, &g);
            clock(st);
            return Ok(());
        }
        Outcome::Refused { error, description } => {
            let c = check("grant", "JWT bearer grant", CheckStatus::Fail, format!("{error}: {description}"));
            st.refusal = Some((error, description));
            c
        }
        Outcome::NoAnswer { failure, detail } => {
            let c = check(
                "grant",
                "JWT bearer grant",
                CheckStatus::Fail,
                format!("no usable answer ({failure}): {detail}"),
            );
            st.failure = Some(failure);
            c
        }
    };
    st.push(c);
    clock(st);
    Ok(())
}

fn clock(st: &mut State<'_>) {
    let date = st.report.attempts.iter().rev().find_map(|a| a.server_date.as_deref());
    let Some(skew) = date.and_then(clock_skew) else { return };
    st.local.skew_seconds = Some(skew);
    let status = match skew.abs() {
        s if s > 150 => CheckStatus::Fail,
        s if s > 30 => CheckStatus::Warn,
        _ => CheckStatus::Pass,
    };
    let detail = format!("server clock minus local clock: {skew}s");
    st.push(check("clock", "Local clock agrees with the server", status, detail));
}

/// The check after the grant, as `login` makes it: the diagnosis when the session cannot use
/// the API (High Assurance, API access off), after revoking the token.
fn session_check(st: &mut State<'_>, client: &Client, g: &grant::Granted) -> Option<crate::diagnose::Diagnosis> {
    let net = &st.s.login.net;
    let verdict = crate::diagnose::login::assess_session(crate::login::session::verify(client, net, g), None);
    if verdict.diagnosis.is_some() {
        crate::login::revoke::best_effort(client, net, &g.instance_url, &g.access_token);
    }
    st.push(verdict.check);
    verdict.diagnosis
}

/// Server clock minus local clock, from an HTTP Date header.
fn clock_skew(date: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let server = time::PrimitiveDateTime::parse(date.trim(), &fmt).ok()?.assume_utc();
    Some((server - time::OffsetDateTime::now_utc()).whole_seconds())
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
            st.s.login.hosts.login_url(&session.instance_url)?;
            session
        }
    };
    let l = &st.s.login;
    let api = OrgApi { client, net: &l.net, session: &session };
    let repo_label = st.repo_app.as_ref().map(|a| a.label.clone());
    let f = facts::gather(&api, &l.username, st.s.app_name.as_deref(), repo_label.as_deref());
    // The org says what it is; that beats guessing from the host name.
    if let Some(sandbox) = f.is_sandbox {
        st.local.login_host_is_sandbox = sandbox;
        st.local.environment_mismatch = endpoint::environment_mismatch(&l.username, sandbox, "the org is");
        let kind = if sandbox { "sandbox" } else { "production" };
        let c = super::local::environment_check(st, format!("{} in a {kind} org", l.username));
        st.replace(c);
    }
    st.checks.extend(verdict::org_checks(&f, &l.username));
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
