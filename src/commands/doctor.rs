//! `sfjwt doctor`: resolve the settings, run the engine (`diagnose::doctor`) for one target or
//! the fleet, print, write the reports.

use std::time::Instant;

use crate::cli::doctor::{self as settings, DoctorMode, DoctorSettings, FleetFormat, FleetSettings};
use crate::cli::{DoctorArgs, OutFormat};
use crate::diagnose::Cause;
use crate::diagnose::doctor;
use crate::error::{Error, Exit};
use crate::fleet::{self, report::FleetReport};
use crate::output::printer::{Outcome, Printer};
use crate::output::{self, report};
use crate::record::CheckStatus;

pub fn run(args: DoctorArgs, printer: Printer) -> Result<Outcome, Error> {
    let env = |k: &str| std::env::var(k).ok();
    if let Some(plan) = crate::cli::entra_doctor::single(&args, &env)? {
        return entra(&args, &plan, &env, printer);
    }
    match settings::resolve(&args, printer.json(), &env)? {
        DoctorMode::Single(s) => single(&s, printer),
        DoctorMode::Fleet(f) => all(f, printer),
    }
}

/// `doctor --provider entra` (or a config target with `provider: entra`): one Entra app.
fn entra(
    args: &DoctorArgs,
    plan: &crate::diagnose::entra_doctor::plan::EntraPlan,
    env: &dyn Fn(&str) -> Option<String>,
    printer: Printer,
) -> Result<Outcome, Error> {
    // Under --json the report is the envelope's result, as with --format json.
    let format = match if printer.json() { Some(OutFormat::Json) } else { args.format } {
        f @ (None | Some(OutFormat::Json) | Some(OutFormat::Yaml)) => f,
        Some(_) => {
            return Err(Error::usage("doctor prints its report as json or yaml", "use --format json or --format yaml"));
        }
    };
    for p in &args.report {
        report::ReportFormat::from_path(p)?;
    }
    let github = args.github || env("GITHUB_ACTIONS").as_deref() == Some("true");
    let out = crate::diagnose::entra_doctor::run(plan)?;
    show(&out, format, github, &args.report, printer)
}

fn single(s: &DoctorSettings, printer: Printer) -> Result<Outcome, Error> {
    for note in &s.notes {
        super::say(&format!("note: {note}"));
    }
    let out = doctor::run(&s.plan)?;
    show(&out, s.format, s.github, &s.reports, printer)
}

/// Prints one run's checks and verdict, and writes its reports.
fn show(
    out: &doctor::Outcome,
    format: Option<OutFormat>,
    github: bool,
    reports: &[std::path::PathBuf],
    printer: Printer,
) -> Result<Outcome, Error> {
    let report = &out.report;
    for c in &report.checks {
        let tag = match c.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skip => "skip",
        };
        // Check details can quote the org's answers: no escape sequence or new line gets through.
        eprintln!("[{tag}] {}: {}", c.title, crate::secrets::terminal_safe(&c.detail));
    }
    if report.diagnosis.cause != Cause::None {
        super::print_diagnosis(&report.diagnosis, 0);
    }
    let mut outcome = Outcome::new(out.exit);
    if out.exit != Exit::Success {
        let d = &report.diagnosis;
        outcome = outcome.with_failure("CheckFailed", d.summary.clone(), Some(d.cause.id()));
    }
    match format {
        Some(OutFormat::Json) if printer.json() => outcome = outcome.with_result(printer.json_value(report)?),
        Some(OutFormat::Json) => print!("{}", report::render(report, report::ReportFormat::Json)?),
        Some(OutFormat::Yaml) => print!("{}", report::render(report, report::ReportFormat::Yaml)?),
        _ => {}
    }
    if github {
        crate::output::ci::github_outputs(&[("cause", report.diagnosis.cause.id())])?;
        crate::output::ci::github_report(report);
    }
    report::write_all(report, reports)?;
    Ok(outcome)
}

fn all(f: FleetSettings, printer: Printer) -> Result<Outcome, Error> {
    let start = Instant::now();
    let config = f.config.display().to_string();
    let (reports, json_stdout, github) = (f.reports.clone(), f.json_stdout, f.github);
    eprintln!(
        "checking {} targets of {config} ({} at a time, {}s each)",
        f.targets.len(),
        f.jobs,
        f.deadline.as_secs()
    );
    let results = fleet::check_all(f.targets, f.jobs, f.deadline, |r| eprintln!("{}", fleet::progress_line(r)));
    let fleet = FleetReport::new(config, results, start.elapsed());
    let s = &fleet.summary;
    eprintln!("{} of {} targets healthy ({:.1}s)", s.ok, s.targets, s.elapsed_ms as f64 / 1000.0);
    let exit = if fleet.status == "ok" { Exit::Success } else { Exit::CheckFailed };
    let mut outcome = Outcome::new(exit);
    if printer.json() {
        outcome = outcome.with_result(Some(serde_json::from_str(&fleet.json()).unwrap_or_default()));
        if fleet.status != "ok" {
            outcome = outcome.with_failure("CheckFailed", format!("{} of {} targets healthy", s.ok, s.targets), None);
        }
    } else if json_stdout {
        print!("{}", fleet.json());
    }
    for (path, format) in &reports {
        let text = match format {
            FleetFormat::Json => fleet.json(),
            FleetFormat::Markdown => output::fleet::matrix::markdown(&fleet),
            FleetFormat::Html => output::fleet::html::page(&fleet),
            FleetFormat::Junit => output::junit::fleet(&fleet),
        };
        crate::fsutil::write_atomic(path, text.as_bytes(), crate::fsutil::PUBLIC_MODE)?;
    }
    if github {
        crate::output::ci::github_outputs(&[("status", fleet.status)])?;
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            use std::io::Write;
            let md = output::fleet::matrix::markdown(&fleet);
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(format!("{md}\n").as_bytes()));
        }
    }
    Ok(outcome)
}
