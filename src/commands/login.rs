use std::io::IsTerminal;
use std::time::Duration;

use serde::Serialize;

use crate::cli::settings::{self, LoginSettings, OidcSettings};
use crate::cli::{LoginArgs, OutFormat};
use crate::credentials::{keys, oidc};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::error::{Error, Exit};
use crate::login::endpoint::{self, TEST};
use crate::login::exchange;
use crate::login::grant::{self, GrantRequest, Granted, Outcome, Progress};
use crate::output::ci;
use crate::output::report::{self, Identity, Report};

struct Stderr {
    tty: bool,
}

impl Progress for Stderr {
    fn retrying(&mut self, audience: &str, why: &str, wait: Duration) {
        eprintln!("note: {why} (aud {audience}); retrying in {:.1}s", wait.as_secs_f64());
    }

    fn waiting(&mut self, why: &str, remaining: Duration) {
        if self.tty {
            eprintln!("waiting for the app to propagate ({why}); giving up in {}s", remaining.as_secs());
        }
    }
}

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
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

pub fn run(args: LoginArgs) -> Result<Exit, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let s = settings::resolve(&args, &env)?;
    for note in &s.notes {
        eprintln!("note: {note}");
    }
    if let Some(o) = &s.oidc {
        return keyless(&s, o, &env);
    }
    let mut report = Report::new(
        "login",
        report::Target {
            client_id: Some(s.client_id.clone()),
            username: Some(s.username.clone()),
            login_host: s.login.host_str().map(str::to_string),
            audience: s.audience.clone(),
            ..Default::default()
        },
    );
    let key_source = s.key.as_ref().ok_or_else(|| Error::usage("no key given", "pass --key or set SFJWT_KEY"))?;
    let key = match keys::load(key_source, s.passphrase.as_ref()) {
        Ok(k) => k,
        Err(e) => {
            report.diagnosis = Diagnosis::new(Cause::InvalidKey, Confidence::Confirmed, vec![e.to_string()]);
            report.exit_code = Exit::Usage as u8;
            report.write_all(&s.reports)?;
            return Err(e.into());
        }
    };
    let client = crate::login::net::client(&s.net)?;
    let request = GrantRequest {
        login: &s.login,
        client_id: &s.client_id,
        username: &s.username,
        key: &key,
        audience: s.audience.as_deref(),
        lifetime: s.lifetime,
        wait_for_propagation: s.wait_for_propagation,
    };
    let mut progress = Stderr { tty: std::io::stderr().is_terminal() };
    let (outcome, attempts) = grant::run(&client, &s.net, &request, &mut progress)?;
    report.attempts = attempts;
    match outcome {
        Outcome::Granted(g) => granted(&s, g, report),
        Outcome::Refused { error, description } => {
            report.diagnosis = diagnose::from_attempts(&report.attempts, Some((&error, &description)), None);
            refine_locally(&s, &mut report.diagnosis);
            eprintln!("error: Salesforce refused the grant: {error}: {description}");
            finish_failure(&s, report, Exit::Refused)
        }
        Outcome::NoAnswer { failure, detail } => no_answer(&s, report, &failure, &detail),
    }
}

fn no_answer(s: &LoginSettings, mut report: Report, failure: &str, detail: &str) -> Result<Exit, Error> {
    report.diagnosis = diagnose::from_attempts(&report.attempts, None, Some(failure));
    eprintln!(
        "error: no usable answer from {} ({}): {detail}",
        s.login.host_str().unwrap_or_default(),
        failure.replace('_', " ")
    );
    if failure == "tls" {
        let help = if detail.to_lowercase().contains("name") || detail.contains("NotValidForName") {
            "the certificate is not valid for this host name: check --login-url"
        } else {
            "unknown certificate authority? If a proxy inspects TLS, pass its CA with --ca-file (or SFJWT_CA_FILE, SSL_CERT_FILE)"
        };
        eprintln!("help: {help}");
    }
    finish_failure(s, report, Exit::NoAnswer)
}

/// Keyless: the pipeline's OIDC token exchanged for a session; outputs, hand-off and reports as
/// for the JWT bearer grant.
fn keyless(s: &LoginSettings, o: &OidcSettings, env: &dyn Fn(&str) -> Option<String>) -> Result<Exit, Error> {
    let mut report = Report::new(
        "login",
        report::Target {
            client_id: Some(s.client_id.clone()),
            username: (!s.username.is_empty()).then(|| s.username.clone()),
            login_host: s.login.host_str().map(str::to_string),
            audience: Some(o.audience.clone()),
            flow: report::Flow::TokenExchange,
            oidc: None,
        },
    );
    let client = crate::login::net::client(&s.net)?;
    let token = match oidc::acquire(&o.source, &o.audience, &client, &s.net, env, s.github) {
        Ok(t) => t,
        Err(e) => {
            let evidence = vec![format!("{}: {e}", o.source.describe())];
            report.diagnosis = Diagnosis::new(Cause::OidcTokenUnavailable, Confidence::Confirmed, evidence);
            report.exit_code = Exit::Usage as u8;
            report.write_all(&s.reports)?;
            return Err(e);
        }
    };
    if s.github {
        ci::github_mask(token.expose());
    }
    let claims = oidc::decode(token.expose());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let preflight = claims.as_ref().map(|c| oidc::preflight(c, &o.audience, now)).unwrap_or_default();
    for p in &preflight {
        eprintln!("warning: {p}");
    }
    report.checks.push(report::Check {
        id: "oidc_token".into(),
        title: "OIDC token claims (decoded, not verified)".into(),
        status: if preflight.is_empty() { report::CheckStatus::Pass } else { report::CheckStatus::Warn },
        detail: claims.as_ref().map(diagnose::keyless::describe).unwrap_or_default(),
    });
    report.target.oidc = claims.clone();
    let request = exchange::ExchangeRequest {
        login: &s.login,
        client_id: &s.client_id,
        subject_token: &token,
        token_type: o.token_type,
        token_handler: o.token_handler.as_deref(),
        audience: &o.audience,
    };
    let mut progress = Stderr { tty: std::io::stderr().is_terminal() };
    let (outcome, mut attempts) = exchange::run(&client, &s.net, &request, &mut progress)?;
    for a in &mut attempts {
        a.error_description = a.error_description.as_deref().map(diagnose::keyless::scrub);
        a.detail = a.detail.as_deref().map(diagnose::keyless::scrub);
    }
    report.attempts = attempts;
    match outcome {
        Outcome::Granted(g) => granted(s, g, report),
        Outcome::Refused { error, description } => {
            let description = diagnose::keyless::scrub(&description);
            let ctx = diagnose::keyless::Context {
                client_id: &s.client_id,
                token_handler: o.token_handler.as_deref(),
                claims: claims.as_ref(),
                preflight: &preflight,
            };
            report.diagnosis = diagnose::keyless::refused(&report.attempts, &error, &description, &ctx);
            eprintln!("error: Salesforce refused the token exchange: {error}: {description}");
            finish_failure(s, report, Exit::Refused)
        }
        Outcome::NoAnswer { failure, detail } => no_answer(s, report, &failure, &detail),
    }
}

/// Local evidence that sharpens a text-only verdict (no network needed).
fn refine_locally(s: &LoginSettings, d: &mut Diagnosis) {
    let host = s.login.host_str().unwrap_or_default();
    let hint = endpoint::environment_mismatch(&s.username, endpoint::is_sandbox_host(host), &format!("{host} serves"));
    if let Some(h) = hint
        && d.candidates.iter().any(|c| c.cause == Cause::WrongEnvironment || c.cause == Cause::UserNotPreauthorized)
    {
        let evidence = std::mem::take(&mut d.evidence);
        let others: Vec<(Cause, Confidence)> = d.candidates.iter().map(|c| (c.cause, Confidence::Possible)).collect();
        *d = Diagnosis::new(Cause::WrongEnvironment, Confidence::Likely, evidence).with_candidates(&others);
        d.evidence.push(h);
    }
}

fn finish_failure(s: &LoginSettings, mut report: Report, exit: Exit) -> Result<Exit, Error> {
    // The first evidence line is the refusal the `error:` line above already showed.
    super::print_diagnosis(&report.diagnosis, 1);
    report.exit_code = exit as u8;
    if s.github {
        ci::github_outputs(&[("cause", report.diagnosis.cause.id())])?;
        ci::github_report(&report);
    }
    report.write_all(&s.reports)?;
    Ok(exit)
}

fn granted(s: &LoginSettings, g: Granted, mut report: Report) -> Result<Exit, Error> {
    let token = g.access_token.as_str();
    if s.github {
        ci::github_mask(token);
    }
    let instance_host =
        url::Url::parse(&g.instance_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    let is_sandbox = g.audience == TEST
        || endpoint::is_sandbox_host(s.login.host_str().unwrap_or_default())
        || endpoint::is_sandbox_host(&instance_host);
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
        access_token: s.show_token.then_some(token),
    };
    let sandbox = if is_sandbox { "true" } else { "false" };
    let pairs = [
        ("SF_ACCESS_TOKEN", token),
        ("SF_ORG_INSTANCE_URL", g.instance_url.as_str()),
        ("SF_ORG_ID", g.org_id.as_str()),
        ("SF_USER_ID", g.user_id.as_str()),
        ("SF_USERNAME", s.username.as_str()),
    ];
    match s.format {
        Some(OutFormat::Json) => super::print_json(&out)?,
        Some(OutFormat::Yaml) => print!("{}", serde_saphyr::to_string(&out).unwrap_or_default()),
        Some(OutFormat::Env) => pairs.iter().for_each(|(k, v)| println!("{k}={v}")),
        Some(OutFormat::Shell) => pairs.iter().for_each(|(k, v)| println!("export {k}={}", ci::shell_quote(v))),
        None => {}
    }
    if s.github {
        ci::github_outputs(&[
            ("access-token", token),
            ("instance-url", &g.instance_url),
            ("org-id", &g.org_id),
            ("user-id", &g.user_id),
            ("username", &s.username),
            ("is-sandbox", sandbox),
            ("cause", "none"),
        ])?;
        if s.export_env {
            ci::github_env(&[("SF_ACCESS_TOKEN", token), ("SF_ORG_INSTANCE_URL", &g.instance_url)])?;
        }
    } else if s.export_env {
        return Err(Error::usage(
            "--export-env works in GitHub Actions only",
            "elsewhere use --dotenv FILE or --format env",
        ));
    }
    if let Some(path) = &s.dotenv {
        ci::dotenv(path, &[pairs[0], pairs[1], pairs[2], pairs[4]])?;
    }
    if let Some(alias) = &s.sf_alias {
        ci::sf_handoff(alias, &g.instance_url, token)?;
        eprintln!("Salesforce CLI: later `sf` commands can use --target-org {alias}");
    }

    let env_kind = if is_sandbox { "sandbox" } else { "production" };
    let who = if s.username.is_empty() {
        format!("user {} (mapped by the token exchange handler)", g.user_id)
    } else {
        s.username.clone()
    };
    eprintln!("Logged in as {who} to org {} ({env_kind}) at {}", g.org_id, g.instance_url);
    if report.attempts.len() > 1 {
        eprintln!(
            "note: the audience {} worked; pass --audience {} to skip the other attempts",
            g.audience, g.audience
        );
    }
    if grant::is_jwt_format(token) {
        eprintln!(
            "warning: the access token is JWT-formatted (the app issues JWT-based access tokens): SOAP deploys below API v68 and raw --target-org use fail with it"
        );
    }
    if let Some(warning) = dns_warning(&instance_host) {
        eprintln!("warning: {warning}");
    }
    report.status = "ok";
    report.identity = Some(Identity {
        org_id: g.org_id.clone(),
        user_id: g.user_id.clone(),
        instance_url: g.instance_url.clone(),
        is_sandbox,
    });
    if s.github {
        ci::github_report(&report);
    }
    report.write_all(&s.reports)?;
    Ok(Exit::Success)
}

/// A new My Domain can take minutes to resolve; say so rather than fail later. Bounded to 3 s.
fn dns_warning(host: &str) -> Option<String> {
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let h = host.to_string();
    std::thread::spawn(move || {
        use std::net::ToSocketAddrs;
        let _ = tx.send((h.as_str(), 443).to_socket_addrs().map(|mut a| a.next().is_some()).unwrap_or(false));
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "instance_url host {host} does not resolve yet; a new My Domain can take minutes to replicate"
        )),
        Err(_) => Some(format!("instance_url host {host} did not resolve within 3 s")),
    }
}
