//! `sfjwt-emulator demo`: the whole story on the embedded default org, with the real sfjwt binary:
//! make a key and certificate, log in, then watch a refusal get diagnosed.

use std::path::{Path, PathBuf};
use std::process::Command;

const CLIENT_ID: &str = "3MVG9Demo.consumer_key";
pub const ADMIN_TOKEN: &str = "00D000000000001!DEMOADMINSESSION";

fn scenario(cert: &str) -> String {
    format!(
        "description: \"sfjwt demo org\"
org:
  name: Acme (demo)
apps:
  - name: CI
    kind: external-client-app
    consumer-key: {CLIENT_ID}
    certificate: {cert}
    permitted-users: admin-approved-preauthorized
    permission-sets: [CI_JWT_Access]
users:
  - username: ci@acme.com
    profile: CI Integration
    permission-sets: [CI_JWT_Access]
  - username: new-ci@acme.com
    profile: CI Integration
  - username: admin@acme.com
    profile: System Administrator
    session-token: {ADMIN_TOKEN}
"
    )
}

/// The sfjwt binary next to this one, built first if needed (the emulator never links it).
fn sfjwt_bin() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sibling = me.with_file_name(if cfg!(windows) { "sfjwt.exe" } else { "sfjwt" });
    if sibling.is_file() {
        return Ok(sibling);
    }
    if let Some(p) = std::env::var_os("SFJWT_BIN") {
        return Ok(PathBuf::from(p));
    }
    // Installed from a release: install.sh put sfjwt on PATH, the emulator may sit elsewhere.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let name = sibling.file_name().unwrap_or_default();
    if let Some(found) = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()) {
        return Ok(found);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "sfjwt", "--bin", "sfjwt"])
        .status()
        .map_err(|e| format!("cannot build sfjwt: {e}"))?;
    if status.success() && sibling.is_file() {
        Ok(sibling)
    } else {
        Err("sfjwt is not built: run `cargo build` first, or set SFJWT_BIN".into())
    }
}

fn step(title: &str) {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        println!("\n\x1b[1m== {title}\x1b[0m");
    } else {
        println!("\n== {title}");
    }
}

fn run(bin: &Path, args: &[&str], shown: &str) -> Result<i32, String> {
    println!("$ sfjwt {shown}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // Inherited stdio, so sfjwt's stdout and stderr interleave as a user would see them.
    let status = Command::new(bin).args(args).status().map_err(|e| e.to_string())?;
    Ok(status.code().unwrap_or(-1))
}

/// A new folder in the temporary directory: create_dir fails on anything already there (a
/// folder or a link someone planted at the name), so the key is never written through one.
fn scratch_dir() -> Result<PathBuf, String> {
    let mut last = String::new();
    for attempt in 0..16u32 {
        let dir = std::env::temp_dir().join(format!("sfjwt-demo-{}-{attempt}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = e.to_string(),
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    Err(format!("cannot create a scratch folder in {}: {last}", std::env::temp_dir().display()))
}

/// The demo's scratch folder, removed however the demo ends: it holds a private key.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run_demo() -> Result<bool, String> {
    let bin = sfjwt_bin()?;
    crate::http::LOG_REQUESTS.store(false, std::sync::atomic::Ordering::Relaxed);
    let scratch = Scratch(scratch_dir()?);
    let dir = scratch.0.clone();
    let d = |name: &str| dir.join(name).display().to_string();

    step("1. A key and a self-signed certificate to upload to the app");
    let code = run(
        &bin,
        &["keygen", "--out-dir", &d(""), "--name", "demo", "--cn", "ci.acme.com"],
        "keygen --name demo --cn ci.acme.com",
    )?;
    if code != 0 {
        return Err("keygen failed".into());
    }

    step("2. An emulated org: an External Client App holding that certificate");
    std::fs::write(dir.join("org.yaml"), scenario("demo.crt")).map_err(|e| e.to_string())?;
    let org = crate::load_org(&dir.join("org.yaml"), None)?;
    let running = crate::server::start(
        org,
        crate::server::Options {
            listen: "127.0.0.1:0".parse().map_err(|_| "addr")?,
            tls_dir: Some(dir.join("tls")),
            http: false,
            names: vec![],
        },
    )
    .await?;
    let ca = running.ca.clone().unwrap_or_default().display().to_string();
    println!("emulator listening on {} (CA {ca})", running.url);
    let url = running.url.clone();
    let base = |user: &str| {
        vec![
            "login".to_string(),
            "-i".into(),
            CLIENT_ID.into(),
            "-o".into(),
            user.into(),
            "-r".into(),
            url.clone(),
            "--ca-file".into(),
            ca.clone(),
            "--key".into(),
            d("demo.key"),
        ]
    };

    let (ok_code, refused_code, doctor_code) = tokio::task::spawn_blocking({
        let bin = bin.clone();
        let ok_args = [base("ci@acme.com"), vec!["--format".into(), "json".into()]].concat();
        let bad_args = base("new-ci@acme.com");
        let mut doctor_args = base("new-ci@acme.com");
        doctor_args[0] = "doctor".into();
        doctor_args.extend(
            ["--admin-token", ADMIN_TOKEN, "--admin-instance-url", &url, "--report", &d("report.json"), "--report", &d("report.md")]
                .map(String::from),
        );
        move || -> Result<(i32, i32, i32), String> {
            step("3. The CI user, pre-authorized through a permission set, logs in");
            let refs: Vec<&str> = ok_args.iter().map(String::as_str).collect();
            let ok = run(
                &bin,
                &refs,
                "login -i 3MVG9Demo.consumer_key -o ci@acme.com -r $URL --ca-file ca.pem --key demo.key --format json",
            )?;
            step("4. A second CI user nobody added to the app is refused: from the error alone, the likely causes and the fix");
            let refs: Vec<&str> = bad_args.iter().map(String::as_str).collect();
            let bad = run(&bin, &refs, "login ... -o new-ci@acme.com")?;
            step("5. doctor reads the app and the user through an admin session, and confirms which");
            let refs: Vec<&str> = doctor_args.iter().map(String::as_str).collect();
            let doctor =
                run(&bin, &refs, "doctor ... -o new-ci@acme.com --admin-token $ADMIN --report report.json --report report.md")?;
            Ok((ok, bad, doctor))
        }
    })
    .await
    .map_err(|e| e.to_string())??;
    let _ = running.shutdown.send(());

    step("6. The machine-readable report");
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&report).unwrap_or_default();
    println!(
        "{}: status {}, cause {}, confidence {}",
        d("report.json"),
        v["status"],
        v["diagnosis"]["cause"],
        v["diagnosis"]["confidence"]
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
    println!("Markdown summary (the GitHub step summary), first lines:");
    md.lines().take(6).for_each(|l| println!("  {l}"));
    println!("(the demo's folder, key included, is removed on exit)");
    drop(scratch);
    let as_expected = ok_code == 0
        && refused_code == 3
        && doctor_code == 1
        && v["diagnosis"]["cause"] == "user_not_preauthorized"
        && v["diagnosis"]["confidence"] == "confirmed";
    println!(
        "\n{}",
        if as_expected {
            "Demo complete: login exit 0, refusal exit 3, doctor confirmed user_not_preauthorized."
        } else {
            "Demo did not go as expected (see above)."
        }
    );
    Ok(as_expected)
}
