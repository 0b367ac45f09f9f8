//! `sfjwt login`, as a conductor: the settings, the credential made ready (the key read, or the
//! pipeline's OIDC token acquired), the one login attempt (`diagnose::attempt`), then the hand-off
//! of a working session (`handoff`) or the diagnosis of why not (`failure`), and the report.
//! Nothing is handed on unless the session works.

mod failure;
mod handoff;

use reqwest::blocking::Client;

use crate::cli::LoginArgs;
use crate::cli::settings::{self, LoginSettings};
use crate::credentials::keys;
use crate::diagnose::attempt::{self, End, Flow};
use crate::diagnose::{Cause, Confidence, Diagnosis, keyless};
use crate::error::{Error, Exit};
use crate::login::grant::GrantRequest;
use crate::login::target::Credential;
use crate::output::printer::{Outcome, Printer};
use crate::record::{self, Report};

/// One login: its settings, where it prints, and its report so far.
struct Login<'s> {
    s: &'s LoginSettings,
    printer: Printer,
}

pub fn run(args: LoginArgs, printer: Printer) -> Result<Outcome, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let s = settings::resolve(&args, &env)?;
    for note in &s.notes {
        super::say(&format!("note: {note}"));
    }
    let login = Login { s: &s, printer };
    let mut report = Report::new("login", record_target(&s), Diagnosis::ok());
    match &s.credential {
        Credential::Key(k) => {
            let key = match keys::load(&k.key, k.passphrase.as_ref()) {
                Ok(key) => key,
                Err(e) => {
                    let d = Diagnosis::new(Cause::InvalidKey, Confidence::Confirmed, vec![e.to_string()]);
                    return login.unusable_credential(report, d, e.into());
                }
            };
            let client = crate::net::client(&s.tries.net)?;
            let flow = Flow::Grant(GrantRequest::new(&s.target, k, &key, &s.tries));
            login.attempt(&client, flow, report)
        }
        Credential::Oidc(o) => {
            let client = crate::net::client(&s.tries.net)?;
            let subject = match keyless::acquire(o, &client, &s.tries.net, &env, s.handoff.github) {
                Ok(subject) => subject,
                Err(failed) => {
                    let (e, d) = *failed;
                    return login.unusable_credential(report, d, e);
                }
            };
            for p in &subject.preflight {
                eprintln!("warning: {p}");
            }
            report.checks.push(subject.check.clone());
            report.target.oidc = subject.claims.clone();
            login.attempt(&client, subject.flow(&s.target, o), report)
        }
    }
}

impl Login<'_> {
    /// The attempt (either flow), then what the user sees of its end: the hand-off of a working
    /// session, or the diagnosis of a refusal or of silence.
    fn attempt(&self, client: &Client, flow: Flow<'_>, mut report: Report) -> Result<Outcome, Error> {
        let s = self.s;
        let what = match flow {
            Flow::Grant(_) => "grant",
            Flow::Exchange { .. } => "token exchange",
        };
        let plan = attempt::Plan {
            flow,
            net: &s.tries.net,
            verify: s.verify,
            github_mask: s.handoff.github,
            evidence_host: s.target.login.host_str(),
            clock_compensation: Some(s.clock_compensation),
        };
        let done = attempt::run(client, &plan, &mut super::StderrProgress::new())?;
        if let Some(w) = &done.clock_warning {
            eprintln!("warning: {w}");
        }
        report.record_attempts(done.attempts);
        report.checks.extend(done.checks);
        match done.end {
            End::Granted { session, identity, warning } => {
                if let Some(w) = warning {
                    eprintln!("warning: {w}");
                }
                self.hand_off(session, identity, report)
            }
            End::SessionRefused { diagnosis, .. } => {
                eprintln!("error: the grant succeeded, but the session cannot use the API");
                report.diagnosis = diagnosis;
                self.fail(report, Exit::Refused, 0)
            }
            End::Refused { error, description, diagnosis } => {
                report.diagnosis = diagnosis;
                let said = crate::secrets::for_terminal(&format!("{error}: {description}"));
                eprintln!("error: Salesforce refused the {what}: {said}");
                // The first evidence line is the refusal the `error:` line already showed.
                self.fail(report, Exit::Refused, 1)
            }
            End::NoAnswer { failure, detail, diagnosis } => {
                report.diagnosis = diagnosis;
                let host = s.target.login.host_str().unwrap_or_default();
                // The TLS hint comes with the diagnosis (its remediation), once.
                eprintln!(
                    "error: no usable answer from {host} ({failure}): {}",
                    crate::secrets::terminal_safe(&detail)
                );
                self.fail(report, Exit::NoAnswer, 1)
            }
        }
    }
}

/// The report's target: the app, the user when one is named, the login host, the audience.
fn record_target(s: &LoginSettings) -> record::Target {
    let (audience, flow) = match &s.credential {
        Credential::Key(k) => (k.audience.clone(), record::Flow::default()),
        Credential::Oidc(o) => (Some(o.audience.clone()), record::Flow::TokenExchange),
    };
    record::Target {
        client_id: Some(s.target.client_id.clone()),
        username: s.credential.username().map(str::to_string),
        login_host: s.target.login.host_str().map(str::to_string),
        audience,
        flow,
        ..Default::default()
    }
}
