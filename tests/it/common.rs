//! Shared helpers: a sanitised command, a temp dir that remembers which secrets it holds, and
//! independent checks through the openssl CLI.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use base64::Engine;

pub use sfjwt_testsupport::CI_USER as USERNAME;
pub use sfjwt_testsupport::{ADMIN_TOKEN, CLIENT_ID, Emu, TOKEN_PREFIX, fixture_key};
/// The step summary file every command gets (GITHUB_STEP_SUMMARY).
pub const STEP_SUMMARY: &str = "step-summary.md";

/// Variables that would change sfjwt's behaviour or leak in from the developer's shell.
const SCRUB: &[&str] = &[
    "SFJWT_KEY",
    "SFJWT_KEY_FILE",
    "SFJWT_KEY_PASSPHRASE",
    "SFJWT_CLIENT_ID",
    "SFJWT_USERNAME",
    "SFJWT_LOGIN_URL",
    "SFJWT_AUDIENCE",
    "SFJWT_CA_FILE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_ENV",
    "GITLAB_CI",
];

/// A scratch directory plus the secrets that must never show up in sfjwt's output.
pub struct Ctx {
    pub dir: tempfile::TempDir,
    secrets: Mutex<Vec<String>>,
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx { dir: tempfile::tempdir().expect("temp dir"), secrets: Mutex::new(Vec::new()) }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Registers a secret: private key PEM bodies (base64 lines), passphrases, tokens.
    pub fn secret(&self, s: impl Into<String>) {
        self.secrets.lock().unwrap().push(s.into());
    }

    /// Registers every base64 body line of a private-key PEM file, and the whole file's base64.
    pub fn secret_key_file(&self, path: &Path) {
        let text = std::fs::read(path).expect("read key");
        if let Ok(t) = std::str::from_utf8(&text) {
            for line in t.lines().filter(|l| l.len() >= 32 && !l.starts_with("-----")) {
                self.secret(line.to_string());
            }
        }
        self.secret(base64::engine::general_purpose::STANDARD.encode(&text));
    }

    /// `sfjwt` with a clean environment; RUST_BACKTRACE=1 stays set, as on our users' machines,
    /// so a test catches any backtrace that slips out.
    pub fn sfjwt(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
        for var in SCRUB {
            cmd.env_remove(var);
        }
        cmd.env("RUST_BACKTRACE", "1").env("HOME", self.dir.path()).current_dir(self.dir.path());
        // Written only under GITHUB_ACTIONS=true; scanned after every run like the reports.
        cmd.env("GITHUB_STEP_SUMMARY", self.path(STEP_SUMMARY));
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs a command and checks the invariants every run must keep.
    pub fn run(&self, cmd: &mut Command) -> Run {
        self.run_inner(cmd, None, true)
    }

    pub fn run_stdin(&self, cmd: &mut Command, input: &[u8]) -> Run {
        self.run_inner(cmd, Some(input), true)
    }

    /// For the few outputs that exist to carry a secret (e.g. `--print-key-base64`).
    pub fn run_revealing(&self, cmd: &mut Command) -> Run {
        self.run_inner(cmd, None, false)
    }

    fn run_inner(&self, cmd: &mut Command, input: Option<&[u8]>, scan: bool) -> Run {
        let out: Output = if let Some(input) = input {
            use std::io::Write;
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = cmd.spawn().expect("spawn sfjwt");
            child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
            child.wait_with_output().expect("wait")
        } else {
            cmd.output().expect("run sfjwt")
        };
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
        assert!(!run.stderr.contains("stack backtrace"), "backtrace: {}", run.stderr);
        if scan {
            // The one line allowed to hold a secret is its own mask command (on stderr).
            let stderr: String =
                run.stderr.lines().filter(|l| !l.starts_with("::add-mask::")).collect::<Vec<_>>().join("\n");
            self.assert_no_secrets(&run.stdout);
            self.assert_no_secrets(&stderr);
            for text in [&run.stdout, &stderr] {
                assert!(!text.contains(TOKEN_PREFIX), "an access token leaked where none was asked for:\n{text}");
            }
        }
        self.scan_written_files(cmd);
        run
    }

    /// Every file sfjwt writes for others to read: the reports the command was asked for (each
    /// format) and the step summary hold neither key material nor a token; GITHUB_OUTPUT and
    /// GITHUB_ENV (which carry the token by design) hold no key material.
    fn scan_written_files(&self, cmd: &Command) {
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let reports = args.windows(2).filter(|w| w[0] == "--report").map(|w| self.path(&w[1]));
        for path in reports.chain([self.path(STEP_SUMMARY)]) {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            self.assert_no_secrets(&text);
            assert!(!text.contains(TOKEN_PREFIX), "an access token leaked into {}:\n{text}", path.display());
        }
        for (k, v) in cmd.get_envs() {
            if let (true, Some(v)) = (k == "GITHUB_OUTPUT" || k == "GITHUB_ENV", v) {
                let text = std::fs::read_to_string(v).unwrap_or_default();
                self.assert_no_secrets(&text);
            }
        }
    }

    pub fn assert_no_secrets(&self, text: &str) {
        for secret in self.secrets.lock().unwrap().iter() {
            // Any 24-character window of a secret is enough to call it leaked.
            let chars: Vec<char> = secret.chars().collect();
            let window = 24.min(chars.len());
            for start in (0..=chars.len() - window).step_by(8) {
                let frag: String = chars[start..start + window].iter().collect();
                assert!(!text.contains(&frag), "secret fragment leaked into output:\n{text}");
            }
        }
    }

    /// Runs openssl in the context directory; panics with its stderr when it fails.
    pub fn openssl(&self, args: &[&str]) -> String {
        let out = Command::new("openssl").args(args).current_dir(self.dir.path()).output().expect("openssl on PATH");
        assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// keygen into the context dir with the given extra args; returns (key, crt) paths.
    pub fn keygen(&self, name: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
        let r = self.run(self.sfjwt().args(["keygen", "--out-dir", ".", "--name", name]).args(extra));
        assert_eq!(r.code, 0, "keygen failed: {}", r.stderr);
        let key = self.path(&format!("{name}.key"));
        self.secret_key_file(&key);
        (key, self.path(&format!("{name}.crt")))
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl sfjwt_testsupport::Outcome for Run {
    fn code(&self) -> Option<i32> {
        (self.code != -1).then_some(self.code)
    }
    fn stdout(&self) -> &str {
        &self.stdout
    }
    fn stderr(&self) -> &str {
        &self.stderr
    }
}

/// Runs an sfjwt command through [`Ctx::run`] (so every invariant and secret scan still applies)
/// and snapshots its exit code, stdout and stderr with the shared filters; returns the run.
/// `sfjwt_snapshot!(ctx, cmd, @"…")` inline, or `sfjwt_snapshot!(ctx, "name", cmd)` to a file.
macro_rules! sfjwt_snapshot {
    ($ctx:expr, $cmd:expr, @$snap:literal) => {{
        let run = $ctx.run($cmd);
        sfjwt_testsupport::cmd_snapshot!(run, @$snap);
        run
    }};
    ($ctx:expr, $name:expr, $cmd:expr) => {{
        let run = $ctx.run($cmd);
        sfjwt_testsupport::cmd_snapshot!($name, run);
        run
    }};
}
pub(crate) use sfjwt_snapshot;

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success, got {}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn stderr_has(self, needle: &str) -> Run {
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Decodes a JWT's header and claims, and checks its signature with `openssl dgst -verify`
/// against the certificate's public key: an independent verifier, not our own code.
pub fn verify_with_openssl(ctx: &Ctx, jwt: &str, cert: &Path) -> (serde_json::Value, serde_json::Value) {
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWS compact serialisation: {jwt}");
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[0]).expect("header b64")).expect("header json");
    let claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).expect("claims b64")).expect("claims json");
    let tag = format!("{:x}", rand_tag(jwt));
    let signed = ctx.path(&format!("signed-{tag}.txt"));
    let sig = ctx.path(&format!("sig-{tag}.bin"));
    let pubkey = ctx.path(&format!("pub-{tag}.pem"));
    std::fs::write(&signed, format!("{}.{}", parts[0], parts[1])).unwrap();
    std::fs::write(&sig, b64.decode(parts[2]).expect("sig b64")).unwrap();
    let pem = ctx.openssl(&["x509", "-in", cert.to_str().unwrap(), "-pubkey", "-noout"]);
    std::fs::write(&pubkey, pem).unwrap();
    let out = ctx.openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        pubkey.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
        signed.to_str().unwrap(),
    ]);
    assert!(out.contains("Verified OK"), "openssl did not verify: {out}");
    (header, claims)
}

fn rand_tag(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn repo() -> PathBuf {
    sfjwt_testsupport::repo_root()
}

/// The emulator binary, built on first use (it is a separate workspace member; the sfjwt
/// binary itself never links it).
pub fn emulator_bin() -> PathBuf {
    sfjwt_testsupport::build_emulator(Path::new(env!("CARGO_BIN_EXE_sfjwt")))
}

/// Starts the emulator by scenario name or path, with the binary this suite builds.
pub trait StartEmu {
    fn start(scenario: &str) -> Emu;
    fn start_with(scenario: &Path, extra: &[&str]) -> Emu;
}

impl StartEmu for Emu {
    fn start(scenario: &str) -> Emu {
        Self::start_with(&sfjwt_testsupport::scenario(scenario), &[])
    }

    fn start_with(scenario: &Path, extra: &[&str]) -> Emu {
        Emu::spawn(&emulator_bin(), scenario, extra)
    }
}

impl Ctx {
    /// `sfjwt login` against the emulator with the fixture key and its CA.
    pub fn login(&self, emu: &Emu, user: &str) -> Command {
        self.secret_key_file(&fixture_key());
        let mut cmd = self.sfjwt();
        cmd.args(["login", "-i", CLIENT_ID, "-o", user, "-r", &emu.url, "--ca-file"])
            .arg(&emu.ca)
            .arg("--key")
            .arg(fixture_key());
        cmd
    }
}

impl Ctx {
    /// Reads a file sfjwt wrote that must hold no secret (reports), and checks it.
    pub fn read_clean(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        self.assert_no_secrets(&text);
        assert!(!text.contains(TOKEN_PREFIX), "token in {name}:\n{text}");
        text
    }
}

impl Ctx {
    /// `sfjwt doctor` against the emulator, with or without the scenario's admin session.
    pub fn doctor(&self, emu: &Emu, user: &str, admin: bool) -> Command {
        let mut cmd = self.login(emu, user);
        // `login` built `sfjwt login …`; doctor takes the same inputs.
        let args: Vec<std::ffi::OsString> = cmd.get_args().skip(1).map(|a| a.to_owned()).collect();
        let mut d = self.sfjwt();
        d.arg("doctor").args(args);
        if admin {
            d.env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN).args(["--admin-instance-url", &emu.url]);
        }
        let _ = &mut cmd;
        d
    }
}

/// Validates a JSON report against schema/report.schema.json with Python's jsonschema (an
/// independent implementation of JSON Schema).
pub fn validate_with_schema(path: &Path) {
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\njsonschema.Draft202012Validator.check_schema(schema)\njsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.load(open(sys.argv[2])))\nprint('valid')";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(repo().join("schema/report.schema.json"))
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("valid"),
        "schema validation failed (pip install jsonschema): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Parses a JUnit XML report with junitparser; returns (tests, failures, skipped) and the failure types.
pub fn parse_junit(path: &Path) -> (usize, usize, usize, Vec<String>) {
    let script = "import sys,junitparser\nx=junitparser.JUnitXml.fromfile(sys.argv[1])\nt=f=s=0\ntypes=[]\nfor suite in x:\n  for case in suite:\n    t+=1\n    for r in case.result:\n      if isinstance(r, junitparser.Failure): f+=1; types.append(r.type)\n      if isinstance(r, junitparser.Skipped): s+=1\nprint(t,f,s,','.join(types))";
    let out = Command::new("python3").args(["-c", script]).arg(path).output().expect("python3");
    assert!(
        out.status.success(),
        "junitparser failed (pip install junitparser): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let parts: Vec<&str> = text.trim().splitn(4, ' ').collect();
    let n = |i: usize| parts[i].parse::<usize>().unwrap();
    let types =
        parts.get(3).map(|t| t.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default();
    (n(0), n(1), n(2), types)
}

/// The environment the Salesforce CLI needs to talk to the emulator from a test: its CA, a file
/// keychain, no telemetry or update checks, and Node on PATH.
pub fn sf_env(cmd: &mut Command, sf: &str, ca: &Path) {
    cmd.env("SFJWT_SF_BIN", sf)
        .env("NODE_EXTRA_CA_CERTS", ca)
        .env("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .env("SF_AUTOUPDATE_DISABLE", "true")
        .env(
            "PATH",
            format!(
                "{}:{}",
                Path::new(sf).parent().map(|p| p.display().to_string()).unwrap_or_default(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
}

/// `sf org display --target-org ALIAS --json`'s result, after a hand-off stored the session.
pub fn sf_org_display(ctx: &Ctx, sf: &str, ca: &Path, alias: &str) -> serde_json::Value {
    let mut display = Command::new(sf);
    display.args(["org", "display", "--target-org", alias, "--json"]).env("HOME", ctx.dir.path());
    sf_env(&mut display, sf, ca);
    let out = display.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    j["result"].clone()
}
