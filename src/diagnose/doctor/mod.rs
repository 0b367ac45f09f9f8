//! The doctor engine: every check, from every source it can reach, and one verdict. Sources:
//! local preflight (key, certificates, repository metadata), the token endpoint's answers, and the
//! org through an admin session. It prints nothing: `commands::doctor` and the fleet do.

mod local;
pub mod plan;
mod remote;

use serde::Serialize;

use crate::appmeta::read::RepoApp;
use crate::credentials::keys::RsaPrivateKey;
use crate::diagnose::verdict::{self, Local};
use crate::diagnose::{Cause, Confidence, Diagnosis};
use crate::error::{Error, Exit};
use crate::login::endpoint;
use crate::net::FailureKind;
use crate::org::facts::OrgFacts;
use crate::record::{self, Check, CheckStatus, Report};
use plan::DoctorPlan;

/// The certificate whose expiry the fleet page draws.
#[derive(Clone, Debug, Serialize)]
pub struct CertSummary {
    /// Where it came from: the --cert / `cert` path, or the repository's app metadata.
    pub source: String,
    pub not_after: String,
    pub days_left: i64,
}

pub struct Outcome {
    pub report: Report,
    pub exit: Exit,
    pub certificate: Option<CertSummary>,
    /// HTTP requests made to the org through the admin session.
    pub org_requests: Option<u32>,
}

/// What the checks found so far, for the verdict.
struct State<'a> {
    s: &'a DoctorPlan,
    checks: Vec<Check>,
    local: Local,
    report: Report,
    key: Option<RsaPrivateKey>,
    repo_app: Option<RepoApp>,
    certificate: Option<CertSummary>,
    refusal: Option<(String, String)>,
    failure: Option<FailureKind>,
    /// The check after the grant found the session unusable (High Assurance, API access off).
    session_refusal: Option<Diagnosis>,
    /// The attempt's own reading of a refusal or of silence (as `login` reads it).
    login_reading: Option<Diagnosis>,
    facts: Option<OrgFacts>,
}

impl State<'_> {
    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    /// Replaces the check with this id (the org can settle what the host name only suggested).
    fn replace(&mut self, c: Check) {
        match self.checks.iter_mut().find(|x| x.id == c.id) {
            Some(old) => *old = c,
            None => self.checks.push(c),
        }
    }
}

pub fn run(s: &DoctorPlan) -> Result<Outcome, Error> {
    let login = &s.target.login;
    let report = Report::new(
        "doctor",
        record::Target {
            client_id: Some(s.target.client_id.clone()),
            username: Some(s.key.username.clone()),
            login_host: login.host_str().map(str::to_string),
            audience: s.key.audience.clone(),
            ..Default::default()
        },
        Diagnosis::ok(),
    );
    let local = Local {
        login_host_is_sandbox: endpoint::is_sandbox_host(login.host_str().unwrap_or_default()),
        ..Local::default()
    };
    let mut st = State {
        s,
        checks: vec![],
        local,
        report,
        key: None,
        repo_app: None,
        certificate: None,
        refusal: None,
        failure: None,
        session_refusal: None,
        login_reading: None,
        facts: None,
    };
    local::key(&mut st);
    local::given_certificate(&mut st)?;
    local::repository(&mut st);
    local::environment(&mut st);
    let client = crate::net::client(&s.tries.net)?;
    remote::grant(&mut st, &client)?;
    remote::org(&mut st, &client)?;
    Ok(finish(st))
}

fn finish(mut st: State<'_>) -> Outcome {
    let username = &st.s.key.username;
    let refusal = st.refusal.as_ref().map(|(e, d)| (e.as_str(), d.as_str()));
    let base = if st.key.is_none() {
        Diagnosis::new(Cause::InvalidKey, Confidence::Confirmed, vec!["the private key could not be used".into()])
    } else {
        st.login_reading.take().unwrap_or_else(Diagnosis::ok)
    };
    let mut d = verdict::verdict(base, refusal, st.facts.as_ref(), st.repo_app.as_ref(), &st.local, username);
    let external = refusal.is_some_and(|(e, desc)| crate::diagnose::app_kind::named_in(e, desc))
        || st.repo_app.as_ref().is_some_and(|a| a.kind == crate::appmeta::read::AppKind::ExternalClientApp)
        || st.facts.as_ref().and_then(|f| f.app.as_ref()).is_some_and(|a| a.external);
    d = crate::diagnose::app_kind::follow(d, external);
    if let Some(s) = st.session_refusal.take() {
        d = confirm_session_refusal(s, st.facts.as_ref());
    }
    d = d.with_admin_alias(st.s.admin_alias());
    if let Some(by) = st.facts.as_ref().and_then(|f| f.app_found_by.as_ref()) {
        d.evidence.push(format!("app identified by {by}"));
    }
    let failed = st.checks.iter().any(|c| matches!(c.status, CheckStatus::Fail));
    let exit = if failed { Exit::CheckFailed } else { Exit::Success };
    st.report.diagnosis = d;
    st.report.checks = st.checks;
    st.report.status = if failed { record::Status::Failed } else { record::Status::Ok };
    st.report.exit_code = exit as u8;
    Outcome {
        report: st.report,
        exit,
        certificate: st.certificate,
        org_requests: st.facts.as_ref().map(|f| f.requests),
    }
}

/// Org data settles a High Assurance reading: the app's own session policy says so. When the
/// policy says no, the app is ruled out and the evidence names what is left (issue 23 §2).
fn confirm_session_refusal(mut d: Diagnosis, facts: Option<&OrgFacts>) -> Diagnosis {
    let policy = facts.and_then(|f| f.app.as_ref()).and_then(|a| a.high_assurance);
    if d.cause == Cause::HighAssuranceRequired && policy == Some(true) {
        d.evidence.push("the app requires a High Assurance session (its session policy)".into());
        return d.confirmed();
    }
    if policy == Some(false) && d.candidates.iter().any(|c| c.cause == Cause::HighAssuranceRequired) {
        d.evidence.push("the app's session policy does not require High Assurance: if High Assurance is required, it is the CI user's profile (Session Settings > \"Session Security Level Required at Login\"); otherwise the IP rules (the app's IP Relaxation, \"Lock sessions to the IP address from which they originated\")".into());
        // The app's own High Assurance fix is spent.
        d.remediation.retain(|r| !r.starts_with("The app's session policy requires High Assurance"));
    }
    d
}
