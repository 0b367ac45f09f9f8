//! The fleet report (schema/fleet-report.schema.json): each target's own doctor report, as
//! schema/report.schema.json describes it, and a summary. Also its JUnit form, a suite per target.

use serde::Serialize;

use super::{TargetResult, TargetStatus};
use crate::diagnose::doctor::CertSummary;
use crate::record::{Report, Tool};

pub const SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
pub struct Summary {
    pub targets: usize,
    pub ok: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub errors: usize,
    pub elapsed_ms: u64,
}

#[derive(Serialize)]
pub struct TargetEntry {
    pub name: String,
    pub status: TargetStatus,
    pub exit_code: u8,
    pub elapsed_ms: u64,
    /// The diagnosis cause (none when healthy), or null without a report.
    pub cause: Option<&'static str>,
    pub certificate: Option<CertSummary>,
    /// HTTP requests to the org through the admin session.
    pub org_requests: Option<u32>,
    pub error: Option<String>,
    pub report: Option<Report>,
}

#[derive(Serialize)]
pub struct FleetReport {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub command: &'static str,
    pub timestamp: String,
    pub config: String,
    pub status: &'static str,
    pub exit_code: u8,
    pub summary: Summary,
    pub targets: Vec<TargetEntry>,
}

impl FleetReport {
    pub fn new(config: String, results: Vec<TargetResult>, elapsed: std::time::Duration) -> FleetReport {
        let count = |s: TargetStatus| results.iter().filter(|r| r.status == s).count();
        let summary = Summary {
            targets: results.len(),
            ok: count(TargetStatus::Ok),
            failed: count(TargetStatus::Failed),
            timed_out: count(TargetStatus::Timeout),
            errors: count(TargetStatus::Error),
            elapsed_ms: elapsed.as_millis() as u64,
        };
        let healthy = summary.ok == summary.targets;
        let targets = results
            .into_iter()
            .map(|r| {
                let (report, certificate, org_requests) = match r.outcome {
                    Some(o) => (Some(o.report), o.certificate, o.org_requests),
                    None => (None, None, None),
                };
                TargetEntry {
                    name: r.name,
                    status: r.status,
                    exit_code: if r.status == TargetStatus::Ok { 0 } else { 1 },
                    elapsed_ms: r.elapsed.as_millis() as u64,
                    cause: report.as_ref().map(|rep| rep.diagnosis.cause.id()),
                    certificate,
                    org_requests,
                    error: r.error,
                    report,
                }
            })
            .collect();
        // Whole seconds: the page shows it to a person, and nanoseconds say nothing to one.
        let now = time::OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        FleetReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "sfjwt", version: env!("CARGO_PKG_VERSION") },
            command: "doctor",
            timestamp: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            config,
            status: if healthy { "ok" } else { "failed" },
            exit_code: if healthy { 0 } else { 1 },
            summary,
            targets,
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).map(|s| s + "\n").unwrap_or_default()
    }
}
