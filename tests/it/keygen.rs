use crate::common::*;

fn openssl_date_secs(ctx: &Ctx, cert: &str, which: &str) -> i64 {
    // `openssl x509 -dates` prints e.g. notAfter=Nov 23 14:41:43 2027 GMT; `date -d` converts it.
    let line = ctx.openssl(&["x509", "-in", cert, "-noout", which]);
    let value = line.trim().split_once('=').unwrap().1.to_string();
    let out = std::process::Command::new("date").args(["-u", "-d", &value, "+%s"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn keygen_output_is_accepted_by_openssl() {
    let ctx = Ctx::new();
    let (key, crt) = ctx.keygen("server", &["--cn", "ci.acme.com", "--org", "Acme", "--days", "30"]);
    let (k, c) = (key.to_str().unwrap(), crt.to_str().unwrap());

    let text = ctx.openssl(&["x509", "-in", c, "-noout", "-text"]);
    assert!(text.contains("Signature Algorithm: sha256WithRSAEncryption"), "{text}");
    assert!(text.contains("CA:FALSE"), "basicConstraints CA:false missing: {text}");
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(text.contains("CN = ci.acme.com") && text.contains("O = Acme"), "{text}");

    let cert_mod = ctx.openssl(&["x509", "-in", c, "-noout", "-modulus"]);
    let key_mod = ctx.openssl(&["rsa", "-in", k, "-noout", "-modulus"]);
    assert_eq!(cert_mod, key_mod, "key and certificate moduli differ");
    assert!(std::fs::read_to_string(&key).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"), "key is not PKCS#8 PEM");

    let verify = ctx.openssl(&["verify", "-CAfile", c, c]);
    assert!(verify.contains(": OK"), "{verify}");

    let start = openssl_date_secs(&ctx, c, "-startdate");
    let end = openssl_date_secs(&ctx, c, "-enddate");
    assert_eq!(end - start, 30 * 86_400, "validity is not exactly 30 days");
    assert!((start - now()).abs() < 120, "notBefore is not now");
}

#[cfg(unix)]
#[test]
fn keygen_key_is_mode_0600_and_cert_is_public() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = Ctx::new();
    let (key, crt) = ctx.keygen("server", &[]);
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&crt).unwrap().permissions().mode() & 0o777, 0o644);
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(ctx.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let ctx = Ctx::new();
    let (key, crt) = ctx.keygen("server", &[]);
    let before = std::fs::read(&key).unwrap();
    ctx.run(ctx.sfjwt().args(["keygen"])).code(2).stderr_has("already exists").stderr_has("--force");
    assert_eq!(std::fs::read(&key).unwrap(), before, "key was overwritten");
    ctx.run(ctx.sfjwt().args(["keygen", "--force"])).ok();
    assert_ne!(std::fs::read(&key).unwrap(), before, "--force did not write a new key");
    let cert_mod = ctx.openssl(&["x509", "-in", crt.to_str().unwrap(), "-noout", "-modulus"]);
    let key_mod = ctx.openssl(&["rsa", "-in", key.to_str().unwrap(), "-noout", "-modulus"]);
    assert_eq!(cert_mod, key_mod);
}

#[test]
fn keygen_sizes_and_json_output() {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(["keygen", "--bits", "3072", "--name", "big", "--format", "json"])).ok();
    ctx.secret_key_file(&ctx.path("big.key"));
    let j = r.json();
    assert_eq!(j["key_bits"], 3072);
    assert_eq!(j["key_path"], "./big.key");
    assert_eq!(j["cert_path"], "./big.crt");
    assert!(j.get("key_base64").is_none(), "key printed without being asked");
    let fp = ctx.openssl(&["x509", "-in", "big.crt", "-noout", "-fingerprint", "-sha256"]);
    assert_eq!(fp.trim().split_once('=').unwrap().1, j["sha256_fingerprint"].as_str().unwrap());
    let fp1 = ctx.openssl(&["x509", "-in", "big.crt", "-noout", "-fingerprint", "-sha1"]);
    assert_eq!(fp1.trim().split_once('=').unwrap().1, j["sha1_fingerprint"].as_str().unwrap());
    assert!(ctx.openssl(&["x509", "-in", "big.crt", "-noout", "-text"]).contains("(3072 bit)"));
}

#[test]
fn keygen_prints_base64_key_only_when_asked() {
    use base64::Engine;
    let ctx = Ctx::new();
    let r = ctx.run_revealing(ctx.sfjwt().args(["keygen", "--print-key-base64", "--format", "json"])).ok();
    let b64 = r.json()["key_base64"].as_str().unwrap().to_string();
    let decoded = base64::engine::general_purpose::STANDARD.decode(&b64).unwrap();
    assert_eq!(decoded, std::fs::read(ctx.path("server.key")).unwrap());
}

#[test]
fn keygen_rejects_bad_flags() {
    let ctx = Ctx::new();
    ctx.run(ctx.sfjwt().args(["keygen", "--bits", "1024"])).code(2).stderr_has("--bits 1024");
    ctx.run(ctx.sfjwt().args(["keygen", "--days", "0"])).code(2).stderr_has("--days");
    ctx.run(ctx.sfjwt().args(["keygen", "--days", "abc"])).code(2);
    ctx.run(ctx.sfjwt().args(["keygen", "--out-dir", "missing/dir"])).code(2).stderr_has("does not exist");
    ctx.run(ctx.sfjwt().args(["keygen", "--name", "../evil"])).code(2).stderr_has("--name");
    assert!(std::fs::read_dir(ctx.dir.path()).unwrap().next().is_none(), "a failed keygen wrote files");
}

/// `keygen` with no --out-dir at a repository's root: git itself (`git status`) must not offer the
/// key for a commit, and the user is told. Before, ./server.key was left untracked and unignored.
#[test]
fn keygen_inside_a_git_work_tree_keeps_the_key_out_of_git() {
    let ctx = Ctx::new();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git").args(args).current_dir(ctx.path("")).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q"]);
    let r = ctx.run(ctx.sfjwt().args(["keygen", "--cn", "ci.acme.com"])).ok();
    assert!(r.stderr.contains("server.key is inside the git work tree"), "{}", r.stderr);
    assert!(r.stderr.contains("keep the key in your CI secret store"), "{}", r.stderr);
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    assert!(!status.contains("server.key"), "git would commit the key: {status}");
    assert!(status.contains("server.crt"), "the certificate is public and stays visible: {status}");
    // Outside a work tree nothing changes: no .gitignore, no warning.
    let plain = Ctx::new();
    let r = plain.run(plain.sfjwt().args(["keygen", "--cn", "ci.acme.com"])).ok();
    assert!(!r.stderr.contains("git work tree") && !plain.path(".gitignore").exists(), "{}", r.stderr);
}
