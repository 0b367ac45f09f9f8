//! `setup --keyless` without --repo-id/--owner-id looks the immutable ids up through the CI's REST
//! API: here the emulator's (GitHub `repos/OWNER/NAME`, GitLab `projects/:path`, answering the ids
//! its issuer mints), over HTTPS with its CA, never a public host.

use std::path::PathBuf;

use crate::common::*;
use crate::keyless::{GH_REQUEST_TOKEN, GL_REQUEST_TOKEN};
use crate::keyless_setup::{AUD, CONSUMER_KEY, printed_login, read};

/// A GH_TOKEN / GITLAB_TOKEN the emulator's API requires; it must never be printed.
const API_TOKEN: &str = "ghp_apiTokenForTheIdLookup0123456789abcdef";

fn scenario(ctx: &Ctx, kind: &str, claims: &str) -> PathBuf {
    let request = if kind == "github" { GH_REQUEST_TOKEN } else { GL_REQUEST_TOKEN };
    let path = ctx.path("org.yaml");
    std::fs::write(
        &path,
        format!(
            "org:\n  name: Acme\nusers:\n  - username: {USERNAME}\n    permission-sets: [sfjwt_CI_Keyless_Access]\noidc-issuer:\n  kind: {kind}\n  request-token: {request}\n  api-token: {API_TOKEN}\n  claims:\n{claims}behaviour:\n  handler-message: returned\n"
        ),
    )
    .unwrap();
    path
}

/// `setup --keyless` with no ids, the API at `api` (GITHUB_API_URL / CI_API_V4_URL) and `token`.
fn setup(ctx: &Ctx, emu: &Emu, kind: &str, repo: &str, token: Option<&str>) -> Run {
    let (api_var, api, token_var) = match kind {
        "github" => ("GITHUB_API_URL", format!("{}/_oidc/github/api", emu.url), "GH_TOKEN"),
        _ => ("CI_API_V4_URL", format!("{}/_oidc/gitlab/api/v4", emu.url), "GITLAB_TOKEN"),
    };
    let mut cmd = ctx.sfjwt();
    cmd.args(["setup", "--keyless", kind, "-o", USERNAME, "--source-dir", "src/main/default"])
        .args(["--consumer-key", CONSUMER_KEY, "--repo", repo, "--ref", "main", "-r", AUD, "--ca-file"])
        .arg(&emu.ca)
        .env(api_var, api)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITLAB_TOKEN");
    if let Some(t) = token {
        cmd.env(token_var, t);
    }
    ctx.run(&mut cmd)
}

#[test]
fn setup_looks_the_github_ids_up_and_the_pinned_row_admits_the_run() {
    let ctx = Ctx::new();
    ctx.secret(API_TOKEN);
    let claims = "    repository: acme/app\n    repository_id: \"4242\"\n    repository_owner_id: \"4343\"\n";
    let emu = Emu::start_with(&scenario(&ctx, "github", claims), &[]);
    let r = setup(&ctx, &emu, "github", "acme/app", Some(API_TOKEN)).ok();
    assert!(r.stderr.contains("acme/app: repository id 4242, owner id 4343 (from https://"), "{}", r.stderr);
    assert!(r.stdout.contains("ids:                      repository 4242, owner 4343"), "{}", r.stdout);
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_app_refs_heads_main.md-meta.xml");
    assert!(row.contains(">4242</value>") && row.contains(">4343</value>"), "{row}");
    drop(emu);
    // The emulator loads what setup wrote: the run whose token carries those ids logs in.
    let src = ctx.path("src/main/default");
    let emu = Emu::start_with(&scenario(&ctx, "github", claims), &["--source-dir", src.to_str().unwrap()]);
    let mut login = ctx.sfjwt();
    login
        .args(printed_login(&r.stdout, &emu))
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    ctx.secret(GH_REQUEST_TOKEN);
    let out = ctx.run_revealing(&mut login);
    assert_eq!(out.code, 0, "{}", out.stderr);
    ctx.assert_no_secrets(&out.stderr);
}

#[test]
fn setup_looks_the_gitlab_ids_up_with_the_url_encoded_path() {
    let ctx = Ctx::new();
    ctx.secret(API_TOKEN);
    let claims = "    project_path: acme/sub/app\n    project_id: \"77\"\n    namespace_id: \"78\"\n";
    let emu = Emu::start_with(&scenario(&ctx, "gitlab", claims), &[]);
    let r = setup(&ctx, &emu, "gitlab", "acme/sub/app", Some(API_TOKEN)).ok();
    assert!(r.stderr.contains("acme/sub/app: repository id 77, owner id 78"), "{}", r.stderr);
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_sub_app_main.md-meta.xml");
    assert!(row.contains(">77</value>") && row.contains(">78</value>"), "{row}");
}

/// Every way the lookup can fail ends with the by-hand command and no file written; the token
/// never shows, not even when the API refuses it.
#[test]
fn a_failed_lookup_prints_the_by_hand_command_and_writes_nothing() {
    let ctx = Ctx::new();
    ctx.secret(API_TOKEN);
    let wrong = "ghp_wrongTokenForTheIdLookup0123456789abcdef";
    ctx.secret(wrong);
    let emu = Emu::start_with(&scenario(&ctx, "github", "    repository: acme/app\n"), &[]);
    let cases: [(&str, Option<&str>, &str); 4] = [
        ("acme/app", Some(wrong), "HTTP 401: Bad credentials (GH_TOKEN was refused)"),
        ("acme/app", None, "HTTP 401: Bad credentials"),
        ("acme/other", Some(API_TOKEN), "HTTP 404: Not Found (not found, or not visible with GH_TOKEN)"),
        // GitHub finds a repository whatever the case; the token's claim carries its own spelling.
        ("Acme/App", Some(API_TOKEN), "the API names this repository \"acme/app\", not \"Acme/App\""),
    ];
    for (repo, token, why) in cases {
        let r = setup(&ctx, &emu, "github", repo, token).code(2);
        assert!(r.stderr.contains("--keyless needs --repo-id and --owner-id"), "{}", r.stderr);
        assert!(r.stderr.contains(why), "{repo} {token:?}: {}", r.stderr);
        assert!(r.stderr.contains(&format!("gh api repos/{repo} --jq '.id, .owner.id'")), "{}", r.stderr);
        assert!(r.stderr.contains("--insecure-name-only"), "{}", r.stderr);
        assert!(!ctx.path("src").exists(), "{repo}: files written");
    }
    drop(emu);
    // Unreachable, and a token that would travel in clear text.
    for (api, why) in [
        ("https://127.0.0.1:9", "https://127.0.0.1:9/repos/acme/app did not answer"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9 (GITHUB_API_URL) is not an https:// URL"),
    ] {
        let mut cmd = ctx.sfjwt();
        cmd.args(["setup", "--keyless", "github", "-o", USERNAME, "--repo", "acme/app", "--ref", "main", "-r", AUD])
            .env("GITHUB_API_URL", api)
            .env("GH_TOKEN", API_TOKEN)
            .env_remove("GITHUB_TOKEN");
        let r = ctx.run(&mut cmd).code(2);
        assert!(r.stderr.contains(why), "{}", r.stderr);
        assert!(r.stderr.contains("gh api repos/acme/app --jq '.id, .owner.id'"), "{}", r.stderr);
        assert!(!ctx.path("force-app").exists());
    }
}
