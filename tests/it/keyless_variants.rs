//! Token variants against the handler `setup --keyless` generates, as the emulator loads it (its
//! Apex constants and allow-list rows, evaluated with the generated Apex's rules), and the table
//! in docs/keyless.md that lists each variant with its verdict and the Apex condition deciding it:
//! the table must list exactly these variants, with these verdicts, quoting lines of the Apex.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::keyless::{GH_REQUEST_TOKEN, GL_REQUEST_TOKEN};
use crate::keyless_setup::{AUD, printed_login, read, setup};

#[derive(Clone, Copy, PartialEq)]
enum Ci {
    Github,
    Gitlab,
}

/// How the token is made: by the emulator's issuer, or forged with its claims.
#[derive(Clone, Copy, PartialEq)]
enum Token {
    Minted,
    AlgNone,
    Hs256,
}

struct Variant {
    /// The first column of the docs table.
    name: &'static str,
    ci: Ci,
    /// Lines added to the scenario's `oidc-issuer:`.
    issuer: &'static str,
    /// Claims changed from the allow-listed run's.
    claims: &'static [(&'static str, &'static str)],
    /// The audience asked for (and required by sfjwt's own check) [default: AUD].
    audience: Option<&'static str>,
    token: Token,
    /// None: granted; Some: the refusal's words.
    refusal: Option<&'static str>,
}

const fn v(
    name: &'static str,
    claims: &'static [(&'static str, &'static str)],
    refusal: Option<&'static str>,
) -> Variant {
    Variant { name, ci: Ci::Github, issuer: "", claims, audience: None, token: Token::Minted, refusal }
}

const fn issuer(name: &'static str, issuer: &'static str, refusal: Option<&'static str>) -> Variant {
    Variant { name, ci: Ci::Github, issuer, claims: &[], audience: None, token: Token::Minted, refusal }
}

const fn gitlab(
    name: &'static str,
    claims: &'static [(&'static str, &'static str)],
    refusal: Option<&'static str>,
) -> Variant {
    Variant { name, ci: Ci::Gitlab, issuer: "", claims, audience: None, token: Token::Minted, refusal }
}

const WORKFLOW: &str = "acme/app/.github/workflows/deploy.yml@refs/heads/main";

/// Every variant: GitHub against a row for acme/app (ids 100/200), refs/heads/main, environment
/// prod, the default triggers and WORKFLOW; GitLab against acme/app, main, protected only.
const VARIANTS: &[Variant] = &[
    v("allow-listed", &[], None),
    v("sub in GitHub's immutable form", &[("sub", "repo:acme@200/app@100:environment:prod")], None),
    v("branch refs/heads/MAIN", &[("ref", "refs/heads/MAIN")], Some("ref not allowed for acme/app: refs/heads/MAIN")),
    v("tag refs/tags/main", &[("ref", "refs/tags/main")], Some("ref not allowed for acme/app: refs/tags/main")),
    v(
        "tag refs/tags/main with ref_type tag",
        &[("ref", "refs/tags/main"), ("ref_type", "tag")],
        Some("ref type not allowed for acme/app: tag"),
    ),
    v("event pull_request", &[("event_name", "pull_request")], Some("event not allowed for acme/app: pull_request")),
    v(
        "event pull_request_target",
        &[("event_name", "pull_request_target")],
        Some("event not allowed for acme/app: pull_request_target"),
    ),
    v("event PUSH", &[("event_name", "PUSH")], Some("event not allowed for acme/app: PUSH")),
    v("event workflow_dispatch", &[("event_name", "workflow_dispatch")], None),
    v(
        "recreated repository (same name, new id)",
        &[("repository_id", "999")],
        Some("repository id not allowed for acme/app: 999"),
    ),
    v("same name under a new owner", &[("repository_owner_id", "998")], Some("owner id not allowed for acme/app: 998")),
    v(
        "another reusable workflow",
        &[("job_workflow_ref", "evil/fork/.github/workflows/deploy.yml@refs/heads/main")],
        Some("workflow not allowed for acme/app: evil/fork/.github/workflows/deploy.yml@refs/heads/main"),
    ),
    v("environment PROD", &[("environment", "PROD")], Some("environment not allowed for acme/app: PROD")),
    v("repository ACME/app", &[("repository", "ACME/app")], Some("repository not allowed: ACME/app")),
    issuer("other issuer", "  issuer: https://evil.example\n", Some("issuer not trusted: https://evil.example")),
    issuer(
        "issuer in capitals",
        "  issuer: https://TOKEN.actions.githubusercontent.com\n",
        Some("issuer not trusted: https://TOKEN.actions.githubusercontent.com"),
    ),
    Variant {
        audience: Some("https://other.my.salesforce.com"),
        ..v("other audience", &[], Some("audience mismatch"))
    },
    Variant {
        audience: Some("https://ACME.my.salesforce.com"),
        ..v("audience in capitals", &[], Some("audience mismatch"))
    },
    issuer("expired", "  lifetime-seconds: -600\n", Some("token expired")),
    issuer("not yet valid (nbf in 10 minutes)", "  not-before-seconds: 600\n", Some("token not yet valid")),
    issuer("nbf within the 60 s skew", "  not-before-seconds: 30\n", None),
    v("nbf as a string of epoch seconds, in the future", &[("nbf", "9999999999")], Some("token not yet valid")),
    v("nbf as an ISO-8601 date-time, in the future", &[("nbf", "2999-01-01T00:00:00Z")], Some("token not yet valid")),
    v("unreadable nbf", &[("nbf", "next tuesday")], Some("token nbf unreadable")),
    Variant { token: Token::AlgNone, ..v("unsigned (alg none)", &[], Some("signature does not verify")) },
    Variant { token: Token::Hs256, ..v("HS256 keyed with the issuer's JWKS", &[], Some("signature does not verify")) },
    gitlab("GitLab: allow-listed", &[], None),
    gitlab("GitLab: branch MAIN", &[("ref", "MAIN")], Some("ref not allowed for acme/app: MAIN")),
    gitlab("GitLab: unprotected branch", &[("ref_protected", "false")], Some("ref not protected for acme/app: main")),
    gitlab("GitLab: tag main", &[("ref_type", "tag")], Some("ref type not allowed for acme/app: tag")),
    gitlab(
        "GitLab: recreated project (same path, new id)",
        &[("project_id", "999")],
        Some("repository id not allowed for acme/app: 999"),
    ),
];

fn setup_args(ci: Ci) -> Vec<&'static str> {
    match ci {
        Ci::Github => vec![
            "--repo",
            "acme/app",
            "--ref",
            "main",
            "--environment",
            "prod",
            "--job-workflow-ref",
            WORKFLOW,
            "-r",
            AUD,
        ],
        Ci::Gitlab => vec!["--repo", "acme/app", "--ref", "main", "-r", AUD],
    }
}

/// The scenario: the org with the CI user, and the issuer minting the allow-listed run's claims
/// with the variant's changes.
fn scenario(ctx: &Ctx, v: &Variant) -> PathBuf {
    let (kind, token, good): (_, _, &[(&str, &str)]) = match v.ci {
        Ci::Github => (
            "github",
            GH_REQUEST_TOKEN,
            &[
                ("repository", "acme/app"),
                ("ref", "refs/heads/main"),
                ("environment", "prod"),
                ("job_workflow_ref", WORKFLOW),
            ],
        ),
        Ci::Gitlab => ("gitlab", GL_REQUEST_TOKEN, &[("project_path", "acme/app"), ("ref", "main")]),
    };
    let mut claims: Vec<(&str, &str)> =
        good.iter().filter(|(k, _)| !v.claims.iter().any(|(c, _)| c == k)).copied().collect();
    claims.extend(v.claims);
    let claims: String = claims.iter().map(|(k, val)| format!("    {k}: \"{val}\"\n")).collect();
    let path = ctx.path("org.yaml");
    std::fs::write(
        &path,
        format!(
            "org:\n  name: Acme\nusers:\n  - username: {USERNAME}\n    permission-sets: [sfjwt_CI_Keyless_Access]\noidc-issuer:\n  kind: {kind}\n  request-token: {token}\n{}  claims:\n{claims}behaviour:\n  handler-message: returned\n",
            v.issuer
        ),
    )
    .unwrap();
    path
}

/// The allow-listed claims signed with no key (alg none) or HMAC-keyed with the issuer's public
/// JWKS (the classic algorithm confusion).
fn forge(emu: &Emu, how: Token) -> String {
    use base64::Engine;
    let b64 = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let real = crate::keyless::mint(emu, "github", GH_REQUEST_TOKEN, AUD);
    let claims = real.split('.').nth(1).unwrap().to_string();
    if how == Token::AlgNone {
        return format!("{}.{claims}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
    }
    let jwks = std::process::Command::new("curl")
        .args(["-fsS", "--cacert"])
        .arg(&emu.ca)
        .arg(format!("{}/_oidc/github/.well-known/jwks", emu.url))
        .output()
        .unwrap()
        .stdout;
    let input = format!("{}.{claims}", b64(br#"{"alg":"HS256","typ":"JWT"}"#));
    let mac = std::process::Command::new("sh")
        .args(["-c", "printf %s \"$1\" | openssl dgst -sha256 -hmac \"$2\" -binary", "sh", &input])
        .arg(String::from_utf8_lossy(&jwks).to_string())
        .output()
        .unwrap()
        .stdout;
    assert_eq!(mac.len(), 32, "openssl made no HMAC");
    format!("{input}.{}", b64(&mac))
}

/// Logs in with the variant's token through the command `setup` printed; the exit code and the
/// handler's reason from the report.
fn attempt(ctx: &Ctx, stdout: &str, src: &Path, v: &Variant) -> (i32, String) {
    let emu = Emu::start_with(&scenario(ctx, v), &["--source-dir", src.to_str().unwrap()]);
    let mut args = printed_login(stdout, &emu);
    let a = args.iter().position(|a| a == "--oidc-audience").unwrap();
    args[a + 1] = v.audience.unwrap_or(AUD).to_string();
    let token = match (v.token, v.ci) {
        (Token::Minted, Ci::Github) => None,
        (Token::Minted, Ci::Gitlab) => Some(crate::keyless::mint(&emu, "gitlab", GL_REQUEST_TOKEN, AUD)),
        (forged, _) => Some(forge(&emu, forged)),
    };
    let mut cmd = ctx.sfjwt();
    let out = match token {
        None => {
            cmd.args(args)
                .env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
                .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
            ctx.secret(GH_REQUEST_TOKEN);
            // The minted token is not known here to scan for; the request token is.
            ctx.run_revealing(&mut cmd)
        }
        Some(t) => {
            ctx.secret(t.clone());
            if v.ci == Ci::Github {
                // A forged token reaches sfjwt as a token from anywhere else would.
                let o = args.iter().position(|a| a == "--oidc").unwrap();
                args[o + 1] = "env:CI_OIDC".into();
                cmd.env("CI_OIDC", &t);
            } else {
                cmd.env("SFJWT_ID_TOKEN", &t);
            }
            cmd.args(args);
            ctx.run(&mut cmd)
        }
    };
    let why = if out.code == 0 {
        String::new()
    } else {
        let j: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        j["diagnosis"]["evidence"].to_string()
    };
    (out.code, format!("{why}\n{}", out.stderr))
}

fn run_variants(ci: Ci, forged: bool) {
    let ctx = Ctx::new();
    let r = setup(&ctx, if ci == Ci::Github { "github" } else { "gitlab" }, &setup_args(ci)).ok();
    let src = ctx.path("src/main/default");
    let picked = VARIANTS.iter().filter(|v| v.ci == ci && (v.token != Token::Minted) == forged);
    for v in picked {
        let (code, why) = attempt(&ctx, &r.stdout, &src, v);
        match v.refusal {
            None => assert_eq!(code, 0, "{}: {why}", v.name),
            Some(refusal) => {
                assert_eq!(code, 3, "{}: {why}", v.name);
                assert!(why.contains(refusal), "{}: expected {refusal:?} in {why}", v.name);
            }
        }
    }
}

#[test]
fn github_token_variants_against_the_generated_handler() {
    run_variants(Ci::Github, false);
}

#[test]
fn unsigned_and_hs256_tokens_are_refused() {
    run_variants(Ci::Github, true);
}

#[test]
fn gitlab_token_variants_against_the_generated_handler() {
    run_variants(Ci::Gitlab, false);
}

/// The docs table's rows, as (variant, emulator verdict, first code span of the Apex column).
fn table_rows() -> Vec<(String, String, String)> {
    let doc = std::fs::read_to_string(repo().join("docs/keyless.md")).unwrap();
    let section = doc.split("## Token variants").nth(1).expect("docs/keyless.md has a Token variants section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let code = |cell: &str| cell.split('`').nth(1).unwrap_or_default().replace("\\|", "|");
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            // `\|` inside a code span is a pipe, not a cell border.
            let cells: Vec<String> =
                l.replace("\\|", "\u{1}").split('|').map(|c| c.trim().replace('\u{1}', "\\|")).collect();
            (code(&cells[1]), cells[2].clone(), code(&cells[3]))
        })
        .collect()
}

#[test]
fn keyless_md_token_variant_table_lists_exactly_the_tested_variants() {
    let rows = table_rows();
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let mut apex = String::new();
    for ci in [Ci::Github, Ci::Gitlab] {
        let ctx = Ctx::new();
        setup(&ctx, if ci == Ci::Github { "github" } else { "gitlab" }, &setup_args(ci)).ok();
        apex.push_str(&squash(&read(&ctx, "classes/SfjwtKeylessHandler.cls")));
    }
    let names: Vec<&str> = VARIANTS.iter().map(|v| v.name).collect();
    let documented: Vec<&str> = rows.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(documented, names, "docs/keyless.md's token-variant table must list the tested variants, in order");
    for ((name, verdict, condition), v) in rows.iter().zip(VARIANTS) {
        match v.refusal {
            None => assert_eq!(verdict, "granted", "{name}"),
            Some(r) => assert!(verdict.starts_with("refused: `") && verdict.contains(r), "{name}: {verdict} lacks {r}"),
        }
        assert!(!condition.is_empty(), "{name}: no Apex condition");
        assert!(apex.contains(&squash(condition)), "{name}: the generated Apex has no `{condition}`");
    }
}
