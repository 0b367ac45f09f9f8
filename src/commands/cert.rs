use serde::Serialize;

use super::load_optional_key;
use crate::cli::duration;
use crate::cli::{Format, InspectArgs};
use crate::credentials::cert::{self, CertInfo};
use crate::error::{Error, Exit, UsageKind};
use crate::output::printer::{Outcome, Printer};

#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    cert: &'a CertInfo,
    expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_within_threshold: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_matches: Option<bool>,
    status: &'static str,
}

pub fn inspect(args: InspectArgs, printer: Printer) -> Result<Outcome, Error> {
    let threshold = args
        .expires_within
        .as_deref()
        .map(|s| {
            duration::parse(s).map_err(|e| {
                Error::usage_of(
                    UsageKind::InvalidValue,
                    format!("invalid --expires-within: {e}"),
                    "e.g. --expires-within 30d",
                )
            })
        })
        .transpose()?;
    let info = cert::load(&args.cert)?;
    let key = load_optional_key(&args.key)?;
    let key_matches = key.as_ref().map(|k| cert::key_matches(&info, k));
    let expired = info.seconds_left <= 0;
    let expiring = threshold.map(|t| !expired && (info.seconds_left as u64) < t.as_secs());

    let (exit, status) = if key_matches == Some(false) {
        (Exit::KeyMismatch, "key_mismatch")
    } else if expired {
        (Exit::CertExpired, "expired")
    } else if expiring == Some(true) {
        (Exit::CertExpiring, "expiring")
    } else {
        (Exit::Success, "ok")
    };
    let out = Output { cert: &info, expired, expires_within_threshold: expiring, key_matches, status };
    let format = if printer.json() { Format::Json } else { args.format };
    let result = match format {
        Format::Json => printer.json_value(&out)?,
        Format::Text => {
            printer.line(&format!("subject:     {}", info.subject));
            printer.line(&format!("issuer:      {}", info.issuer));
            printer.line(&format!("serial:      {}", info.serial));
            printer.line(&format!("not before:  {}", info.not_before));
            printer.line(&format!("not after:   {}", info.not_after));
            printer.line(&format!("days left:   {}", info.days_left));
            printer.line(&format!(
                "key size:    {}",
                info.key_bits.map_or("not RSA".to_string(), |b| format!("{b} bits"))
            ));
            printer.line(&format!("signature:   {}", info.signature_algorithm));
            printer.line(&format!("SHA-1:       {}", info.sha1_fingerprint));
            printer.line(&format!("SHA-256:     {}", info.sha256_fingerprint));
            if let Some(m) = key_matches {
                printer.line(&format!("key matches: {}", if m { "yes" } else { "NO" }));
            }
            None
        }
    };
    match exit {
        Exit::KeyMismatch => eprintln!(
            "error: the key does not match the certificate\nhelp: Salesforce will answer `invalid assertion`; upload the certificate made with this key, or use the key it was made from"
        ),
        // `cert rotate` rewrites Salesforce metadata; an Entra app's certificate is renewed in
        // the Entra admin center, which enforces expiry (AADSTS1000502): both ways are given.
        Exit::CertExpired => eprintln!(
            "warning: the certificate expired on {}\nhelp: Salesforce does not enforce the uploaded certificate's expiry for JWT, but rotate it: `sfjwt cert rotate`, deploy, then replace the CI secret\nhelp: a Microsoft Entra app refuses it (AADSTS1000502): {}",
            info.not_after,
            crate::entra::RENEWAL
        ),
        Exit::CertExpiring => eprintln!(
            "warning: the certificate expires in {} days ({})\nhelp: rotate it: `sfjwt cert rotate` (new key and certificate, app metadata updated), deploy, then replace the CI secret\nhelp: for a Microsoft Entra app: {}",
            info.days_left,
            info.not_after,
            crate::entra::RENEWAL
        ),
        _ => {}
    }
    let outcome = Outcome::new(exit).with_result(result);
    if exit != Exit::Success {
        return Ok(outcome.with_failure("CertificateCheckFailed", format!("{exit:?}"), None));
    }
    Ok(outcome)
}

/// `sfjwt cert rotate`: a new key and certificate, the app's metadata updated in place.
pub fn rotate(args: crate::cli::RotateArgs, printer: Printer) -> Result<Outcome, Error> {
    use crate::fsutil;
    let bits = cert::Bits::parse(args.bits).ok_or_else(|| {
        Error::usage_of(
            UsageKind::InvalidValue,
            format!("--bits {} is not supported", args.bits),
            "use 2048, 3072 or 4096",
        )
    })?;
    if crate::fsutil::is_inside(&args.key_dir, &args.source_dir) {
        return Err(Error::usage(
            format!("--key-dir {} is inside the source folder {}", args.key_dir.display(), args.source_dir.display()),
            "keep the private key out of the deployable source: use another --key-dir",
        ));
    }
    let app = the_app(&args)?;
    // The files are named after the app that will hold the certificate.
    let holder_app = if args.second_app { second_app_name(&app.api_name) } else { app.api_name.clone() };
    let name = args.name.clone().unwrap_or_else(|| dated_name(&holder_app));
    let key_path = args.key_dir.join(format!("{name}.key"));
    let cert_path = args.key_dir.join(format!("{name}.crt"));
    for p in [&key_path, &cert_path] {
        if p.exists() && !args.force {
            return Err(Error::usage(format!("{} already exists", p.display()), "pass --force, or another --name"));
        }
    }
    let username = args.username.as_deref().map(crate::login::endpoint::username).transpose()?;
    let g = cert::generate(&cert::CertRequest {
        bits,
        common_name: holder_app.clone(),
        organization: None,
        days: args.days,
    })?;
    if args.second_app {
        return rotate_to_second_app(
            printer,
            &args,
            &app,
            &holder_app,
            (&key_path, &cert_path),
            &g,
            username.as_deref(),
        );
    }
    let holder = certificate_holder(&args, &app)?;
    let xml = std::fs::read_to_string(&holder).map_err(|e| Error::Io {
        action: "read",
        path: holder.display().to_string(),
        source: e,
        help: None,
    })?;
    let updated = crate::appmeta::write::replace_certificate(&xml, &g.cert_pem).ok_or_else(|| {
        Error::usage(format!("{} has no <certificate> element", holder.display()), "add the certificate by hand")
    })?;
    fsutil::write_atomic(&key_path, g.key.to_pkcs8_pem().as_bytes(), fsutil::SECRET_MODE)?;
    fsutil::write_atomic(&cert_path, g.cert_pem.as_bytes(), fsutil::PUBLIC_MODE)?;
    crate::appmeta::write::gitignore(&args.key_dir, &format!("{name}.key"))?;
    // The file is git-ignored (it holds the consumer key), so git cannot put it back: the copy is
    // the way back to the old certificate, for the second-app route printed below.
    let previous = args.key_dir.join(format!("{name}.previous-app.xml"));
    fsutil::write_atomic(&previous, xml.as_bytes(), fsutil::SECRET_MODE)?;
    crate::appmeta::write::gitignore(&args.key_dir, &format!("{name}.previous-app.xml"))?;
    fsutil::write_atomic(&holder, updated.as_bytes(), fsutil::PUBLIC_MODE)?;

    printer.line(&format!("New key:         {} (mode 0600)", key_path.display()));
    printer.line(&format!("New certificate: {} (expires {})", cert_path.display(), g.info.not_after));
    printer.line(&format!("Updated:         {}", holder.display()));
    printer.line(&format!("Previous file:   {} (mode 0600, git-ignored)", previous.display()));
    if args.print_key_base64 {
        use base64::Engine;
        let b64 =
            zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(g.key.to_pkcs8_pem().as_bytes()));
        printer.line(&format!("New key, base64: {}", b64.as_str()));
    }
    print_rotation_steps(
        printer,
        &args,
        (&app.api_name, app.kind, &holder, &previous),
        (&key_path, &cert_path),
        username.as_deref(),
    );
    let result = serde_json::json!({
        "key_path": key_path.display().to_string(),
        "cert_path": cert_path.display().to_string(),
        "updated": holder.display().to_string(),
        "previous": previous.display().to_string(),
    });
    Ok(Outcome::new(Exit::Success).with_result(Some(result)))
}

/// The default base name of the new files: the app's API name in lower case with hyphens, then
/// the date (e.g. sfjwt-ci-20261203).
fn dated_name(app: &str) -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!("{}-{}{:02}{:02}", app.to_lowercase().replace('_', "-"), date.year(), date.month() as u8, date.day())
}

/// The file holding the app's certificate (for an External Client App, the global OAuth settings).
fn certificate_holder(
    args: &crate::cli::RotateArgs,
    app: &crate::appmeta::read::RepoApp,
) -> Result<std::path::PathBuf, Error> {
    match app.kind {
        crate::appmeta::read::AppKind::ConnectedApp => Ok(std::path::PathBuf::from(&app.path)),
        crate::appmeta::read::AppKind::ExternalClientApp => find_global_settings(&args.source_dir, &app.api_name)
            .ok_or_else(|| {
                Error::usage(
                    "the External Client App's global OAuth settings file is missing",
                    restore_help(&format!("ExtlClntAppGlobalOauthSettings:{}_glbloauth", app.api_name)),
                )
            }),
    }
}

/// The one app with a certificate in the folder (or the one --app-name names).
fn the_app(args: &crate::cli::RotateArgs) -> Result<crate::appmeta::read::RepoApp, Error> {
    let apps: Vec<_> = crate::appmeta::read::scan(std::slice::from_ref(&args.source_dir))
        .into_iter()
        .filter(|a| a.certificate.is_some())
        .filter(|a| args.app_name.as_deref().is_none_or(|n| n == a.api_name || n == a.label))
        .collect();
    match apps.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(missing_certificate_file(&args.source_dir).unwrap_or_else(|| {
            Error::usage(
                format!(
                    "no app with a certificate under {}{}",
                    args.source_dir.display(),
                    args.app_name.as_deref().map(|n| format!(" named {n}")).unwrap_or_default()
                ),
                "pass --source-dir (and --app-name) of the app's metadata; on a fresh clone, the file holding the certificate is git-ignored: retrieve the app's metadata from the org first (sf project retrieve start --metadata ...)",
            )
        })),
        many => {
            let names: Vec<&str> = many.iter().map(|a| a.api_name.as_str()).collect();
            Err(Error::usage(
                "several apps hold a certificate",
                format!("pick one with --app-name: {}", names.join(", ")),
            ))
        }
    }
}

/// Where Setup takes a new certificate, by the kind of app.
fn upload_path(kind: crate::appmeta::read::AppKind, app: &str) -> String {
    match kind {
        crate::appmeta::read::AppKind::ExternalClientApp => {
            format!("Setup > External Client App Manager > {app} > Settings > OAuth Settings > Enable JWT Bearer Flow")
        }
        crate::appmeta::read::AppKind::ConnectedApp => {
            format!("Setup > App Manager > {app} > Edit > Use digital signatures")
        }
    }
}

/// The follow-up, every command filled in from the flags given (placeholders only for what no
/// flag said): the tests run the sfjwt ones as printed.
fn print_rotation_steps(
    printer: Printer,
    args: &crate::cli::RotateArgs,
    (app, kind, holder, previous): (&str, crate::appmeta::read::AppKind, &std::path::Path, &std::path::Path),
    (key_path, cert_path): (&std::path::Path, &std::path::Path),
    username: Option<&str>,
) {
    let quote = |p: &std::path::Path| crate::output::ci::shell_quote(&p.display().to_string());
    let alias = args.admin_sf_org.as_deref().unwrap_or("<admin alias>");
    printer.line("");
    printer.line("Rotate in this order:");
    printer.line(&format!(
        "  1. sf project deploy start --source-dir {} --target-org {alias}   (or by hand: {} > upload {})",
        quote(&args.source_dir),
        upload_path(kind, app),
        cert_path.display()
    ));
    printer.line(&format!("  2. replace the CI secret with {}", key_path.display()));
    printer.line("  3. run `sfjwt doctor` in CI, then delete the old key");
    printer.line("");
    printer.line(
        "Between steps 1 and 2, CI cannot log in: the app then trusts only the new certificate, and CI still signs with the old key. \
         Whether an app can hold two certificates at once is unconfirmed, so plan the window (minutes). To avoid it, rotate to a \
         second app instead: before deploying anything, put back the file this command changed (its previous content was saved), then \
         rotate with --second-app, which leaves the app's metadata as it is:",
    );
    printer.line(&format!("  cp {} {}", quote(previous), quote(holder)));
    let mut again = format!(
        "  sfjwt cert rotate --second-app --app-name {app} --source-dir {} --key-dir {}",
        quote(&args.source_dir),
        quote(&args.key_dir)
    );
    if let Some(u) = username {
        again.push_str(&format!(" -o {}", crate::output::ci::shell_quote(u)));
    }
    printer.line(&again);
}

/// The second app's API name: the first app's with `_2` (an API name may not end in `_`, nor
/// exceed 40 characters, so a long name is cut first).
fn second_app_name(app: &str) -> String {
    let base: String = app.chars().take(38).collect();
    format!("{}_2", base.trim_end_matches('_'))
}

/// `--second-app`: the key and certificate for a second app, the first app's metadata left as it
/// is, so CI keeps logging in with the old key until it is switched: no window.
fn rotate_to_second_app(
    printer: Printer,
    args: &crate::cli::RotateArgs,
    app: &crate::appmeta::read::RepoApp,
    second: &str,
    (key_path, cert_path): (&std::path::Path, &std::path::Path),
    g: &cert::Generated,
    username: Option<&str>,
) -> Result<Outcome, Error> {
    use crate::fsutil;
    let line = |text: &str| printer.line(text);
    let quote = |p: &std::path::Path| crate::output::ci::shell_quote(&p.display().to_string());
    fsutil::write_atomic(key_path, g.key.to_pkcs8_pem().as_bytes(), fsutil::SECRET_MODE)?;
    fsutil::write_atomic(cert_path, g.cert_pem.as_bytes(), fsutil::PUBLIC_MODE)?;
    crate::appmeta::write::gitignore(&args.key_dir, &key_path.file_name().unwrap_or_default().to_string_lossy())?;
    line(&format!("New key:         {} (mode 0600)", key_path.display()));
    line(&format!("New certificate: {} (expires {})", cert_path.display(), g.info.not_after));
    line(&format!(
        "Unchanged:       {} (CI keeps logging in with the old key until step 3)",
        app.certificate_path.as_deref().unwrap_or(&app.path)
    ));
    let user = username.map(crate::output::ci::shell_quote).unwrap_or_else(|| "<CI username>".into());
    line("");
    line("Rotate to a second app, in this order (no window: the old app works until it is retired):");
    line(&format!(
        "  1. sfjwt setup -o {user} --app-name {second} --key {} --cert {} --source-dir {} --key-dir {}   (writes {second}'s metadata with the new certificate)",
        quote(key_path),
        quote(cert_path),
        quote(&args.source_dir),
        quote(&args.key_dir)
    ));
    line(&format!("  2. deploy {second} and assign its permission set, with the commands step 1 prints"));
    line(&format!(
        "  3. in CI, replace the key with {} and the client id with {second}'s consumer key",
        key_path.display()
    ));
    line(&format!(
        "  4. run `sfjwt doctor` in CI, then retire {}: remove it from the org and the repository, and delete the old key",
        app.api_name
    ));
    let result = serde_json::json!({
        "key_path": key_path.display().to_string(),
        "cert_path": cert_path.display().to_string(),
        "updated": serde_json::Value::Null,
        "second_app": second,
    });
    Ok(Outcome::new(Exit::Success).with_result(Some(result)))
}

/// The file holding an app's certificate (an External Client App's global OAuth settings, a
/// connected app's file) is git-ignored by `setup`, as Salesforce asks: a teammate's fresh clone
/// has the .gitignore line but not the file. Named, with how to get it back.
fn missing_certificate_file(source_dir: &std::path::Path) -> Option<Error> {
    let ignore = std::fs::read_to_string(source_dir.join(".gitignore")).ok()?;
    let (entry, member) = ignore.lines().map(str::trim).find_map(|l| {
        let file = l.rsplit('/').next()?;
        let member = if let Some(n) = file.strip_suffix(".ecaGlblOauth-meta.xml") {
            format!("ExtlClntAppGlobalOauthSettings:{n}")
        } else {
            format!("ConnectedApp:{}", file.strip_suffix(".connectedApp-meta.xml")?)
        };
        (!source_dir.join(l).exists()).then(|| (l.to_string(), member))
    })?;
    Some(Error::usage(
        format!(
            "{} is not here: it holds the app's current certificate and is git-ignored (it also holds the consumer key), so a fresh clone does not have it",
            source_dir.join(&entry).display()
        ),
        restore_help(&member),
    ))
}

/// How to get the certificate's file back before rotating.
fn restore_help(member: &str) -> String {
    format!(
        "get it back, then run `sfjwt cert rotate` again: from the org through an admin session, `sf project retrieve start --metadata {member} --target-org <admin alias>` (the org must allow \"Access to OAuth Consumer Secrets via Metadata API\"), or copy it from the store it was kept in (the secret store, or the machine that ran `sfjwt setup`)"
    )
}

fn find_global_settings(dir: &std::path::Path, app: &str) -> Option<std::path::PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".ecaGlblOauth-meta.xml")
                && std::fs::read_to_string(&p)
                    .is_ok_and(|t| t.contains(&format!("<externalClientApplication>{app}</externalClientApplication>")))
            {
                return Some(p);
            }
        }
    }
    None
}
