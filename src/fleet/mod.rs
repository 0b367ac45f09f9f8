//! `doctor --all`: every target checked at once, each under its own deadline, and one picture
//! of the fleet (JSON, a Markdown matrix, an HTML page, JUnit).
//!
//! Each target runs on its own thread (the HTTP client is blocking); at most `jobs` run at once.
//! A target that outlives its deadline is reported as timed out and its slot goes to the next
//! one: its thread is abandoned, never joined, so a hanging org cannot hold the others.
//! Targets with the same network settings share one HTTP client (`net::SharedClients`).

pub mod report;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::diagnose::doctor::plan::DoctorPlan;
use crate::diagnose::doctor::{self, Outcome};
use crate::diagnose::entra_doctor::{self, plan::EntraPlan};
use crate::error::Error;

/// One target of the fleet: a Salesforce org, or a Microsoft Entra app (`provider: entra`).
pub enum Job {
    Salesforce(Box<DoctorPlan>),
    Entra(Box<EntraPlan>),
}

impl Job {
    fn name(&self) -> Option<String> {
        match self {
            Job::Salesforce(p) => p.name.clone(),
            Job::Entra(p) => p.name.clone(),
        }
    }

    /// Salesforce targets take the fleet's client for their network settings.
    fn run(&self, clients: &crate::net::SharedClients) -> Result<Outcome, Error> {
        match self {
            Job::Salesforce(p) => doctor::run_with(p, Some(clients)),
            Job::Entra(p) => entra_doctor::run(p),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Every check passed (warnings allowed).
    Ok,
    /// A check failed.
    Failed,
    /// No result within the deadline.
    Timeout,
    /// The doctor could not run (e.g. an unreadable certificate file).
    Error,
}

impl TargetStatus {
    pub fn id(self) -> &'static str {
        match self {
            TargetStatus::Ok => "ok",
            TargetStatus::Failed => "failed",
            TargetStatus::Timeout => "timeout",
            TargetStatus::Error => "error",
        }
    }
}

pub struct TargetResult {
    pub name: String,
    pub status: TargetStatus,
    pub elapsed: Duration,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
}

fn result_of(name: String, elapsed: Duration, run: Result<Outcome, Error>) -> TargetResult {
    match run {
        Ok(o) => {
            let status =
                if o.report.status == crate::record::Status::Ok { TargetStatus::Ok } else { TargetStatus::Failed };
            TargetResult { name, status, elapsed, outcome: Some(o), error: None }
        }
        Err(e) => {
            let message = match e.help() {
                Some(h) => format!("{e} ({h})"),
                None => e.to_string(),
            };
            TargetResult { name, status: TargetStatus::Error, elapsed, outcome: None, error: Some(message) }
        }
    }
}

/// Runs every target, at most `jobs` at once, each within `deadline`, calling `done` as each
/// finishes (or times out); results in config order.
pub fn check_all(
    targets: Vec<Job>,
    jobs: usize,
    deadline: Duration,
    mut done: impl FnMut(&TargetResult),
) -> Vec<TargetResult> {
    let targets: Vec<Arc<Job>> = targets.into_iter().map(Arc::new).collect();
    let names: Vec<String> =
        targets.iter().enumerate().map(|(i, t)| t.name().unwrap_or_else(|| format!("target{i}"))).collect();
    let clients = Arc::new(crate::net::SharedClients::default());
    let (tx, rx) = mpsc::channel::<(usize, Duration, Result<Outcome, Error>)>();
    let mut results: Vec<Option<TargetResult>> = (0..targets.len()).map(|_| None).collect();
    let mut running: Vec<(usize, Instant)> = Vec::new();
    let mut next = 0;
    while next < targets.len() || !running.is_empty() {
        while running.len() < jobs && next < targets.len() {
            let (i, t, tx, clients) = (next, targets[next].clone(), tx.clone(), clients.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                let r = t.run(&clients);
                let _ = tx.send((i, start.elapsed(), r));
            });
            running.push((i, Instant::now()));
            next += 1;
        }
        let soonest = running.iter().map(|(_, s)| *s + deadline).min().unwrap_or_else(Instant::now);
        match rx.recv_timeout(soonest.saturating_duration_since(Instant::now())) {
            Ok((i, elapsed, r)) => {
                // A late answer from a target already given up on is dropped.
                if let Some(pos) = running.iter().position(|(j, _)| *j == i) {
                    running.remove(pos);
                    let res = result_of(names[i].clone(), elapsed, r);
                    done(&res);
                    results[i] = Some(res);
                }
            }
            Err(_) => {
                let now = Instant::now();
                let (late, still): (Vec<_>, Vec<_>) = running.into_iter().partition(|(_, s)| now >= *s + deadline);
                running = still;
                for (i, start) in late {
                    let res = TargetResult {
                        name: names[i].clone(),
                        status: TargetStatus::Timeout,
                        elapsed: now - start,
                        outcome: None,
                        error: Some(format!("no result within the {}s deadline", deadline.as_secs())),
                    };
                    done(&res);
                    results[i] = Some(res);
                }
            }
        }
    }
    results.into_iter().flatten().collect()
}

/// The login works and only the certificate's expiry failed (inside --expires-within): say so,
/// and what to run, rather than "none (confirmed); failed: certificate_expiry".
fn renewal_line(name: &str, o: &Outcome, secs: f64) -> String {
    let expired = o.report.checks.iter().any(|c| c.id == "certificate_expiry" && c.detail.starts_with("expired"));
    let what = if expired { "certificate expired" } else { "certificate in its renewal window (--expires-within)" };
    let when = o.certificate.as_ref().map(|c| format!(", not after {}", c.not_after)).unwrap_or_default();
    format!("[FAIL] {name}: {what}{when}; the login works: {} ({secs:.1}s)", renewal_advice(&o.report))
}

/// How this target's certificate is renewed: Salesforce's app metadata, or Entra's portal.
pub fn renewal_advice(r: &crate::record::Report) -> String {
    if r.target.provider == Some("entra") {
        format!("renew it for Entra: {}", crate::entra::RENEWAL)
    } else {
        "renew it with `sfjwt cert rotate`".into()
    }
}

/// One line per target, as it finishes (progress without a TTY).
pub fn progress_line(r: &TargetResult) -> String {
    let secs = r.elapsed.as_secs_f64();
    match (&r.outcome, r.status) {
        (Some(_), TargetStatus::Ok) => format!("[ok] {}: every check passed ({secs:.1}s)", r.name),
        (Some(o), _) => {
            let d = &o.report.diagnosis;
            let failed: Vec<&str> = o
                .report
                .checks
                .iter()
                .filter(|c| matches!(c.status, crate::record::CheckStatus::Fail))
                .map(|c| c.id.as_str())
                .collect();
            if d.cause.id() == "none" && failed == ["certificate_expiry"] {
                return renewal_line(&r.name, o, secs);
            }
            format!(
                "[FAIL] {}: {} ({}); failed: {} ({secs:.1}s)",
                r.name,
                d.cause.id(),
                d.confidence.id(),
                failed.join(", ")
            )
        }
        (None, s) => format!("[{}] {}: {} ({secs:.1}s)", s.id(), r.name, r.error.as_deref().unwrap_or_default()),
    }
}
