//! Handing the session to what runs next: GitHub Actions outputs and masks, a GitLab dotenv
//! file, the Salesforce CLI's own store, or stdout in a chosen format.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::fsutil;

/// A value that must stay on one line: a newline would let it add a line of its own to a CI
/// file (an output, a variable) that nobody asked for.
fn single_line<'a>(key: &str, value: &'a str) -> Result<&'a str, Error> {
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::usage(
            format!("refusing to write {key}: its value holds a control character or a line break"),
            "the value came from the server's answer or a flag; nothing was written",
        ));
    }
    Ok(value)
}

/// A fresh delimiter per value, as the runner's own toolkit does: a value cannot end the block
/// early unless it guesses 128 random bits.
fn delimiter() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("ghadelimiter_{hex}")
}

fn append(path: &Path, lines: &[(&str, &str)]) -> Result<(), Error> {
    let mut text = String::new();
    for (k, v) in lines {
        if !v.contains(['\n', '\r']) {
            text.push_str(&format!("{k}={v}\n"));
            continue;
        }
        let d = delimiter();
        if v.contains(&d) {
            return Err(Error::usage(format!("refusing to write {k}: its value holds the delimiter"), "retry"));
        }
        text.push_str(&format!("{k}<<{d}\n{v}\n{d}\n"));
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::Io {
        action: "append to",
        path: path.display().to_string(),
        source: e,
        help: Some("GITHUB_OUTPUT and GITHUB_ENV must name writable files".into()),
    })?;
    file.write_all(text.as_bytes()).map_err(|e| Error::Io {
        action: "write",
        path: path.display().to_string(),
        source: e,
        help: None,
    })
}

pub fn github_outputs(lines: &[(&str, &str)]) -> Result<(), Error> {
    match std::env::var_os("GITHUB_OUTPUT") {
        Some(p) => append(&PathBuf::from(p), lines),
        None => {
            eprintln!("warning: GITHUB_OUTPUT is not set; step outputs not written");
            Ok(())
        }
    }
}

pub fn github_env(lines: &[(&str, &str)]) -> Result<(), Error> {
    match std::env::var_os("GITHUB_ENV") {
        Some(p) => append(&PathBuf::from(p), lines),
        None => Err(Error::usage("--export-env needs GITHUB_ENV (GitHub Actions)", "use --dotenv FILE elsewhere")),
    }
}

/// A dotenv file for GitLab's `artifacts:reports:dotenv`; it holds the token, so mode 0600.
/// GitLab's dotenv parser takes one `KEY=VALUE` a line, so a value must not break the line.
pub fn dotenv(path: &Path, lines: &[(&str, &str)]) -> Result<(), Error> {
    let mut text = String::new();
    for (k, v) in lines {
        text.push_str(&format!("{k}={}\n", single_line(k, v)?));
    }
    fsutil::write_atomic(path, text.as_bytes(), fsutil::SECRET_MODE)
}

/// `KEY=VALUE` lines for `--format env`, refused rather than broken by a line break in a value.
pub fn env_lines(lines: &[(&str, &str)]) -> Result<String, Error> {
    lines.iter().map(|(k, v)| Ok(format!("{k}={}\n", single_line(k, v)?))).collect()
}

/// `export KEY='VALUE'` lines for `--format shell`; quoting makes any value inert, and a line
/// break is refused anyway so the output stays one variable a line.
pub fn shell_lines(lines: &[(&str, &str)]) -> Result<String, Error> {
    lines.iter().map(|(k, v)| Ok(format!("export {k}={}\n", shell_quote(single_line(k, v)?)))).collect()
}

pub fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// One line for a workflow command: GitHub ends a command at a newline, and `%`, `\r`, `\n` must
/// be escaped in its message.
fn escape_command(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_command(s).replace(':', "%3A").replace(',', "%2C")
}

/// An `::error` annotation with the diagnosis, and the Markdown report in the step summary.
pub fn github_report(report: &crate::record::Report) {
    let d = &report.diagnosis;
    if report.status != crate::record::Status::Ok {
        let title = format!("sfjwt {}: {}", report.command, d.cause.id());
        let mut message = d.summary.clone();
        if let Some(first) = d.remediation.first() {
            message.push_str(&format!(" Fix: {first}"));
        }
        let line = format!("::error title={}::{}", escape_property(&title), escape_command(&message));
        eprintln!("{}", crate::secrets::scrub(&line));
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let md = crate::output::text::markdown(report);
        let md = crate::secrets::scrub(&md);
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(format!("{md}\n").as_bytes()));
    }
}
