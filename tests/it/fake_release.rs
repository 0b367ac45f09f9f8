//! A local fake of GitHub's release downloads, laid out by scripts/release.sh (the script the
//! release workflow runs) from this build's sfjwt, and served by python's http.server with
//! injectable faults (tests/installer/fake_release_server.py).
//!
//! Honest limits: every archive holds this machine's x86_64 glibc build (stripped) of sfjwt and
//! sfjwt-emulator, whatever its name says; the musl, macOS and Windows builds only exist on
//! GitHub's runners.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::*;

pub const LINUX_X64: &str = "x86_64-unknown-linux-musl";
pub const LINUX_ARM64: &str = "aarch64-unknown-linux-musl";

/// A served release tree: ROOT/sfjwt/sfjwt/releases/{download/VERSION, latest/download}/.
pub struct FakeRelease {
    pub root: PathBuf,
    /// http://127.0.0.1:PORT/sfjwt/sfjwt/releases/download, what --base-url takes.
    pub base: String,
    pub version: String,
    server: Option<Child>,
}

impl Drop for FakeRelease {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}

/// This build's binaries without debug info, sfjwt and sfjwt-emulator side by side as cargo
/// leaves them (scripts/release.sh takes the emulator from sfjwt's folder): the archives stay a
/// few MB, as a release's are.
pub fn stripped_binaries(ctx: &Ctx) -> PathBuf {
    let dir = ctx.path("stripped");
    let bin = dir.join("sfjwt");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        for (from, to) in
            [(PathBuf::from(env!("CARGO_BIN_EXE_sfjwt")), &bin), (emulator_bin(), &dir.join("sfjwt-emulator"))]
        {
            std::fs::copy(from, to).unwrap();
            let ok = Command::new("strip").arg(to).status().expect("strip (binutils)");
            assert!(ok.success());
        }
    }
    bin
}

impl FakeRelease {
    /// Lays out VERSION with archives for `targets` (all from this build) and SHA256SUMS.
    pub fn lay_out(ctx: &Ctx, version: &str, targets: &[&str]) -> FakeRelease {
        let root = ctx.path("releases");
        let releases = root.join("sfjwt/sfjwt/releases");
        let dist = releases.join("download").join(version);
        std::fs::create_dir_all(&dist).unwrap();
        let bin = stripped_binaries(ctx);
        for target in targets {
            let out = Command::new("bash")
                .arg(repo().join("scripts/release.sh"))
                .args(["archive"])
                .arg(&bin)
                .args([target, version])
                .arg(&dist)
                .output()
                .unwrap();
            assert!(out.status.success(), "release.sh archive: {}", String::from_utf8_lossy(&out.stderr));
        }
        let out =
            Command::new("bash").arg(repo().join("scripts/release.sh")).args(["finish", version]).arg(&dist).output();
        let out = out.unwrap();
        assert!(out.status.success(), "release.sh finish: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::create_dir_all(releases.join("latest")).unwrap();
        std::os::unix::fs::symlink(Path::new("../download").join(version), releases.join("latest/download")).unwrap();
        FakeRelease { root, base: String::new(), version: version.to_string(), server: None }
    }

    pub fn asset(&self, name: &str) -> PathBuf {
        self.root.join("sfjwt/sfjwt/releases/download").join(&self.version).join(name)
    }

    pub fn archive(&self, target: &str) -> String {
        format!("sfjwt-{}-{target}.tar.gz", self.version)
    }

    /// The URL path of an asset, as the server sees it (for fault injection).
    pub fn url_path(&self, name: &str) -> String {
        format!("/sfjwt/sfjwt/releases/download/{}/{name}", self.version)
    }

    pub fn sha256(&self, name: &str) -> String {
        let out = Command::new("sha256sum").arg(self.asset(name)).output().unwrap();
        String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_string()
    }

    /// Starts the server; `faults` are (URL path, "500" | "truncate").
    pub fn serve(self, faults: &[(String, &str)]) -> FakeRelease {
        self.serve_with(faults, None)
    }

    /// Serves https with a certificate for 127.0.0.1 made here; returns the CA file to trust
    /// (curl reads CURL_CA_BUNDLE). Faults may include "redirect-http", a 302 to the same path
    /// on a plain http port.
    pub fn serve_tls(self, ctx: &Ctx, faults: &[(String, &str)]) -> (FakeRelease, PathBuf) {
        let (cert, key) = (ctx.path("release-tls.crt"), ctx.path("release-tls.key"));
        let out = Command::new("openssl")
            // RSA: BusyBox wget's own TLS code fails the handshake with an EC certificate.
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
            .args(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "36500", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
        let mut rel = self.serve_with(faults, Some((&cert, &key)));
        rel.base = rel.base.replacen("http://", "https://", 1);
        (rel, cert)
    }

    fn serve_with(mut self, faults: &[(String, &str)], tls: Option<(&Path, &Path)>) -> FakeRelease {
        let mut cmd = Command::new("python3");
        cmd.arg(repo().join("tests/installer/fake_release_server.py")).arg(&self.root);
        if let Some((cert, key)) = tls {
            cmd.arg("--tls").arg(cert).arg(key);
        }
        for (path, kind) in faults {
            cmd.arg("--fault").arg(format!("{path}={kind}"));
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("ready ").unwrap_or_else(|| panic!("fake release server: {line:?}"));
        self.base = format!("http://127.0.0.1:{port}/sfjwt/sfjwt/releases/download");
        self.server = Some(child);
        self
    }
}

/// README's "Try it" for someone with a release and no Rust toolchain: the block that unpacks an
/// archive and runs `sfjwt-emulator demo`, run as written (sh -e) beside an archive laid out by
/// scripts/release.sh, with neither cargo nor sfjwt on PATH. Then the emulator alone, with the
/// sfjwt that install.sh would have put on PATH.
#[test]
fn the_release_archive_runs_the_demo_without_a_toolchain() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let try_it = readme.split("**Without a Rust toolchain**").nth(1).expect("README's release demo");
    let block = try_it.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its sh block");
    let archive = block.split_whitespace().find(|w| w.ends_with(".tar.gz")).expect("the archive it unpacks");
    let (version, target) = archive
        .strip_prefix("sfjwt-")
        .and_then(|r| r.strip_suffix(".tar.gz"))
        .and_then(|r| r.split_once('-'))
        .expect("sfjwt-VERSION-TARGET.tar.gz");
    assert_eq!(target, LINUX_X64, "the README shows the Linux x86_64 archive");
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, version, &[target]);
    let work = ctx.path("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(rel.asset(archive), work.join(archive)).unwrap();
    let bare_path = "/usr/bin:/bin";
    for tool in ["cargo", "sfjwt", "sfjwt-emulator"] {
        assert!(!bare_path.split(':').any(|d| Path::new(d).join(tool).exists()), "{tool} in {bare_path}");
    }
    let run = |cmd: &mut Command| {
        let out = cmd.env_clear().env("PATH", bare_path).env("HOME", ctx.dir.path()).output().unwrap();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{log}");
        assert!(log.contains("$ sfjwt login") && log.contains("user_not_"), "the demo's story:\n{log}");
    };
    run(Command::new("sh").args(["-e", "-c", block]).current_dir(&work));
    // Installed: sfjwt on PATH (where install.sh puts it), the emulator copied anywhere else.
    let name = archive.trim_end_matches(".tar.gz");
    let bin = ctx.path("bin");
    let elsewhere = ctx.path("elsewhere");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(work.join(name).join("sfjwt"), bin.join("sfjwt")).unwrap();
    std::fs::copy(work.join(name).join("sfjwt-emulator"), elsewhere.join("sfjwt-emulator")).unwrap();
    let mut cmd = Command::new(elsewhere.join("sfjwt-emulator"));
    cmd.arg("demo");
    let out =
        cmd.env_clear().env("PATH", format!("{}:{bare_path}", bin.display())).env("HOME", ctx.dir.path()).output();
    let out = out.unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && log.contains("user_not_"), "{log}");
}
