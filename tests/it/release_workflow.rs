//! The release workflow cannot run here (no GitHub, no musl/macOS/Windows toolchains), so what it
//! promises is asserted from the file itself: the build matrix, that it archives through
//! scripts/release.sh (whose output the installer tests install), the checksum file and the
//! attestations. The same layout is then checked from every reader's side: install.sh,
//! install.ps1, the Action (action/lib.js) and cargo-binstall's templates in Cargo.toml.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;

/// The promised platforms: (runner label, Rust target, binary name).
const MATRIX: &[(&str, &str, &str)] = &[
    ("ubuntu-latest", "x86_64-unknown-linux-musl", "sfjwt"),
    ("ubuntu-24.04-arm", "aarch64-unknown-linux-musl", "sfjwt"),
    ("macos-15-intel", "x86_64-apple-darwin", "sfjwt"),
    ("macos-latest", "aarch64-apple-darwin", "sfjwt"),
    ("windows-latest", "x86_64-pc-windows-msvc", "sfjwt.exe"),
];

fn workflow() -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap()).unwrap()
}

fn steps(job: &serde_json::Value) -> Vec<serde_json::Value> {
    job["steps"].as_array().unwrap().clone()
}

fn run_text(step: &serde_json::Value) -> String {
    step["run"].as_str().unwrap_or_default().to_string()
}

#[test]
fn release_workflow_builds_every_platform_with_the_shared_layout() {
    let wf = workflow();
    assert_eq!(wf["on"]["push"]["tags"][0], "v*", "releases are cut from v* tags");
    assert_eq!(
        wf["env"]["AWS_LC_SYS_NO_JITTER_ENTROPY"], "1",
        "release builds seed aws-lc from the OS, as local builds do"
    );
    let build = &wf["jobs"]["build"];
    let matrix: Vec<(String, String, String)> = build["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["os"].as_str().unwrap().into(), m["target"].as_str().unwrap().into(), m["exe"].as_str().unwrap().into())
        })
        .collect();
    let want: Vec<(String, String, String)> =
        MATRIX.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(matrix, want);
    assert!(
        matrix.iter().filter(|(_, t, _)| t.contains("linux")).all(|(_, t, _)| t.ends_with("-linux-musl")),
        "Linux builds are musl, so they run on Alpine and any glibc"
    );
    let build_steps = steps(build);
    let all: String = build_steps.iter().map(run_text).collect::<Vec<_>>().join("\n");
    assert!(
        all.contains("cargo build --profile dist --locked -p sfjwt --bin sfjwt -p sfjwt-emulator --bin sfjwt-emulator --target \"${{ matrix.target }}\""),
        "both binaries are built, so the archive ships the emulator next to sfjwt:\n{all}"
    );
    assert!(all.contains("musl-tools"), "musl builds need musl-gcc for aws-lc's C code");
    let cargo_toml = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    assert!(cargo_toml.contains("[profile.dist]\ninherits = \"release\""), "the dist profile the workflow builds with");
    assert!(
        all.contains("bash scripts/release.sh archive \"target/${{ matrix.target }}/dist/${{ matrix.exe }}\" \"${{ matrix.target }}\" \"$GITHUB_REF_NAME\" dist"),
        "archives are made by scripts/release.sh, the script the installer tests use:\n{all}"
    );
    assert!(
        all.contains("test \"$size\" -le 10000000") && all.contains("static(ally|-pie) linked"),
        "the Linux binary is checked static and <= 10 MB"
    );
}

#[test]
fn release_workflow_publishes_checksums_and_attestations() {
    let wf = workflow();
    let publish = &wf["jobs"]["publish"];
    assert_eq!(publish["needs"], "build");
    for (scope, level) in [("contents", "write"), ("id-token", "write"), ("attestations", "write")] {
        assert_eq!(publish["permissions"][scope], level, "publish needs {scope}: {level}");
    }
    assert_eq!(wf["permissions"]["contents"], "read", "jobs get write access only where they need it");
    let s = steps(publish);
    let pos = |pred: &dyn Fn(&serde_json::Value) -> bool, what: &str| {
        s.iter().position(pred).unwrap_or_else(|| panic!("publish has no step that {what}"))
    };
    let finish = pos(
        &|st| run_text(st).contains("bash scripts/release.sh finish \"$GITHUB_REF_NAME\" dist"),
        "writes SHA256SUMS",
    );
    let smoke =
        pos(&|st| run_text(st).contains("alpine") && run_text(st).contains("sh install.sh"), "smoke-tests on Alpine");
    let smoke_text = run_text(&s[smoke]);
    assert!(
        smoke_text.contains("--sha256 $pin") && smoke_text.contains("/sfjwt-emulator demo"),
        "Alpine's BusyBox wget needs the pin, and the shipped emulator's demo runs there:\n{smoke_text}"
    );
    let attest = pos(
        &|st| {
            st["uses"].as_str().is_some_and(|u| u.starts_with("actions/attest-build-provenance@"))
                && st["with"]["subject-path"] == "dist/*"
        },
        "attests every asset",
    );
    let release = pos(&|st| run_text(st).contains("gh release create \"$GITHUB_REF_NAME\" dist/*"), "publishes dist/*");
    assert!(
        finish < smoke && smoke < attest && attest < release,
        "sums, then the Alpine smoke test, then attest, then publish"
    );
    let version_check = pos(
        &|st| run_text(st).contains("test \"$GITHUB_REF_NAME\" = \"v$version\""),
        "checks the tag against Cargo.toml",
    );
    assert!(version_check < release);
}

/// Node 20 is gone from GitHub's runners (September 2026): every action the workflows use must be
/// a Node 24 release.
#[test]
fn workflows_use_node24_releases_of_actions() {
    let min: BTreeMap<&str, u32> = [
        ("actions/checkout", 5),
        ("actions/upload-artifact", 6),
        ("actions/download-artifact", 7),
        ("actions/attest-build-provenance", 3),
    ]
    .into();
    for file in ["ci.yml", "release.yml"] {
        let text = std::fs::read_to_string(repo().join(".github/workflows").join(file)).unwrap();
        for line in text.lines().filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses: ")) {
            let (name, version) = line.split_once('@').unwrap();
            let major: u32 = version.trim_start_matches('v').split('.').next().unwrap().parse().unwrap();
            let floor = min.get(name).unwrap_or_else(|| panic!("{file} uses {name}: add its Node 24 release here"));
            assert!(major >= *floor, "{file}: {name}@{version} runs on Node 20; use v{floor} or later");
        }
    }
}

/// What scripts/release.sh makes, per target, with this build's binary standing in for each.
#[test]
fn release_script_makes_the_archive_layout_and_sums_file() {
    let ctx = Ctx::new();
    let dist = ctx.path("dist");
    let bin = crate::fake_release::stripped_binaries(&ctx);
    let script = repo().join("scripts/release.sh");
    for (_, target, _) in MATRIX {
        let out = Command::new("bash")
            .arg(&script)
            .arg("archive")
            .arg(&bin)
            .args([target, "v0.1.0"])
            .arg(&dist)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = Command::new("bash").arg(&script).args(["finish", "v0.1.0"]).arg(&dist).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (_, target, exe) in MATRIX {
        let name = format!("sfjwt-v0.1.0-{target}");
        let listing = if target.contains("windows") {
            let out = Command::new("unzip").arg("-Z1").arg(dist.join(format!("{name}.zip"))).output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        } else {
            let out = Command::new("tar").arg("-tzf").arg(dist.join(format!("{name}.tar.gz"))).output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let mut files: Vec<&str> = listing.lines().filter(|l| !l.ends_with('/')).collect();
        files.sort();
        assert!(files.iter().all(|f| f.starts_with(&format!("{name}/"))), "one folder {name}/ per archive: {files:?}");
        let emulator = exe.replace("sfjwt", "sfjwt-emulator");
        for want in [
            exe.to_string(),
            emulator,
            "README.md".into(),
            "LICENSE-MIT".into(),
            "LICENSE-APACHE".into(),
            "completions/sfjwt.bash".into(),
            "completions/_sfjwt".into(),
            "completions/sfjwt.fish".into(),
            "completions/_sfjwt.ps1".into(),
            "man/sfjwt.1".into(),
            "man/sfjwt-login.1".into(),
        ] {
            assert!(files.contains(&format!("{name}/{want}").as_str()), "{name} lacks {want}: {files:?}");
        }
    }
    // SHA256SUMS: "<64 hex>  <asset>" for every asset, and sha256sum -c agrees.
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let mut listed: Vec<String> = Vec::new();
    for line in sums.lines() {
        let (hex, name) = line.split_once("  ").unwrap_or_else(|| panic!("not '<hex>  <name>': {line:?}"));
        assert!(hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{line}");
        listed.push(name.to_string());
    }
    let mut assets: Vec<String> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    assets.sort();
    listed.sort();
    assert_eq!(listed, assets, "SHA256SUMS covers every asset");
    assert!(assets.contains(&"install.sh".to_string()) && assets.contains(&"VERSION".to_string()));
    assert_eq!(std::fs::read_to_string(dist.join("VERSION")).unwrap(), "v0.1.0\n");
    let check = Command::new("sha256sum").args(["-c", "SHA256SUMS"]).current_dir(&dist).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

/// The sfjwt package as cargo reads Cargo.toml.
pub fn manifest() -> serde_json::Value {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    all["packages"].as_array().unwrap().iter().find(|p| p["name"] == "sfjwt").unwrap().clone()
}

/// cargo-binstall's `{ var }` substitution, for the variables our templates use.
fn render(template: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{ {k} }}"), v);
    }
    assert!(!out.contains('{'), "unresolved variable in {out}");
    out
}

/// Cargo.toml's binstall templates, resolved per host target as cargo-binstall does, name exactly
/// the archive and the path inside it that scripts/release.sh makes and install.sh reads.
#[test]
fn binstall_metadata_resolves_to_the_release_layout() {
    let pkg = manifest();
    let meta = &pkg["metadata"]["binstall"];
    let repository = pkg["repository"].as_str().unwrap().to_string();
    let version = pkg["version"].as_str().unwrap().to_string();
    let hosts = [
        ("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"),
        ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-musl"),
        ("aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"),
        ("aarch64-unknown-linux-musl", "aarch64-unknown-linux-musl"),
        ("x86_64-apple-darwin", "x86_64-apple-darwin"),
        ("aarch64-apple-darwin", "aarch64-apple-darwin"),
        ("x86_64-pc-windows-msvc", "x86_64-pc-windows-msvc"),
    ];
    for (host, asset_target) in hosts {
        let o = &meta["overrides"][host];
        let field = |k: &str| o[k].as_str().or(meta[k].as_str()).unwrap().to_string();
        let windows = host.contains("windows");
        let fmt = field("pkg-fmt");
        assert_eq!(fmt, if windows { "zip" } else { "tgz" }, "{host}");
        let vars: BTreeMap<&str, String> = [
            ("repo", repository.clone()),
            ("version", version.clone()),
            ("name", "sfjwt".into()),
            ("bin", "sfjwt".into()),
            ("target", host.into()),
            ("archive-suffix", if windows { ".zip".into() } else { ".tar.gz".into() }),
            ("binary-ext", if windows { ".exe".into() } else { String::new() }),
        ]
        .into();
        let name = format!("sfjwt-v{version}-{asset_target}");
        let suffix = if windows { "zip" } else { "tar.gz" };
        assert_eq!(
            render(&field("pkg-url"), &vars),
            format!("{repository}/releases/download/v{version}/{name}.{suffix}"),
            "{host}"
        );
        let exe = if windows { "sfjwt.exe" } else { "sfjwt" };
        assert_eq!(render(&field("bin-dir"), &vars), format!("{name}/{exe}"), "{host}");
    }
}

/// The one layout, from every reader's side: the installers and the Action name archives and
/// folders exactly as scripts/release.sh does.
#[test]
fn installers_and_action_read_the_same_layout() {
    let sh = std::fs::read_to_string(repo().join("install.sh")).unwrap();
    for needle in [
        "name=\"sfjwt-$version-$target\"",
        "asset=\"$name.tar.gz\"",
        "url=\"$base/$version\"",
        "\"$name/sfjwt\"",
        "$url/SHA256SUMS",
        "/latest/download",
        "$latest/VERSION",
    ] {
        assert!(sh.contains(needle), "install.sh lacks {needle}");
    }
    let ps = std::fs::read_to_string(repo().join("install.ps1")).unwrap();
    for needle in [
        "$name = \"sfjwt-$Version-$Target\"",
        "$asset = \"$name.zip\"",
        "$url = \"$BaseUrl/$Version\"",
        "'sfjwt.exe'",
        "$url/SHA256SUMS",
        "/latest/download",
        "$latest/VERSION",
        "'x86_64-pc-windows-msvc'",
    ] {
        assert!(ps.contains(needle), "install.ps1 lacks {needle}");
    }
    let script = std::fs::read_to_string(repo().join("scripts/release.sh")).unwrap();
    for needle in ["name=\"sfjwt-$version-$target\"", "$name.tar.gz", "$name.zip", "sha256sum -- * >"] {
        assert!(script.contains(needle), "scripts/release.sh lacks {needle}");
    }
    // Every target the Action maps a runner to is one the workflow builds.
    let lib = std::fs::read_to_string(repo().join("action/lib.js")).unwrap();
    for (_, target, _) in MATRIX {
        assert!(lib.contains(&format!("\"{target}\"")), "action/lib.js never picks {target}");
    }
    for t in lib.split('"').filter(|s| s.ends_with("-musl") || s.ends_with("-darwin") || s.ends_with("-msvc")) {
        assert!(MATRIX.iter().any(|(_, m, _)| *m == t), "action/lib.js picks {t}, which the workflow does not build");
    }
}

/// `cargo package` succeeds and the packaged crate, unpacked outside the workspace, builds and
/// passes its unit tests offline with the lockfile it ships (scripts/package-check.sh).
/// A whole nested build of the crate (minutes): the tools run, scripts/test.sh, includes it.
#[test]
#[ignore = "a nested cargo build of the packaged crate: scripts/test.sh runs ignored tests"]
fn packaged_crate_builds_and_passes_unit_tests_offline() {
    let target = std::path::Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().parent().unwrap().to_path_buf();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(repo().join("scripts/package-check.sh"))
        .arg("--allow-dirty")
        .env("CARGO_TARGET_DIR", &target)
        .env("SFJWT_PACKAGE_DIR", work.path())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{log}");
    // The library's unit tests (the binary has none of its own).
    let passed = log
        .split("test result: ok. ")
        .skip(1)
        .filter_map(|r| r.split(' ').next().and_then(|n| n.parse::<usize>().ok()))
        .max()
        .unwrap_or(0);
    assert!(passed > 0, "no unit test ran in the packaged crate:\n{log}");
    let unpacked = work.path().join(format!("sfjwt-{}", env!("CARGO_PKG_VERSION")));
    for f in ["LICENSE-MIT", "LICENSE-APACHE", "README.md", "Cargo.lock", "src/main.rs"] {
        assert!(unpacked.join(f).is_file(), "the package lacks {f}");
    }
    assert!(
        !unpacked.join("fixtures").exists() && !unpacked.join("tests").exists(),
        "test material stays in the repository"
    );
}
