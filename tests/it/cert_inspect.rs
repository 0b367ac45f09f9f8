use crate::common::*;

/// A certificate whose validity window we choose, including windows in the past.
fn cert_with_window(
    ctx: &Ctx,
    name: &str,
    key: &std::path::Path,
    start_days: i64,
    end_days: i64,
) -> std::path::PathBuf {
    let pem = std::fs::read_to_string(key).unwrap();
    let pair = rcgen::KeyPair::from_pem(&pem).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(start_days);
    params.not_after = now + time::Duration::days(end_days);
    let cert = params.self_signed(&pair).unwrap();
    let path = ctx.path(name);
    std::fs::write(&path, cert.pem()).unwrap();
    path
}

#[test]
fn inspect_reports_fields_and_key_match() {
    let ctx = Ctx::new();
    let (_, crt) = ctx.keygen("server", &["--cn", "inspect-me", "--days", "90"]);
    let r =
        ctx.run(ctx.sfjwt().args(["cert", "inspect", "server.crt", "--key", "server.key", "--format", "json"])).ok();
    let j = r.json();
    assert_eq!(j["subject"], "CN=inspect-me");
    assert_eq!(j["days_left"], 90);
    assert_eq!(j["key_bits"], 2048);
    assert_eq!(j["key_matches"], true);
    assert_eq!(j["status"], "ok");
    let serial = ctx.openssl(&["x509", "-in", crt.to_str().unwrap(), "-noout", "-serial"]);
    let theirs = serial.trim().split_once('=').unwrap().1.to_lowercase();
    assert_eq!(j["serial"].as_str().unwrap().replace(':', ""), theirs);
}

#[test]
fn inspect_exit_5_when_key_does_not_match() {
    let ctx = Ctx::new();
    ctx.keygen("a", &[]);
    ctx.keygen("b", &[]);
    let r =
        ctx.run(ctx.sfjwt().args(["cert", "inspect", "a.crt", "--key", "b.key"])).code(5).stderr_has("does not match");
    assert!(r.stdout.contains("key matches: NO"));
}

#[test]
fn inspect_exit_6_when_expired_even_with_threshold() {
    let ctx = Ctx::new();
    let (key, _) = ctx.keygen("server", &[]);
    cert_with_window(&ctx, "old.crt", &key, -400, -35);
    let r = ctx
        .run(ctx.sfjwt().args(["cert", "inspect", "old.crt", "--expires-within", "30d", "--format", "json"]))
        .code(6);
    assert_eq!(r.json()["expired"], true);
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
}

#[test]
fn inspect_exit_7_only_within_threshold() {
    let ctx = Ctx::new();
    let (key, _) = ctx.keygen("server", &[]);
    cert_with_window(&ctx, "soon.crt", &key, -300, 10);
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "soon.crt", "--expires-within", "30d"]))
        .code(7)
        .stderr_has("expires in 10 days")
        // `cert rotate` is Salesforce's; an Entra app's certificate is renewed in the portal.
        .stderr_has("help: for a Microsoft Entra app: make a new key and certificate (`sfjwt keygen --name ci-next`)")
        .stderr_has(
            "App registrations > the app > Certificates & secrets > Certificates while the old one is still valid",
        );
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "soon.crt", "--expires-within", "9d"])).ok();
    // No threshold, no warning: expiry alone is not a failure until it happens.
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "soon.crt"])).ok();
    // A mismatched key outranks expiry.
    ctx.keygen("other", &[]);
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "soon.crt", "--key", "other.key", "--expires-within", "30d"])).code(5);
}

#[test]
fn inspect_rejects_bad_input() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "server.key"])).code(2).stderr_has("private key, not a certificate");
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "nope.crt"])).code(2).stderr_has("nope.crt does not exist");
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "server.crt", "--expires-within", "30"]))
        .code(2)
        .stderr_has("needs a unit");
    std::fs::write(ctx.path("junk.crt"), b"\x01\x02garbage").unwrap();
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "junk.crt"])).code(2).stderr_has("not an X.509 certificate");
    ctx.run(ctx.sfjwt().args(["cert", "inspect", "."])).code(2).stderr_has("directory");
}
