//! What an Entra login records as it goes: `commands::entra_record` writes it as the common run
//! record (schema/report.schema.json, `schema_version: "1"`) in every report format, with Entra's
//! own fields under `entra`. Never the assertion, the OIDC token or the token.

use serde::Serialize;

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
    pub confidence: &'static str,
    /// Why no usable answer came, when none did.
    #[serde(skip)]
    pub no_answer: Option<crate::net::FailureKind>,
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
        Report {
            confidence: "confirmed",
            no_answer: None,
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
