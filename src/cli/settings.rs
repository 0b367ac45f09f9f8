//! Flags, the config target, the environment and sfdx-project.json merged into one validated
//! value before any work (ripgrep's low/high args): the core never sees raw input.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::cli::config;
use crate::cli::duration;
use crate::cli::{LoginArgs, OutFormat};
use crate::credentials::keys::{KeySource, Passphrase};
use crate::credentials::oidc::OidcSource;
use crate::error::Error;
use crate::login::endpoint::{HostPolicy, LoginUrl};
use crate::login::exchange::SubjectTokenType;
use crate::login::net::NetSettings;
use crate::login::{assertion, endpoint};

pub struct LoginSettings {
    pub client_id: String,
    /// Empty with --oidc when not given: the token exchange handler picks the user.
    pub username: String,
    pub login: LoginUrl,
    /// The hosts the login and the token may go to; answers are checked against it too.
    pub hosts: HostPolicy,
    pub audience: Option<String>,
    /// None with --oidc (keyless).
    pub key: Option<KeySource>,
    pub passphrase: Option<Passphrase>,
    pub lifetime: Duration,
    pub net: NetSettings,
    pub wait_for_propagation: Option<Duration>,
    pub format: Option<OutFormat>,
    pub show_token: bool,
    pub github: bool,
    pub export_env: bool,
    pub dotenv: Option<PathBuf>,
    pub sf_alias: Option<String>,
    pub reports: Vec<PathBuf>,
    /// Make one REST call after the grant to check the session works.
    pub verify: bool,
    /// Which value won where several sources gave one (printed on stderr).
    pub notes: Vec<String>,
    /// Keyless login (token exchange) instead of the JWT bearer grant.
    pub oidc: Option<OidcSettings>,
}

pub struct OidcSettings {
    pub source: OidcSource,
    /// Requested from GitHub, and what the handler is expected to require.
    pub audience: String,
    pub token_type: SubjectTokenType,
    pub token_handler: Option<String>,
}

/// Picks the first present value and notes every different value it shadows.
fn choose(notes: &mut Vec<String>, what: &str, layers: &[(&str, Option<String>)]) -> Option<String> {
    let present: Vec<(&str, &String)> = layers.iter().filter_map(|(n, v)| v.as_ref().map(|v| (*n, v))).collect();
    let (winner, value) = present.first().copied()?;
    for (name, v) in &present[1..] {
        if *v != value {
            notes.push(format!("{what} from {winner} overrides {name}"));
        }
    }
    Some(value.clone())
}

fn parse_duration(flag: &str, value: &str) -> Result<Duration, Error> {
    duration::parse(value).map_err(|e| Error::usage(format!("invalid {flag}: {e}"), format!("e.g. {flag} 30s")))
}

/// Variables sfjwt reads. One that is set but not UTF-8 is an error naming it: silently treating
/// it as unset would, for SFJWT_LOGIN_URL, send the login to production instead.
const READ_VARS: &[&str] = &[
    "SFJWT_CLIENT_ID",
    "SFJWT_USERNAME",
    "SFJWT_KEY",
    "SFJWT_KEY_FILE",
    "SFJWT_KEY_PASSPHRASE",
    "SFJWT_LOGIN_URL",
    "SFJWT_AUDIENCE",
    "SFJWT_CA_FILE",
    "SFJWT_TIMEOUT",
    "SFJWT_ADMIN_TOKEN",
    "SFJWT_ADMIN_INSTANCE_URL",
    "SFJWT_ACCESS_TOKEN",
    "SF_ACCESS_TOKEN",
    "SF_ORG_INSTANCE_URL",
    "GITHUB_ACTIONS",
];

/// Fails on the first variable sfjwt reads that holds non-UTF-8 bytes.
pub fn check_env_encoding() -> Result<(), Error> {
    for name in READ_VARS {
        if let Some(v) = std::env::var_os(name)
            && v.to_str().is_none()
        {
            return Err(Error::usage(
                format!("environment variable {name} is not valid UTF-8"),
                format!("set {name} to UTF-8 text (check how the CI secret was stored)"),
            ));
        }
    }
    Ok(())
}

/// The layers a value can come from, in order: a flag, the chosen target of sfjwt.yaml, the
/// environment (then, for the login URL, sfdx-project.json). Shadowed values become notes.
pub(crate) struct Layers<'a> {
    cfg: config::Target,
    cfg_name: String,
    env: &'a dyn Fn(&str) -> Option<String>,
    pub notes: Vec<String>,
}

/// Who logs in where: the values every command that signs needs.
pub(crate) struct Identity {
    pub client_id: String,
    /// Empty only with --oidc (the token exchange handler picks the user).
    pub username: String,
    pub login_url: String,
    pub audience: Option<String>,
}

impl<'a> Layers<'a> {
    pub fn load(
        config_path: Option<&std::path::Path>,
        target: Option<&str>,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Result<Layers<'a>, Error> {
        let loaded = config::load(config_path, target)?;
        let cfg = loaded.as_ref().map(|l| l.target.clone()).unwrap_or_default();
        let cfg_name =
            loaded.as_ref().map(|l| format!("{} target {}", l.path.display(), l.target_name)).unwrap_or_default();
        Ok(Layers { cfg, cfg_name, env, notes: Vec::new() })
    }

    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    fn pick(&mut self, what: &str, flag: (&str, Option<String>), cfg: Option<String>, var: &str) -> Option<String> {
        let layers = [flag, (self.cfg_name.as_str(), cfg), (var, self.env(var))];
        choose(&mut self.notes, what, &layers)
    }

    /// Client id, username, login URL and audience, merged and shape-checked.
    pub fn identity(&mut self, flags: [Option<String>; 4], keyless: bool) -> Result<Identity, Error> {
        let [client_id, username, login_url, audience] = flags;
        let client_id = self
            .pick("client id", ("--client-id", client_id), self.cfg.client_id.clone(), "SFJWT_CLIENT_ID")
            .ok_or_else(|| {
                Error::usage("no client id given", "pass --client-id (-i), set SFJWT_CLIENT_ID, or use a config target")
            })?;
        let username =
            match self.pick("username", ("--username", username), self.cfg.username.clone(), "SFJWT_USERNAME") {
                Some(u) => endpoint::username(&u)?,
                None if keyless => String::new(),
                None => {
                    return Err(Error::usage(
                        "no username given",
                        "pass --username (-o), set SFJWT_USERNAME, or use a config target",
                    ));
                }
            };
        let layers = [
            ("--login-url", login_url),
            (self.cfg_name.as_str(), self.cfg.login_url.clone()),
            ("SFJWT_LOGIN_URL", self.env("SFJWT_LOGIN_URL")),
            ("sfdx-project.json sfdcLoginUrl", config::sfdx_login_url()),
        ];
        let login_url = choose(&mut self.notes, "login URL", &layers).unwrap_or_else(|| "login".into());
        let audience = self.pick("audience", ("--audience", audience), self.cfg.audience.clone(), "SFJWT_AUDIENCE");
        Ok(Identity {
            client_id: endpoint::client_id(&client_id)?,
            username,
            login_url,
            audience: audience.map(|a| endpoint::audience(&a)).transpose()?,
        })
    }

    /// The key: a flag or the config names where it is; otherwise SFJWT_KEY / SFJWT_KEY_FILE.
    pub fn key(
        &mut self,
        flag: Option<String>,
        pass_flag: Option<PathBuf>,
    ) -> Result<(KeySource, Option<Passphrase>), Error> {
        let cfg_name = self.cfg_name.clone();
        let spec =
            choose(&mut self.notes, "key", &[("--key", flag.clone()), (cfg_name.as_str(), self.cfg.key.clone())]);
        if spec.is_some() && (self.env("SFJWT_KEY").is_some() || self.env("SFJWT_KEY_FILE").is_some()) {
            let from = if flag.is_some() { "--key" } else { cfg_name.as_str() };
            self.notes.push(format!("key from {from} overrides SFJWT_KEY/SFJWT_KEY_FILE"));
        }
        let source = KeySource::resolve(spec.as_deref(), |k| self.env(k))?;
        let passphrase = match pass_flag.or(self.cfg.key_passphrase_file.clone()) {
            Some(p) => Some(Passphrase::from_file(&p)?),
            None => (self.env)("SFJWT_KEY_PASSPHRASE").map(Passphrase::new),
        };
        Ok((source, passphrase))
    }

    fn net(&mut self, args: &LoginArgs) -> Result<NetSettings, Error> {
        let mut net = NetSettings::default();
        if let Some(t) =
            self.pick("timeout", ("--timeout", args.timeout.clone()), self.cfg.timeout.clone(), "SFJWT_TIMEOUT")
        {
            net.timeout = parse_duration("--timeout", &t)?;
            if net.timeout.is_zero() || net.timeout > Duration::from_secs(600) {
                return Err(Error::usage("--timeout must be between 1s and 600s", "e.g. --timeout 30s"));
            }
        }
        if args.max_retries > 10 {
            return Err(Error::usage(format!("--max-retries {} is out of range", args.max_retries), "use 0 to 10"));
        }
        net.max_retries = args.max_retries;
        net.retry_window = parse_duration("--retry-window", &args.retry_window)?;
        if net.retry_window > Duration::from_secs(3600) {
            return Err(Error::usage("--retry-window must be at most 1h", "e.g. --retry-window 60s"));
        }
        net.ca_files = if !args.ca_file.is_empty() {
            args.ca_file.clone()
        } else if let Some(c) = self.cfg.ca_file.clone() {
            vec![c]
        } else {
            self.env("SFJWT_CA_FILE").map(|c| vec![PathBuf::from(c)]).unwrap_or_default()
        };
        Ok(net)
    }
}

fn wait_for_propagation(args: &LoginArgs) -> Result<Option<Duration>, Error> {
    let wait = args
        .wait_for_propagation
        .as_deref()
        .map(|w| parse_duration("--wait-for-propagation", w))
        .transpose()?
        .filter(|d| !d.is_zero());
    if wait.is_some_and(|d| d > Duration::from_secs(3600)) {
        return Err(Error::usage("--wait-for-propagation must be at most 1h", "propagation takes 2-10 minutes: 10m"));
    }
    Ok(wait)
}

/// Where the results go, checked before the grant so that a bad destination never orphans a token.
fn check_outputs(args: &LoginArgs, github: bool) -> Result<(), Error> {
    if args.export_env && !github {
        return Err(Error::usage(
            "--export-env works in GitHub Actions only",
            "elsewhere use --dotenv FILE or --format env",
        ));
    }
    for path in &args.report {
        crate::output::report::ReportFormat::from_path(path)?;
        crate::fsutil::check_writable(path, "the report")?;
    }
    if let Some(path) = &args.dotenv {
        crate::fsutil::check_writable(path, "--dotenv")?;
    }
    if github {
        // The runner's files take the outputs after the grant: a bad one found then would strand
        // an issued token.
        for var in ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"] {
            if var == "GITHUB_ENV" && !args.export_env {
                continue;
            }
            if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
                crate::fsutil::check_writable(std::path::Path::new(&path), var)?;
            }
        }
    }
    if let Some(alias) = &args.sf_alias
        && (alias.is_empty() || alias.starts_with('-') || alias.chars().any(char::is_whitespace))
    {
        return Err(Error::usage(format!("invalid --sf-alias {alias:?}"), "use a plain name such as prod"));
    }
    Ok(())
}

pub fn resolve(args: &LoginArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<LoginSettings, Error> {
    let mut layers = Layers::load(args.config.as_deref(), args.single_target()?, env)?;
    let flags = [args.client_id.clone(), args.username.clone(), args.login_url.clone(), args.audience.clone()];
    let id = layers.identity(flags, args.oidc.is_some())?;
    let hosts = HostPolicy::new(&args.allow_host, args.insecure_http);
    let login = hosts.login_url(&id.login_url)?;
    let lifetime = parse_duration("--lifetime", &args.lifetime).and_then(assertion::validate_lifetime)?;
    let net = layers.net(args)?;
    let wait_for_propagation = wait_for_propagation(args)?;
    let (key, passphrase) = match &args.oidc {
        Some(_) => (None, None),
        None => {
            let (k, p) = layers.key(args.key.key.clone(), args.key.key_passphrase_file.clone())?;
            (Some(k), p)
        }
    };
    let github = args.github || env("GITHUB_ACTIONS").as_deref() == Some("true");
    check_outputs(args, github)?;
    if args.sf_alias.is_some() {
        crate::output::ci::Sf::new().check_available()?;
    }
    let e = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut notes = std::mem::take(&mut layers.notes);
    let oidc = args.oidc.as_deref().map(|spec| resolve_oidc(args, spec, &login, &mut notes, &e)).transpose()?;
    Ok(LoginSettings {
        client_id: id.client_id,
        username: id.username,
        login,
        hosts,
        audience: id.audience,
        key,
        passphrase,
        lifetime,
        net,
        wait_for_propagation,
        format: args.format,
        show_token: args.show_token,
        github,
        export_env: args.export_env,
        dotenv: args.dotenv.clone(),
        sf_alias: args.sf_alias.clone(),
        reports: args.report.clone(),
        verify: !args.no_verify,
        notes,
        oidc,
    })
}

/// `--oidc` and its companions, checked before any request: a My Domain login URL, an audience,
/// a handler name Salesforce could hold.
fn resolve_oidc(
    args: &LoginArgs,
    spec: &str,
    login: &Url,
    notes: &mut Vec<String>,
    e: &dyn Fn(&str) -> Option<String>,
) -> Result<OidcSettings, Error> {
    let source = OidcSource::parse(spec)?;
    crate::login::exchange::require_my_domain(login)?;
    let audience = choose(
        notes,
        "OIDC audience",
        &[("--oidc-audience", args.oidc_audience.clone()), ("SFJWT_OIDC_AUDIENCE", e("SFJWT_OIDC_AUDIENCE"))],
    )
    .unwrap_or_else(|| endpoint::origin(login));
    if audience.len() > 1000 || audience.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::usage(
            "invalid --oidc-audience",
            "one URL without spaces, e.g. https://acme.my.salesforce.com",
        ));
    }
    let token_handler = choose(
        notes,
        "token handler",
        &[("--token-handler", args.token_handler.clone()), ("SFJWT_TOKEN_HANDLER", e("SFJWT_TOKEN_HANDLER"))],
    );
    if let Some(h) = &token_handler
        && (h.is_empty() || h.len() > 255 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    {
        return Err(Error::usage(
            format!("invalid --token-handler {h:?}"),
            "the handler's API name or its Apex class name (letters, digits, underscores)",
        ));
    }
    let token_type = match args.subject_token_type {
        Some(crate::cli::SubjectTokenTypeArg::Jwt) => SubjectTokenType::Jwt,
        _ => SubjectTokenType::IdToken,
    };
    Ok(OidcSettings { source, audience, token_type, token_handler })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_salesforce_and_loopback_hosts_unless_allowed() {
        for ok in [
            "login.salesforce.com",
            "acme.my.salesforce.com",
            "acme--uat.sandbox.my.salesforce.com",
            "acme.lightning.force.com",
            "x.salesforce.mil",
            "127.0.0.1",
            "localhost",
            "[::1]",
        ] {
            assert!(HostPolicy::new(&[], false).allows(ok), "{ok}");
        }
        for bad in ["evil.com", "salesforce.com.evil.com", "notsalesforce.com", "10.0.0.1"] {
            assert!(!HostPolicy::new(&[], false).allows(bad), "{bad}");
        }
        assert!(HostPolicy::new(&["sso.acme.internal".into()], false).allows("sso.acme.internal"));
    }

    #[test]
    fn choose_notes_shadowed_values() {
        let mut notes = vec![];
        let v = choose(
            &mut notes,
            "username",
            &[("--username", Some("a@x.com".into())), ("SFJWT_USERNAME", Some("b@x.com".into()))],
        );
        assert_eq!(v.as_deref(), Some("a@x.com"));
        assert_eq!(notes, ["username from --username overrides SFJWT_USERNAME"]);
        let mut notes = vec![];
        choose(&mut notes, "x", &[("a", Some("same".into())), ("b", Some("same".into()))]);
        assert!(notes.is_empty());
    }
}
