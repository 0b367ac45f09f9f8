//! An Entra login's `--report` files: what `entra::report::Report` recorded, written as the
//! common run record (schema/report.schema.json, `schema_version: "1"`, the shape doctor and
//! explain write) in every report format, Entra's own fields under `entra` (published there).

use std::path::PathBuf;

use serde::Serialize;

use crate::entra::report::{Answer, Identity, Report};
use crate::error::Error;

/// Writes every report in its extension's format, secrets scrubbed.
pub fn write_all(rep: &Report, paths: &[PathBuf]) -> Result<(), Error> {
    crate::output::report::write_all(&record(rep), paths)
}

fn confidence(c: &str) -> crate::record::Confidence {
    match c {
        "likely" => crate::record::Confidence::Likely,
        "possible" => crate::record::Confidence::Possible,
        _ => crate::record::Confidence::Confirmed,
    }
}

/// The common run record of this login (schema "1"): the target, the attempt, the grant check
/// (and the roles check), the diagnosis, and Entra's own fields under `entra`.
pub fn record(rep: &Report) -> crate::record::Report {
    use crate::record::{self, Check, CheckStatus};
    let t = &rep.target;
    let cause = record::Cause::ALL.iter().copied().find(|c| c.id() == rep.diagnosis.cause);
    let mut d = match cause {
        Some(c) if c != record::Cause::None => {
            crate::diagnose::Diagnosis::new(c, confidence(rep.confidence), rep.diagnosis.evidence.clone())
        }
        _ => crate::diagnose::Diagnosis::ok(),
    };
    if !rep.diagnosis.remediation.is_empty() {
        d.remediation = rep.diagnosis.remediation.clone();
    }
    let mut r = record::Report::new(
        "login",
        record::Target {
            client_id: Some(t.client_id.clone()),
            login_host: url::Url::parse(&t.token_endpoint).ok().and_then(|u| u.host_str().map(str::to_string)),
            audience: Some(t.scope.clone()),
            flow: record::Flow::ClientCredentials,
            provider: Some("entra"),
            tenant: Some(t.tenant.clone()),
            oidc: t.oidc.clone(),
            ..Default::default()
        },
        d,
    );
    r.status = if rep.status == "ok" { record::Status::Ok } else { record::Status::Failed };
    r.exit_code = rep.exit_code;
    r.attempts = attempt(rep).into_iter().collect();
    let granted = rep.identity.is_some();
    let (status, detail) = match (&rep.answer, granted) {
        (_, true) => (CheckStatus::Pass, "Microsoft Entra granted a token".to_string()),
        (Some(a), _) => (CheckStatus::Fail, format!("{}: {}", a.error, a.error_description)),
        (None, _) => (CheckStatus::Fail, rep.diagnosis.summary.clone()),
    };
    r.checks.push(Check { id: "grant".into(), title: "Client credentials grant".into(), status, detail });
    if let Some(i) = rep.identity.as_ref().filter(|_| !t.required_roles.is_empty()) {
        let missing: Vec<&str> = t.required_roles.iter().filter(|x| !i.roles.contains(x)).map(String::as_str).collect();
        let (status, detail) = if missing.is_empty() {
            (CheckStatus::Pass, format!("the token holds {}", t.required_roles.join(", ")))
        } else {
            (CheckStatus::Fail, format!("the token lacks {}", missing.join(", ")))
        };
        r.checks.push(Check {
            id: "token_roles".into(),
            title: "Required application permissions".into(),
            status,
            detail,
        });
    }
    r.entra = serde_json::to_value(Extra {
        token_endpoint: &t.token_endpoint,
        scope: &t.scope,
        flow: t.flow,
        required_roles: &t.required_roles,
        requests: rep.requests,
        answer: rep.answer.as_ref(),
        identity: rep.identity.as_ref(),
    })
    .ok();
    r
}

/// The token request as an attempt (none when no request was made).
fn attempt(rep: &Report) -> Option<crate::login::grant::Attempt> {
    use crate::login::grant::{Attempt, AttemptOutcome};
    if rep.requests == 0 {
        return None;
    }
    let t = &rep.target;
    let host = url::Url::parse(&t.token_endpoint).ok().and_then(|u| u.host_str().map(str::to_string));
    let outcome = match (&rep.answer, &rep.identity) {
        (_, Some(_)) => AttemptOutcome::Granted,
        (Some(_), _) => AttemptOutcome::Refused,
        _ => AttemptOutcome::NoAnswer,
    };
    Some(Attempt {
        host: host.unwrap_or_default(),
        audience: t.token_endpoint.clone(),
        http_status: rep.answer.as_ref().map(|a| a.http_status),
        error: rep.answer.as_ref().map(|a| a.error.clone()),
        error_description: rep.answer.as_ref().map(|a| a.error_description.clone()),
        content_type: None,
        failure: rep.no_answer,
        detail: (outcome == AttemptOutcome::NoAnswer).then(|| rep.diagnosis.evidence.join("; ")),
        requests: rep.requests as u32,
        server_date: None,
        elapsed_ms: 0,
        outcome,
    })
}

/// The `entra` object of the record (schema/report.schema.json): the former entra-1 fields.
#[derive(Serialize)]
struct Extra<'a> {
    token_endpoint: &'a str,
    scope: &'a str,
    flow: &'static str,
    required_roles: &'a [String],
    requests: usize,
    answer: Option<&'a Answer>,
    identity: Option<&'a Identity>,
}

/// Every report format a Salesforce login writes; checked before any request, so a typo costs
/// no login.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), Error> {
    for p in paths {
        crate::output::report::ReportFormat::from_path(p)?;
    }
    Ok(())
}
