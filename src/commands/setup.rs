use std::path::Path;

use base64::Engine;

use crate::appmeta::keyless as keyless_meta;
use crate::appmeta::write::{self as appmeta, AppSpec, Kind};
use crate::cli::{AppKindArg, SetupArgs};
use crate::credentials::cert::{self, Bits, CertRequest};
use crate::credentials::keys::{self, KeySource, Passphrase, RsaPrivateKey};
use crate::error::{Error, Exit};
use crate::fsutil;
use crate::login::endpoint::{self, HostPolicy, LoginUrl};
use crate::login::grant::{self, GrantRequest, Outcome};
use crate::login::net::{self, NetSettings};

pub fn run(args: SetupArgs) -> Result<Exit, Error> {
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
        return keyless(&args, ci, &username);
    }
    let key_dir = args.key_dir.clone();
    if inside(&key_dir, &args.source_dir) {
        return Err(Error::usage(
            format!("--key-dir {} is inside the source folder {}", key_dir.display(), args.source_dir.display()),
            "keep the private key out of the deployable source: use another --key-dir",
        ));
    }
    std::fs::create_dir_all(&key_dir).map_err(|e| Error::Io {
        action: "create",
        path: key_dir.display().to_string(),
        source: e,
        help: None,
    })?;
    let contact = contact_email(&args, &username)?;

    // The key and certificate: given, or made as keygen makes them.
    let base = args.app_name.to_lowercase().replace('_', "-");
    let (key, cert_pem, key_path) = match (&args.key, &args.cert) {
        (Some(k), Some(c)) => {
            let pass = args.key_passphrase_file.as_deref().map(Passphrase::from_file).transpose()?;
            let key = keys::load(&KeySource::parse(k)?, pass.as_ref())?;
            let pem = std::fs::read_to_string(c).map_err(|e| Error::Io {
                action: "read",
                path: c.display().to_string(),
                source: e,
                help: None,
            })?;
            let info = cert::inspect_pem(pem.as_bytes())?;
            if !cert::key_matches(&info, &key) {
                return Err(Error::usage(
                    format!("{} was not made from this key", c.display()),
                    "pass the certificate that belongs to --key",
                ));
            }
            (key, pem, None)
        }
        _ => {
            let key_path = key_dir.join(format!("{base}.key"));
            let cert_path = key_dir.join(format!("{base}.crt"));
            if !args.force && (key_path.exists() || cert_path.exists()) {
                return Err(Error::usage(
                    format!("{} already exists", key_path.display()),
                    "pass --force, or --key and --cert to reuse it",
                ));
            }
            let g = cert::generate(&CertRequest {
                bits: Bits::B2048,
                common_name: args.app_name.clone(),
                organization: None,
                days: args.days,
            })?;
            fsutil::write_atomic(&key_path, g.key.to_pkcs8_pem().as_bytes(), fsutil::SECRET_MODE)?;
            fsutil::write_atomic(&cert_path, g.cert_pem.as_bytes(), fsutil::PUBLIC_MODE)?;
            appmeta::gitignore(&key_dir, &format!("{base}.key"))?;
            (g.key, g.cert_pem, Some(key_path))
        }
    };

    let consumer_key = consumer_key(&args)?;
    let permission_set = format!("{}_JWT_Access", args.app_name);
    let label = args.app_name.replace('_', " ");
    let spec = AppSpec {
        kind,
        api_name: &args.app_name,
        label: &label,
        consumer_key: &consumer_key,
        certificate_pem: &cert_pem,
        contact_email: &contact,
        permission_set: &permission_set,
    };
    let written = appmeta::write(&args.source_dir, &spec, args.force)?;
    for w in written.iter().filter(|w| w.private) {
        if let Ok(rel) = w.path.strip_prefix(&args.source_dir) {
            appmeta::gitignore(&args.source_dir, &rel.display().to_string())?;
        }
    }

    eprintln!("Wrote {} to {}:", describe(kind), args.source_dir.display());
    for w in &written {
        eprintln!("  {}{}", w.path.display(), if w.private { "  (consumer details: git-ignored)" } else { "" });
    }
    match &key_path {
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
    let deploy =
        format!("sf project deploy start --source-dir {} --target-org <admin alias>", args.source_dir.display());
    let assign =
        format!("sf org assign permset --name {permission_set} --on-behalf-of {username} --target-org <admin alias>");
    crate::output::envelope::line(&format!("client id (consumer key): {consumer_key}"));
    crate::output::envelope::line(&format!("username:                 {username}"));
    if let Some(p) = &key_path {
        crate::output::envelope::line(&format!("private key:              {}", p.display()));
    }
    if args.print_key_base64 {
        let b64 =
            zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key.to_pkcs8_pem().as_bytes()));
        crate::output::envelope::line(&format!("private key, base64:      {}", b64.as_str()));
    }
    crate::output::envelope::line("");
    crate::output::envelope::line("Next:");
    crate::output::envelope::line(&format!("  1. {deploy}"));
    crate::output::envelope::line(&format!("  2. {assign}"));

    if args.deploy {
        deploy_and_assign(args.admin_sf_org.as_deref(), &args.source_dir, &permission_set, &username, &[])?;
    }

    if let Some(wait) = &args.wait_for_propagation {
        let url = args.login_url.as_deref().unwrap_or("login");
        let hosts = HostPolicy::new(&args.allow_host, args.insecure_http);
        let login = hosts.login_url(url)?;
        let limit = crate::cli::duration::parse(wait)
            .map_err(|e| Error::usage(format!("invalid --wait-for-propagation: {e}"), "e.g. 10m"))?;
        let net = NetSettings { ca_files: args.ca_file.clone(), ..NetSettings::default() };
        let client = net::client(&net)?;
        verify(&client, &net, (&login, &hosts), &consumer_key, &username, &key, limit)?;
        snippets(&consumer_key, &username, url);
    }
    crate::output::envelope::set_result(serde_json::json!({
        "client_id": consumer_key,
        "username": username,
        "private_key": key_path.as_ref().map(|p| p.display().to_string()),
        "source_dir": args.source_dir.display().to_string(),
    }));
    Ok(Exit::Success)
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
        eprintln!("note: {note}");
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
        username,
        execution_user: &k.execution_user,
    };
    let written = keyless_meta::write(&args.source_dir, &spec, args.force)?;
    for w in written.iter().filter(|w| w.private) {
        if let Ok(rel) = w.path.strip_prefix(&args.source_dir) {
            appmeta::gitignore(&args.source_dir, &rel.display().to_string())?;
        }
    }
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

fn inside(child: &Path, parent: &Path) -> bool {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    abs(child).starts_with(abs(parent))
}

fn sf(args: &[&str]) -> Result<(), Error> {
    let sf = crate::output::ci::Sf::new();
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

fn verify(
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    (login, hosts): (&LoginUrl, &HostPolicy),
    client_id: &str,
    username: &str,
    key: &RsaPrivateKey,
    limit: std::time::Duration,
) -> Result<(), Error> {
    let req = GrantRequest {
        login,
        hosts,
        client_id,
        username,
        key,
        audience: None,
        lifetime: crate::login::assertion::DEFAULT_LIFETIME,
        wait_for_propagation: Some(limit),
    };
    eprintln!("Waiting for the app to accept a login (up to {}s)…", limit.as_secs());
    let (outcome, _) = grant::run(client, net, &req, &mut grant::Silent)?;
    match outcome {
        Outcome::Granted(g) => {
            eprintln!("Verified: logged in as {username} to org {}.", g.org_id);
            Ok(())
        }
        Outcome::Refused { error, description } => Err(Error::usage(
            format!("the grant is still refused: {error}: {description}"),
            "run `sfjwt doctor` with the same inputs (and an admin session) to see why",
        )),
        Outcome::NoAnswer { failure, detail } => {
            Err(Error::usage(format!("no usable answer ({failure}): {detail}"), "check --login-url and --ca-file"))
        }
    }
}

fn snippets(client_id: &str, username: &str, login_url: &str) {
    crate::output::envelope::line("");
    crate::output::envelope::line("Store in CI:");
    crate::output::envelope::line(&format!("  client id:  {client_id}"));
    crate::output::envelope::line(&format!("  username:   {username}"));
    crate::output::envelope::line("  the key:    as a secret (base64 -w0 <key file>, or --print-key-base64)");
    crate::output::envelope::line("");
    crate::output::envelope::line(&format!("GitHub: secret SF_JWT_KEY, variable SF_CLIENT_ID={client_id}, then:"));
    crate::output::envelope::line("  - uses: <owner>/sfjwt@<commit sha>");
    crate::output::envelope::line("    with:");
    crate::output::envelope::line("      client-id: ${{ vars.SF_CLIENT_ID }}");
    crate::output::envelope::line(&format!("      username: {username}"));
    crate::output::envelope::line("      private-key: ${{ secrets.SF_JWT_KEY }}");
    crate::output::envelope::line(&format!("      login-url: {login_url}"));
    crate::output::envelope::line("");
    crate::output::envelope::line(&format!(
        "GitLab: variables SFJWT_CLIENT_ID={client_id}, SFJWT_USERNAME={username}, SFJWT_LOGIN_URL={login_url}, SFJWT_KEY (masked), then:"
    ));
    crate::output::envelope::line("  include:");
    crate::output::envelope::line("    - remote: https://raw.githubusercontent.com/<owner>/sfjwt/<commit sha>/ci-templates/gitlab/sfjwt.gitlab-ci.yml");
    crate::output::envelope::line("  sfjwt-login:");
    crate::output::envelope::line("    extends: .sfjwt-login");
}
