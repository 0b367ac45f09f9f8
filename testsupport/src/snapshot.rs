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

/// A finished command run; suites implement it for their own run records.
pub trait Outcome {
    /// The exit code, None when killed by a signal.
    fn code(&self) -> Option<i32>;
    fn stdout(&self) -> &str;
    fn stderr(&self) -> &str;
}

impl Outcome for Captured {
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

/// What [`cmd_snapshot!`](crate::cmd_snapshot) records: one run, or a [`Transcript`] of several.
pub trait Render {
    fn render(&self) -> String;
}

/// One run in the layout uv's snapshots use, so it reads the same in review.
impl<T: Outcome> Render for T {
    fn render(&self) -> String {
        let code = self.code().map_or_else(|| "killed by a signal".to_string(), |c| c.to_string());
        format!(
            "success: {}\nexit_code: {code}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code() == Some(0),
            self.stdout(),
            self.stderr()
        )
    }
}

/// Several runs in order, each under the command line that produced it, for one snapshot of a
/// whole story (a login, then doctor without and with an admin session).
#[derive(Default)]
pub struct Transcript {
    text: String,
}

impl Transcript {
    pub fn push(&mut self, cmd: &Command, run: &impl Outcome) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(&format!("$ {}\n{}", command_line(cmd), run.render()));
        if !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }
}

impl Render for Transcript {
    fn render(&self) -> String {
        self.text.clone()
    }
}

/// A command as a reader would type it: the program's file name, then the arguments (quoted when
/// they hold a space), preceded by the variables it sets that feed the command (`SFJWT_*`, and
/// the `ACTIONS_ID_TOKEN_*` pair of GitHub's token service), values hidden: some are secrets.
pub fn command_line(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|_| k.to_string_lossy().into_owned()))
        .filter(|k| k.starts_with("SFJWT_") || k.starts_with("ACTIONS_ID_TOKEN_"))
        .map(|k| format!("{k}=…"))
        .collect();
    let program = std::path::Path::new(cmd.get_program());
    words.push(program.file_name().unwrap_or(program.as_os_str()).to_string_lossy().into_owned());
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        words.push(if arg.contains(' ') { format!("'{arg}'") } else { arg.into_owned() });
    }
    words.join(" ")
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
    // Unix times (a JWT's exp or iat; 2020 to 2286, so the pattern outlives 2033's eleventh digit),
    // and ages measured from now.
    add(r"\b(1[6-9]|2\d)\d{8}\b", "[EPOCH]");
    add(r"(expired )\d+ s( ago)", "$1[AGE]$2");
    // Days until or since a certificate's notAfter: they move by one every day, whatever the
    // certificate (a configured `--days 365` is not measured and stays).
    add(r"(valid until [^\n()]*\()-?\d+( days?\))", "$1[DAYS]$2");
    add(r"(expires in )-?\d+( days?)", "$1[DAYS]$2");
    add(r"(expired )\d+( days? ago)", "$1[DAYS]$2");
    add(r"(days left: +)-?\d+", "$1[DAYS]");
    // Measured durations (a configured `180 s` lifetime is not measured and stays).
    add(r"\b\d+(\.\d+)?\s?(ms|µs|us|ns)\b", "[DURATION]");
    // Retry waits: a server's Retry-After is whole seconds and stays; backoff is random (full jitter).
    add(r"(HTTP 429 [^\n]*; retrying in \d+\.\d)s", "$1 s");
    add(r"retrying in \d+\.\ds", "retrying in [BACKOFF]");
    // Clock skew between the emulator and this machine moves by a second either way.
    add(r"(clock minus local clock: )-?\d+s", "$1[SKEW]");
    add(r"(clock is )-?\d+s( off)", "$1[SKEW]$2");
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

/// Asserts a command run or a transcript (anything implementing [`Render`](crate::Render))
/// against a snapshot, with the shared [`filters`](crate::filters):
///
/// - `cmd_snapshot!(run, @"…")`: inline snapshot;
/// - `cmd_snapshot!("name", run)`: `snapshots/<crate>__<module>__name.snap` next to the caller;
/// - either form with `filters = &[(regex, replacement), …]` first, for a suite's own noise.
///
/// Returns nothing; the run stays usable for further assertions.
#[macro_export]
macro_rules! cmd_snapshot {
    (filters = $extra:expr, $run:expr, @$snap:literal) => {{
        let text = $crate::Render::render(&$run);
        $crate::settings($extra).bind(|| $crate::insta::assert_snapshot!(text, stringify!($run), @$snap));
    }};
    (filters = $extra:expr, $name:expr, $run:expr) => {{
        let text = $crate::Render::render(&$run);
        $crate::settings($extra).bind(|| $crate::insta::assert_snapshot!($name, text, stringify!($run)));
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
                 token 00D000000000001!AQ4AQFkq8vX.Zt9bY2 docs /blob/v{}/docs/causes.md\n\
                 note: HTTP 429 (application/json) (aud x); retrying in 1.0s\n\
                 note: HTTP 503 (application/json) (aud x); retrying in 0.4s\n\
                 server clock minus local clock: -1s; the server's clock is 599s off the local one\n\
                 the OIDC token expired 61 s ago (exp 1796324889); app 0H4000000000011AAA\n\
                 valid until 9999-12-31T23:59:59Z (2917480 days); expires in 12 days (2027-01-01); --days 365\n\
                 expired 3 days ago; days left:   -3; iat 2100000000, not 12345678901\n",
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
        note: HTTP 429 (application/json) (aud x); retrying in 1.0 s
        note: HTTP 503 (application/json) (aud x); retrying in [BACKOFF]
        server clock minus local clock: [SKEW]; the server's clock is [SKEW] off the local one
        the OIDC token expired [AGE] ago (exp [EPOCH]); app 0H4000000000011AAA
        valid until [TIME] ([DAYS] days); expires in [DAYS] days (2027-01-01); --days 365
        expired [DAYS] days ago; days left:   [DAYS]; iat [EPOCH], not 12345678901
        ");
    }

    /// A suite's own filters apply after the shared ones.
    #[test]
    fn suite_filters_come_last() {
        let run = Captured { code: None, stdout: "user ci@acme.com on 127.0.0.1:8443\n".into(), stderr: String::new() };
        crate::cmd_snapshot!(filters = &[(r"127\.0\.0\.1:\[PORT\]", "[HOST]"), (r"ci@\S+", "[USER]")], run, @r"
        success: false
        exit_code: killed by a signal
        ----- stdout -----
        user [USER] on [HOST]

        ----- stderr -----
        ");
    }
}
