//! One login attempt, made the same way by `login`, `doctor` (and so the fleet) and `setup`'s
//! propagation wait: the grant or the token exchange, its own check, the check after it, and the
//! reading of a refusal or of silence. One audience rule (a refusal is read with the audience of
//! the attempt that got it), one sandbox rule (`login::is_sandbox`: the audience and both hosts),
//! one cause when no answer came (`login::from_failure`), and the token revoked whenever the
//! session is not handed on.

use reqwest::blocking::Client;

use crate::diagnose::{self, Cause, Diagnosis, keyless, login as hints};
use crate::error::Error;
use crate::login::endpoint::LoginUrl;
use crate::login::exchange::{self, ExchangeRequest};
use crate::login::grant::{self, Attempt, GrantRequest, Granted, Outcome, Progress};
use crate::login::target::{OidcCredential, Target};
use crate::login::{revoke, session};
use crate::net::{FailureKind, NetSettings};
use crate::record::{Check, CheckStatus, Identity};

/// What is tried: the JWT bearer grant, or the pipeline's OIDC token exchanged.
pub enum Flow<'a> {
    Grant(GrantRequest<'a>),
    Exchange { request: ExchangeRequest<'a>, context: keyless::Context<'a> },
}

impl Flow<'_> {
    /// Where the login goes (the host policy's login URL).
    fn login(&self) -> &LoginUrl {
        match self {
            Flow::Grant(r) => r.login,
            Flow::Exchange { request, .. } => request.login,
        }
    }
}

/// The attempt: what is tried (the request holds the target and the credential), and how.
pub struct Plan<'a> {
    pub flow: Flow<'a>,
    pub net: &'a NetSettings,
    /// One REST call after the grant to check that the session works.
    pub verify: bool,
    /// Mask the token for GitHub Actions the moment it is issued, before anything else is printed.
    pub github_mask: bool,
    /// Where the grant was made, named in the session refusal's evidence (`None` where the
    /// report names it elsewhere, as doctor's does).
    pub evidence_host: Option<&'a str>,
    /// After an expiry refusal from a server whose clock runs ahead: `Some(true)` signs once more
    /// with exp relative to the server's clock, `Some(false)` only records the skew (login's
    /// `--no-clock-compensation`), `None` leaves the clock to the caller (doctor's own check).
    pub clock_compensation: Option<bool>,
}

/// What happened: every request to the token endpoint, the checks made (the grant's or the
/// exchange's own, then the session's), and how it ended.
pub struct Attempted<'c> {
    pub attempts: Vec<Attempt>,
    pub checks: Vec<Check>,
    pub end: End<'c>,
    /// For stderr: the login went on with the server's clock (issue 23 §3).
    pub clock_warning: Option<String>,
}

pub enum End<'c> {
    /// A session that works (or was not checked). `warning`: the check after the grant said
    /// nothing either way.
    Granted {
        session: Session<'c>,
        identity: Identity,
        warning: Option<String>,
    },
    /// The token endpoint refused: its words and their reading.
    Refused {
        error: String,
        description: String,
        diagnosis: Diagnosis,
    },
    /// A token was issued but cannot use the API; it has been revoked.
    SessionRefused {
        identity: Identity,
        diagnosis: Diagnosis,
    },
    NoAnswer {
        failure: FailureKind,
        detail: String,
        diagnosis: Diagnosis,
    },
}

/// An issued token, revoked (best effort) when dropped unless `keep` hands it on: a hand-off
/// that fails after the grant strands no live token.
pub struct Session<'c> {
    client: &'c Client,
    net: NetSettings,
    granted: Option<Granted>,
}

impl<'c> Session<'c> {
    pub fn granted(&self) -> &Granted {
        self.granted.as_ref().expect("a session holds its grant until kept or dropped")
    }

    /// The session is handed on (or left to expire): no revoke.
    pub fn keep(mut self) -> Granted {
        self.granted.take().expect("a session holds its grant until kept or dropped")
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if let Some(g) = self.granted.take() {
            revoke::best_effort(self.client, &self.net, &g.instance_url, &g.access_token);
        }
    }
}

/// Makes the attempt. Errors only for what no report can hold (an assertion that cannot be signed).
pub fn run<'c>(client: &'c Client, plan: &Plan<'_>, progress: &mut dyn Progress) -> Result<Attempted<'c>, Error> {
    let (outcome, mut attempts, clock) = match &plan.flow {
        Flow::Grant(request) => {
            let first = grant::run(client, plan.net, request, progress)?;
            let expired = matches!(&first.0, Outcome::Refused { error, description }
                if diagnose::wordings::is_expiry(error, description));
            match plan.clock_compensation {
                Some(on) => crate::login::clock::compensate(client, plan.net, request, progress, (on, expired), first)?,
                None => (first.0, first.1, None),
            }
        }
        Flow::Exchange { request, .. } => {
            let (outcome, attempts) = exchange::run(client, plan.net, request, progress)?;
            (outcome, attempts, None)
        }
    };
    if let Flow::Exchange { .. } = plan.flow {
        // A handler's message can quote the subject token: never into a report.
        for a in &mut attempts {
            a.error_description = a.error_description.as_deref().map(keyless::scrub);
            a.detail = a.detail.as_deref().map(keyless::scrub);
        }
    }
    let mut checks = vec![];
    let end = match outcome {
        Outcome::Granted(g) => {
            if plan.github_mask {
                crate::secrets::github_mask(&g.access_token);
            }
            checks.push(own_check(
                plan,
                CheckStatus::Pass,
                format!("logged in to org {} (aud {})", g.org_id, g.audience),
            ));
            granted(client, plan, g, &mut checks)
        }
        Outcome::Refused { error, description } => {
            let description = match plan.flow {
                Flow::Exchange { .. } => keyless::scrub(&description),
                Flow::Grant(_) => description,
            };
            checks.push(own_check(plan, CheckStatus::Fail, format!("{error}: {description}")));
            let mut diagnosis = refusal(plan, &attempts, &error, &description);
            diagnosis.evidence.extend(clock.as_ref().map(|n| n.detail.clone()));
            End::Refused { error, description, diagnosis }
        }
        Outcome::NoAnswer { failure, detail } => {
            checks.push(own_check(plan, CheckStatus::Fail, format!("no usable answer ({failure}): {detail}")));
            let diagnosis = diagnose::from_attempts(&attempts, None, Some(failure));
            End::NoAnswer { failure, detail, diagnosis }
        }
    };
    let clock_warning = clock.as_ref().and_then(|n| n.warning.clone());
    if let Some(n) = clock {
        // Right after the grant's own check: what the clock did to it.
        checks.insert(1.min(checks.len()), clock_check(n));
    }
    Ok(Attempted { attempts, checks, end, clock_warning })
}

/// The clock check after an expiry refusal (issue 23 §3): a warning when the login went on with
/// the server's clock, a failure when it did not.
fn clock_check(n: crate::login::clock::Note) -> Check {
    let status = if n.compensated { CheckStatus::Warn } else { CheckStatus::Fail };
    Check { id: "clock".into(), title: "Local clock agrees with the server".into(), status, detail: n.detail }
}

/// The grant's (or exchange's) own check in the report.
fn own_check(plan: &Plan<'_>, status: CheckStatus, detail: String) -> Check {
    let (id, title) = match plan.flow {
        Flow::Grant(_) => ("grant", "JWT bearer grant"),
        Flow::Exchange { .. } => ("token_exchange", "Token exchange"),
    };
    Check { id: id.into(), title: title.into(), status, detail }
}

/// After the grant: the check that the session works, and the sandbox rule.
fn granted<'c>(client: &'c Client, plan: &Plan<'_>, g: Granted, checks: &mut Vec<Check>) -> End<'c> {
    let session = Session { client, net: plan.net.clone(), granted: Some(g) };
    let g = session.granted();
    let identity = Identity {
        org_id: g.org_id.clone(),
        user_id: g.user_id.clone(),
        instance_url: g.instance_url.clone(),
        is_sandbox: is_sandbox(plan.flow.login(), g),
    };
    if !plan.verify {
        return End::Granted { session, identity, warning: None };
    }
    let verdict = hints::assess_session(session::verify(client, plan.net, g), plan.evidence_host);
    checks.push(verdict.check);
    match verdict.diagnosis {
        // Dropping the session revokes the unusable token.
        Some(diagnosis) => End::SessionRefused { identity, diagnosis },
        None => End::Granted { session, identity, warning: verdict.warning },
    }
}

/// Whether the session is a sandbox's: the accepted audience, the login host, the instance host.
fn is_sandbox(login: &LoginUrl, g: &Granted) -> bool {
    let instance = url::Url::parse(&g.instance_url).ok();
    let instance_host = instance.as_ref().and_then(|u| u.host_str()).unwrap_or_default();
    hints::is_sandbox(None, login.host_str().unwrap_or_default(), instance_host, &g.audience)
}

/// A refusal read with the audience of the attempt that got it, and what the login knows.
fn refusal(plan: &Plan<'_>, attempts: &[Attempt], error: &str, description: &str) -> Diagnosis {
    let request = match &plan.flow {
        Flow::Exchange { context, .. } => return keyless::refused(attempts, error, description, context),
        Flow::Grant(request) => request,
    };
    let d = diagnose::from_attempts(attempts, Some((error, description)), None);
    let audience = attempts.iter().rev().find(|a| a.error.as_deref() == Some(error)).map(|a| a.audience.as_str());
    let ctx = hints::LoginContext::new(request.login, request.username, audience.unwrap_or_default(), attempts);
    let d = hints::refine(d, &ctx);
    // The help follows the app's kind: the refusal's words, or the app `setup` made here.
    let app = super::app_kind::repository_app(request.client_id);
    // "hasn't approved" names two policies: the app `setup` wrote here says which, read as doctor
    // reads repository metadata (no org facts, no local checks).
    let d = match &app {
        Some(a) if matches!(d.cause, Cause::UserNotApproved | Cause::UserNotPreauthorized) => {
            let local = super::verdict::Local::default();
            super::verdict::verdict(d, Some((error, description)), None, Some(a), &local, request.username)
        }
        _ => d,
    };
    let external = super::app_kind::named_in(error, description)
        || app.is_some_and(|a| a.kind == crate::appmeta::read::AppKind::ExternalClientApp);
    super::app_kind::follow(d, external)
}
/// The keyless subject's flow lives here, beside `Flow`: keyless.rs reads refusals and needs no
/// part of the attempt.
impl keyless::Subject {
    /// The token exchange for this target, read with what the preflight found.
    pub fn flow<'a>(&'a self, target: &'a Target, o: &'a OidcCredential) -> Flow<'a> {
        let request = ExchangeRequest {
            login: &target.login,
            hosts: &target.hosts,
            client_id: &target.client_id,
            subject_token: &self.token,
            token_type: o.token_type,
            token_handler: o.token_handler.as_deref(),
            audience: &o.audience,
        };
        let context = keyless::Context {
            client_id: &target.client_id,
            token_handler: o.token_handler.as_deref(),
            claims: self.claims.as_ref(),
            preflight: &self.preflight,
        };
        Flow::Exchange { request, context }
    }
}
