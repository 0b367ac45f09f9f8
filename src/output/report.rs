//! The machine-readable report: JSON (schema/report.schema.json), YAML, Markdown, JUnit XML,
//! chosen by each `--report FILE`'s extension. It never holds a secret: no key, no token.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnose::Diagnosis;
use crate::error::Error;
use crate::login::grant::Attempt;

pub const SCHEMA_VERSION: &str = "1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Yaml,
    Markdown,
    Junit,
}

impl ReportFormat {
    pub fn from_path(path: &Path) -> Result<ReportFormat, Error> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        match ext.as_str() {
            "json" => Ok(ReportFormat::Json),
            "yaml" | "yml" => Ok(ReportFormat::Yaml),
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "xml" => Ok(ReportFormat::Junit),
            _ => Err(Error::usage(
                format!("cannot tell the report format of {}", path.display()),
                "name the file .json, .yaml, .md (Markdown) or .xml (JUnit)",
            )),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Target {
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub login_host: Option<String>,
    pub audience: Option<String>,
    /// Which login flow was used.
    pub flow: Flow,
    /// Keyless: the OIDC token's claims, decoded without verification (never the token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<crate::credentials::oidc::OidcClaims>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    #[default]
    JwtBearer,
    /// Keyless: the pipeline's OIDC token exchanged (RFC 8693).
    TokenExchange,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub org_id: String,
    pub user_id: String,
    pub instance_url: String,
    pub is_sandbox: bool,
}

/// The report's overall status (schema: `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub command: &'static str,
    pub timestamp: String,
    pub status: Status,
    pub exit_code: u8,
    pub target: Target,
    pub attempts: Vec<Attempt>,
    pub checks: Vec<Check>,
    pub diagnosis: Diagnosis,
    pub identity: Option<Identity>,
}

impl Report {
    pub fn new(command: &'static str, target: Target) -> Report {
        let now = time::OffsetDateTime::now_utc();
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "sfjwt", version: env!("CARGO_PKG_VERSION") },
            command,
            timestamp: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            status: Status::Failed,
            exit_code: 0,
            target,
            attempts: vec![],
            checks: vec![],
            diagnosis: Diagnosis::ok(),
            identity: None,
        }
    }

    pub fn render(&self, format: ReportFormat) -> Result<String, Error> {
        let fail = |e: String| Error::Internal(format!("cannot render the report: {e}"));
        match format {
            ReportFormat::Json => serde_json::to_string_pretty(self).map(|s| s + "\n").map_err(|e| fail(e.to_string())),
            ReportFormat::Yaml => serde_saphyr::to_string(self).map_err(|e| fail(e.to_string())),
            ReportFormat::Markdown => Ok(crate::output::text::markdown(self)),
            ReportFormat::Junit => Ok(crate::output::text::junit(self)),
        }
    }

    /// Writes every requested report; each file gets the format its extension names.
    pub fn write_all(&self, paths: &[PathBuf]) -> Result<(), Error> {
        for path in paths {
            let text = self.render(ReportFormat::from_path(path)?)?;
            let text = crate::secrets::scrub(&text);
            crate::fsutil::write_atomic(path, text.as_bytes(), crate::fsutil::PUBLIC_MODE)?;
        }
        Ok(())
    }
}
