use crate::common::*;

fn help(args: &[&str]) -> String {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(args)).ok();
    r.stdout
}

#[test]
fn help_top_level() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn help_keygen() {
    insta::assert_snapshot!(help(&["keygen", "--help"]));
}

#[test]
fn help_cert_inspect() {
    insta::assert_snapshot!(help(&["cert", "inspect", "--help"]));
}

#[test]
fn help_assertion() {
    insta::assert_snapshot!(help(&["assertion", "--help"]));
}

/// User-facing errors are part of the interface too: their wording and help lines are snapshotted.
#[test]
fn error_messages() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let mut shown = String::new();
    let cases: &[&[&str]] = &[
        &["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", "server.crt"],
        &["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", "missing.key"],
        &["assertion", "-i", CLIENT_ID, "-o", USERNAME],
        &["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", "."],
        &["keygen"],
        &["cert", "inspect", "server.key"],
    ];
    for args in cases {
        let r = ctx.run(ctx.sfjwt().args(*args));
        shown.push_str(&format!("$ sfjwt {}\nexit {}\n{}\n", args.join(" "), r.code, r.stderr));
    }
    insta::assert_snapshot!(shown);
}

#[test]
fn help_login() {
    insta::assert_snapshot!(help(&["login", "--help"]));
}

#[test]
fn help_revoke() {
    insta::assert_snapshot!(help(&["revoke", "--help"]));
}

#[test]
fn help_doctor() {
    insta::assert_snapshot!(help(&["doctor", "--help"]));
}

#[test]
fn help_explain() {
    insta::assert_snapshot!(help(&["explain", "--help"]));
}

#[test]
fn help_setup() {
    insta::assert_snapshot!(help(&["setup", "--help"]));
}

#[test]
fn help_cert_rotate() {
    insta::assert_snapshot!(help(&["cert", "rotate", "--help"]));
}
