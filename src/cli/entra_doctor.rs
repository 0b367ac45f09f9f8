//! `sfjwt doctor --provider entra`: its flags, and its plan built from them, the config target
//! (`provider: entra` in sfjwt.yaml) and the environment, validated before any request. The
//! settings an Entra login and an Entra doctor share (client id, scope, network) are here too.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use zeroize::Zeroizing;

use super::{DoctorArgs, Provider, SigninArgs, config, duration};
use crate::credentials::keys::{KeySource, Passphrase};
use crate::credentials::oidc::OidcSource;
use crate::diagnose::entra_doctor::plan::{EntraCredential, EntraPlan, GraphAccess};
use crate::entra::authority::Authority;
use crate::error::{Error, UsageKind};
use crate::net::NetSettings;

#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Microsoft Entra (--provider entra)")]
pub struct DoctorEntraArgs {
    /// Whose setup to check: salesforce, or entra (Microsoft Entra ID: --tenant, -i, and --key
    /// with --cert, or --oidc github|gitlab|file:|env: for a federated credential)
    // Possible values with help would switch the whole page to clap's long layout.
    #[arg(long, value_enum, value_name = "PROVIDER", default_value_t = Provider::Salesforce, hide_possible_values = true)]
    pub provider: Provider,
    /// Entra: the directory (tenant) id or a verified domain [or SFJWT_TENANT]
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Entra: the scope of the login attempt, RESOURCE/.default [default: https://graph.microsoft.com/.default]
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Entra: an application permission the app must hold (admin consent); repeatable or
    /// comma-separated
    #[arg(long, value_name = "ROLE", value_delimiter = ',', value_parser = super::entra::role_name)]
    pub require_role: Vec<String>,
    /// Entra: Microsoft Graph's URL [default: the authority's cloud: graph.microsoft.com,
    /// graph.microsoft.us, microsoftgraph.chinacloudapi.cn]; --admin-token is a Graph token
    /// with Application.Read.All
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The config target's `provider:`, checked: a typo is exit 2, not a Salesforce check.
pub fn provider_of(target: &config::Target) -> Result<Provider, Error> {
    match target.provider.as_deref().map(str::trim) {
        None | Some("salesforce") => Ok(Provider::Salesforce),
        Some("entra") => Ok(Provider::Entra),
        Some(other) => Err(Error::usage_of(
            UsageKind::Config,
            format!("provider {:?} is not one sfjwt knows", crate::secrets::terminal_safe(other)),
            "use provider: salesforce (the default) or provider: entra",
        )),
    }
}

/// `doctor` for one target: an Entra plan when --provider entra is given or the chosen config
/// target says `provider: entra`; None for a Salesforce check.
pub fn single(args: &DoctorArgs, env: Env) -> Result<Option<EntraPlan>, Error> {
    if args.all || args.signin.target.len() > 1 {
        if args.entra.provider == Provider::Entra {
            return Err(Error::usage_of(
                UsageKind::Conflict,
                "--provider entra checks one app; a fleet run reads each target's provider",
                "set provider: entra on the Entra targets in sfjwt.yaml and drop --provider",
            ));
        }
        return Ok(None);
    }
    let name = args.signin.target.first().cloned();
    let loaded = config::load(args.signin.config.as_deref(), name.as_deref())?;
    let (name, target, chosen) = match loaded {
        Some(l) => (Some(l.target_name), l.target, if l.explicit { Chosen::Named } else { Chosen::Default }),
        None => (None, config::Target::default(), Chosen::Named),
    };
    let entra = args.entra.provider == Provider::Entra || provider_of(&target)? == Provider::Entra;
    if !entra {
        return refuse_entra_flags(&args.entra).map(|_| None);
    }
    plan(args, &target, name, env, chosen).map(Some)
}

/// A fleet target's Entra plan, when the target says `provider: entra`, its requests bounded by
/// the fleet's deadline.
pub fn fleet_target(args: &DoctorArgs, name: &str, env: Env, deadline: Duration) -> Result<Option<EntraPlan>, Error> {
    let target = config::load(args.signin.config.as_deref(), Some(name))?.map(|l| l.target).unwrap_or_default();
    if provider_of(&target)? != Provider::Entra {
        return Ok(None);
    }
    let mut p = plan(args, &target, Some(name.to_string()), env, Chosen::Fleet)?;
    p.net.timeout = p.net.timeout.min(deadline);
    p.net.retry_window = p.net.retry_window.min(deadline);
    Ok(Some(p))
}

/// Entra-only flags on a Salesforce check are refused, not ignored.
fn refuse_entra_flags(e: &DoctorEntraArgs) -> Result<(), Error> {
    let given = [
        ("--tenant", e.tenant.is_some()),
        ("--scope", e.scope.is_some()),
        ("--require-role", !e.require_role.is_empty()),
        ("--graph-url", e.graph_url.is_some()),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(Error::usage_of(
            UsageKind::Conflict,
            format!("{flag} is used by doctor --provider entra"),
            "add --provider entra to check a Microsoft Entra app (or provider: entra on the target)",
        )),
        None => Ok(()),
    }
}

/// Salesforce-only doctor flags are refused, not ignored.
fn refuse_salesforce_flags(args: &DoctorArgs) -> Result<(), Error> {
    let l = &args.signin;
    let given = [
        ("--username", l.username.is_some()),
        ("--audience", l.audience.is_some()),
        ("--admin-instance-url", args.admin_instance_url.is_some()),
        ("--admin-sf-org", args.admin_sf_org.is_some()),
        ("--app-name", args.app_name.is_some()),
        ("--source-dir", args.source_dir.is_some()),
        ("--insecure-http", l.insecure_http),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(Error::usage_of(
            UsageKind::Conflict,
            format!("{flag} is not used by doctor --provider entra"),
            "an Entra doctor takes --tenant, -i, --key and --cert (or --oidc), --require-role and --admin-token",
        )),
        None => Ok(()),
    }
}

/// How the target was chosen, which sets where the environment ranks (as `doctor --help` says):
/// a target named with --target outranks the SFJWT_* variables, the file's default_target does
/// not; a fleet run never reads them (one target's values would go to every target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    Fleet,
    Named,
    Default,
}

impl Chosen {
    /// A variable's value, when this run reads the environment.
    fn var(self, env: Env, k: &str) -> Option<String> {
        (self != Chosen::Fleet).then(|| env(k)).flatten().filter(|v| !v.trim().is_empty())
    }

    /// The flag, then the target's value and the variable's in this run's order.
    fn pick(self, flag: Option<String>, cfg: Option<String>, var: Option<String>) -> Option<String> {
        flag.or(if self == Chosen::Default { var.or(cfg) } else { cfg.or(var) })
    }
}

/// One Entra target's plan: flags, then the config target's keys and the SFJWT_* variables in
/// the order `chosen` gives.
pub fn plan(
    args: &DoctorArgs,
    target: &config::Target,
    name: Option<String>,
    env: Env,
    chosen: Chosen,
) -> Result<EntraPlan, Error> {
    // In a fleet run the flags are everyone's; the Salesforce targets use these.
    if chosen != Chosen::Fleet {
        refuse_salesforce_flags(args)?;
    }
    refuse_salesforce_keys(target, name.as_deref())?;
    let (l, e) = (&args.signin, &args.entra);
    let from_env = |k: &str| chosen.var(env, k);
    let tenant = chosen.pick(e.tenant.clone(), target.tenant.clone(), from_env("SFJWT_TENANT")).ok_or_else(|| {
        Error::usage(
            "no tenant given",
            "pass --tenant with the Directory (tenant) ID (or tenant: in the target), or set SFJWT_TENANT",
        )
    })?;
    let host = l.login_url.clone().or(target.login_url.clone());
    let authority = Authority::new(host.as_deref(), &tenant, &l.allow_host)?;
    let client_id =
        chosen.pick(l.client_id.clone(), target.client_id.clone(), from_env("SFJWT_CLIENT_ID")).ok_or_else(|| {
            Error::usage(
                "no client id given",
                "pass --client-id (-i) with the Application (client) ID, or set client_id in the target",
            )
        })?;
    let lifetime = duration::parse(&l.lifetime)
        .map_err(|err| Error::usage(format!("invalid --lifetime: {err}"), "e.g. --lifetime 300s"))?;
    let mut net = net_settings(l, env)?;
    // The target's own bound, as a Salesforce target's (the flag still wins).
    if let Some(t) = target.timeout.as_deref().filter(|_| l.timeout.is_none()) {
        net.timeout = bounded_timeout(t)?;
    }
    if let Some(ca) = target.ca_file.clone().filter(|_| l.ca_file.is_empty()) {
        net.ca_files = vec![ca];
    }
    let graph = graph(args, target, &authority, env, chosen)?;
    let expires_within = args
        .expires_within
        .as_deref()
        .map(|d| {
            duration::parse(d)
                .map_err(|err| Error::usage(format!("invalid --expires-within: {err}"), "e.g. --expires-within 30d"))
        })
        .transpose()?;
    Ok(EntraPlan {
        name,
        client_id: client_id_shape(&client_id)?,
        scope: scope(e.scope.as_deref().or(target.scope.as_deref()))?,
        credential: credential(args, target, env, chosen)?,
        lifetime: crate::login::assertion::validate_lifetime(lifetime)?,
        net,
        require_roles: if e.require_role.is_empty() {
            config_roles(&target.require_roles)?
        } else {
            e.require_role.clone()
        },
        expires_within,
        graph,
        github: args.github || env("GITHUB_ACTIONS").as_deref() == Some("true"),
        authority,
    })
}

fn credential(args: &DoctorArgs, target: &config::Target, env: Env, chosen: Chosen) -> Result<EntraCredential, Error> {
    let l = &args.signin;
    let path = |p: Option<PathBuf>| p.map(|p| p.to_string_lossy().into_owned());
    let cert = chosen.pick(path(args.cert.clone()), path(target.cert.clone()), chosen.var(env, "SFJWT_CERT"));
    let cert = cert.map(PathBuf::from);
    if let Some(spec) = args.oidc.clone().or(target.oidc.clone()) {
        if cert.is_some() {
            return Err(Error::usage("--cert and --oidc do not go together", "a keyless login sends no certificate"));
        }
        let audience = args.oidc_audience.clone().unwrap_or_else(|| crate::entra::FEDERATED_AUDIENCE.into());
        return Ok(EntraCredential::Oidc { source: OidcSource::parse(&spec)?, audience });
    }
    let env_in = |k: &str| chosen.var(env, k);
    let env_key = env_in("SFJWT_KEY").is_some() || env_in("SFJWT_KEY_FILE").is_some();
    let cfg_key = target.key.clone().filter(|_| chosen != Chosen::Default || !env_key);
    let key = match l.key.key.clone().or(cfg_key) {
        Some(spec) => KeySource::parse(&spec)?,
        None => KeySource::resolve(None, env_in)?,
    };
    let passphrase = match l.key.key_passphrase_file.clone().or(target.key_passphrase_file.clone()) {
        Some(p) => Some(Passphrase::from_file(&p)?),
        None => env_in("SFJWT_KEY_PASSPHRASE").map(Passphrase::new),
    };
    let cert = cert.ok_or_else(|| {
        Error::usage(
            "no certificate given",
            "pass --cert with the certificate uploaded to the app registration (cert: in the target), or use --oidc",
        )
    })?;
    if !cert.exists() {
        return Err(crate::credentials::cert::CertError::NotFound { path: cert.display().to_string() }.into());
    }
    Ok(EntraCredential::Certificate { key, passphrase, cert })
}

/// The admin's Graph token: --admin-token, the target's `admin_token_env`, or (single mode)
/// SFJWT_ADMIN_TOKEN. Its host is checked before it is sent anywhere.
fn graph(
    args: &DoctorArgs,
    target: &config::Target,
    authority: &Authority,
    env: Env,
    chosen: Chosen,
) -> Result<Option<GraphAccess>, Error> {
    let named = match &target.admin_token_env {
        Some(n) if !valid_env_name(n) => {
            return Err(Error::usage(
                "admin_token_env must name an environment variable, not hold a token",
                "e.g. admin_token_env: ENTRA_ADMIN_TOKEN, with the Graph token in that CI secret",
            ));
        }
        Some(n) => Some(env(n).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::usage(
                format!("admin_token_env names {n}, which is not set"),
                format!("set {n} to a Graph admin token"),
            )
        })?),
        None => None,
    };
    let token = chosen.pick(args.admin_token.clone(), named, chosen.var(env, "SFJWT_ADMIN_TOKEN"));
    // Trimmed of a line end; whitespace or a control character inside is refused, unquoted.
    let token = token.map(super::settings::admin_token).transpose()?;
    let url = args.entra.graph_url.clone().or(target.graph_url.clone());
    // A bad --graph-url is exit 2 even without a token.
    let origin = crate::entra::graph::origin(url.as_deref(), authority.host(), &args.signin.allow_host);
    match token {
        Some(t) => {
            crate::secrets::register(&t);
            Ok(Some(GraphAccess { origin: origin?, token: Zeroizing::new(t) }))
        }
        None if url.is_some() => origin.map(|_| None),
        None => Ok(None),
    }
}

fn valid_env_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 128
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.starts_with(|c: char| c.is_ascii_digit())
}

/// An Application (client) ID is a GUID; placeholders such as ENTER_YOUR_CLIENT_ID are a
/// common cause of AADSTS700016 (issue 25 research), caught here before any request.
pub fn client_id_shape(value: &str) -> Result<String, Error> {
    let v = value.trim();
    let groups: Vec<usize> = v.split('-').map(str::len).collect();
    if groups == [8, 4, 4, 4, 12] && v.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(v.to_ascii_lowercase());
    }
    Err(Error::usage(
        format!("--client-id {:?} is not an Application (client) ID", crate::secrets::terminal_safe(v)),
        "copy the Application (client) ID (a GUID) from the app registration's Overview",
    ))
}

pub fn scope(value: Option<&str>) -> Result<String, Error> {
    let v = value.unwrap_or(crate::entra::DEFAULT_SCOPE).trim();
    if v.split_whitespace().count() != 1 || !v.ends_with("/.default") || v == "/.default" {
        return Err(Error::usage(
            format!("--scope {v:?}: the client credentials grant takes exactly one RESOURCE/.default scope"),
            format!("e.g. --scope {}", crate::entra::DEFAULT_SCOPE),
        ));
    }
    Ok(v.to_string())
}

/// Keys of a target that only a Salesforce login reads: on an Entra target they are a mistake
/// (a copied Salesforce target), refused by name before any request, not ignored.
fn refuse_salesforce_keys(t: &config::Target, name: Option<&str>) -> Result<(), Error> {
    let given = [
        ("username", t.username.is_some()),
        ("audience", t.audience.is_some()),
        ("admin_instance_url", t.admin_instance_url.is_some()),
        ("admin_sf_org", t.admin_sf_org.is_some()),
        ("app_name", t.app_name.is_some()),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((key, _)) => Err(Error::usage_of(
            UsageKind::Config,
            format!("target {}: {key} is a Salesforce key; an Entra target does not use it", name.unwrap_or("?")),
            "an Entra target takes provider: entra, tenant, client_id, key and cert (or oidc), scope, require_roles, admin_token_env, graph_url, login_url, ca_file, timeout",
        )),
        None => Ok(()),
    }
}

fn bounded_timeout(t: &str) -> Result<Duration, Error> {
    let d = duration::parse(t).map_err(|e| Error::usage(format!("invalid --timeout: {e}"), "e.g. --timeout 30s"))?;
    if d.is_zero() || d > Duration::from_secs(600) {
        return Err(Error::usage("--timeout must be between 1s and 600s", "e.g. --timeout 30s"));
    }
    Ok(d)
}

pub fn net_settings(a: &SigninArgs, env: Env) -> Result<NetSettings, Error> {
    let mut net = NetSettings::default();
    if let Some(t) = a.timeout.clone().or_else(|| env("SFJWT_TIMEOUT")) {
        net.timeout = bounded_timeout(&t)?;
    }
    if a.max_retries > 10 {
        return Err(Error::usage(format!("--max-retries {} is out of range", a.max_retries), "use 0 to 10"));
    }
    net.max_retries = a.max_retries;
    net.retry_window = duration::parse(&a.retry_window)
        .map_err(|e| Error::usage(format!("invalid --retry-window: {e}"), "e.g. --retry-window 60s"))?;
    net.ca_files = if a.ca_file.is_empty() {
        env("SFJWT_CA_FILE").map(PathBuf::from).into_iter().collect()
    } else {
        a.ca_file.clone()
    };
    Ok(net)
}

/// A target's `require_roles`, checked as the flag is: an empty name is a mistake, not a role.
fn config_roles(roles: &[String]) -> Result<Vec<String>, Error> {
    if roles.iter().any(|r| r.trim().is_empty()) {
        return Err(Error::usage(
            "require_roles holds an empty role name",
            "list the application permissions by name, e.g. require_roles: [Sites.Read.All]",
        ));
    }
    Ok(roles.iter().map(|r| r.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_guids_and_scopes_one_default() {
        assert!(client_id_shape("ENTER_YOUR_CLIENT_ID").is_err());
        assert_eq!(
            client_id_shape("0B5C8F3E-1111-2222-3333-444455556666").unwrap(),
            "0b5c8f3e-1111-2222-3333-444455556666"
        );
        assert_eq!(scope(None).unwrap(), "https://graph.microsoft.com/.default");
        assert!(scope(Some("https://graph.microsoft.com/User.Read")).is_err());
        assert!(scope(Some("a/.default b/.default")).is_err());
    }

    #[test]
    fn a_named_target_outranks_the_environment_a_default_one_does_not_a_fleet_never_reads_it() {
        let env = |k: &str| (k == "SFJWT_TENANT").then(|| "from-env".to_string());
        let s = |v: &str| Some(v.to_string());
        for (chosen, want) in
            [(Chosen::Named, "from-target"), (Chosen::Default, "from-env"), (Chosen::Fleet, "from-target")]
        {
            let got = chosen.pick(None, s("from-target"), chosen.var(&env, "SFJWT_TENANT"));
            assert_eq!(got.as_deref(), Some(want), "{chosen:?}");
        }
        assert_eq!(Chosen::Fleet.var(&env, "SFJWT_TENANT"), None);
        assert_eq!(Chosen::Default.pick(s("flag"), s("t"), s("e")).as_deref(), Some("flag"));
    }

    #[test]
    fn a_target_provider_is_salesforce_entra_or_refused() {
        let t = |p: Option<&str>| config::Target { provider: p.map(str::to_string), ..Default::default() };
        assert_eq!(provider_of(&t(None)).unwrap(), Provider::Salesforce);
        assert_eq!(provider_of(&t(Some("entra"))).unwrap(), Provider::Entra);
        let e = provider_of(&t(Some("okta"))).unwrap_err();
        assert_eq!(e.usage_kind(), Some(UsageKind::Config));
    }
}
