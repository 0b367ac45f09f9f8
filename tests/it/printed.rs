//! Every command sfjwt prints as a next step is run by a test, or (for `sf` commands that need a
//! real org) checked against the real sf CLI's own help and run where it can run offline.

use crate::common::*;

/// The `  N. sf …` / `  sfjwt …` lines of a command's output.
fn printed(out: &str, prefix: &str) -> Vec<String> {
    out.lines()
        .map(str::trim_start)
        .map(|l| l.split_once(". ").filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit())).map_or(l, |(_, r)| r))
        .filter(|l| l.starts_with(prefix))
        .map(|l| l.split("   (").next().unwrap_or(l).trim().to_string())
        .collect()
}

fn words(command: &str) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import shlex,sys,json; print(json.dumps(shlex.split(sys.argv[1])))", command])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sf() -> String {
    std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN (scripts/test.sh sets it)")
}

fn sf_command(ctx: &Ctx, args: &[String]) -> std::process::Output {
    std::process::Command::new(sf())
        .args(args)
        .current_dir(ctx.dir.path())
        .env("HOME", ctx.dir.path())
        .env("SF_SKIP_NEW_VERSION_CHECK", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .env("SF_AUTOUPDATE_DISABLE", "true")
        .output()
        .unwrap()
}

/// Each flag of a printed `sf` command exists in that sf command's own help.
fn assert_sf_flags_exist(ctx: &Ctx, command: &str) {
    let w = words(command);
    let sub: Vec<String> = w[1..].iter().take_while(|a| !a.starts_with('-')).cloned().collect();
    let help = sf_command(ctx, &[sub.clone(), vec!["--help".into()]].concat());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "sf {sub:?} --help: {text}");
    for flag in w.iter().filter(|a| a.starts_with("--")) {
        assert!(text.contains(flag.as_str()), "`{command}`: sf {} has no {flag}:\n{text}", sub.join(" "));
    }
}

/// `setup` in a folder with no Salesforce DX project: it creates one, and its printed deploy and
/// assign commands use flags the real sf has; `sf project convert source` takes the folder.
#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn setup_next_steps_run_with_the_real_sf() {
    let ctx = Ctx::new();
    let r =
        ctx.run(ctx.sfjwt().args(["setup", "-o", USERNAME, "--key-dir", "keys", "--admin-sf-org", "acme-admin"])).ok();
    assert!(r.stderr.contains("Created sfdx-project.json"), "{}", r.stderr);
    let steps = printed(&r.stdout, "sf ");
    assert_eq!(steps.len(), 2, "{}", r.stdout);
    assert!(steps.iter().all(|s| s.ends_with("--target-org acme-admin")), "the alias given is filled in: {steps:?}");
    for step in &steps {
        assert_sf_flags_exist(&ctx, step);
    }
    let dir = words(&steps[0]).windows(2).find(|w| w[0] == "--source-dir").map(|w| w[1].clone()).unwrap();
    let out = sf_command(
        &ctx,
        &["project", "convert", "source", "--source-dir", &dir, "--output-dir", "mdapi", "--json"].map(String::from),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// Every app file `setup` wrote (name → content), to see what a rotation touches.
fn app_files(ctx: &Ctx) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![ctx.dir.path().join("force-app")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.display().to_string(), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// The certificate's base64 body, as app metadata holds it.
fn cert_body(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().filter(|l| !l.starts_with("-----")).collect()
}

/// `cert rotate`'s way around the window, followed as printed: put the changed file back, rotate
/// to a second app, run the `sfjwt setup` it prints. The first app's metadata ends as it began
/// (deploying the folder must not switch the app CI logs in with), and the second app holds the
/// new certificate.
#[test]
fn rotate_follow_up_runs_as_printed() {
    let ctx = Ctx::new();
    ctx.run(ctx.sfjwt().args(["setup", "-o", USERNAME, "--key-dir", "keys"])).ok();
    let before = app_files(&ctx);
    let r = ctx.run(ctx.sfjwt().args(["cert", "rotate", "--key-dir", "keys", "-o", USERNAME])).ok();
    assert_ne!(app_files(&ctx), before, "the plain rotation updates the app's file");
    let restore = printed(&r.stdout, "cp ");
    assert_eq!(restore.len(), 1, "{}", r.stdout);
    let sh = std::process::Command::new("sh").arg("-c").arg(&restore[0]).current_dir(ctx.dir.path()).status().unwrap();
    assert!(sh.success(), "`{}` must run as printed", restore[0]);
    assert_eq!(app_files(&ctx), before, "`{}` puts the app's file back", restore[0]);

    let second = printed(&r.stdout, "sfjwt cert rotate --second-app");
    assert_eq!(second.len(), 1, "{}", r.stdout);
    let r = ctx.run(ctx.sfjwt().args(&words(&second[0])[1..]));
    assert_eq!(r.code, 0, "`{}` must run as printed:\n{}", second[0], r.stderr);
    assert_eq!(app_files(&ctx), before, "--second-app leaves the first app as it is");
    let unchanged = r.stdout.lines().find(|l| l.starts_with("Unchanged:")).unwrap_or_default();
    assert!(
        unchanged.trim_end().contains("sfjwt_CI_glbloauth.ecaGlblOauth-meta.xml"),
        "names the certificate's file: {}",
        r.stdout
    );
    let follow_up = printed(&r.stdout, "sfjwt setup ");
    assert_eq!(follow_up.len(), 1, "{}", r.stdout);
    let w = words(&follow_up[0]);
    let again = ctx.run(ctx.sfjwt().args(&w[1..]));
    assert_eq!(again.code, 0, "`{}` must run as printed:\n{}", follow_up[0], again.stderr);
    assert!(again.stderr.contains("sfjwt_CI_2"), "{}", again.stderr);
    let after = app_files(&ctx);
    // .gitignore gains the second app's lines; nothing else of the first app's may change.
    let kept = |f: &String, c: &String| match after.get(f) {
        Some(now) if f.ends_with(".gitignore") => now.starts_with(c.as_str()),
        now => now == Some(c),
    };
    let changed: Vec<_> = before.iter().filter(|(f, c)| !kept(f, c)).map(|(f, _)| f).collect();
    assert!(changed.is_empty(), "the first app's files are unchanged: {changed:?}");
    let new_cert = cert_body(&ctx.dir.path().join(&w[w.iter().position(|a| a == "--cert").unwrap() + 1]));
    let holders: Vec<_> = after
        .iter()
        .filter(|(f, c)| !before.contains_key(*f) && c.split_whitespace().collect::<String>().contains(&new_cert))
        .collect();
    assert_eq!(holders.len(), 1, "the second app holds the new certificate: {:?}", after.keys());
}

/// `setup --wait-for-propagation` against an org that never learns the new app: exit 3 with the
/// diagnosis, never "Verified", never the CI snippets.
#[test]
fn setup_wait_still_refused_exits_3_with_the_diagnosis() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let mut cmd = ctx.sfjwt();
    cmd.args([
        "setup",
        "-o",
        USERNAME,
        "--key-dir",
        "keys",
        "--wait-for-propagation",
        "3s",
        "-r",
        &emu.url,
        "--ca-file",
    ])
    .arg(&emu.ca);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("cause: client_id_unknown"), "{}", r.stderr);
    assert!(!r.stderr.contains("Verified") && !r.stdout.contains("Store in CI"), "{}\n{}", r.stdout, r.stderr);
    // A bad setting fails before any file is written.
    let empty = Ctx::new();
    let r = empty.run(empty.sfjwt().args(["setup", "-o", USERNAME, "--wait-for-propagation", "3x", "-r", "login"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(std::fs::read_dir(empty.dir.path()).unwrap().count(), 0, "nothing written before validation");
}
