use crate::common::*;

fn assertion(ctx: &Ctx, extra: &[&str]) -> Run {
    ctx.run(ctx.sfjwt().args(["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", "server.key"]).args(extra))
}

#[test]
fn assertion_verifies_with_openssl_and_has_exact_claims() {
    let ctx = Ctx::new();
    let (_, crt) = ctx.keygen("server", &[]);
    let r = assertion(&ctx, &[]).ok();
    let (header, claims) = verify_with_openssl(&ctx, &r.stdout, &crt);
    assert_eq!(header["alg"], "RS256");
    let obj = claims.as_object().unwrap();
    let mut names: Vec<_> = obj.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["aud", "exp", "iss", "sub"], "unexpected claims: {claims}");
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], USERNAME);
    assert_eq!(claims["aud"], "https://login.salesforce.com");
    let exp = claims["exp"].as_i64().expect("exp must be an integer number of seconds");
    assert!((exp - (now() + 180)).abs() <= 5, "exp {exp} is not now + 180 s");
}

#[test]
fn assertion_lifetime_and_bounds() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let r = assertion(&ctx, &["--lifetime", "60s", "--decode"]).ok();
    let exp = r.json()["claims"]["exp"].as_i64().unwrap();
    assert!((exp - (now() + 60)).abs() <= 5);
    assertion(&ctx, &["--lifetime", "0s"]).code(2).stderr_has("--lifetime");
    assertion(&ctx, &["--lifetime", "2h"]).code(2).stderr_has("--lifetime");
    assertion(&ctx, &["--lifetime", "ten"]).code(2).stderr_has("--lifetime");
}

#[test]
fn assertion_audience_follows_login_url() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let aud = |extra: &[&str]| {
        assertion(&ctx, &[extra, &["--decode"]].concat()).ok().json()["claims"]["aud"].as_str().unwrap().to_string()
    };
    assert_eq!(aud(&[]), "https://login.salesforce.com");
    assert_eq!(aud(&["-r", "test"]), "https://test.salesforce.com");
    assert_eq!(aud(&["--login-url", "acme--uat.sandbox.my.salesforce.com"]), "https://test.salesforce.com");
    assert_eq!(aud(&["--login-url", "https://acme.my.salesforce.com"]), "https://login.salesforce.com");
    assert_eq!(aud(&["--audience", "https://acme.my.salesforce.com/"]), "https://acme.my.salesforce.com");
}

#[test]
fn assertion_decode_prints_header_and_claims() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let j = assertion(&ctx, &["--decode"]).ok().json();
    assert_eq!(j["header"]["alg"], "RS256");
    assert_eq!(j["claims"]["iss"], CLIENT_ID);
    assert!(j["claims"]["exp"].is_u64());
}

#[test]
fn assertion_validates_identifiers_before_reading_the_key() {
    let ctx = Ctx::new();
    // No key exists: the identifier errors must come first.
    ctx.run(ctx.sfjwt().args(["assertion", "-i", "bad key!", "-o", USERNAME, "--key", "server.key"]))
        .code(2)
        .stderr_has("client id");
    ctx.run(ctx.sfjwt().args(["assertion", "-i", CLIENT_ID, "-o", "not-a-user", "--key", "server.key"]))
        .code(2)
        .stderr_has("username");
    ctx.run(ctx.sfjwt().args([
        "assertion",
        "-i",
        CLIENT_ID,
        "-o",
        USERNAME,
        "--key",
        "server.key",
        "-r",
        "http://login.salesforce.com",
    ]))
    .code(2);
    ctx.run(ctx.sfjwt().args(["assertion", "-o", USERNAME, "--key", "server.key"])).code(2).stderr_has("--client-id");
}

#[test]
fn assertion_takes_settings_from_environment() {
    let ctx = Ctx::new();
    let (_, crt) = ctx.keygen("server", &[]);
    let key = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    let r = ctx
        .run(
            ctx.sfjwt()
                .arg("assertion")
                .env("SFJWT_CLIENT_ID", CLIENT_ID)
                .env("SFJWT_USERNAME", USERNAME)
                .env("SFJWT_KEY", key),
        )
        .ok();
    let (_, claims) = verify_with_openssl(&ctx, &r.stdout, &crt);
    assert_eq!(claims["sub"], USERNAME);
}
