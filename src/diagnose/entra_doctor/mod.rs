//! `doctor --provider entra` (issue 25 §2): the same run record as the Salesforce doctor, from
//! three sources. Local: the key, the certificate, the pair (or the CI's OIDC token). The token
//! endpoint: the login attempt, as `login --provider entra` makes it. Microsoft Graph, with an
//! admin's token, in at most two `$batch` requests: the app registration, its service principal
//! (installed?), assignment, the application permissions granted, the certificate's thumbprint
//! against the app's keyCredentials, the federated credentials against the token's iss/sub/aud.
//! The verdict is one cause id (`entra_*`); Graph's data confirms, the refusal's text alone does
//! not. It prints nothing: `commands::entra_doctor` and the fleet do.

mod attempt;
mod graph;
mod local;
pub mod plan;

use crate::credentials::cert::CertInfo;
use crate::credentials::oidc::OidcClaims;
use crate::diagnose::doctor::{CertSummary, Outcome};
use crate::diagnose::{Cause, Confidence, Diagnosis};
use crate::entra::token::Refusal;
use crate::error::{Error, Exit};
use crate::net::FailureKind;
use crate::record::{self, Check, CheckStatus, Report};
use plan::{EntraCredential, EntraPlan};

/// What the checks found so far, for the verdict.
struct State<'a> {
    p: &'a EntraPlan,
    checks: Vec<Check>,
    /// The key could not be used, or the certificate not read (a local proof).
    local_failure: Option<(Cause, String)>,
    cert: Option<CertInfo>,
    certificate: Option<CertSummary>,
    oidc: Option<OidcClaims>,
    refusal: Option<Refusal>,
    no_answer: Option<(FailureKind, String)>,
    /// The access token's `roles`, when granted (None: not a JWT, or no grant).
    roles: Option<Vec<String>>,
    /// What Graph showed, confirmed, most decisive first.
    findings: Vec<(Cause, String)>,
    graph_requests: u32,
}

impl State<'_> {
    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    fn keyless(&self) -> bool {
        matches!(self.p.credential, EntraCredential::Oidc { .. })
    }
}

pub fn run(p: &EntraPlan) -> Result<Outcome, Error> {
    let report = Report::new(
        "doctor",
        record::Target {
            client_id: Some(p.client_id.clone()),
            login_host: Some(p.authority.host().to_string()),
            audience: Some(p.scope.clone()),
            flow: record::Flow::ClientCredentials,
            provider: Some("entra"),
            tenant: Some(p.authority.tenant.clone()),
            ..Default::default()
        },
        Diagnosis::ok(),
    );
    let mut st = State {
        p,
        checks: vec![],
        local_failure: None,
        cert: None,
        certificate: None,
        oidc: None,
        refusal: None,
        no_answer: None,
        roles: None,
        findings: vec![],
        graph_requests: 0,
    };
    let client = crate::net::client(&p.net)?;
    let key = local::credential(&mut st, &client);
    attempt::grant(&mut st, &client, key);
    graph::read(&mut st, &client);
    Ok(finish(st, report))
}

fn finish(mut st: State<'_>, mut report: Report) -> Outcome {
    report.target.oidc = st.oidc.clone();
    let d = verdict(&mut st);
    let failed = st.checks.iter().any(|c| matches!(c.status, CheckStatus::Fail)) || d.cause != Cause::None;
    let exit = if failed { Exit::CheckFailed } else { Exit::Success };
    report.diagnosis = d;
    report.checks = st.checks;
    report.status = if failed { record::Status::Failed } else { record::Status::Ok };
    report.exit_code = exit as u8;
    Outcome { report, exit, certificate: st.certificate, org_requests: st.p.graph.as_ref().map(|_| st.graph_requests) }
}

/// A local proof first, then what Graph confirmed, then the refusal's reading, then the token.
fn verdict(st: &mut State<'_>) -> Diagnosis {
    if let Some((cause, why)) = st.local_failure.take() {
        return Diagnosis::new(cause, Confidence::Confirmed, vec![why]);
    }
    let evidence_of_refusal: Vec<String> =
        st.refusal.iter().map(|r| format!("Entra said: {}", safe(r.headline()))).collect();
    if let Some((cause, why)) = st.findings.first().cloned() {
        let mut evidence = vec![format!("Microsoft Graph: {why}")];
        evidence.extend(evidence_of_refusal);
        let others: Vec<(Cause, Confidence)> =
            st.findings[1..].iter().map(|(c, _)| (*c, Confidence::Confirmed)).collect();
        return Diagnosis::new(cause, Confidence::Confirmed, evidence).with_candidates(&others);
    }
    if let Some(r) = &st.refusal {
        let mut d = crate::diagnose::entra::from_refusal(
            &r.error,
            &r.error_description,
            &r.error_codes,
            st.keyless(),
            evidence_of_refusal,
        );
        if d.cause == Cause::EntraCertificateExpired && local_certificate_expired(st) {
            // Entra's code and the certificate's own dates agree: no guess left.
            d.confidence = Confidence::Confirmed;
            d.evidence.push(LOCAL_EXPIRED.into());
        } else if st.p.graph.is_none() {
            d.evidence.push("not confirmed in the tenant: no Graph admin token (--admin-token)".into());
        }
        return d;
    }
    if let Some((kind, detail)) = &st.no_answer {
        let cause = if *kind == FailureKind::Tls { Cause::TlsError } else { Cause::NetworkError };
        let mut d = Diagnosis::new(cause, Confidence::Confirmed, vec![safe(detail)]);
        if *kind == FailureKind::UnexpectedAnswer {
            d.remediation = vec![crate::entra::token::UNUSABLE_HELP.into()];
        }
        return d;
    }
    if let Some(missing) = missing_roles(st) {
        // The token alone: consent is the likely reason a role is absent, not a confirmed one.
        let conf = if st.p.graph.is_some() { Confidence::Likely } else { Confidence::Possible };
        return Diagnosis::new(
            Cause::EntraAdminConsentRequired,
            conf,
            vec![format!("the access token lacks: {missing}")],
        );
    }
    Diagnosis::ok()
}

const LOCAL_EXPIRED: &str = "the certificate given (--cert) is past its notAfter";

fn local_certificate_expired(st: &State<'_>) -> bool {
    st.cert.as_ref().is_some_and(|c| c.seconds_left <= 0)
}

fn missing_roles(st: &State<'_>) -> Option<String> {
    let have = st.roles.as_ref()?;
    let missing: Vec<&String> = st.p.require_roles.iter().filter(|r| !have.contains(r)).collect();
    let hints = crate::entra::token::case_hints(&missing, have);
    let list = missing.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    (!missing.is_empty()).then(|| [vec![list], hints].concat().join("; "))
}

/// Text from an answer, made safe for a terminal and a report.
fn safe(text: &str) -> String {
    crate::secrets::for_terminal(text)
}
