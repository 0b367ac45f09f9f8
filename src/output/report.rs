//! The machine-readable report: JSON (schema/report.schema.json), YAML, Markdown, JUnit XML,
//! chosen by each `--report FILE`'s extension. It never holds a secret: no key, no token.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::record::Report;

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

/// The report in one format.
pub fn render(report: &Report, format: ReportFormat) -> Result<String, Error> {
    let fail = |e: String| Error::Internal(format!("cannot render the report: {e}"));
    match format {
        ReportFormat::Json => serde_json::to_string_pretty(report).map(|s| s + "\n").map_err(|e| fail(e.to_string())),
        ReportFormat::Yaml => serde_saphyr::to_string(report).map_err(|e| fail(e.to_string())),
        ReportFormat::Markdown => Ok(crate::output::text::markdown(report)),
        ReportFormat::Junit => Ok(crate::output::junit::report(report)),
    }
}

/// Writes every requested report; each file gets the format its extension names.
pub fn write_all(report: &Report, paths: &[PathBuf]) -> Result<(), Error> {
    for path in paths {
        let text = render(report, ReportFormat::from_path(path)?)?;
        let text = crate::secrets::scrub(&text);
        crate::fsutil::write_atomic(path, text.as_bytes(), crate::fsutil::PUBLIC_MODE)?;
    }
    Ok(())
}
