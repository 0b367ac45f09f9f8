use std::io::Read;

use crate::cli::{ExplainArgs, Format};
use crate::diagnose::text::explain;
use crate::diagnose::{Cause, Diagnosis};
use crate::error::{Error, Exit};
use crate::output::printer::{Outcome, Printer};
use crate::output::report;
use crate::record::{self, CheckStatus, Report, Status};

/// Bytes of standard input read at most; the cut may fall inside a character, so it is decoded lossily.
const MAX_INPUT: u64 = 1024 * 1024;

/// Reads error text from another tool (sf's JwtGrantError, simple-salesforce, a raw JSON body)
/// and diagnoses the most telling line.
pub fn run(args: ExplainArgs, printer: Printer) -> Result<Outcome, Error> {
    let text = match args.text {
        Some(t) => t,
        None => {
            let mut buf = Vec::new();
            std::io::stdin().take(MAX_INPUT).read_to_end(&mut buf).map_err(|e| {
                Error::usage(format!("cannot read standard input: {e}"), "pass the error text as an argument")
            })?;
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    if text.trim().is_empty() {
        return Err(Error::usage(
            "no error text given",
            "sfjwt explain \"invalid_grant: user hasn't approved this consumer\"",
        ));
    }
    for path in &args.report {
        report::ReportFormat::from_path(path)?;
        crate::fsutil::check_writable(path, "the report")?;
    }
    let d = explain(&text);
    // Under --json the diagnosis is the envelope's result.
    let format = if printer.json() { Format::Json } else { args.format };
    let result = match format {
        Format::Json => printer.json_value(&d)?,
        Format::Text => {
            print_text(&d);
            None
        }
    };
    // 1: no cause identified (a pipeline can tell "explained" from "not"), also when the text holds
    // only a wrapper sfjwt knows (sf's "Error authenticating with JWT") without the reason.
    let exit = if d.cause == Cause::Unknown { Exit::CheckFailed } else { Exit::Success };
    let mut outcome = Outcome::new(exit).with_result(result);
    if exit != Exit::Success {
        outcome = if crate::diagnose::text::recognises(&text) {
            outcome.with_failure("UnknownCause", "the text holds an error sfjwt knows, not its cause", None)
        } else {
            outcome.with_failure("NoKnownError", "the text holds no error sfjwt recognises", None)
        };
    }
    if !args.report.is_empty() {
        let mut r = Report::new("explain", record::Target::default(), Diagnosis::ok());
        r.status = if exit == Exit::Success { Status::Ok } else { Status::Failed };
        r.exit_code = exit as u8;
        // The text reports a failed login: in JUnit that is a failing case, whatever explain's exit.
        let explained = d.cause != Cause::Unknown;
        r.checks.push(crate::record::Check {
            id: "refusal".into(),
            title: "Refusal in the text given".into(),
            status: if explained { CheckStatus::Fail } else { CheckStatus::Skip },
            detail: if explained { d.summary.clone() } else { "no error sfjwt knows in the text".into() },
        });
        r.diagnosis = d;
        report::write_all(&r, &args.report)?;
    }
    Ok(outcome)
}

/// The diagnosis as text on stdout, labelled as login's and doctor's: help for steps, fix for a
/// ready command.
fn print_text(d: &Diagnosis) {
    println!("cause: {} ({})", d.cause.id(), d.confidence.id());
    println!("{}", d.summary);
    for e in &d.evidence {
        println!("  evidence: {e}");
    }
    if d.candidates.len() > 1 {
        let others: Vec<&str> = d.candidates.iter().skip(1).map(|c| c.cause.id()).collect();
        println!("  other candidates: {}", others.join(", "));
    }
    for r in &d.remediation {
        println!("help: {r}");
    }
    if let Some(fix) = &d.fix {
        println!("fix: {fix}");
    }
    println!("more: {}", d.docs);
}
