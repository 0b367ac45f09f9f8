use std::io::Read;

use crate::cli::{ExplainArgs, Format};
use crate::diagnose::text::explain;
use crate::diagnose::{Cause, Diagnosis};
use crate::error::{Error, Exit};
use crate::output::printer::{Outcome, Printer};
use crate::output::report;
use crate::record::{self, CheckStatus, Report, Status};

/// Bytes of standard input kept: the first HEAD and the last TAIL (a job log ends with the error
/// that failed it); a cut may fall inside a character, so the text is decoded lossily.
const HEAD: usize = 256 * 1024;
const TAIL: usize = 768 * 1024;
/// Bytes read at most, kept or not: `explain < /dev/zero` ends.
const MAX_READ: u64 = 64 * 1024 * 1024;

/// Reads error text from another tool (sf's JwtGrantError, simple-salesforce, a raw JSON body)
/// and diagnoses the most telling line.
pub fn run(args: ExplainArgs, printer: Printer) -> Result<Outcome, Error> {
    let text = match args.text {
        Some(t) => t,
        None => {
            let (text, skipped) = read_head_and_tail(&mut std::io::stdin().take(MAX_READ)).map_err(|e| {
                Error::usage(format!("cannot read standard input: {e}"), "pass the error text as an argument")
            })?;
            if skipped > 0 {
                eprintln!(
                    "note: the input is long: {skipped} bytes in its middle were skipped (the first 256 KiB and the last 768 KiB were read)"
                );
            }
            text
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

/// The first HEAD and the last TAIL bytes of `input`, and how many bytes between them were
/// skipped, holding at most HEAD + 2 × TAIL bytes at any time.
fn read_head_and_tail(input: &mut impl Read) -> std::io::Result<(String, u64)> {
    let mut head = Vec::new();
    input.take(HEAD as u64).read_to_end(&mut head)?;
    let mut tail: Vec<u8> = Vec::new();
    let mut skipped = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > 2 * TAIL {
            let cut = tail.len() - TAIL;
            skipped += cut as u64;
            tail.drain(..cut);
        }
    }
    if tail.len() > TAIL {
        let cut = tail.len() - TAIL;
        skipped += cut as u64;
        tail.drain(..cut);
    }
    head.extend_from_slice(&tail);
    Ok((String::from_utf8_lossy(&head).into_owned(), skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_input_keeps_its_head_and_its_tail() {
        let mut input = Vec::new();
        input.extend_from_slice(b"first line\n");
        input.resize(3 * 1024 * 1024, b'x');
        input.extend_from_slice(b"\nAADSTS700016: Application not found");
        let (text, skipped) = read_head_and_tail(&mut input.as_slice()).unwrap();
        assert!(text.starts_with("first line"));
        assert!(text.ends_with("AADSTS700016: Application not found"));
        assert_eq!(text.len() + skipped as usize, input.len());
        assert_eq!(text.len(), HEAD + TAIL);
        let (short, none) = read_head_and_tail(&mut &b"short"[..]).unwrap();
        assert_eq!((short.as_str(), none), ("short", 0));
    }
}
