//! `sfjwt setup --keyless`: the generated metadata field by field, the Apex through a real Apex
//! parser, the folder through the real sf CLI, and the whole keyless bootstrap on the emulator
//! (which loads the generated handler, policy constants and allow-list as a deploy would).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::keyless::GH_REQUEST_TOKEN;

pub(crate) const AUD: &str = "https://acme.my.salesforce.com";
pub(crate) const CONSUMER_KEY: &str = "3MVG9KeylessConsumerKey0123456789";

pub(crate) fn setup(ctx: &Ctx, ci: &str, extra: &[&str]) -> crate::common::Run {
    let mut cmd = ctx.sfjwt();
    cmd.args([
        "setup",
        "--keyless",
        ci,
        "-o",
        USERNAME,
        "--source-dir",
        "src/main/default",
        "--consumer-key",
        CONSUMER_KEY,
    ])
    .args(extra);
    // The emulator's issuer mints repository/project id 100 and owner/namespace id 200.
    if !extra.iter().any(|a| a.starts_with("--insecure-name-only") || *a == "--repo-id" || *a == "--owner-id") {
        cmd.args(["--repo-id", "100", "--owner-id", "200"]);
    }
    ctx.run(&mut cmd)
}

pub(crate) fn read(ctx: &Ctx, rel: &str) -> String {
    std::fs::read_to_string(ctx.path("src/main/default").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every XML file parses (Python's ElementTree, an independent parser).
fn assert_xml_well_formed(dir: &Path) {
    let script = "import sys,pathlib,xml.etree.ElementTree as E\nfor p in pathlib.Path(sys.argv[1]).rglob('*-meta.xml'): E.parse(p)\nprint('ok')";
    let out = Command::new("python3").args(["-c", script]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn setup_keyless_writes_every_file_with_its_fields() {
    let ctx = Ctx::new();
    let r =
        setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "--environment", "production", "-r", AUD]).ok();
    assert!(r.stderr.contains("--ref main taken as refs/heads/main"), "{}", r.stderr);
    assert!(r.stdout.contains("permissions: { id-token: write }"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("sfjwt login --oidc github -i {CONSUMER_KEY} -r {AUD}")), "{}", r.stdout);
    assert_xml_well_formed(&ctx.path("src/main/default"));
    let global = read(&ctx, "extlClntAppGlobalOauthSets/sfjwt_CI_glbloauth.ecaGlblOauth-meta.xml");
    for f in [
        "<isTokenExchangeEnabled>true<",
        "<isSecretRequiredForTokenExchange>false<",
        &format!("<consumerKey>{CONSUMER_KEY}<"),
    ] {
        assert!(global.contains(f), "{f} missing:\n{global}");
    }
    assert!(!global.contains("<certificate>") && !global.contains("consumerSecret"), "{global}");
    let policy = read(&ctx, "extlClntAppOauthPolicies/sfjwt_CI_oauthPlcy.ecaOauthPlcy-meta.xml");
    for f in [
        "<isTokenExchangeFlowEnabled>true<",
        "<permittedUsersPolicyType>AdminApprovedPreAuthorized<",
        "<commaSeparatedPermissionSet>sfjwt_CI_Keyless_Access<",
    ] {
        assert!(policy.contains(f), "{f} missing:\n{policy}");
    }
    let scopes = read(&ctx, "extlClntAppOauthSettings/sfjwt_CI_oauth.ecaOauth-meta.xml");
    assert!(scopes.contains("<commaSeparatedOauthScopes>Api<"), "no refresh_token scope for CI: {scopes}");
    let handler = read(&ctx, "oauthtokenexchangehandlers/sfjwt_CI_Handler.oauthtokenexchangehandler-meta.xml");
    for f in [
        "<tokenHandlerApex>SfjwtKeylessHandler<",
        "<externalClientApp>sfjwt_CI<",
        "<isDefault>true<",
        &format!("<apexExecutionUser>{USERNAME}<"),
        "<isUserCreationAllowed>false<",
        "<isEnabled>true<",
        "<isIdTokenSupported>true<",
        "<isJwtSupported>true<",
    ] {
        assert!(handler.contains(f), "{f} missing:\n{handler}");
    }
    let site = read(&ctx, "remoteSiteSettings/Sfjwt_github_JWKS.remoteSite-meta.xml");
    assert!(site.contains("<url>https://token.actions.githubusercontent.com</url>"), "{site}");
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_app_refs_heads_main.md-meta.xml");
    for v in ["acme/app", "refs/heads/main", "production", USERNAME] {
        assert!(row.contains(&format!(">{v}</value>")), "{v} missing:\n{row}");
    }
    let apex = read(&ctx, "classes/SfjwtKeylessHandler.cls");
    for c in [
        "ISSUER = 'https://token.actions.githubusercontent.com'",
        &format!("AUDIENCE = '{AUD}'"),
        "JWKS_URL = 'https://token.actions.githubusercontent.com/.well-known/jwks'",
        "APP_NAME = 'sfjwt_CI'",
        "REPO_CLAIM = 'repository'",
    ] {
        assert!(apex.contains(c), "{c} missing");
    }
    // The consumer details stay out of git, as for the JWT setup.
    assert!(read(&ctx, ".gitignore").contains("extlClntAppGlobalOauthSets/sfjwt_CI_glbloauth.ecaGlblOauth-meta.xml"));
}

#[test]
fn setup_keyless_gitlab_uses_gitlab_claims_and_hosts() {
    let ctx = Ctx::new();
    let r = setup(&ctx, "gitlab", &["--repo", "acme/sub/app", "--ref", "refs/heads/main", "--oidc-audience", AUD]).ok();
    assert!(r.stdout.contains(&format!("id_tokens: {{ SFJWT_ID_TOKEN: {{ aud: {AUD} }} }}")), "{}", r.stdout);
    let apex = read(&ctx, "classes/SfjwtKeylessHandler.cls");
    assert!(apex.contains("ISSUER = 'https://gitlab.com'") && apex.contains("REPO_CLAIM = 'project_path'"));
    assert!(apex.contains("JWKS_URL = 'https://gitlab.com/oauth/discovery/keys'"));
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_sub_app_main.md-meta.xml");
    assert!(
        row.contains(">main</value>")
            && row.contains("<field>Environment__c</field>")
            && row.contains("xsi:nil=\"true\""),
        "{row}"
    );
    assert!(
        read(&ctx, "remoteSiteSettings/Sfjwt_gitlab_JWKS.remoteSite-meta.xml")
            .contains("<url>https://gitlab.com</url>")
    );
}

#[test]
fn setup_keyless_refuses_bad_input_before_writing() {
    let ctx = Ctx::new();
    let cases: &[(&[&str], &str)] = &[
        (&["-r", AUD], "--keyless needs --repo"),
        (&["--repo", "acme/app"], "needs the audience"),
        (&["--repo", "acme/app", "-r", "login"], "not the org's My Domain"),
        (&["--repo", "acme", "-r", AUD], "invalid --repo"),
        (&["--repo", "acme/app'; delete", "-r", AUD], "invalid --repo"),
        (&["--repo", "acme/app", "--oidc-audience", "http://x"], "invalid --oidc-audience"),
        (&["--repo", "acme/app", "-r", AUD, "--kind", "connected-app"], "External Client App"),
        (&["--repo", "acme/app", "-r", AUD, "--key", "k.pem", "--cert", "c.crt"], "cannot be used with"),
        (&["--repo", "acme/app", "-r", AUD, "--job-workflow-ref", "acme/app"], "invalid --job-workflow-ref"),
        (
            &["--repo", "acme/app", "-r", AUD, "--job-workflow-ref", "a/b/.github/workflows/d.yml@'x"],
            "invalid --job-workflow-ref",
        ),
    ];
    for (extra, needle) in cases {
        // --ref is given so each case reaches the check it names.
        let mut extra = extra.to_vec();
        extra.extend(["--ref", "main"]);
        setup(&ctx, "github", &extra).code(2).stderr_has(needle);
        assert!(!ctx.path("src").exists(), "{extra:?} wrote files");
    }
    // job_workflow_ref is GitHub's claim: GitLab has none to compare it with.
    let gl = ["--repo", "acme/app", "--ref", "main", "-r", AUD, "--job-workflow-ref", "a/b/.github/workflows/d.yml@x"];
    setup(&ctx, "gitlab", &gl).code(2).stderr_has("--job-workflow-ref is GitHub's claim");
    assert!(!ctx.path("src").exists());
}

fn scenario(ctx: &Ctx) -> PathBuf {
    let path = ctx.path("org.yaml");
    std::fs::write(
        &path,
        format!(
            "org:\n  name: Acme\nusers:\n  - username: {USERNAME}\n    permission-sets: [sfjwt_CI_Keyless_Access]\noidc-issuer:\n  kind: github\n  request-token: {GH_REQUEST_TOKEN}\n  claims:\n    repository: acme/app\n    ref: refs/heads/main\nbehaviour:\n  handler-message: returned\n"
        ),
    )
    .unwrap();
    path
}

/// The login command `setup` printed, with the emulator as the org and its CA.
pub(crate) fn printed_login(stdout: &str, emu: &Emu) -> Vec<String> {
    let line = stdout.lines().find(|l| l.contains("then: sfjwt login")).expect(stdout);
    let mut args: Vec<String> =
        line.split("then: sfjwt ").nth(1).unwrap().split_whitespace().map(str::to_string).collect();
    let r = args.iter().position(|a| a == "-r").unwrap();
    args[r + 1] = emu.url.clone();
    args.extend([
        "--oidc-audience".into(),
        AUD.into(),
        "--ca-file".into(),
        emu.ca.display().to_string(),
        "--report".into(),
        "r.json".into(),
    ]);
    args
}

#[test]
fn keyless_bootstrap_end_to_end_on_the_emulator() {
    let ctx = Ctx::new();
    let r = setup(&ctx, "github", &["--repo", "acme/app", "--ref", "refs/heads/main", "-r", AUD]).ok();
    let src = ctx.path("src/main/default");
    let login = |emu: &Emu| {
        let mut cmd = ctx.sfjwt();
        cmd.args(printed_login(&r.stdout, emu))
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
        ctx.secret(GH_REQUEST_TOKEN);
        cmd
    };
    let emu = Emu::start_with(&scenario(&ctx), &["--source-dir", src.to_str().unwrap()]);
    let out = ctx.run_revealing(&mut login(&emu));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Logged in as user 005"), "{}", out.stderr);
    drop(emu);
    // An admin narrows the allow-list in Custom Metadata, no code change: the same pipeline is refused.
    let row = src.join("customMetadata/Sfjwt_Keyless_Allow.R_acme_app_refs_heads_main.md-meta.xml");
    let text = std::fs::read_to_string(&row).unwrap().replace(">refs/heads/main<", ">refs/heads/release<");
    std::fs::write(&row, text).unwrap();
    let emu = Emu::start_with(&scenario(&ctx), &["--source-dir", src.to_str().unwrap()]);
    let out = ctx.run_revealing(&mut login(&emu));
    assert_eq!(out.code, 3, "{}", out.stderr);
    let j: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    assert_eq!(j["diagnosis"]["cause"], "exchange_token_rejected");
    assert!(j["diagnosis"]["evidence"].to_string().contains("ref not allowed for acme/app: refs/heads/main"), "{j:#}");
}

/// Runs scripts/apex-parse.cjs (the @apexdevtools/apex-parser grammar) on the generated classes.
fn parse_apex(ctx: &Ctx) -> serde_json::Value {
    let module =
        std::env::var("SFJWT_APEX_PARSER_MODULE").expect("SFJWT_APEX_PARSER_MODULE (scripts/tools.sh sets it)");
    let classes = ctx.path("src/main/default/classes");
    let out = Command::new("node")
        .arg(repo().join("scripts/apex-parse.cjs"))
        .arg(module)
        .arg(classes.join("SfjwtKeylessHandler.cls"))
        .arg(classes.join("SfjwtKeylessHandlerTest.cls"))
        .output()
        .expect("node (scripts/tools.sh puts Node 22 on PATH)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[ignore = "needs Node and @apexdevtools/apex-parser: scripts/test.sh installs them and runs ignored tests"]
fn generated_apex_parses_and_performs_every_check() {
    for ci in ["github", "gitlab"] {
        let ctx = Ctx::new();
        setup(&ctx, ci, &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
        let parsed = parse_apex(&ctx);
        let files: Vec<(&String, &serde_json::Value)> = parsed.as_object().unwrap().iter().collect();
        for (file, v) in &files {
            assert_eq!(v["errors"], serde_json::json!([]), "{file} does not parse");
        }
        let handler = files.iter().find(|(f, _)| f.ends_with("SfjwtKeylessHandler.cls")).unwrap().1;
        assert!(handler["classes"].as_array().unwrap().contains(&"SfjwtKeylessHandler".into()));
        let m =
            |name: &str| handler["methods"][name].as_str().unwrap_or_else(|| panic!("no method {name}")).to_string();
        let validate = m("validateIncomingToken");
        for call in [
            "tokenType!=Auth.OAuth2TokenExchangeType.ID_TOKEN&&tokenType!=Auth.OAuth2TokenExchangeType.JWT",
            "!APP_NAME.equals(appDeveloperName)",
            "jwt=verify(incomingToken)",
            "check(jwt.getIss(),jwt.getAud(),jwt.getAdditionalClaims(),Datetime.now())",
        ] {
            assert!(validate.contains(call), "validateIncomingToken lacks {call}: {validate}");
        }
        let check = m("check") + &m("mismatch");
        for c in [
            "!ISSUER.equals(iss)",
            "!audienceMatches(aud)",
            "claims.get('exp')",
            "exp<=now",
            "claims.get('nbf')",
            "claims.get(REPO_CLAIM)",
            "claims.get('ref')",
            "claims.get('environment')",
            "!same(row.Repository__c,repo)",
            "!same(row.Ref__c,ref)",
            "!same(row.Environment__c,env)",
            "!same(row.Ref_Type__c,refType)",
            "row.Protected_Only__c==true&&!same('true',text(claims.get('ref_protected')))",
            "!listed(row.Events__c,event)",
            "!same(row.Repository_Id__c,repoId)",
            "!same(row.Owner_Id__c,ownerId)",
            "String.isNotBlank(row.Job_Workflow_Ref__c)&&!same(row.Job_Workflow_Ref__c,workflow)",
            "nbf!=null&&nbf>now.addSeconds(SKEW_SECONDS)",
            "nbfClaim!=null&&nbf==null",
            "returnnewVerdict(row.Username__c,null)",
        ] {
            assert!(check.contains(c), "check lacks {c}: {check}");
        }
        // Apex == and != ignore case on Strings: no claim may be compared with them.
        for text in [&validate, &check] {
            for op in ["!=ISSUER", "!=APP_NAME", "!=repo", "!=ref", "!=env", "==ISSUER", "==repo", "==ref"] {
                assert!(!text.contains(op), "a case-insensitive comparison {op}: {text}");
            }
        }
        assert_eq!(m("same"), "{returna!=null&&a.equals(b);}");
        let aud = m("audienceMatches");
        assert!(
            aud.contains("AUDIENCE.equals(aud)||('['+AUDIENCE+']').equals(aud)") && !aud.contains("split"),
            "{aud}"
        );
        let verify = m("verify");
        assert!(
            verify.contains("validateJWTWithKeysEndpoint(token,JWKS_URL,true)")
                && verify.contains("catch(Auth.JWTValidationExceptione)")
                && verify.contains("validateJWTWithKeysEndpoint(token,JWKS_URL,false)"),
            "a kid missing from the cached key set is retried without the cache: {verify}"
        );
        let dt = m("toDatetime");
        for t in ["valueinstanceofDatetime", "valueinstanceofInteger", "valueinstanceofLong", "valueinstanceofDecimal"]
        {
            assert!(dt.contains(t), "toDatetime lacks {t}: {dt}");
        }
        assert!(!dt.contains("String.valueOf(value)"), "String.valueOf(Datetime) formats in the user's zone: {dt}");
        assert!(m("rows").contains("Sfjwt_Keyless_Allow__mdt.getAll().values()"));
        let user = m("getUserForTokenSubject");
        assert!(user.contains("IsActive=TRUE") && !user.contains("insert"), "{user}");
        let test = files.iter().find(|(f, _)| f.ends_with("SfjwtKeylessHandlerTest.cls")).unwrap().1;
        assert!(test["methods"]["respond"].is_string(), "the test class mocks the JWKS callout");
        // The Apex reference for Auth.JWTUtil: mock the keys endpoint with Auth.HttpCalloutMockUtil.setHttpMock.
        let t = test["methods"]["unverifiableTokensAndOtherAppsAreRefused"].as_str().unwrap();
        assert!(
            t.contains("Auth.HttpCalloutMockUtil.setHttpMock(newJwksMock())") && !t.contains("Test.setMock"),
            "{t}"
        );
        let every = test["methods"]["everyClaimIsChecked"].as_str().unwrap();
        for c in ["'MAIN'", "'PRODUCTION'", "'Test-Org/test-repo'", "twoAudiences", "'token nbf unreadable'"] {
            assert!(every.contains(c), "the generated tests lack the case {c}");
        }
        // The variants of tests/it/keyless_variants.rs, asserted by the generated Apex tests too.
        let m_test =
            |name: &str| test["methods"][name].as_str().unwrap_or_else(|| panic!("no test {name}")).to_string();
        let pins = m_test("idsRefKindsTriggersAndWorkflowsAreChecked");
        for c in [
            "variant(SfjwtKeylessHandler.REPO_ID_CLAIM,'999')",
            "variant(SfjwtKeylessHandler.OWNER_ID_CLAIM,'998')",
            "variant('ref_type','tag')",
            "variant('ref','refs/tags/main')",
            "variant('ref','refs/heads/MAIN')",
            "variant('ref_protected','false')",
            "variant(SfjwtKeylessHandler.EVENT_CLAIM,'pull_request')",
            "variant(SfjwtKeylessHandler.EVENT_CLAIM,'pull_request_target')",
            "variant(SfjwtKeylessHandler.EVENT_CLAIM,'PUSH')",
            "variant('job_workflow_ref',other)",
            "variant('environment','PRODUCTION')",
            "variant('sub','repo:test-org@200/test-repo@100:environment:production')",
        ] {
            assert!(pins.contains(c), "the generated tests lack {c}: {pins}");
        }
        // Apex identifiers ignore case: a local `now` would be the class's NOW.
        let all_tests: String = test["methods"].as_object().unwrap().values().filter_map(|v| v.as_str()).collect();
        assert!(!all_tests.contains("Longnow=") && !all_tests.contains("Datetimenow="), "a local shadows NOW");
        let times = m_test("expiredAndNotYetValidTokensAreRefused");
        for c in [
            "'token expired',variant('exp',seconds-1)",
            "'token not yet valid',variant('nbf',seconds+61)",
            "'token nbf unreadable'",
        ] {
            assert!(times.contains(c), "the generated tests lack {c}: {times}");
        }
        assert!(t.contains(r#"'{"alg":"none","typ":"JWT"}'"#) && t.contains(r#"'{"alg":"HS256","typ":"JWT"}'"#), "{t}");
    }
}

#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn the_salesforce_cli_converts_the_keyless_folder() {
    let ctx = Ctx::new();
    setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
    // setup wrote sfdx-project.json, as the key-based setup does: the printed deploy step needs it.
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN");
    let out = Command::new(&sf)
        .args(["project", "convert", "source", "--source-dir", "src", "--output-dir", "mdapi", "--json"])
        .current_dir(ctx.dir.path())
        .env("HOME", ctx.dir.path())
        .env("SF_SKIP_NEW_VERSION_CHECK", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let package = std::fs::read_to_string(ctx.path("mdapi/package.xml")).unwrap();
    for t in [
        "ApexClass",
        "CustomField",
        "CustomMetadata",
        "CustomObject",
        "ExternalClientApplication",
        "ExtlClntAppGlobalOauthSettings",
        "ExtlClntAppOauthConfigurablePolicies",
        "OauthTokenExchangeHandler",
        "PermissionSet",
        "RemoteSiteSetting",
    ] {
        assert!(package.contains(&format!("<name>{t}</name>")), "{t} missing from package.xml:\n{package}");
    }
    assert!(package.contains("<members>SfjwtKeylessHandlerTest</members>"));
}

/// Every `sf` command `setup --keyless` prints uses flags the real sf CLI has.
#[test]
#[ignore = "needs the Salesforce CLI: scripts/test.sh installs it and runs ignored tests"]
fn printed_sf_commands_use_real_flags() {
    let ctx = Ctx::new();
    let r = setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
    let sf = std::env::var("SFJWT_SF_BIN").expect("SFJWT_SF_BIN");
    let lines: Vec<&str> = r.stdout.lines().filter_map(|l| l.split_once(". sf ").map(|(_, c)| c)).collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let topic: Vec<&str> = words.iter().take_while(|w| !w.starts_with('-')).copied().collect();
        let mut cmd = Command::new(&sf);
        cmd.args(&topic).arg("--help").env("HOME", ctx.dir.path());
        crate::common::sf_env(&mut cmd, &sf, Path::new("/dev/null"));
        let out = cmd.output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "sf {topic:?} --help failed");
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(&format!("{flag}=")) || help.contains(&format!("{flag} ")),
                "sf {topic:?} has no {flag}"
            );
        }
    }
}

#[test]
fn setup_keyless_refuses_an_unpinned_allow_list_unless_told_so_loudly() {
    let ctx = Ctx::new();
    let r = setup(&ctx, "github", &["--repo", "acme/app", "-r", AUD]).code(2);
    assert!(r.stderr.contains("--keyless needs --ref or --environment"), "{}", r.stderr);
    assert!(r.stderr.contains("--insecure-allow-any-ref"), "{}", r.stderr);
    assert!(!ctx.path("src").exists());
    let r = setup(&ctx, "github", &["--repo", "acme/app", "-r", AUD, "--insecure-allow-any-ref"]).ok();
    assert!(r.stderr.contains("every ref and environment of the repository can log in"), "{}", r.stderr);
    // An environment pin alone is a pin.
    let ctx = Ctx::new();
    setup(&ctx, "github", &["--repo", "acme/app", "--environment", "production", "-r", AUD]).ok();
}

#[test]
fn setup_keyless_writes_the_dx_project_its_deploy_step_needs() {
    let ctx = Ctx::new();
    let r = setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
    let project: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ctx.path("sfdx-project.json")).unwrap()).unwrap();
    assert_eq!(project["packageDirectories"][0]["path"], "src", "{project}");
    assert!(r.stderr.contains("Created sfdx-project.json"), "{}", r.stderr);
}

/// Every metadata file `setup` writes (External Client App, connected app, keyless GitHub and
/// GitLab, and `cert rotate`'s) against the Metadata API WSDL simple-salesforce ships: an oracle
/// sfjwt did not write (tests/wsdl/check.py).
#[test]
#[ignore = "needs simple-salesforce's metadata.wsdl: scripts/tools.sh installs it and scripts/test.sh runs ignored tests"]
fn every_file_setup_writes_validates_against_the_metadata_wsdl() {
    let out = Command::new("python3")
        .args(["-c", "import simple_salesforce,os;print(os.path.join(os.path.dirname(simple_salesforce.__file__),'metadata.wsdl'))"])
        .output()
        .unwrap();
    assert!(out.status.success(), "simple-salesforce: {}", String::from_utf8_lossy(&out.stderr));
    let wsdl = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut folders = Vec::new();
    for ci in ["github", "gitlab"] {
        let ctx = Ctx::new();
        setup(&ctx, ci, &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
        folders.push((ctx.path("src"), ctx));
    }
    let eca = Ctx::new();
    eca.run(eca.sfjwt().args(["setup", "-o", USERNAME, "--key-dir", "keys"])).ok();
    eca.run(eca.sfjwt().args(["cert", "rotate", "--key-dir", "keys", "--name", "next"])).ok();
    folders.push((eca.path("force-app"), eca));
    let ca = Ctx::new();
    ca.run(ca.sfjwt().args(["setup", "-o", USERNAME, "--key-dir", "keys", "--kind", "connected-app"])).ok();
    folders.push((ca.path("force-app"), ca));
    for (dir, _ctx) in &folders {
        let mut files = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.to_string_lossy().ends_with("-meta.xml") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() >= 2, "{}: {files:?}", dir.display());
        let out =
            Command::new("python3").arg(repo().join("tests/wsdl/check.py")).arg(&wsdl).args(&files).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}:\n{text}{}", dir.display(), String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn setup_keyless_refuses_a_name_only_pin_unless_told_so_loudly() {
    let ctx = Ctx::new();
    for extra in [&["--repo-id", "100"][..], &["--owner-id", "200"]] {
        let mut args = vec!["--repo", "acme/app", "--ref", "main", "-r", AUD];
        args.extend_from_slice(extra);
        let r = setup(&ctx, "github", &args).code(2);
        assert!(r.stderr.contains("--keyless needs --repo-id and --owner-id"), "{}", r.stderr);
        assert!(r.stderr.contains("gh api repos/acme/app --jq '.id, .owner.id'"), "{}", r.stderr);
    }
    setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "-r", AUD, "--repo-id", "1x", "--owner-id", "2"])
        .code(2)
        .stderr_has("invalid --repo-id");
    assert!(!ctx.path("src").exists());
    let r = setup(&ctx, "github", &["--repo", "acme/app", "--ref", "main", "-r", AUD, "--insecure-name-only"]).ok();
    assert!(r.stdout.contains("ids:                      none pinned (--insecure-name-only)"), "{}", r.stdout);
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_app_refs_heads_main.md-meta.xml");
    assert!(row.contains("<field>Repository_Id__c</field>\n        <value xsi:nil=\"true\"/>"), "{row}");
    let ctx = Ctx::new();
    setup(&ctx, "gitlab", &["--repo", "acme/app", "--ref", "main", "-r", AUD]).ok();
    let row = read(&ctx, "customMetadata/Sfjwt_Keyless_Allow.R_acme_app_main.md-meta.xml");
    assert!(row.contains(">100</value>") && row.contains(">200</value>"), "{row}");
    assert!(read(&ctx, "classes/SfjwtKeylessHandler.cls").contains("REPO_ID_CLAIM = 'project_id'"));
}
