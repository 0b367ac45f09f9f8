//! What an Entra login records as it goes, written as the common run record
//! (schema/report.schema.json, `schema_version: "1"`, the shape doctor and explain write) in every
//! report format (.json, .yaml, .md, .xml JUnit), with Entra's own fields under `entra` (the
//! answer's codes and ids, the token's roles). Never the assertion, the OIDC token or the token.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Error;

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Target {
    pub provider: &'static str,
    pub tenant: String,
    pub client_id: String,
    pub token_endpoint: String,
    pub scope: String,
    /// `client_assertion` (certificate) or `federated` (the CI's OIDC token).
    pub flow: &'static str,
    pub required_roles: Vec<String>,
    /// The OIDC token's claims (decoded, not verified), keyless only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<crate::credentials::oidc::OidcClaims>,
}

/// What Entra answered to a refused grant (its own ids kept for a support request).
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub http_status: u16,
    pub error: String,
    pub error_codes: Vec<u64>,
    pub error_description: String,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub cause: &'static str,
    pub summary: String,
    pub evidence: Vec<String>,
    pub remediation: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub tenant_id: String,
    pub app_id: String,
    pub audience: String,
    pub roles: Vec<String>,
    pub expires_in: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// How sure the diagnosis is (a refusal's reading; a local proof is confirmed).
    #[serde(skip)]
    pub confidence: crate::record::Confidence,
    /// Why no usable answer came, when none did.
    #[serde(skip)]
    pub no_answer: Option<crate::net::FailureKind>,
    pub tool: Tool,
    pub command: &'static str,
    pub timestamp: String,
    pub status: &'static str,
    pub exit_code: u8,
    pub target: Target,
    pub requests: usize,
    pub answer: Option<Answer>,
    pub diagnosis: Diagnosis,
    pub identity: Option<Identity>,
}

impl Report {
    pub fn new(target: Target) -> Report {
        let now = time::OffsetDateTime::now_utc();
        Report {
            confidence: crate::record::Confidence::Confirmed,
            no_answer: None,
            tool: Tool { name: "sfjwt", version: env!("CARGO_PKG_VERSION") },
            command: "login",
            timestamp: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            status: "failed",
            exit_code: 0,
            target,
            requests: 0,
            answer: None,
            diagnosis: Diagnosis { cause: "none", summary: String::new(), evidence: vec![], remediation: vec![] },
            identity: None,
        }
    }

    pub fn fail(&mut self, cause: &'static str, summary: &str, evidence: Vec<String>, remediation: Vec<String>) {
        self.diagnosis = Diagnosis { cause, summary: summary.to_string(), evidence, remediation };
    }

    /// Writes every report in its extension's format, as the common run record.
    pub fn write_all(&self, paths: &[PathBuf]) -> Result<(), Error> {
        crate::output::report::write_all(&self.record(), paths)
    }

    /// The common run record of this login (schema "1"): the target, the attempt, the grant check
    /// (and the roles check), the diagnosis, and Entra's own fields under `entra`.
    pub fn record(&self) -> crate::record::Report {
        use crate::record::{self, Check, CheckStatus};
        let t = &self.target;
        let cause = record::Cause::ALL.iter().copied().find(|c| c.id() == self.diagnosis.cause);
        let mut d = match cause {
            Some(c) if c != record::Cause::None => {
                crate::diagnose::Diagnosis::new(c, self.confidence, self.diagnosis.evidence.clone())
            }
            _ => crate::diagnose::Diagnosis::ok(),
        };
        if !self.diagnosis.remediation.is_empty() {
            d.remediation = self.diagnosis.remediation.clone();
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
        r.status = if self.status == "ok" { record::Status::Ok } else { record::Status::Failed };
        r.exit_code = self.exit_code;
        r.attempts = self.attempt().into_iter().collect();
        let granted = self.identity.is_some();
        let (status, detail) = match (&self.answer, granted) {
            (_, true) => (CheckStatus::Pass, "Microsoft Entra granted a token".to_string()),
            (Some(a), _) => (CheckStatus::Fail, format!("{}: {}", a.error, a.error_description)),
            (None, _) => (CheckStatus::Fail, self.diagnosis.summary.clone()),
        };
        r.checks.push(Check { id: "grant".into(), title: "Client credentials grant".into(), status, detail });
        if let Some(i) = self.identity.as_ref().filter(|_| !t.required_roles.is_empty()) {
            let missing: Vec<&str> =
                t.required_roles.iter().filter(|x| !i.roles.contains(x)).map(String::as_str).collect();
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
            requests: self.requests,
            answer: self.answer.as_ref(),
            identity: self.identity.as_ref(),
        })
        .ok();
        r
    }

    /// The token request as an attempt (none when no request was made).
    fn attempt(&self) -> Option<crate::login::grant::Attempt> {
        use crate::login::grant::{Attempt, AttemptOutcome};
        if self.requests == 0 {
            return None;
        }
        let t = &self.target;
        let host = url::Url::parse(&t.token_endpoint).ok().and_then(|u| u.host_str().map(str::to_string));
        let outcome = match (&self.answer, &self.identity) {
            (_, Some(_)) => AttemptOutcome::Granted,
            (Some(_), _) => AttemptOutcome::Refused,
            _ => AttemptOutcome::NoAnswer,
        };
        Some(Attempt {
            host: host.unwrap_or_default(),
            audience: t.token_endpoint.clone(),
            http_status: self.answer.as_ref().map(|a| a.http_status),
            error: self.answer.as_ref().map(|a| a.error.clone()),
            error_description: self.answer.as_ref().map(|a| a.error_description.clone()),
            content_type: None,
            failure: self.no_answer,
            detail: (outcome == AttemptOutcome::NoAnswer).then(|| self.diagnosis.evidence.join("; ")),
            requests: self.requests as u32,
            server_date: None,
            elapsed_ms: 0,
            outcome,
        })
    }
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

impl Report {
    /// The step summary: what was asked, what happened, and on failure the cause and its fix.
    pub fn markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let t = &self.target;
        let mut rows = vec![
            ("tenant", t.tenant.clone()),
            ("client id", t.client_id.clone()),
            ("flow", t.flow.to_string()),
            ("scope", t.scope.clone()),
        ];
        match &self.identity {
            Some(i) if self.status == "ok" => {
                rows.push(("tenant id", i.tenant_id.clone()));
                rows.push(("roles", if i.roles.is_empty() { "none".into() } else { i.roles.join(", ") }));
            }
            _ => {
                rows.push(("cause", format!("`{}`", self.diagnosis.cause)));
                rows.push(("why", self.diagnosis.summary.clone()));
                if let Some(a) = &self.answer {
                    rows.push(("Entra said", a.error_description.clone()));
                }
                if let Some(fix) = self.diagnosis.remediation.first() {
                    rows.push(("fix", fix.clone()));
                }
            }
        }
        let mut md = format!("### sfjwt login (Microsoft Entra): {}\n\n| | |\n|---|---|\n", self.status);
        for (k, v) in rows {
            md.push_str(&format!("| {k} | {} |\n", cell(&v)));
        }
        md
    }
}

/// Every report format a Salesforce login writes; checked before any request, so a typo costs
/// no login.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), Error> {
    for p in paths {
        crate::output::report::ReportFormat::from_path(p)?;
    }
    Ok(())
}
