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
        FleetReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "sfjwt", version: env!("CARGO_PKG_VERSION") },
            command: "doctor",
            // The run's one timestamp, as each target's report has it; whole seconds (a person reads it).
            timestamp: crate::record::run_timestamp(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One clock read per run: the fleet and every target's report say the same instant, in the
    /// same form (RFC 3339, UTC, whole seconds).
    #[test]
    fn a_fleet_and_its_targets_reports_share_one_timestamp() {
        let target = Report::new("doctor", crate::record::Target::default(), crate::record::Diagnosis::ok());
        let fleet = FleetReport::new("sfjwt.yaml".into(), vec![], std::time::Duration::from_millis(5));
        assert_eq!(target.timestamp, fleet.timestamp);
        let t = &fleet.timestamp;
        assert!(time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok(), "{t}");
        assert!(t.ends_with('Z') && !t.contains('.'), "{t}");
    }
}
