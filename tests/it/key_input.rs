//! Every key form CI secrets produce must sign an assertion that openssl verifies; every broken
//! form must get its own error and exit 2, without echoing key material.

use std::path::Path;

use base64::Engine;

use crate::common::*;

const PASS: &str = "correct horse battery staple";

/// An openssl-made RSA key (PKCS#8 PEM) and a certificate for it.
fn openssl_key(ctx: &Ctx) -> (String, String) {
    ctx.openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "base.key"]);
    ctx.openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "base.key",
        "-subj",
        "/CN=openssl-made",
        "-days",
        "2",
        "-out",
        "base.crt",
    ]);
    ctx.secret_key_file(&ctx.path("base.key"));
    ctx.secret(PASS);
    ("base.key".into(), "base.crt".into())
}

fn sign_with(ctx: &Ctx, key_args: &[&str], envs: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let mut cmd = ctx.sfjwt();
    cmd.args(["assertion", "-i", CLIENT_ID, "-o", USERNAME]).args(key_args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    match stdin {
        Some(input) => ctx.run_stdin(&mut cmd, input),
        None => ctx.run(&mut cmd),
    }
}

fn assert_signs(ctx: &Ctx, cert: &str, key_args: &[&str], envs: &[(&str, &str)], stdin: Option<&[u8]>) {
    let r = sign_with(ctx, key_args, envs, stdin);
    assert_eq!(r.code, 0, "key args {key_args:?} failed: {}", r.stderr);
    verify_with_openssl(ctx, &r.stdout, &ctx.path(cert));
}

fn write(ctx: &Ctx, name: &str, bytes: impl AsRef<[u8]>) -> String {
    std::fs::write(ctx.path(name), bytes).unwrap();
    name.to_string()
}

#[test]
fn openssl_formats_all_sign() {
    let ctx = Ctx::new();
    let (key, cert) = openssl_key(&ctx);
    let pkcs1 = ctx.openssl(&["rsa", "-in", &key, "-traditional"]);
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let pkcs1 = write(&ctx, "pkcs1.pem", pkcs1);
    ctx.secret_key_file(&ctx.path(&pkcs1));
    ctx.openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", "key.der"]);

    assert_signs(&ctx, &cert, &["--key", &key], &[], None);
    assert_signs(&ctx, &cert, &["--key", &pkcs1], &[], None);
    assert_signs(&ctx, &cert, &["--key", "key.der"], &[], None);
}

#[test]
fn encrypted_keys_sign_with_passphrase() {
    let ctx = Ctx::new();
    let (key, cert) = openssl_key(&ctx);
    let passout = format!("pass:{PASS}");
    ctx.openssl(&["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", &key, "-passout", &passout, "-out", "enc8.pem"]);
    ctx.openssl(&["rsa", "-in", &key, "-des3", "-traditional", "-passout", &passout, "-out", "legacy-des3.pem"]);
    ctx.openssl(&["rsa", "-in", &key, "-aes128", "-traditional", "-passout", &passout, "-out", "legacy-aes.pem"]);
    ctx.openssl(&["pkcs12", "-export", "-inkey", &key, "-in", &cert, "-passout", &passout, "-out", "bundle.p12"]);
    ctx.openssl(&["pkcs12", "-export", "-inkey", &key, "-in", &cert, "-passout", "pass:", "-out", "nopass.p12"]);
    ctx.openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-aes256",
        "-pass",
        &passout,
        "-out",
        "genpkey.pem",
    ]);
    ctx.openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "genpkey.pem",
        "-passin",
        &passout,
        "-subj",
        "/CN=g",
        "-days",
        "1",
        "-out",
        "genpkey.crt",
    ]);
    assert!(std::fs::read_to_string(ctx.path("legacy-des3.pem")).unwrap().contains("DEK-Info: DES-EDE3-CBC"));
    let pass_file = write(&ctx, "pass.txt", format!("{PASS}\n"));

    for file in ["enc8.pem", "legacy-des3.pem", "legacy-aes.pem", "bundle.p12"] {
        assert_signs(&ctx, &cert, &["--key", file, "--key-passphrase-file", &pass_file], &[], None);
        assert_signs(&ctx, &cert, &["--key", file], &[("SFJWT_KEY_PASSPHRASE", PASS)], None);
        sign_with(&ctx, &["--key", file], &[], None).code(2).stderr_has("passphrase");
        sign_with(&ctx, &["--key", file], &[("SFJWT_KEY_PASSPHRASE", "wrong")], None)
            .code(2)
            .stderr_has("wrong passphrase");
    }
    assert_signs(&ctx, &cert, &["--key", "nopass.p12"], &[], None);
    assert_signs(&ctx, "genpkey.crt", &["--key", "genpkey.pem"], &[("SFJWT_KEY_PASSPHRASE", PASS)], None);
    // A base64-encoded PKCS#12, as Jenkins and GitHub secrets often hold it.
    let p12_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(ctx.path("bundle.p12")).unwrap());
    assert_signs(&ctx, &cert, &["--key", "env:P12"], &[("P12", &p12_b64), ("SFJWT_KEY_PASSPHRASE", PASS)], None);
}

#[test]
fn mangled_pem_forms_all_sign() {
    let ctx = Ctx::new();
    let (key, cert) = openssl_key(&ctx);
    let pem = std::fs::read_to_string(ctx.path(&key)).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pem);
    let forms: Vec<(&str, String)> = vec![
        ("crlf", pem.replace('\n', "\r\n")),
        ("bom", format!("\u{feff}{pem}")),
        ("escaped", pem.trim_end().replace('\n', "\\n")),
        ("quoted", format!("\"{}\"", pem.trim_end().replace('\n', "\\n"))),
        ("padded", format!("\n\n   {pem}   \n\n")),
        ("base64", b64.clone()),
        (
            "base64-wrapped",
            b64.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\n"),
        ),
        ("spaces", pem.trim_end().replace('\n', " ")),
    ];
    for (name, content) in &forms {
        let file = write(&ctx, &format!("{name}.key"), content);
        assert_signs(&ctx, &cert, &["--key", &file], &[], None);
        assert_signs(&ctx, &cert, &["--key", "env:MY_KEY"], &[("MY_KEY", content)], None);
    }
    // Every way to say where the key is.
    assert_signs(&ctx, &cert, &["--key", &format!("file:{key}")], &[], None);
    assert_signs(&ctx, &cert, &["--key", "-"], &[], Some(pem.as_bytes()));
    assert_signs(&ctx, &cert, &["-f", &key], &[], None);
    assert_signs(&ctx, &cert, &[], &[("SFJWT_KEY", &b64)], None);
    assert_signs(&ctx, &cert, &[], &[("SFJWT_KEY_FILE", &key)], None);
}

#[test]
fn wrong_kinds_of_input_are_named() {
    let ctx = Ctx::new();
    let (key, cert) = openssl_key(&ctx);
    ctx.openssl(&["pkey", "-in", &key, "-pubout", "-out", "pub.pem"]);
    ctx.openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"]);
    ctx.openssl(&["ec", "-in", "ec.pem", "-out", "ec-trad.pem"]);
    ctx.openssl(&["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"]);
    ctx.openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "small.pem"]);
    ctx.openssl(&["req", "-new", "-key", &key, "-subj", "/CN=x", "-out", "req.csr"]);
    for f in ["ec.pem", "ed.pem", "small.pem"] {
        ctx.secret_key_file(&ctx.path(f));
    }

    let expect = |args: &[&str], needle: &str| {
        sign_with(&ctx, args, &[], None).code(2).stderr_has(needle).stderr_has("help:");
    };
    expect(&["--key", &cert], "certificate, not a private key");
    expect(&["--key", "pub.pem"], "public key, not a private key");
    expect(&["--key", "req.csr"], "certificate signing request");
    expect(&["--key", "ec.pem"], "must be RSA");
    expect(&["--key", "ec-trad.pem"], "must be RSA");
    expect(&["--key", "ed.pem"], "Ed25519");
    expect(&["--key", "small.pem"], "smaller than 2048");
}

#[test]
fn damaged_and_missing_input_is_named() {
    let ctx = Ctx::new();
    let (key, _) = openssl_key(&ctx);
    let pem = std::fs::read_to_string(ctx.path(&key)).unwrap();
    write(&ctx, "half.key", &pem[..pem.len() / 2]);
    let lines: Vec<&str> = pem.lines().collect();
    write(&ctx, "middle-cut.key", format!("{}\n{}\n{}\n", lines[0], lines[1..6].join("\n"), lines[lines.len() - 1]));
    write(&ctx, "empty.key", "");
    write(&ctx, "blank.key", "  \n\n");
    write(&ctx, "binary.key", [0xffu8, 0x00, 0x13, 0x37, 0x42, 0x99, 0x00, 0x01]);
    write(&ctx, "text.key", "hello, this is not a key at all!");
    write(&ctx, "huge.key", vec![b'A'; 300 * 1024]);
    std::fs::create_dir(ctx.path("adir")).unwrap();

    let expect = |args: &[&str], envs: &[(&str, &str)], needle: &str| {
        sign_with(&ctx, args, envs, None).code(2).stderr_has(needle).stderr_has("help:");
    };
    expect(&["--key", "half.key"], &[], "truncated");
    expect(&["--key", "middle-cut.key"], &[], "truncated");
    expect(&["--key", "empty.key"], &[], "empty");
    expect(&["--key", "blank.key"], &[], "empty");
    expect(&["--key", "binary.key"], &[], "binary");
    expect(&["--key", "text.key"], &[], "no PEM private key");
    expect(&["--key", "huge.key"], &[], "larger than");
    expect(&["--key", "adir"], &[], "directory");
    // A path is shown only as a short prefix: a key pasted as a path must never reach a log.
    expect(&["--key", "nowhere/server.key"], &[], "key file nowhere/serv… (18 characters) does not exist");
    expect(&["--key", "env:NOT_SET_ANYWHERE"], &[], "NOT_SET_ANYWHERE is not set");
    expect(&["--key", "env:"], &[], "invalid --key");
    expect(&[], &[], "no private key given");
    expect(&[], &[("SFJWT_KEY", &pem), ("SFJWT_KEY_FILE", &key)], "both SFJWT_KEY and SFJWT_KEY_FILE");
    expect(&["--key", &pem], &[], "the key itself");
    expect(&["--key", "-"], &[], "empty");
    expect(&["--key", &key, "--key-passphrase-file", "no-such-pass.txt"], &[], "no-such-pass.txt does not exist");
}

#[test]
fn key_input_errors_never_echo_the_key() {
    let ctx = Ctx::new();
    let (key, _) = openssl_key(&ctx);
    let pem = std::fs::read_to_string(ctx.path(&key)).unwrap();
    // Damaged in ways that make parsers tend to quote their input.
    let damaged = pem.replace("-----END PRIVATE KEY-----", "-----END PRIVATE KEX-----");
    let r = sign_with(&ctx, &["--key", "env:BAD"], &[("BAD", &damaged)], None).code(2);
    ctx.assert_no_secrets(&r.stderr);
    let r = sign_with(&ctx, &["--key", &pem], &[], None).code(2);
    assert!(!r.stderr.contains("BEGIN PRIVATE KEY"), "{}", r.stderr);
    assert!(Path::new(&ctx.path(&key)).exists());
}
