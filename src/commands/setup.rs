use std::path::Path;

use base64::Engine;

use crate::appmeta::keyless as keyless_meta;
use crate::appmeta::write::{self as appmeta, AppSpec, Kind};
use crate::cli::{AppKindArg, SetupArgs};
use crate::credentials::cert::{self, Bits, CertRequest};
use crate::credentials::keys::{self, KeySource, RsaPrivateKey};
use crate::diagnose::attempt::{self, End};
use crate::error::{Error, Exit};
use crate::fsutil;
use crate::login::endpoint::{self, HostPolicy, LoginUrl};
use crate::login::grant::GrantRequest;
use crate::net::{self, NetSettings};
use crate::output::printer::{Outcome, Printer};

pub fn run(args: SetupArgs, printer: Printer) -> Result<Outcome, Error> {
    let username = endpoint::username(&args.username)?;
    if !appmeta::valid_api_name(&args.app_name) {
        return Err(Error::usage(
            format!("invalid --app-name {:?}", args.app_name),
            "an API name: a letter, then letters, digits and single underscores, at most 40 characters",
        ));
    }
    let kind = match args.kind {
        AppKindArg::ExternalClientApp => Kind::ExternalClientApp,
        AppKindArg::ConnectedApp => Kind::ConnectedApp,
    };
    if let Some(ci) = args.keyless {
        return keyless(&args, ci, &username).map(Outcome::from);
    }
    let mut plan = plan(&args, &username)?;
    // Settings are valid: from here on, files are written and commands run.
    let (key, cert_pem, key_path) = key_material(&args, plan.given.take())?;
    let permission_set = format!("{}_JWT_Access", args.app_name);
    let label = args.app_name.replace('_', " ");
    let spec = AppSpec {
        kind,
        api_name: &args.app_name,
        label: &label,
        consumer_key: &plan.consumer_key,
        certificate_pem: &cert_pem,
        contact_email: &plan.contact,
        permission_set: &permission_set,
    };
    let written = appmeta::write(&args.source_dir, &spec, args.force)?;
    for w in written.iter().filter(|w| w.private) {
        if let Ok(rel) = w.path.strip_prefix(&args.source_dir) {
            appmeta::gitignore(&args.source_dir, &rel.display().to_string())?;
        }
    }
    ensure_dx_project(&args.source_dir)?;
    report_written(&args, kind, &written, key_path.as_deref());
    print_identity(printer, &args, &plan.consumer_key, &username, key_path.as_deref(), &key);
    if args.deploy {
        deploy_and_assign(args.admin_sf_org.as_deref(), &args.source_dir, &permission_set, &username, &[])?;
    } else {
        print_next_steps(printer, &args, kind, &permission_set, &username);
    }
    if let Some(wait) = &plan.wait {
        let outcome = verify(wait, &plan.consumer_key, &username, &key)?;
        if outcome.exit != Exit::Success {
            return Ok(outcome);
        }
        snippets(printer, &plan.consumer_key, &username, &wait.url_text);
    }
    let result = serde_json::json!({
        "client_id": plan.consumer_key,
        "username": username,
        "private_key": key_path.as_ref().map(|p| p.display().to_string()),
        "source_dir": args.source_dir.display().to_string(),
    });
    Ok(Outcome::new(Exit::Success).with_result(Some(result)))
}

/// Everything `setup` needs, validated before any file is written or command run.
struct Plan {
    contact: String,
    consumer_key: String,
    /// `--key` and `--cert`, read and checked against each other.
    given: Option<(RsaPrivateKey, String)>,
    wait: Option<Wait>,
}

/// `--wait-for-propagation`: where to log in, and for how long to retry.
struct Wait {
    login: LoginUrl,
    hosts: HostPolicy,
    net: NetSettings,
    limit: std::time::Duration,
    url_text: String,
}

fn plan(args: &SetupArgs, username: &str) -> Result<Plan, Error> {
    if crate::fsutil::is_inside(&args.key_dir, &args.source_dir) {
        return Err(Error::usage(
            format!("--key-dir {} is inside the source folder {}", args.key_dir.display(), args.source_dir.display()),
            "keep the private key out of the deployable source: use another --key-dir",
        ));
    }
    let given = match (&args.key, &args.cert) {
        (Some(k), Some(c)) => Some(given_key(args, k, c)?),
        _ => {
            let base = key_base(args);
            let key_path = args.key_dir.join(format!("{base}.key"));
            let cert_path = args.key_dir.join(format!("{base}.crt"));
            if !args.force && (key_path.exists() || cert_path.exists()) {
                return Err(Error::usage(
                    format!("{} already exists", key_path.display()),
                    "pass --force, or --key and --cert to reuse it",
                ));
            }
            None
        }
    };
    if args.deploy {
        crate::sfcli::Sf::new().check_available()?;
    }
    Ok(Plan {
        contact: contact_email(args, username)?,
        consumer_key: consumer_key(args)?,
        given,
        wait: wait_settings(args)?,
    })
}

fn key_base(args: &SetupArgs) -> String {
    args.app_name.to_lowercase().replace('_', "-")
}

fn given_key(args: &SetupArgs, key: &str, cert_path: &Path) -> Result<(RsaPrivateKey, String), Error> {
    let pass = super::passphrase(args.key_passphrase_file.as_deref())?;
    let key = keys::load(&KeySource::parse(key)?, pass.as_ref())?;
    let pem = std::fs::read_to_string(cert_path).map_err(|e| Error::Io {
        action: "read",
        path: cert_path.display().to_string(),
        source: e,
        help: None,
    })?;
    let info = cert::inspect_pem(pem.as_bytes())?;
    if !cert::key_matches(&info, &key) {
        return Err(Error::usage(
            format!("{} was not made from this key", cert_path.display()),
            "pass the certificate that belongs to --key",
        ));
    }
    Ok((key, pem))
}

fn wait_settings(args: &SetupArgs) -> Result<Option<Wait>, Error> {
    let Some(wait) = &args.wait_for_propagation else { return Ok(None) };
    let limit = crate::cli::duration::parse(wait)
        .map_err(|e| Error::usage(format!("invalid --wait-for-propagation: {e}"), "e.g. 10m"))?;
    if limit.is_zero() || limit > std::time::Duration::from_secs(3600) {
        return Err(Error::usage(
            "--wait-for-propagation must be between 1s and 1h",
            "propagation takes 2-10 minutes: 10m",
        ));
    }
    let url_text = args.login_url.clone().unwrap_or_else(|| "login".into());
    let hosts = HostPolicy::new(&args.allow_host, args.insecure_http);
    let login = hosts.login_url(&url_text)?;
    let net = NetSettings { ca_files: args.ca_file.clone(), ..NetSettings::default() };
    // Builds the client once here so that an unreadable --ca-file fails before anything is written.
    net::client(&net)?;
    Ok(Some(Wait { login, hosts, net, limit, url_text }))
}

/// The key and certificate: given, or made as keygen makes them (the only writes before the
/// metadata).
fn key_material(
    args: &SetupArgs,
    given: Option<(RsaPrivateKey, String)>,
) -> Result<(RsaPrivateKey, String, Option<std::path::PathBuf>), Error> {
    if let Some((key, pem)) = given {
        return Ok((key, pem, None));
    }
    std::fs::create_dir_all(&args.key_dir).map_err(|e| Error::Io {
        action: "create",
        path: args.key_dir.display().to_string(),
        source: e,
        help: None,
    })?;
    let base = key_base(args);
    let key_path = args.key_dir.join(format!("{base}.key"));
    let cert_path = args.key_dir.join(format!("{base}.crt"));
    let g = cert::generate(&CertRequest {
        bits: Bits::B2048,
        common_name: args.app_name.clone(),
        organization: None,
        days: args.days,
    })?;
    fsutil::write_atomic(&key_path, g.key.to_pkcs8_pem().as_bytes(), fsutil::SECRET_MODE)?;
    fsutil::write_atomic(&cert_path, g.cert_pem.as_bytes(), fsutil::PUBLIC_MODE)?;
    appmeta::gitignore(&args.key_dir, &format!("{base}.key"))?;
    Ok((g.key, g.cert_pem, Some(key_path)))
}

/// `sf project deploy` works only inside a Salesforce DX project: when the folder is not in one,
/// a minimal sfdx-project.json is written beside the source folder's top directory.
fn ensure_dx_project(source_dir: &Path) -> Result<(), Error> {
    if Path::new("sfdx-project.json").exists() || source_dir.is_absolute() {
        if source_dir.is_absolute() && !Path::new("sfdx-project.json").exists() {
            eprintln!(
                "note: sf project deploy needs a Salesforce DX project (sfdx-project.json) around {}",
                source_dir.display()
            );
        }
        return Ok(());
    }
    let top = source_dir.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    let project = serde_json::json!({
        "packageDirectories": [{ "path": top, "default": true }],
        "name": "sfjwt-ci",
        "sourceApiVersion": "62.0",
    });
    let text = serde_json::to_string_pretty(&project).unwrap_or_default() + "\n";
    fsutil::write_atomic(Path::new("sfdx-project.json"), text.as_bytes(), fsutil::PUBLIC_MODE)?;
    eprintln!("Created sfdx-project.json (package directory {top}): sf project deploy needs a Salesforce DX project");
    Ok(())
}

fn report_written(args: &SetupArgs, kind: Kind, written: &[appmeta::Written], key_path: Option<&Path>) {
    eprintln!("Wrote {} to {}:", describe(kind), args.source_dir.display());
    for w in written {
        eprintln!("  {}{}", w.path.display(), if w.private { "  (consumer details: git-ignored)" } else { "" });
    }
    match key_path {
        Some(p) => eprintln!("Key: {} (mode 0600, git-ignored); certificate beside it", p.display()),
        None => eprintln!("Key: the one given with --key"),
    }
    match kind {
        Kind::ExternalClientApp => {
            eprintln!(
                "note: the global OAuth settings file holds the consumer key and certificate; it must not go to source control, \
                 and deploying it may need the org setting \"Allow access to OAuth consumer secrets via Metadata API\"."
            );
            if args.dev_hub {
                eprintln!(
                    "warning: an External Client App Dev Hub cannot create scratch orgs; for that Dev Hub use --kind connected-app"
                );
            }
        }
        Kind::ConnectedApp => eprintln!(
            "warning: since Spring '26 new connected apps cannot be created (API or UI) unless Salesforce Support enables it; \
             prefer an External Client App unless this is a Dev Hub that must create scratch orgs"
        ),
    }
}

fn print_identity(
    printer: Printer,
    args: &SetupArgs,
    consumer_key: &str,
    username: &str,
    key_path: Option<&Path>,
    key: &RsaPrivateKey,
) {
    printer.line(&format!("client id (consumer key): {consumer_key}"));
    printer.line(&format!("username:                 {username}"));
    if let Some(p) = key_path {
        printer.line(&format!("private key:              {}", p.display()));
    }
    if args.print_key_base64 {
        let b64 =
            zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key.to_pkcs8_pem().as_bytes()));
        printer.line(&format!("private key, base64:      {}", b64.as_str()));
    }
}

/// The two steps left when setup did not run them, each with the Setup click path beside it.
fn print_next_steps(printer: Printer, args: &SetupArgs, kind: Kind, permission_set: &str, username: &str) {
    let alias = args.admin_sf_org.as_deref().unwrap_or("<admin alias>");
    let dir = crate::output::ci::shell_quote(&args.source_dir.display().to_string());
    let app = &args.app_name;
    let (by_hand, key_path) = match kind {
        Kind::ExternalClientApp => (
            "Setup > External Client Apps > External Client App Manager > New External Client App".to_string(),
            format!("External Client App Manager > {app} > Settings > OAuth Settings > Consumer Key and Secret"),
        ),
        Kind::ConnectedApp => (
            "Setup > App Manager > New Connected App".to_string(),
            format!("App Manager > {app} > View > Manage Consumer Details"),
        ),
    };
    printer.line("");
    printer.line("Next:");
    printer.line(&format!("  1. sf project deploy start --source-dir {dir} --target-org {alias}"));
    printer.line(&format!(
        "     (by hand: {by_hand}, with the certificate and the settings of the files above; Setup makes its own consumer key for an app made by hand: the client id is then the one at {key_path}, not the one printed above)"
    ));
    printer.line(&format!(
        "  2. sf org assign permset --name {permission_set} --on-behalf-of {username} --target-org {alias}"
    ));
    printer.line(&format!(
        "     (by hand: Setup > Users > {username} > Permission Set Assignments > Edit Assignments > {permission_set})"
    ));
}

fn contact_email(args: &SetupArgs, username: &str) -> Result<String, Error> {
    match &args.contact_email {
        Some(e) => Ok(e.clone()),
        None if username.rsplit('@').next().is_some_and(|d| d.contains('.'))
            && !endpoint::sandbox_suffixed(username) =>
        {
            Ok(username.to_string())
        }
        None => Err(Error::usage("no contact email", "pass --contact-email (the username is not a plain address)")),
    }
}

fn consumer_key(args: &SetupArgs) -> Result<String, Error> {
    match &args.consumer_key {
        Some(k) if (8..=256).contains(&k.len()) && k.chars().all(|c| c.is_ascii_alphanumeric()) => Ok(k.clone()),
        Some(_) => {
            Err(Error::usage("invalid --consumer-key", "a consumer key set at creation is 8-256 letters and digits"))
        }
        None => Ok(appmeta::consumer_key()),
    }
}

/// `setup --keyless`: the token exchange setup (keyless.md §6), and how to log in with it.
fn keyless(args: &SetupArgs, ci: crate::cli::KeylessCi, username: &str) -> Result<Exit, Error> {
    let k = crate::cli::keyless::resolve(args, ci)?;
    let contact = contact_email(args, username)?;
    let consumer_key = consumer_key(args)?;
    for note in &k.notes {
        super::say(&format!("note: {note}"));
    }
    let permission_set = format!("{}_Keyless_Access", args.app_name);
    let label = args.app_name.replace('_', " ");
    let spec = keyless_meta::KeylessSpec {
        provider: k.provider,
        app_name: &args.app_name,
        label: &label,
        consumer_key: &consumer_key,
        contact_email: &contact,
        permission_set: &permission_set,
        issuer: &k.issuer,
        jwks_url: &k.jwks_url,
        audience: &k.audience,
        repo: &k.repo,
        git_ref: k.git_ref.as_deref(),
        environment: k.environment.as_deref(),
        repo_id: k.repo_id.as_deref(),
        owner_id: k.owner_id.as_deref(),
        ref_type: k.ref_type.as_deref(),
        protected_only: k.protected_only,
        events: k.events.as_deref(),
        job_workflow_ref: k.job_workflow_ref.as_deref(),
        username,
        execution_user: &k.execution_user,
    };
    let written = keyless_meta::write(&args.source_dir, &spec, args.force)?;
    for w in written.iter().filter(|w| w.private) {
        if let Ok(rel) = w.path.strip_prefix(&args.source_dir) {
            appmeta::gitignore(&args.source_dir, &rel.display().to_string())?;
        }
    }
    ensure_dx_project(&args.source_dir)?;
    eprintln!("Wrote the keyless ({}) setup to {}:", k.provider.id(), args.source_dir.display());
    for w in &written {
        eprintln!("  {}{}", w.path.display(), if w.private { "  (consumer details: git-ignored)" } else { "" });
    }
    let dir = args.source_dir.display();
    println!("client id (consumer key): {consumer_key}");
    println!("handler:                  {} (Apex {})", spec.handler_name(), keyless_meta::HANDLER_CLASS);
    println!(
        "allows:                   {} {} {} -> {username}",
        k.repo,
        k.git_ref.as_deref().unwrap_or("(any ref)"),
        k.environment.as_deref().unwrap_or("(any environment)")
    );
    match (&k.repo_id, &k.owner_id) {
        (Some(r), Some(o)) => println!("ids:                      repository {r}, owner {o}"),
        _ => println!("ids:                      none pinned (--insecure-name-only)"),
    }
    if let Some(events) = &k.events {
        println!("triggers:                 {events}");
    }
    if let Some(w) = &k.job_workflow_ref {
        println!("workflow:                 {w}");
    }
    if k.protected_only {
        println!("refs:                     protected only (ref_protected)");
    }
    println!("audience:                 {}", k.audience);
    println!();
    println!("Next:");
    println!(
        "  1. sf project deploy start --source-dir {dir} --target-org <admin alias> --test-level RunSpecifiedTests --tests {}Test",
        keyless_meta::HANDLER_CLASS
    );
    println!("  2. sf org assign permset --name {permission_set} --on-behalf-of {username} --target-org <admin alias>");
    let login = format!("sfjwt login --oidc {} -i {consumer_key} -r {}", k.provider.id(), k.audience);
    match k.provider {
        keyless_meta::Provider::Github => {
            println!("  3. in the workflow: permissions: {{ id-token: write }}, then: {login}");
        }
        keyless_meta::Provider::Gitlab => {
            println!("  3. in the job: id_tokens: {{ SFJWT_ID_TOKEN: {{ aud: {} }} }}, then: {login}", k.audience);
        }
    }
    if args.deploy {
        let tests = format!("{}Test", keyless_meta::HANDLER_CLASS);
        let run_tests = ["--test-level", "RunSpecifiedTests", "--tests", tests.as_str()];
        deploy_and_assign(args.admin_sf_org.as_deref(), &args.source_dir, &permission_set, username, &run_tests)?;
    }
    Ok(Exit::Success)
}

/// `--deploy`: the folder through `sf project deploy start` (plus `extra` flags), then the
/// permission set assigned to the CI user.
fn deploy_and_assign(
    alias: Option<&str>,
    dir: &Path,
    permission_set: &str,
    username: &str,
    extra: &[&str],
) -> Result<(), Error> {
    let alias = alias.unwrap_or_default();
    let dir = dir.display().to_string();
    let mut deploy = vec!["project", "deploy", "start", "--source-dir", dir.as_str(), "--target-org", alias];
    deploy.extend_from_slice(extra);
    sf(&deploy)?;
    sf(&["org", "assign", "permset", "--name", permission_set, "--on-behalf-of", username, "--target-org", alias])?;
    eprintln!("Deployed and assigned {permission_set} to {username} in {alias}.");
    Ok(())
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::ExternalClientApp => "an External Client App",
        Kind::ConnectedApp => "a connected app",
    }
}

fn sf(args: &[&str]) -> Result<(), Error> {
    let sf = crate::sfcli::Sf::new();
    let status = sf.command(args).status().map_err(|e| sf.spawn_error(e, ""))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::usage(
            format!("`sf {}` failed", args.iter().take(3).copied().collect::<Vec<_>>().join(" ")),
            "see its output above",
        ))
    }
}

/// Polls the grant until the new app accepts it: `Refused` (3) with the diagnosis, or `NoAnswer` (4).
fn verify(wait: &Wait, client_id: &str, username: &str, key: &RsaPrivateKey) -> Result<Outcome, Error> {
    let client = net::client(&wait.net)?;
    let req = GrantRequest {
        login: &wait.login,
        hosts: &wait.hosts,
        client_id,
        username,
        key,
        audience: None,
        lifetime: crate::login::assertion::DEFAULT_LIFETIME,
        wait_for_propagation: Some(wait.limit),
    };
    eprintln!("Waiting for the app to accept a login (up to {}s)…", wait.limit.as_secs());
    let plan = attempt::Plan {
        flow: attempt::Flow::Grant(req),
        net: &wait.net,
        verify: false,
        github_mask: false,
        evidence_host: None,
        clock_compensation: None,
    };
    let done = attempt::run(&client, &plan, &mut super::StderrProgress::new())?;
    match done.end {
        End::Granted { session, identity, .. } => {
            // Only a proof that the app accepts logins: dropping the session revokes it.
            eprintln!("Verified: logged in as {username} to org {}.", identity.org_id);
            drop(session);
            Ok(Exit::Success.into())
        }
        End::Refused { error, description, diagnosis } => {
            eprintln!("error: the login is still refused: {error}: {description}");
            super::print_diagnosis(&diagnosis, 1);
            Ok(Outcome::new(Exit::Refused).with_failure("GrantRefused", diagnosis.summary, Some(diagnosis.cause.id())))
        }
        // The session is checked only by `login` (verify is off here): never reached.
        End::SessionRefused { diagnosis, .. } => {
            super::print_diagnosis(&diagnosis, 0);
            Ok(Outcome::new(Exit::Refused).with_failure("GrantRefused", diagnosis.summary, Some(diagnosis.cause.id())))
        }
        End::NoAnswer { failure, detail, diagnosis } => {
            eprintln!(
                "error: no usable answer from {} ({failure}): {detail}",
                wait.login.host_str().unwrap_or_default()
            );
            Ok(Outcome::new(Exit::NoAnswer).with_failure("NoUsableAnswer", detail, Some(diagnosis.cause.id())))
        }
    }
}

/// `owner/name` of the canonical repository (Cargo.toml's `repository`).
fn repo_path() -> &'static str {
    env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/")
}

fn snippets(printer: Printer, client_id: &str, username: &str, login_url: &str) {
    printer.line("");
    printer.line("Store in CI:");
    printer.line(&format!("  client id:  {client_id}"));
    printer.line(&format!("  username:   {username}"));
    printer.line("  the key:    as a secret (base64 -w0 <key file>, or --print-key-base64)");
    printer.line("");
    printer.line(&format!("GitHub: secret SFJWT_KEY, variable SFJWT_CLIENT_ID={client_id}, then:"));
    printer.line(&format!("  - uses: {}@<commit sha>", repo_path()));
    printer.line("    with:");
    printer.line("      client-id: ${{ vars.SFJWT_CLIENT_ID }}");
    printer.line(&format!("      username: {username}"));
    printer.line("      private-key: ${{ secrets.SFJWT_KEY }}");
    printer.line(&format!("      login-url: {login_url}"));
    printer.line("");
    printer.line(&format!(
        "GitLab: variables SFJWT_CLIENT_ID={client_id}, SFJWT_USERNAME={username}, SFJWT_LOGIN_URL={login_url}, SFJWT_KEY (masked), then:"
    ));
    printer.line("  include:");
    printer.line(&format!(
        "    - remote: https://raw.githubusercontent.com/{}/<commit sha>/ci-templates/gitlab/sfjwt.gitlab-ci.yml",
        repo_path()
    ));
    printer.line("  sfjwt-login:");
    printer.line("    extends: .sfjwt-login");
}
