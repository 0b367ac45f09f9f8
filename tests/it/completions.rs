//! `sfjwt completions SHELL` and `sfjwt man`: each generated file is loaded by the real shell or
//! rendered by the real man/groff, as the install lines in `sfjwt completions --help` say.

use std::process::Command;

use crate::common::*;

fn generate(ctx: &Ctx, args: &[&str]) -> String {
    let out = ctx.run(ctx.sfjwt().args(args)).ok().stdout;
    assert!(!out.is_empty(), "sfjwt {args:?} printed nothing");
    out
}

fn shell(program: &str, script: &str) -> String {
    let out = Command::new(program)
        .args(["-c", script])
        .output()
        .unwrap_or_else(|e| panic!("{program} (scripts/tools.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} -c {script:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// bash sources the script, registers `complete -F _sfjwt sfjwt`, and the function completes a
/// subcommand and a flag the way bash's own completion machinery would call it.
#[test]
fn bash_completion_registers_and_completes() {
    let ctx = Ctx::new();
    let file = ctx.path("sfjwt.bash");
    std::fs::write(&file, generate(&ctx, &["completions", "bash"])).unwrap();
    let script = format!(
        r#"source '{}'
complete -p sfjwt
COMP_WORDS=(sfjwt lo); COMP_CWORD=1; COMP_LINE="sfjwt lo"; COMP_POINT=${{#COMP_LINE}}
_sfjwt sfjwt lo sfjwt; echo "sub: ${{COMPREPLY[*]}}"
COMP_WORDS=(sfjwt login --ca); COMP_CWORD=2; COMP_LINE="sfjwt login --ca"; COMP_POINT=${{#COMP_LINE}}
_sfjwt sfjwt --ca login; echo "flag: ${{COMPREPLY[*]}}""#,
        file.display()
    );
    let out = shell("bash", &script);
    assert!(out.contains("complete -o bashdefault -o default -o nosort -F _sfjwt sfjwt"), "{out}");
    assert!(out.contains("sub: login"), "{out}");
    assert!(out.contains("flag: --ca-file"), "{out}");
}

#[test]
#[ignore = "needs zsh: scripts/test.sh installs it and runs ignored tests"]
fn zsh_completion_loads_through_fpath() {
    let ctx = Ctx::new();
    let dir = ctx.path("zfunc");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("_sfjwt"), generate(&ctx, &["completions", "zsh"])).unwrap();
    let script = format!(
        "fpath=('{}' $fpath); autoload -Uz compinit; compinit -u -d '{}'; echo \"registered: $_comps[sfjwt]\"",
        dir.display(),
        ctx.path("zcompdump").display()
    );
    let out = shell("zsh", &script);
    assert!(out.contains("registered: _sfjwt"), "{out}");
}

#[test]
#[ignore = "needs fish: scripts/test.sh installs it and runs ignored tests"]
fn fish_completion_completes_subcommands_and_flags() {
    let ctx = Ctx::new();
    let file = ctx.path("sfjwt.fish");
    std::fs::write(&file, generate(&ctx, &["completions", "fish"])).unwrap();
    let out = shell(
        "fish",
        &format!("source '{}'; complete -C 'sfjwt lo'; complete -C 'sfjwt revoke --insec'", file.display()),
    );
    assert!(out.lines().any(|l| l.starts_with("login")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("--insecure-http")), "{out}");
}

#[test]
fn powershell_completion_registers_a_native_completer() {
    // No PowerShell runs here; the script must at least register for the sfjwt command and know
    // its subcommands.
    let ctx = Ctx::new();
    let text = generate(&ctx, &["completions", "powershell"]);
    assert!(text.contains("Register-ArgumentCompleter -Native -CommandName 'sfjwt'"), "{text}");
    for sub in ["login", "doctor", "revoke", "completions"] {
        assert!(text.contains(&format!("'{sub}'")), "no {sub} in the PowerShell completer");
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let ctx = Ctx::new();
    ctx.run(ctx.sfjwt().args(["completions", "tcsh"]))
        .code(2)
        .stderr_has("possible values: bash, elvish, fish, powershell, zsh");
}

/// `man -l` renders the page the way a user reads it, and groff reports no warning in it.
#[test]
fn man_page_renders_with_man_and_groff() {
    let ctx = Ctx::new();
    let page = ctx.path("sfjwt.1");
    std::fs::write(&page, generate(&ctx, &["man"])).unwrap();
    let out = Command::new("man").arg("-l").arg(&page).env("MANPAGER", "cat").env("MANWIDTH", "100").output();
    let out = out.expect("man (apt-get install man-db; scripts/tools.sh does)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for needle in ["NAME", "SYNOPSIS", "Log CI/CD pipelines in to Salesforce", "login", "doctor", "completions"] {
        assert!(text.contains(needle), "rendered page lacks {needle:?}:\n{text}");
    }
    let warn = Command::new("groff").args(["-man", "-ww", "-z"]).arg(&page).output().expect("groff");
    assert!(warn.status.success() && warn.stderr.is_empty(), "groff: {}", String::from_utf8_lossy(&warn.stderr));
}

/// `sfjwt man --dir` writes one page per subcommand; each renders.
#[test]
fn man_dir_writes_every_subcommand_page() {
    let ctx = Ctx::new();
    let dir = ctx.path("man");
    std::fs::create_dir_all(&dir).unwrap();
    ctx.run(ctx.sfjwt().arg("man").arg("--dir").arg(&dir)).ok();
    for page in ["sfjwt.1", "sfjwt-login.1", "sfjwt-doctor.1", "sfjwt-cert-inspect.1", "sfjwt-completions.1"] {
        let path = dir.join(page);
        assert!(path.is_file(), "{page} missing");
        let out = Command::new("groff").args(["-man", "-Tutf8"]).arg(&path).output().expect("groff");
        assert!(out.status.success() && !out.stdout.is_empty(), "{page} does not render");
    }
    let login = std::fs::read_to_string(dir.join("sfjwt-login.1")).unwrap();
    assert!(login.contains("insecure\\-http"), "sfjwt-login.1 lacks the login flags");
    ctx.run(ctx.sfjwt().arg("man").arg("--dir").arg(ctx.path("absent"))).code(2).stderr_has("is not a directory");
}
