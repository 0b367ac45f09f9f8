use base64::Engine;
use serde::Serialize;

use crate::cli::{Format, KeygenArgs};
use crate::credentials::cert::{self, Bits, CertInfo, CertRequest};
use crate::error::{Error, Exit, UsageKind};
use crate::fsutil::{self, PUBLIC_MODE, SECRET_MODE};
use crate::output::printer::{Outcome, Printer};

/// Every flag checked, and the two destinations free (or --force), before a key is made.
fn validate(args: &KeygenArgs) -> Result<(Bits, std::path::PathBuf, std::path::PathBuf), Error> {
    let bits = Bits::parse(args.bits).ok_or_else(|| {
        Error::usage_of(
            UsageKind::InvalidValue,
            format!("--bits {} is not supported", args.bits),
            "use 2048, 3072 or 4096",
        )
    })?;
    if !(1..=3650).contains(&args.days) {
        return Err(Error::usage_of(
            UsageKind::InvalidValue,
            format!("--days {} is out of range", args.days),
            "use 1 to 3650 days (rotate yearly: 365)",
        ));
    }
    if args.name.is_empty() || args.name.contains(['/', '\\']) || args.name.starts_with('.') {
        return Err(Error::usage_of(
            UsageKind::InvalidValue,
            format!("invalid --name {:?}", args.name),
            "give a plain file name such as server; use --out-dir for the folder",
        ));
    }
    if args.cn.trim().is_empty() {
        return Err(Error::usage_of(UsageKind::InvalidValue, "--cn must not be empty", "e.g. --cn ci.acme.com"));
    }
    if !args.out_dir.is_dir() {
        return Err(Error::usage(
            format!("output directory {} does not exist", args.out_dir.display()),
            "create it first, or pick another --out-dir",
        ));
    }
    let key_path = args.out_dir.join(format!("{}.key", args.name));
    let cert_path = args.out_dir.join(format!("{}.crt", args.name));
    if !args.force {
        for p in [&key_path, &cert_path] {
            if p.exists() {
                return Err(Error::usage(
                    format!("{} already exists", p.display()),
                    "pass --force to overwrite it, or choose another --name or --out-dir",
                ));
            }
        }
    }
    Ok((bits, key_path, cert_path))
}

/// The git work tree holding `dir`, if any: a folder on its way up with a `.git` (a folder, or
/// a file for a linked worktree or a submodule).
fn work_tree(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().find(|d| d.join(".git").exists()).map(std::path::Path::to_path_buf)
}

/// A key written inside a git work tree (`keygen` with no --out-dir, run at a repository's root)
/// would sit there unignored, one `git add .` from being committed: it is git-ignored where it
/// lies, as `setup` and `cert rotate` do, and the user is told to move it to the secret store.
fn keep_out_of_git(args: &KeygenArgs, key_path: &std::path::Path) -> Result<(), Error> {
    let Some(root) = work_tree(&args.out_dir) else { return Ok(()) };
    crate::appmeta::write::gitignore(&args.out_dir, &format!("{}.key", args.name))?;
    eprintln!(
        "warning: {} is inside the git work tree {}: added {}.key to {}; keep the key in your CI secret store and delete it here, or pass --out-dir outside the repository",
        key_path.display(),
        root.display(),
        args.name,
        args.out_dir.join(".gitignore").display()
    );
    Ok(())
}

#[derive(Serialize)]
struct Output<'a> {
    key_path: String,
    cert_path: String,
    // key_bits comes from the certificate's own fields (flattened below): one key, one name.
    #[serde(flatten)]
    cert: &'a CertInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_base64: Option<&'a str>,
    next_step: String,
}

pub fn run(args: KeygenArgs, printer: Printer) -> Result<Outcome, Error> {
    let (bits, key_path, cert_path) = validate(&args)?;
    let request = CertRequest { bits, common_name: args.cn.clone(), organization: args.org.clone(), days: args.days };
    let generated = cert::generate(&request)?;
    let pem = generated.key.to_pkcs8_pem();
    fsutil::write_atomic(&key_path, pem.as_bytes(), SECRET_MODE)?;
    fsutil::write_atomic(&cert_path, generated.cert_pem.as_bytes(), PUBLIC_MODE)?;
    keep_out_of_git(&args, &key_path)?;

    let key_b64 = args
        .print_key_base64
        .then(|| zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pem.as_bytes())));
    let next_step = format!(
        "upload {} to the app (External Client App: Settings > OAuth Settings > Enable JWT Bearer Flow; \
         connected app: Use digital signatures), then keep {} in your CI secret store",
        cert_path.display(),
        key_path.display()
    );
    let out = Output {
        key_path: key_path.display().to_string(),
        cert_path: cert_path.display().to_string(),
        cert: &generated.info,
        key_base64: key_b64.as_deref().map(|s| s.as_str()),
        next_step,
    };
    let format = if printer.json() { Format::Json } else { args.format };
    let result = match format {
        Format::Json => printer.json_value(&out)?,
        Format::Text => {
            printer.line(&format!("Created an RSA {}-bit key and a self-signed certificate.", generated.key.bits()));
            printer.line(&format!("  subject:     {}", out.cert.subject));
            printer.line(&format!("  not after:   {} ({} days)", out.cert.not_after, args.days));
            printer.line(&format!("  SHA-1:       {}", out.cert.sha1_fingerprint));
            printer.line(&format!("  SHA-256:     {}", out.cert.sha256_fingerprint));
            printer.line(&format!("  key:         {} (mode 0600: keep it secret)", out.key_path));
            printer.line(&format!("  certificate: {}", out.cert_path));
            if let Some(b64) = out.key_base64 {
                printer.line(&format!("  key, base64 (for a CI secret): {b64}"));
            }
            printer.line("");
            printer.line(&format!("Next: {}.", out.next_step));
            None
        }
    };
    Ok(Outcome::new(Exit::Success).with_result(result))
}
