//! Recipes users copy from README.md and docs/ that feed another tool's output to `sfjwt explain`
//! run here as GitHub runs a `run:` step by default, `bash -e` (no pipefail), with a stand-in
//! `sf` on PATH: a failed login must fail the step, a successful one must pass it.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// The fenced sh blocks of `file` that give `sfjwt explain` another command's output.
fn explain_recipes(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") || l.starts_with("```bash") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks.into_iter().filter(|b| b.contains("| sfjwt explain") || b.contains("sfjwt explain <")).collect()
}

/// sf as a pipeline meets it: a JwtGrantError on refusal, exit 1; or a success.
fn fake_sf(ctx: &Ctx, fail: bool) -> std::path::PathBuf {
    let dir = ctx.path(if fail { "sf-fails" } else { "sf-works" });
    std::fs::create_dir_all(&dir).unwrap();
    let body = if fail {
        // A refusal other than the one the recipe's first line explains, so the test sees that
        // `sfjwt explain < sf.log` itself named it.
        "echo 'Error (JwtGrantError): invalid_client_id: client identifier invalid' >&2; exit 1"
    } else {
        "echo 'Successfully authorized ci@acme.com with org ID 00D000000000001AAA'"
    };
    let sf = dir.join("sf");
    std::fs::write(&sf, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&sf, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    dir
}

fn run_step(ctx: &Ctx, script: &str, sf_dir: &Path) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap();
    let path = format!("{}:{}:{}", sf_dir.display(), bin.display(), std::env::var("PATH").unwrap_or_default());
    let work = ctx.path("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(ctx.path("step.sh"), script).unwrap();
    // GitHub's default for `run:` on Linux: bash --noprofile --norc -e {0}.
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-e"])
        .arg(ctx.path("step.sh"))
        .current_dir(&work)
        .env("PATH", path)
        .env("HOME", ctx.dir.path())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), log)
}

#[test]
fn explain_recipes_keep_the_login_failure_under_bash_e() {
    let mut files = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "md") {
            files.push(p);
        }
    }
    let mut recipes: Vec<(String, String)> =
        files.iter().flat_map(|f| explain_recipes(f).into_iter().map(move |b| (f.display().to_string(), b))).collect();
    // `sfjwt explain --help`'s own example that feeds it sf's output.
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_sfjwt")).args(["explain", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let example =
        help.lines().find_map(|l| l.trim_start().strip_prefix("$ sf org login jwt")).expect("the help's recipe");
    recipes.push(("sfjwt explain --help".into(), format!("sf org login jwt{example}\n")));
    assert!(!recipes.is_empty(), "README's explain recipe was not found");
    for (file, block) in recipes {
        let ctx = Ctx::new();
        let (code, log) = run_step(&ctx, &block, &fake_sf(&ctx, true));
        assert_ne!(code, 0, "{file}: a failed sf login passes the step:\n{block}\n{log}");
        assert!(log.contains("cause: client_id_unknown"), "{file}: explain did not name sf's cause:\n{log}");
        let (code, log) = run_step(&ctx, &block, &fake_sf(&ctx, false));
        assert_eq!(code, 0, "{file}: a successful sf login fails the step:\n{block}\n{log}");
    }
}
