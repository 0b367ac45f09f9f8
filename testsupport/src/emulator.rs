//! The emulator as users run it: a separate process serving HTTPS with its own CA.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::repo_root;

/// Builds the emulator binary once per test process and returns its path, next to `sibling`
/// (a binary of the same target directory, e.g. `env!("CARGO_BIN_EXE_sfjwt")`). For suites of
/// another package: cargo builds only the binaries of the package under test.
pub fn build_emulator(sibling: &Path) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "-p", "sfjwt-emulator", "--bin", "sfjwt-emulator"])
                .current_dir(repo_root())
                .status()
                .expect("cargo build the emulator");
            assert!(status.success(), "building sfjwt-emulator failed");
            sibling.with_file_name(format!("sfjwt-emulator{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// A running emulator; killed on drop.
pub struct Emu {
    /// `https://127.0.0.1:<port>`, from the emulator's ready line.
    pub url: String,
    /// The CA certificate its TLS certificate chains to (empty under `--http`).
    pub ca: PathBuf,
    child: Child,
    _tls: tempfile::TempDir,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emu {
    /// Starts `bin --scenario <scenario> --tls-dir <temp> <extra…>` and waits for its ready line,
    /// whose shape is itself a promise (scripts read it). The emulator's request log is dropped.
    pub fn spawn(bin: &Path, scenario: &Path, extra: &[&str]) -> Emu {
        Self::spawn_to(bin, scenario, extra, Stdio::null())
    }

    /// As [`Emu::spawn`], with the emulator's request log (its stderr, one line per request)
    /// written to `log`, for tests that count what a client asked.
    pub fn spawn_logged(bin: &Path, scenario: &Path, extra: &[&str], log: &Path) -> Emu {
        let file = std::fs::File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        Self::spawn_to(bin, scenario, extra, Stdio::from(file))
    }

    fn spawn_to(bin: &Path, scenario: &Path, extra: &[&str], stderr: Stdio) -> Emu {
        let tls = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(bin)
            .arg("--scenario")
            .arg(scenario)
            .arg("--tls-dir")
            .arg(tls.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read the ready line");
        assert!(
            line.starts_with("{\"url\": \"https://127.0.0.1:") || line.starts_with("{\"url\": \"http://127.0.0.1:"),
            "ready line shape: {line:?}"
        );
        let ready: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("ready line {line:?}: {e}"));
        let url = ready["url"].as_str().expect("url in the ready line").to_string();
        // Null when the emulator serves plain http (`--http`): there is no CA then.
        let ca = ready["ca"].as_str().map(PathBuf::from).unwrap_or_default();
        Emu { url, ca, child, _tls: tls }
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port in the emulator URL")
    }
}
