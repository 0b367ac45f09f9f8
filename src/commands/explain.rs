use std::io::Read;

use crate::cli::{ExplainArgs, Format};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::error::{Error, Exit};
use crate::output::report::{self, Report};

/// Reads error text from another tool (sf's JwtGrantError, simple-salesforce, a raw JSON body)
/// and diagnoses the most telling line.
pub fn run(args: ExplainArgs) -> Result<Exit, Error> {
    let text = match args.text {
        Some(t) => t,
        None => {
            let mut buf = String::new();
            std::io::stdin().take(1024 * 1024).read_to_string(&mut buf).map_err(|e| {
                Error::usage(format!("cannot read standard input: {e}"), "pass the error text as an argument")
            })?;
            buf
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
    }
    let d = explain(&text);
    match args.format {
        Format::Json => super::print_json(&d)?,
        Format::Text => {
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
                println!("fix: {r}");
            }
            println!("more: {}", d.docs);
        }
    }
    if !args.report.is_empty() {
        let mut r = Report::new("explain", report::Target::default());
        r.status = if d.cause == Cause::Unknown { "failed" } else { "ok" };
        r.diagnosis = d;
        r.write_all(&args.report)?;
    }
    Ok(Exit::Success)
}

/// The most telling (error, description) pairs in free text.
fn pairs(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    // A JSON body, possibly embedded in a line.
    for (i, _) in text.match_indices('{') {
        if let Some(end) = text[i..].find('}')
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text[i..=i + end])
            && let Some(e) = v.get("error").and_then(|e| e.as_str())
        {
            let d = v.get("error_description").and_then(|d| d.as_str()).unwrap_or_default();
            out.push((e.to_string(), d.to_string(), text[i..=i + end].to_string()));
        }
    }
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // "invalid_grant: …", "INVALID_GRANT: …", "error=invalid_client&error_description=app+must+…"
        let lower = line.to_lowercase();
        let mut error = String::new();
        for code in [
            "invalid_grant",
            "invalid_client_id",
            "invalid_client",
            "invalid_app_access",
            "app_not_found",
            "inactive_user",
            "inactive_org",
            "rate_limit_exceeded",
            "unsupported_grant_type",
            "invalid_scope",
            "oauth_app_blocked",
            "oauth_app_access_denied",
            "oauth_ec_app_not_found",
        ] {
            if lower.contains(code) {
                error = code.to_string();
                break;
            }
        }
        let decoded = line.replace('+', " ");
        out.push((error, decoded.clone(), line.to_string()));
    }
    out
}

pub fn explain(text: &str) -> Diagnosis {
    let rank = |c: Cause| match c {
        Cause::Unknown => 0,
        Cause::AudienceInvalid => 1,
        Cause::AppNotInstalled => 2,
        _ => 3,
    };
    let mut best: Option<(Vec<(Cause, Confidence)>, String)> = None;
    for (error, description, source) in pairs(text) {
        let ranked = diagnose::from_error_text(&error, &description);
        let better = match &best {
            None => true,
            Some((b, _)) => rank(ranked[0].0) > rank(b[0].0),
        };
        if better {
            best = Some((ranked, source));
        }
    }
    let (ranked, source) = best.unwrap_or_else(|| (vec![(Cause::Unknown, Confidence::Possible)], String::new()));
    let excerpt: String = source.chars().take(240).collect();
    let evidence = if excerpt.is_empty() { vec![] } else { vec![format!("matched: {excerpt}")] };
    let (cause, conf) = ranked[0];
    Diagnosis::new(cause, conf, evidence).with_candidates(&ranked[1..])
}
