//! `sfjwt login`: the settings, the one login attempt (`diagnose::attempt`), then the hand-off. Every
//! failure writes the report and prints the diagnosis; nothing is handed on unless the session works.

use reqwest::blocking::Client;

use serde::Serialize;

use crate::cli::settings::{self, LoginSettings, OidcSettings};
use crate::cli::{LoginArgs, OutFormat};
use crate::credentials::keys;
use crate::credentials::oidc;
use crate::diagnose::attempt::{self, End, Flow, Session};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::error::{Error, Exit};
use crate::login::endpoint;
use crate::login::exchange;
use crate::login::grant::{self, GrantRequest, Granted};
use crate::output::ci;
use crate::output::report;
use crate::record::{self, Identity, Report, Status};

#[derive(Serialize)]
struct Output<'a> {
    username: &'a str,
    org_id: &'a str,
    user_id: &'a str,
    instance_url: &'a str,
    is_sandbox: bool,
    token_type: &'a str,
    scope: Option<&'a str>,
    issued_at: Option<&'a str>,
    audience: &'a str,
    /// When the session ends (RFC 3339, UTC, seconds), only when the org said.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

pub fn run(args: LoginArgs) -> Result<Exit, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let s = settings::resolve(&args, &env)?;
    for note in &s.notes {
        eprintln!("note: {}", crate::secrets::terminal_safe(&crate::secrets::scrub(note)));
    }
    if let Some(o) = &s.oidc {
        return keyless(&s, o, &env);
    }
    let mut report = Report::new("login", target(&s), Diagnosis::ok());
    let key_source = s.key.as_ref().ok_or_else(|| Error::usage("no key given", "pass --key or set SFJWT_KEY"))?;
    let key = match keys::load(key_source, s.passphrase.as_ref()) {
        Ok(k) => k,
        Err(e) => {
            report.diagnosis = Diagnosis::new(Cause::InvalidKey, Confidence::Confirmed, vec![e.to_string()]);
            report.exit_code = Exit::Usage as u8;
            report::write_all(&report, &s.reports)?;
            return Err(e.into());
        }
    };
    let client = crate::net::client(&s.net)?;
    let request = GrantRequest {
        login: &s.login,
        hosts: &s.hosts,
        client_id: &s.client_id,
        username: &s.username,
        key: &key,
        audience: s.audience.as_deref(),
        lifetime: s.lifetime,
        wait_for_propagation: s.wait_for_propagation,
    };
    conclude(&client, &s, Flow::Grant(request), report)
}

/// Keyless: the pipeline's OIDC token exchanged for a session; outputs, hand-off and reports as
/// for the JWT bearer grant.
fn keyless(s: &LoginSettings, o: &OidcSettings, env: &dyn Fn(&str) -> Option<String>) -> Result<Exit, Error> {
    let mut report = Report::new(
        "login",
        record::Target {
            client_id: Some(s.client_id.clone()),
            username: (!s.username.is_empty()).then(|| s.username.clone()),
            login_host: s.login.host_str().map(str::to_string),
            audience: Some(o.audience.clone()),
            flow: record::Flow::TokenExchange,
            oidc: None,
            ..Default::default()
        },
        Diagnosis::ok(),
    );
    let client = crate::net::client(&s.net)?;
    let token = match oidc::acquire(&o.source, &o.audience, &client, &s.net, env, s.github) {
        Ok(t) => t,
        Err(e) => {
            let evidence = vec![format!("{}: {e}", o.source.describe())];
            report.diagnosis = Diagnosis::new(Cause::OidcTokenUnavailable, Confidence::Confirmed, evidence);
            report.exit_code = Exit::Usage as u8;
            report::write_all(&report, &s.reports)?;
            return Err(e);
        }
    };
    // Registered for every source (env:, file:, gitlab): any echo of it is scrubbed everywhere.
    crate::secrets::register(token.expose());
    if s.github {
        crate::secrets::github_mask(token.expose());
    }
    let claims = oidc::decode(token.expose());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let preflight = claims.as_ref().map(|c| oidc::preflight(c, &o.audience, now)).unwrap_or_default();
    for p in &preflight {
        eprintln!("warning: {p}");
    }
    report.checks.push(record::Check {
        id: "oidc_token".into(),
        title: "OIDC token claims (decoded, not verified)".into(),
        status: if preflight.is_empty() { record::CheckStatus::Pass } else { record::CheckStatus::Warn },
        detail: claims.as_ref().map(diagnose::keyless::describe).unwrap_or_default(),
    });
    report.target.oidc = claims.clone();
    let request = exchange::ExchangeRequest {
        login: &s.login,
        hosts: &s.hosts,
        client_id: &s.client_id,
        subject_token: &token,
        token_type: o.token_type,
        token_handler: o.token_handler.as_deref(),
        audience: &o.audience,
    };
    let context = diagnose::keyless::Context {
        client_id: &s.client_id,
        token_handler: o.token_handler.as_deref(),
        claims: claims.as_ref(),
        preflight: &preflight,
    };
    conclude(&client, s, Flow::Exchange { request, context }, report)
}

/// The attempt (either flow), then what the user sees of its end: the hand-off of a working
/// session, or the diagnosis of a refusal or of silence.
fn conclude(client: &Client, s: &LoginSettings, flow: Flow<'_>, mut report: Report) -> Result<Exit, Error> {
    let what = match flow {
        Flow::Grant(_) => "grant",
        Flow::Exchange { .. } => "token exchange",
    };
    let plan = attempt::Plan {
        flow,
        login: &s.login,
        username: &s.username,
        net: &s.net,
        verify: s.verify,
        github_mask: s.github,
        evidence_host: s.login.host_str(),
        clock_compensation: Some(s.clock_compensation),
    };
    let done = attempt::run(client, &plan, &mut super::StderrProgress::new())?;
    if let Some(w) = &done.clock_warning {
        eprintln!("warning: {w}");
    }
    report.attempts = done.attempts;
    report.checks.extend(done.checks);
    match done.end {
        End::Granted { session, identity, warning } => {
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            granted(s, session, identity, report)
        }
        End::SessionRefused { diagnosis, .. } => {
            eprintln!("error: the grant succeeded, but the session cannot use the API");
            report.diagnosis = diagnosis;
            finish(s, report, Exit::Refused, 0)
        }
        End::Refused { error, description, diagnosis } => {
            report.diagnosis = diagnosis;
            let said =
                crate::secrets::scrub(&crate::secrets::terminal_safe(&format!("{error}: {description}"))).into_owned();
            eprintln!("error: Salesforce refused the {what}: {said}");
            finish_failure(s, report, Exit::Refused)
        }
        End::NoAnswer { failure, detail, diagnosis } => {
            report.diagnosis = diagnosis;
            let host = s.login.host_str().unwrap_or_default();
            // The TLS hint comes with the diagnosis (its remediation), once.
            eprintln!("error: no usable answer from {host} ({failure}): {}", crate::secrets::terminal_safe(&detail));
            finish_failure(s, report, Exit::NoAnswer)
        }
    }
}

fn target(s: &LoginSettings) -> record::Target {
    record::Target {
        client_id: Some(s.client_id.clone()),
        username: Some(s.username.clone()),
        login_host: s.login.host_str().map(str::to_string),
        audience: s.audience.clone(),
        ..Default::default()
    }
}

fn finish_failure(s: &LoginSettings, report: Report, exit: Exit) -> Result<Exit, Error> {
    // The first evidence line is the refusal the `error:` line above already showed.
    finish(s, report, exit, 1)
}

fn finish(s: &LoginSettings, mut report: Report, exit: Exit, skip: usize) -> Result<Exit, Error> {
    super::print_diagnosis(&report.diagnosis, skip);
    let others: Vec<&str> = report.diagnosis.candidates.iter().skip(1).map(|c| c.cause.id()).collect();
    if !others.is_empty() {
        eprintln!("other candidates: {}", others.join(", "));
    }
    if s.oidc.is_none() {
        // doctor checks the JWT bearer setup; a keyless refusal's details are in its evidence.
        eprintln!("confirm with: {}", doctor_command(s));
        eprintln!(
            "  (add --admin-sf-org ALIAS, or set SFJWT_ADMIN_TOKEN and SFJWT_ADMIN_INSTANCE_URL, so doctor can read the org)"
        );
    }
    report.exit_code = exit as u8;
    if s.github {
        ci::github_outputs(&[("cause", report.diagnosis.cause.id())])?;
        ci::github_report(&report);
    }
    report::write_all(&report, &s.reports)?;
    let name = if exit == Exit::NoAnswer { "NoUsableAnswer" } else { "GrantRefused" };
    crate::output::envelope::set_failure(name, report.diagnosis.summary.clone(), Some(report.diagnosis.cause.id()));
    if crate::output::envelope::enabled() {
        super::print_json(&report)?;
    }
    Ok(exit)
}

/// The exact `sfjwt doctor` command that reads the org to confirm the cause, flags filled in.
fn doctor_command(s: &LoginSettings) -> String {
    let mut cmd = format!(
        "sfjwt doctor --client-id {} --username {} --login-url {}",
        s.client_id,
        s.username,
        endpoint::origin(&s.login)
    );
    if let Some(a) = &s.audience {
        cmd.push_str(&format!(" --audience {a}"));
    }
    if matches!(s.key, Some(crate::credentials::keys::KeySource::Stdin)) {
        // Standard input was read once already: the key is piped in again, as for login.
        cmd.push_str(" --key -");
    } else if let Some(key) = s.key.as_ref().and_then(|k| k.spec()) {
        cmd.push_str(&format!(" --key {}", ci::shell_quote(&key)));
    }
    if s.login.scheme() == "http" {
        cmd.push_str(" --insecure-http");
    }
    for ca in &s.net.ca_files {
        cmd.push_str(&format!(" --ca-file {}", ci::shell_quote(&ca.display().to_string())));
    }
    cmd
}

/// A working session handed on; if any hand-off fails, dropping the session revokes it.
fn granted(s: &LoginSettings, session: Session<'_>, identity: Identity, mut report: Report) -> Result<Exit, Error> {
    let g = session.granted();
    let token = g.access_token.as_str();
    let is_sandbox = identity.is_sandbox;
    let pairs = [
        ("SF_ACCESS_TOKEN", token),
        ("SF_ORG_INSTANCE_URL", g.instance_url.as_str()),
        ("SF_ORG_ID", g.org_id.as_str()),
        ("SF_USER_ID", g.user_id.as_str()),
        ("SF_USERNAME", s.username.as_str()),
    ];
    print_output(s, g, is_sandbox, &pairs)?;
    hand_off(s, g, is_sandbox, &pairs)?;

    let env_kind = if is_sandbox { "sandbox" } else { "production" };
    let who = if s.username.is_empty() {
        format!("user {} (mapped by the token exchange handler)", g.user_id)
    } else {
        s.username.clone()
    };
    eprintln!("Logged in as {who} to org {} ({env_kind}) at {}", g.org_id, g.instance_url);
    let instance_host =
        url::Url::parse(&g.instance_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    if let Some(at) = expiry_text(g.expires_at) {
        eprintln!("The session expires at {at} (the org's session timeout); after that, run `sfjwt login` again");
    }
    print_notes(s, g, &report, &instance_host);
    report.status = Status::Ok;
    report.identity = Some(identity);
    if s.github {
        ci::github_report(&report);
    }
    report::write_all(&report, &s.reports)?;
    // Handed on: the pipeline's session from here.
    session.keep();
    Ok(Exit::Success)
}

fn print_output(s: &LoginSettings, g: &Granted, is_sandbox: bool, pairs: &[(&str, &str)]) -> Result<(), Error> {
    let out = Output {
        username: &s.username,
        org_id: &g.org_id,
        user_id: &g.user_id,
        instance_url: &g.instance_url,
        is_sandbox,
        token_type: &g.token_type,
        scope: g.scope.as_deref(),
        issued_at: g.issued_at.as_deref(),
        audience: &g.audience,
        expires_at: g
            .expires_at
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
        access_token: s.show_token.then_some(g.access_token.as_str()),
    };
    match s.format {
        Some(OutFormat::Json) => super::print_json(&out)?,
        Some(OutFormat::Yaml) => print!("{}", serde_saphyr::to_string(&out).unwrap_or_default()),
        Some(OutFormat::Env) => print!("{}", ci::env_lines(pairs)?),
        Some(OutFormat::Shell) => print!("{}", ci::shell_lines(pairs)?),
        None => {}
    }
    Ok(())
}

/// GitHub outputs, exported variables, the dotenv file and the sf CLI: the same variables
/// everywhere (`--dotenv` writes what `--format env` prints).
fn hand_off(s: &LoginSettings, g: &Granted, is_sandbox: bool, pairs: &[(&str, &str)]) -> Result<(), Error> {
    let token = g.access_token.as_str();
    if s.github {
        ci::github_outputs(&[
            ("access-token", token),
            ("instance-url", &g.instance_url),
            ("org-id", &g.org_id),
            ("user-id", &g.user_id),
            ("username", &s.username),
            ("is-sandbox", if is_sandbox { "true" } else { "false" }),
            ("cause", "none"),
        ])?;
        if s.export_env {
            ci::github_env(&[("SF_ACCESS_TOKEN", token), ("SF_ORG_INSTANCE_URL", &g.instance_url)])?;
        }
    }
    if let Some(path) = &s.dotenv {
        ci::dotenv(path, pairs)?;
    }
    if let Some(alias) = &s.sf_alias {
        hand_to_sf(s, g, alias)?;
    }
    Ok(())
}

/// `--sf-alias`: the session stored in sf under the alias, sf's defaults set if asked.
fn hand_to_sf(s: &LoginSettings, g: &Granted, alias: &str) -> Result<(), Error> {
    crate::sfcli::sf_handoff(alias, &g.instance_url, g.access_token.as_str(), &s.net.ca_files, &s.sf_defaults.flags())?;
    eprintln!("Salesforce CLI: later `sf` commands can use --target-org {alias}");
    if s.sf_defaults.org {
        eprintln!("Salesforce CLI: {alias} is the default org (target-org)");
    }
    if s.sf_defaults.dev_hub {
        eprintln!("Salesforce CLI: {alias} is the default Dev Hub (target-dev-hub)");
    }
    // sf stored an access token, not a refresh token: it cannot log in again by itself.
    eprintln!(
        "note: sf cannot renew this session; a job that outlasts the org's session timeout runs `sfjwt login` again"
    );
    Ok(())
}

fn print_notes(s: &LoginSettings, g: &Granted, report: &Report, instance_host: &str) {
    let mut audiences: Vec<&str> = report.attempts.iter().map(|a| a.audience.as_str()).collect();
    audiences.dedup();
    if audiences.len() > 1 && s.audience.is_none() {
        eprintln!(
            "note: the audience {} worked; pass --audience {} to skip the other attempts",
            g.audience, g.audience
        );
    }
    if grant::is_jwt_format(&g.access_token) {
        eprintln!(
            "warning: the access token is JWT-formatted (the app issues JWT-based access tokens): SOAP deploys below API v68 and raw --target-org use fail with it"
        );
    }
    if let Some(warning) = crate::net::dns_warning(instance_host) {
        eprintln!("warning: {warning}");
    }
}

/// When the org said the session ends, in UTC at the second.
fn expiry_text(at: Option<i64>) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(at?).ok()?;
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&f).ok()
}
