//! One snapshot per command run, in uv's `uv_snapshot!` layout: success, exit code, then stdout
//! and stderr in full, so a change anywhere in what the user sees shows in review.
//!
//! Re-accepting after an intended change: `INSTA_UPDATE=always cargo test …` rewrites the
//! snapshots (then read the diff with `git diff`), or `INSTA_UPDATE=new` writes `.snap.new` files
//! for `cargo insta review`.

use std::process::{Command, Output};

/// What a command left behind: exit code (None when killed by a signal), stdout, stderr.
pub struct Captured {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Captured {
    /// Runs the command to completion with stdin closed.
    pub fn run(cmd: &mut Command) -> Captured {
        let out = cmd.stdin(std::process::Stdio::null()).output().expect("run the command");
        Captured::from(&out)
    }
}

impl From<&Output> for Captured {
    fn from(out: &Output) -> Captured {
        Captured {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Anything that can be shown as a snapshot of a command run; suites implement it for their own
/// run records.
pub trait Render {
    fn code(&self) -> Option<i32>;
    fn stdout(&self) -> &str;
    fn stderr(&self) -> &str;
}

impl Render for Captured {
    fn code(&self) -> Option<i32> {
        self.code
    }
    fn stdout(&self) -> &str {
        &self.stdout
    }
    fn stderr(&self) -> &str {
        &self.stderr
    }
}

/// The snapshot text: the layout uv's snapshots use, so it reads the same in review.
pub fn render(run: &impl Render) -> String {
    let code = run.code().map_or_else(|| "killed by a signal".to_string(), |c| c.to_string());
    format!(
        "success: {}\nexit_code: {code}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        run.code() == Some(0),
        run.stdout(),
        run.stderr()
    )
}

/// The filters every command snapshot gets, applied in order. Each replaces something that changes
/// from run to run or machine to machine, and nothing else: a filter that swallowed a cause name,
/// a count or a flag would hide the very changes snapshots exist to show.
pub fn filters() -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = Vec::new();
    let mut add = |re: &str, to: &str| f.push((re.to_string(), to.to_string()));
    // Paths first, so later patterns see placeholders instead of machine-specific prefixes.
    add(&escape(&crate::repo_root().display().to_string()), "[REPO]");
    let tmp = std::env::temp_dir().display().to_string();
    add(&format!("{}/?\\.tmp[A-Za-z0-9_]+", escape(tmp.trim_end_matches('/'))), "[TEMP]");
    // The emulator listens on a free port.
    add(r"\b(127\.0\.0\.1|localhost):\d{2,5}\b", "$1:[PORT]");
    // Access tokens (`<org id>!<random>`): never expected in output, but a leak must not pass as
    // noise either, so the placeholder names what it replaced.
    add(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{8,}", "[ACCESS TOKEN]");
    // Wall-clock times: RFC 3339 / ISO 8601 date-times, and HTTP dates.
    add(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "[TIME]");
    add(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", "[TIME]");
    // Measured durations (a configured `180 s` lifetime is not measured and stays).
    add(r"\b\d+(\.\d+)?\s?(ms|µs|us|ns)\b", "[DURATION]");
    // The tool's version in links to versioned docs.
    add(&format!("/v{}/", escape(env!("CARGO_PKG_VERSION"))), "/v[VERSION]/");
    f
}

/// Insta settings with [`filters`] plus a suite's own, applied after the shared ones.
pub fn settings(extra: &[(&str, &str)]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    for (re, to) in filters() {
        s.add_filter(&re, to);
    }
    for (re, to) in extra {
        s.add_filter(re, *to);
    }
    s.set_prepend_module_to_snapshot(true);
    s
}

/// Escapes a literal for use inside a regex.
pub(crate) fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Asserts a command run (anything implementing [`Render`](crate::Render)) against a snapshot,
/// with the shared [`filters`](crate::filters):
///
/// - `cmd_snapshot!(run, @"…")`: inline snapshot;
/// - `cmd_snapshot!("name", run)`: `snapshots/<crate>__<module>__name.snap` next to the caller;
/// - either form with `filters = &[(regex, replacement), …]` first, for a suite's own noise.
///
/// Returns nothing; the run stays usable for further assertions.
#[macro_export]
macro_rules! cmd_snapshot {
    (filters = $extra:expr, $run:expr, @$snap:literal) => {{
        let text = $crate::render(&$run);
        $crate::settings($extra).bind(|| $crate::insta::assert_snapshot!(text, @$snap));
    }};
    (filters = $extra:expr, $name:expr, $run:expr) => {{
        let text = $crate::render(&$run);
        $crate::settings($extra).bind(|| $crate::insta::assert_snapshot!($name, text));
    }};
    ($run:expr, @$snap:literal) => {
        $crate::cmd_snapshot!(filters = &[], $run, @$snap)
    };
    ($name:expr, $run:expr) => {
        $crate::cmd_snapshot!(filters = &[], $name, $run)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_paths_literal() {
        assert_eq!(escape("/tmp/a.b+c"), "/tmp/a\\.b\\+c");
    }

    /// Each filter replaces what varies and leaves the rest: the cause, the counts, the configured
    /// lifetime, the fixed dates.
    #[test]
    fn filters_replace_only_what_varies() {
        let tmp = std::env::temp_dir().join(".tmpAb12Cd/ca.pem");
        let run = Captured {
            code: Some(3),
            stdout: String::new(),
            stderr: format!(
                "login to https://127.0.0.1:40123 as ci@acme.com: 2 attempts in 812ms, lifetime 180 s\n\
                 --ca-file {} --key {}/fixtures/keys/ci.key\n\
                 at 2026-12-03T18:37:06.123Z (Date: Thu, 03 Dec 2026 18:37:06 GMT), expires 2024-01-31\n\
                 token 00D000000000001!AQ4AQFkq8vX.Zt9bY2 docs /blob/v{}/docs/causes.md\n",
                tmp.display(),
                crate::repo_root().display(),
                env!("CARGO_PKG_VERSION"),
            ),
        };
        crate::cmd_snapshot!(run, @r"
        success: false
        exit_code: 3
        ----- stdout -----

        ----- stderr -----
        login to https://127.0.0.1:[PORT] as ci@acme.com: 2 attempts in [DURATION], lifetime 180 s
        --ca-file [TEMP]/ca.pem --key [REPO]/fixtures/keys/ci.key
        at [TIME] (Date: [TIME]), expires 2024-01-31
        token [ACCESS TOKEN] docs /blob/v[VERSION]/docs/causes.md
        ");
    }
}
