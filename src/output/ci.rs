//! Handing the session to what runs next: GitHub Actions outputs and masks, a GitLab dotenv
//! file, the Salesforce CLI's own store, or stdout in a chosen format.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// `::add-mask::` on stderr, before the secret is written anywhere: stdout may be captured
/// (`eval "$(sfjwt login --format shell)"`, a pipe to jq), stderr always reaches the runner.
/// The secret is also registered so that any echo of it is scrubbed.
pub fn github_mask(secret: &str) {
    crate::secrets::register(secret);
    if secret.chars().any(|c| c == '\n' || c == '\r') {
        // A mask command is one line; mask each line of a multi-line secret instead.
        secret.lines().filter(|l| !l.trim().is_empty()).for_each(github_mask);
        return;
    }
    eprintln!("::add-mask::{secret}");
    let _ = std::io::stderr().flush();
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

/// The Salesforce CLI: SFJWT_SF_BIN, else `sf` on PATH; quiet about its own updates.
pub struct Sf {
    bin: std::ffi::OsString,
}

impl Sf {
    pub fn new() -> Sf {
        Sf { bin: std::env::var_os("SFJWT_SF_BIN").unwrap_or_else(|| "sf".into()) }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        // Only what sf needs: never the key, its passphrase or the admin token.
        crate::output::sf_env::restrict(&mut cmd);
        cmd.args(args).env("SF_SKIP_NEW_VERSION_CHECK", "true");
        cmd
    }

    /// Checked before the grant (or before setup writes anything): sf must exist where it will be
    /// run, so that a missing sf never strands an issued token or a half-written setup.
    pub fn check_available(&self) -> Result<(), Error> {
        let bin = std::path::Path::new(&self.bin);
        let found = if bin.components().count() > 1 {
            bin.is_file()
        } else {
            std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        };
        if found {
            return Ok(());
        }
        Err(Error::usage(
            format!("the Salesforce CLI ({}) is not installed or not on PATH", bin.display()),
            "install it first (npm install --global @salesforce/cli), or set SFJWT_SF_BIN; nothing was sent or written",
        ))
    }

    /// The error when sf cannot even start; `help` says what else the user can do.
    pub fn spawn_error(&self, source: std::io::Error, help: &str) -> Error {
        Error::Io {
            action: "run the Salesforce CLI",
            path: self.bin.to_string_lossy().into_owned(),
            source,
            help: Some(format!("install it (npm install -g @salesforce/cli) or set SFJWT_SF_BIN{help}")),
        }
    }
}

impl Default for Sf {
    fn default() -> Self {
        Sf::new()
    }
}

/// `sf org login access-token`, the token passed in the environment (never on a command line).
/// sf is Node: it trusts `--ca-file` only through NODE_EXTRA_CA_CERTS, so that is set for it.
/// `extra`: sf's own flags to pass on (`--set-default`, `--set-default-dev-hub`).
pub fn sf_handoff(
    alias: &str,
    instance_url: &str,
    token: &str,
    ca_files: &[PathBuf],
    extra: &[&str],
) -> Result<(), Error> {
    let sf = Sf::new();
    let bundle = ca_bundle(ca_files)?;
    let mut args =
        vec!["org", "login", "access-token", "--instance-url", instance_url, "--alias", alias, "--no-prompt"];
    args.extend_from_slice(extra);
    let mut cmd = sf.command(&args);
    cmd.env("SF_ACCESS_TOKEN", token);
    if let Some(path) = bundle.as_ref().map(|b| b.path()) {
        cmd.env("NODE_EXTRA_CA_CERTS", path);
    }
    let out = cmd.output().map_err(|e| sf.spawn_error(e, ""))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = crate::untrusted::text(&crate::secrets::scrub(&text.replace(token, "***")));
    let mut excerpt: String = text.trim().chars().take(600).collect();
    if excerpt.is_empty() {
        excerpt = format!("sf exited with {} and printed nothing", out.status);
    }
    let help = if excerpt.contains("fetch failed") || excerpt.contains("certificate") {
        "sf could not reach the instance over TLS: with a TLS-inspecting proxy, pass its CA with --ca-file (sfjwt hands it to sf as NODE_EXTRA_CA_CERTS)"
    } else {
        "run `sf org login access-token --help`; sf needs Node >= 22"
    };
    Err(Error::usage(format!("the Salesforce CLI did not accept the session: {excerpt}"), help))
}

/// The CA files as one PEM file for Node (NODE_EXTRA_CA_CERTS names a single file).
enum CaBundle {
    One(PathBuf),
    Joined(PathBuf),
}

impl CaBundle {
    fn path(&self) -> &Path {
        match self {
            CaBundle::One(p) | CaBundle::Joined(p) => p,
        }
    }
}

impl Drop for CaBundle {
    fn drop(&mut self) {
        if let CaBundle::Joined(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn ca_bundle(files: &[PathBuf]) -> Result<Option<CaBundle>, Error> {
    match files {
        [] => Ok(None),
        [one] => Ok(Some(CaBundle::One(one.clone()))),
        many => {
            let mut pem = Vec::new();
            for f in many {
                pem.extend(std::fs::read(f).map_err(|e| Error::Io {
                    action: "read CA file",
                    path: f.display().to_string(),
                    source: e,
                    help: None,
                })?);
                pem.push(b'\n');
            }
            let path = std::env::temp_dir().join(format!("sfjwt-ca-{}.pem", std::process::id()));
            fsutil::write_atomic(&path, &pem, fsutil::PUBLIC_MODE)?;
            Ok(Some(CaBundle::Joined(path)))
        }
    }
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
pub fn github_report(report: &crate::output::report::Report) {
    let d = &report.diagnosis;
    if report.status != crate::output::report::Status::Ok {
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
