//! Flags, the config target, the environment and sfdx-project.json merged into one validated
//! value before any work (ripgrep's low/high args): the core never sees raw input.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::cli::config;
use crate::cli::duration;
use crate::cli::{KeyArgs, LoginArgs, OutFormat, SigninArgs};
use crate::credentials::keys::{KeySource, Passphrase};
use crate::credentials::oidc::OidcSource;
use crate::error::Error;
use crate::login::endpoint::HostPolicy;
use crate::login::exchange::SubjectTokenType;
use crate::login::target::{Credential, KeyCredential, OidcCredential, Target, Tries};
use crate::login::{assertion, endpoint};
use crate::net::NetSettings;

/// `sfjwt login`'s settings: what is logged in to, how, how the tries are made, and what is done
/// with the session. No field stands in for another: keyless is `Credential::Oidc`, not an empty
/// username or a missing key.
pub struct LoginSettings {
    pub target: Target,
    pub credential: Credential,
    pub tries: Tries,
    /// Make one REST call after the grant to check the session works.
    pub verify: bool,
    /// Sign once more with exp relative to the server's clock after an expiry refusal (issue 23 §3).
    pub clock_compensation: bool,
    pub handoff: Handoff,
    /// Which value won where several sources gave one (printed on stderr).
    pub notes: Vec<String>,
}

/// What is done with a working session, and where the run's results go.
pub struct Handoff {
    pub format: Option<OutFormat>,
    pub show_token: bool,
    pub github: bool,
    pub export_env: bool,
    pub dotenv: Option<PathBuf>,
    pub sf_alias: Option<String>,
    /// `--set-default`/`--set-default-dev-hub`: passed on to sf with the hand-off.
    pub sf_defaults: SfDefaults,
    pub reports: Vec<PathBuf>,
}

/// The sign-in part every command that logs in shares (login, doctor and each fleet target):
/// the target, the user and audience named, how the tries are made, and the layers for the key.
pub(crate) struct Signin<'a> {
    pub target: Target,
    /// None only for a keyless login that names no user (the handler picks one).
    pub username: Option<String>,
    pub audience: Option<String>,
    pub tries: Tries,
    pub layers: Layers<'a>,
}

/// Which of sf's defaults the handed-off org becomes, as `sf org login jwt -s/-d` would set them.
#[derive(Clone, Copy, Debug, Default)]
pub struct SfDefaults {
    pub org: bool,
    pub dev_hub: bool,
}

impl SfDefaults {
    /// The flags of `sf org login access-token` that set them.
    pub fn flags(self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.org {
            f.push("--set-default");
        }
        if self.dev_hub {
            f.push("--set-default-dev-hub");
        }
        f
    }
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
    "SFJWT_OIDC_AUDIENCE",
    "SFJWT_TOKEN_HANDLER",
    "SFJWT_ID_TOKEN",
    "SFJWT_SF_BIN",
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

/// The layers a value can come from, in order: a flag, the environment, the config file, then
/// (for the login URL) sfdx-project.json, as cargo and uv rank theirs: a committed sfjwt.yaml
/// whose `default_target` names prod must never re-point a job whose SFJWT_* variables (or the
/// Action's inputs) say UAT. A target named on the command line (`--target`, or each target of a
/// fleet run) is a flag's choice, so its values rank above the environment: one job-level
/// variable must not re-point every target of a fleet. Shadowed values become notes.
pub(crate) struct Layers<'a> {
    cfg: config::Target,
    cfg_name: String,
    /// The config target was named by a flag: it ranks above the environment.
    cfg_explicit: bool,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// sfdx-project.json's sfdcLoginUrl (the last layer, for the login URL only).
    sfdx_login_url: Option<String>,
    pub notes: Vec<String>,
}

/// Who logs in where: the values every command that signs needs.
pub(crate) struct Identity {
    pub client_id: String,
    /// None only with --oidc (the token exchange handler picks the user).
    pub username: Option<String>,
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
        let cfg_explicit = loaded.as_ref().is_some_and(|l| l.explicit);
        let sfdx_login_url = config::sfdx_login_url();
        Ok(Layers { cfg, cfg_name, cfg_explicit, env, sfdx_login_url, notes: Vec::new() })
    }

    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    fn pick(&mut self, what: &str, flag: (&str, Option<String>), cfg: Option<String>, var: &str) -> Option<String> {
        let cfg_name = self.cfg_name.clone();
        let [a, b] = self.ranked_owned((cfg_name.as_str(), cfg), (var, self.env(var)));
        choose(&mut self.notes, what, &[flag, a, b])
    }

    /// The config and environment layers in the order they rank (see the struct's comment).
    fn ranked_owned<'b, T>(&self, cfg: (&'b str, T), env: (&'b str, T)) -> [(&'b str, T); 2] {
        if self.cfg_explicit { [cfg, env] } else { [env, cfg] }
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
                Some(u) => Some(endpoint::username(&u)?),
                None if keyless => None,
                None => {
                    return Err(Error::usage(
                        "no username given",
                        "pass --username (-o), set SFJWT_USERNAME, or use a config target",
                    ));
                }
            };
        let cfg_name = self.cfg_name.clone();
        let [a, b] = self.ranked_owned(
            (cfg_name.as_str(), self.cfg.login_url.clone()),
            ("SFJWT_LOGIN_URL", self.env("SFJWT_LOGIN_URL")),
        );
        let layers =
            [("--login-url", login_url), a, b, ("sfdx-project.json sfdcLoginUrl", self.sfdx_login_url.clone())];
        let login_url = choose(&mut self.notes, "login URL", &layers).unwrap_or_else(|| "login".into());
        let audience = self.pick("audience", ("--audience", audience), self.cfg.audience.clone(), "SFJWT_AUDIENCE");
        Ok(Identity {
            client_id: endpoint::client_id(&client_id)?,
            username,
            login_url,
            audience: audience.map(|a| endpoint::audience(&a)).transpose()?,
        })
    }

    /// The key: --key, then SFJWT_KEY / SFJWT_KEY_FILE and the config's `key:` in their rank.
    pub fn key(
        &mut self,
        flag: Option<String>,
        pass_flag: Option<PathBuf>,
    ) -> Result<(KeySource, Option<Passphrase>), Error> {
        let cfg_name = self.cfg_name.clone();
        let env_key = self.env("SFJWT_KEY").is_some() || self.env("SFJWT_KEY_FILE").is_some();
        let cfg_key = self.cfg.key.clone();
        let spec = match (&flag, cfg_key) {
            (Some(f), _) => Some(f.clone()),
            (None, Some(c)) if self.cfg_explicit || !env_key => Some(c),
            (None, Some(_)) => {
                self.notes.push(format!("key from SFJWT_KEY/SFJWT_KEY_FILE overrides {cfg_name}"));
                None
            }
            (None, None) => None,
        };
        if spec.is_some() && env_key {
            let from = if flag.is_some() { "--key" } else { cfg_name.as_str() };
            self.notes.push(format!("key from {from} overrides SFJWT_KEY/SFJWT_KEY_FILE"));
        }
        let source = match spec {
            Some(s) => KeySource::parse(&s)?,
            None => self.env_key_source()?,
        };
        self.check_key_present(&source)?;
        let env_pass = (self.env)("SFJWT_KEY_PASSPHRASE");
        let cfg_pass = self.cfg.key_passphrase_file.clone();
        let passphrase = match (pass_flag, cfg_pass) {
            (Some(p), _) => Some(Passphrase::from_file(&p)?),
            (None, Some(p)) if self.cfg_explicit || env_pass.is_none() => Some(Passphrase::from_file(&p)?),
            _ => env_pass.map(Passphrase::new),
        };
        Ok((source, passphrase))
    }

    /// A key file that is not there, or a variable that is not set, is exit 2 before any request
    /// (in a fleet run it was read per target and reported as a refusal).
    fn check_key_present(&self, source: &KeySource) -> Result<(), Error> {
        match source {
            // The same words as reading it would give: key material passed as a path is named as
            // such, otherwise the path is shortened the same way.
            KeySource::File(p) if !p.exists() => {
                use crate::credentials::keys::{KeyError, looks_like_key_material};
                Err(if looks_like_key_material(&p.to_string_lossy()) {
                    KeyError::MaterialAsPath
                } else {
                    KeyError::NotFound { path: source.describe().trim_start_matches("file ").to_string() }
                }
                .into())
            }
            KeySource::EnvVar(v) if self.env(v).is_none() => {
                Err(Error::usage(format!("the key variable {v} is not set"), format!("set {v} to the private key")))
            }
            _ => Ok(()),
        }
    }

    /// SFJWT_KEY (the key itself) or SFJWT_KEY_FILE (a path). A GitLab "File" variable puts a
    /// path in SFJWT_KEY: a one-line value without a PEM header that names an existing file is
    /// read as that file, with a note, rather than failing with "no PEM private key found".
    fn env_key_source(&mut self) -> Result<KeySource, Error> {
        let source = KeySource::resolve(None, |k| self.env(k))?;
        if source == KeySource::EnvVar("SFJWT_KEY".into())
            && let Some(v) = self.env("SFJWT_KEY")
            && let Some(path) = key_path_in_var(&v)
        {
            self.notes.push(
                "SFJWT_KEY holds the path of an existing file (a GitLab File variable): the key is read from that file; SFJWT_KEY_FILE is the variable meant for a path".into(),
            );
            return Ok(KeySource::File(path));
        }
        Ok(source)
    }

    fn net(&mut self, args: &SigninArgs) -> Result<NetSettings, Error> {
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
        let cfg_name = self.cfg_name.clone();
        let [a, b] = self.ranked_owned(
            (cfg_name.as_str(), self.cfg.ca_file.as_ref().map(|c| c.to_string_lossy().into_owned())),
            ("SFJWT_CA_FILE", self.env("SFJWT_CA_FILE")),
        );
        let flag = args.ca_file.first().map(|c| c.to_string_lossy().into_owned());
        let chosen = choose(&mut self.notes, "CA file", &[("--ca-file", flag), a, b]);
        net.ca_files = if !args.ca_file.is_empty() {
            args.ca_file.clone()
        } else {
            chosen.map(|c| vec![PathBuf::from(c)]).unwrap_or_default()
        };
        check_ca_files_present(&net.ca_files)?;
        Ok(net)
    }
}

/// A CA file that is not there is exit 2 before any request: read later, a fleet target would
/// report it as that target's failure, and `sf` would be handed a path Node cannot open.
fn check_ca_files_present(files: &[PathBuf]) -> Result<(), Error> {
    match files.iter().find(|f| !f.exists()) {
        Some(f) => Err(Error::usage(
            format!("CA file {} does not exist", f.display()),
            "--ca-file, SFJWT_CA_FILE and a target's ca_file: name a PEM bundle of CA certificates (a target's path is taken from its file's folder)",
        )),
        None => Ok(()),
    }
}

/// A value of SFJWT_KEY that is a path to an existing file, not a key: one line, no PEM header.
fn key_path_in_var(v: &str) -> Option<PathBuf> {
    let v = v.trim();
    if v.is_empty() || v.len() > 4096 || v.contains('\n') || v.contains("-----BEGIN") {
        return None;
    }
    let path = PathBuf::from(v);
    path.is_file().then_some(path)
}

fn wait_for_propagation(args: &SigninArgs) -> Result<Option<Duration>, Error> {
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
fn check_outputs(args: &LoginArgs, github: bool, env: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
    if args.export_env && !github {
        return Err(Error::usage(
            "--export-env works in GitHub Actions only",
            "elsewhere use --dotenv FILE or --format env",
        ));
    }
    check_reports(&args.report)?;
    if let Some(path) = &args.dotenv {
        crate::fsutil::check_writable(path, "--dotenv")?;
    }
    if github {
        check_github_files(args.export_env, env)?;
    }
    if let Some(alias) = &args.sf_alias
        && (alias.is_empty() || alias.starts_with('-') || alias.chars().any(char::is_whitespace))
    {
        return Err(Error::usage(format!("invalid --sf-alias {alias:?}"), "use a plain name such as prod"));
    }
    Ok(())
}

/// Each `--report` path: a format its extension names, in a place that can be written.
pub(crate) fn check_reports(paths: &[PathBuf]) -> Result<(), Error> {
    for path in paths {
        crate::output::report::ReportFormat::from_path(path)?;
        crate::fsutil::check_writable(path, "the report")?;
    }
    Ok(())
}

/// The runner's files take the outputs after the grant: a bad one found then would strand an
/// issued token.
pub(crate) fn check_github_files(export_env: bool, env: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
    for var in ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"] {
        if var == "GITHUB_ENV" && !export_env {
            continue;
        }
        if let Some(path) = env(var).filter(|p| !p.is_empty()) {
            crate::fsutil::check_writable(std::path::Path::new(&path), var)?;
        }
    }
    Ok(())
}

/// The sign-in flags merged with the config target and the environment, and shape-checked:
/// `keyless` lets the username be absent.
pub(crate) fn signin<'a>(
    args: &SigninArgs,
    keyless: bool,
    env: &'a dyn Fn(&str) -> Option<String>,
) -> Result<Signin<'a>, Error> {
    let mut layers = Layers::load(args.config.as_deref(), args.single_target()?, env)?;
    let flags = [args.client_id.clone(), args.username.clone(), args.login_url.clone(), args.audience.clone()];
    let id = layers.identity(flags, keyless)?;
    let hosts = HostPolicy::new(&args.allow_host, args.insecure_http);
    let login = hosts.login_url(&id.login_url)?;
    let lifetime = parse_duration("--lifetime", &args.lifetime).and_then(assertion::validate_lifetime)?;
    let net = layers.net(args)?;
    let wait_for_propagation = wait_for_propagation(args)?;
    Ok(Signin {
        target: Target { client_id: id.client_id, login, hosts },
        username: id.username,
        audience: id.audience,
        tries: Tries { lifetime, net, wait_for_propagation },
        layers,
    })
}

impl Signin<'_> {
    /// The JWT bearer credential: the key from its layers, for the (required) username.
    pub fn key_credential(&mut self, key: &KeyArgs) -> Result<KeyCredential, Error> {
        let (source, passphrase) = self.layers.key(key.key.clone(), key.key_passphrase_file.clone())?;
        let username = self.username.clone().ok_or_else(|| {
            Error::usage("no username given", "pass --username (-o), set SFJWT_USERNAME, or use a config target")
        })?;
        Ok(KeyCredential { key: source, passphrase, username, audience: self.audience.clone() })
    }
}

pub fn resolve(args: &LoginArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<LoginSettings, Error> {
    let mut signin = signin(args, args.oidc.is_some(), env)?;
    let credential = match &args.oidc {
        Some(_) => None,
        None => Some(Credential::Key(signin.key_credential(&args.key)?)),
    };
    let github = args.github || env("GITHUB_ACTIONS").as_deref() == Some("true");
    check_outputs(args, github, env)?;
    if args.sf_alias.is_some() {
        crate::sfcli::Sf::new().check_available()?;
    }
    let e = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut notes = std::mem::take(&mut signin.layers.notes);
    let credential = match (credential, &args.oidc) {
        (Some(c), _) => c,
        (None, spec) => {
            let spec = spec.as_deref().unwrap_or_default();
            let oidc = resolve_oidc(args, spec, &signin.target.login, &mut notes, &e)?;
            Credential::Oidc(OidcCredential { username: signin.username.clone(), ..oidc })
        }
    };
    Ok(LoginSettings {
        target: signin.target,
        credential,
        tries: signin.tries,
        verify: !args.no_verify,
        clock_compensation: !args.no_clock_compensation,
        handoff: Handoff {
            format: args.format,
            show_token: args.show_token,
            github,
            export_env: args.export_env,
            dotenv: args.dotenv.clone(),
            sf_alias: args.sf_alias.clone(),
            sf_defaults: SfDefaults { org: args.set_default, dev_hub: args.set_default_dev_hub },
            reports: args.report.clone(),
        },
        notes,
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
) -> Result<OidcCredential, Error> {
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
    Ok(OidcCredential { source, audience, token_type, token_handler, username: None })
}

/// The admin token as sent in a header: a trailing newline (a token read from a file, a secret
/// pasted with its line end) is dropped; whitespace or a control character inside cannot be a
/// token and would make the header unsendable, so it is refused here, without quoting the token.
pub(crate) fn admin_token(raw: String) -> Result<String, Error> {
    let t = raw.trim();
    if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        crate::secrets::register(t);
        return Err(Error::usage_of(
            crate::error::UsageKind::InvalidValue,
            "the admin token holds a space, a line break or a control character inside, or is empty",
            "give the admin session's access token alone, on one line",
        ));
    }
    Ok(t.to_string())
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

    /// A config file with a `default_target` (prod) and a named target (uat), in a temp folder.
    fn config_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let yaml = "default_target: prod\ntargets:\n  prod:\n    client_id: PRODID0001\n    username: ci@prod.com\n    login_url: login\n    key: keys/prod.key\n  uat:\n    client_id: UATID00001\n    username: ci@uat.com\n    login_url: test\n";
        std::fs::write(dir.path().join("sfjwt.yaml"), yaml).expect("write");
        dir
    }

    fn identity(cfg: &std::path::Path, target: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Identity {
        let mut layers = Layers::load(Some(cfg), target, env).expect("load");
        layers.identity([None, None, None, None], false).expect("identity")
    }

    #[test]
    fn environment_beats_the_config_files_default_target() {
        let dir = config_dir();
        let cfg = dir.path().join("sfjwt.yaml");
        let env = |k: &str| match k {
            "SFJWT_USERNAME" => Some("ci@uat.com".to_string()),
            "SFJWT_LOGIN_URL" => Some("test".to_string()),
            _ => None,
        };
        let id = identity(&cfg, None, &env);
        assert_eq!((id.username.as_deref(), id.login_url.as_str()), (Some("ci@uat.com"), "test"));
        // What the variables leave out still comes from the file.
        assert_eq!(id.client_id, "PRODID0001");
        let mut layers = Layers::load(Some(&cfg), None, &env).expect("load");
        layers.identity([None, None, None, None], false).expect("identity");
        assert!(
            layers
                .notes
                .iter()
                .any(|n| n == &format!("username from SFJWT_USERNAME overrides {} target prod", cfg.display())),
            "{:?}",
            layers.notes
        );
    }

    #[test]
    fn flags_beat_the_environment_and_a_named_target_beats_the_environment() {
        let dir = config_dir();
        let cfg = dir.path().join("sfjwt.yaml");
        let env = |k: &str| (k == "SFJWT_USERNAME").then(|| "env@x.com".to_string());
        let mut layers = Layers::load(Some(&cfg), None, &env).expect("load");
        let id = layers.identity([None, Some("flag@x.com".into()), None, None], false).expect("identity");
        assert_eq!(id.username.as_deref(), Some("flag@x.com"));
        // `--target uat` is a flag's choice: one job variable must not re-point a named target.
        assert_eq!(identity(&cfg, Some("uat"), &env).username.as_deref(), Some("ci@uat.com"));
    }

    #[test]
    fn config_key_paths_resolve_from_the_files_folder_and_a_missing_one_is_a_usage_error() {
        let dir = config_dir();
        let cfg = dir.path().join("sfjwt.yaml");
        let none = |_: &str| None;
        let mut layers = Layers::load(Some(&cfg), None, &none).expect("load");
        let err = layers.key(None, None).expect_err("missing key file");
        assert_eq!(err.exit(), crate::error::Exit::Usage);
        assert!(err.to_string().contains("does not exist"), "{err}");
        std::fs::create_dir(dir.path().join("keys")).expect("mkdir");
        std::fs::write(dir.path().join("keys/prod.key"), "x").expect("write");
        let mut layers = Layers::load(Some(&cfg), None, &none).expect("load");
        let (source, _) = layers.key(None, None).expect("key");
        assert_eq!(source, KeySource::File(dir.path().join("keys/prod.key")));
    }

    #[test]
    fn sfjwt_key_beats_the_default_targets_key_and_may_hold_a_file_path() {
        let dir = config_dir();
        let cfg = dir.path().join("sfjwt.yaml");
        let keyfile = dir.path().join("gitlab-file-var");
        std::fs::write(&keyfile, "x").expect("write");
        let path = keyfile.display().to_string();
        let env = move |k: &str| (k == "SFJWT_KEY").then(|| path.clone());
        let mut layers = Layers::load(Some(&cfg), None, &env).expect("load");
        let (source, _) = layers.key(None, None).expect("key");
        assert_eq!(source, KeySource::File(keyfile));
        assert!(layers.notes.iter().any(|n| n.contains("GitLab File variable")), "{:?}", layers.notes);
        let env = |k: &str| (k == "SFJWT_KEY").then(|| "-----BEGIN PRIVATE KEY-----\nMII\n".to_string());
        let mut layers = Layers::load(Some(&cfg), None, &env).expect("load");
        assert_eq!(layers.key(None, None).expect("key").0, KeySource::EnvVar("SFJWT_KEY".into()));
    }

    fn login_args(args: &[&str]) -> LoginArgs {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([&["sfjwt", "login"], args].concat()).expect("parse");
        match cli.command {
            crate::cli::Command::Login(l) => l.login,
            _ => unreachable!("parsed as login"),
        }
    }

    /// The whole merge, with the environment injected (never the process's): a flag beats the
    /// environment, the environment beats the config file's default target, and the config file
    /// beats sfdx-project.json, which beats the built-in default.
    #[test]
    fn resolve_ranks_flags_then_environment_then_config_then_sfdx_project() {
        let dir = config_dir();
        let cfg = dir.path().join("sfjwt.yaml");
        let cfg_arg = cfg.display().to_string();
        let vars = std::collections::HashMap::from([
            ("SFJWT_CLIENT_ID", "ENVID00001"),
            ("SFJWT_USERNAME", "env@acme.com"),
            ("SFJWT_KEY", "-----BEGIN PRIVATE KEY-----\nMII\n"),
            ("SFJWT_TIMEOUT", "7s"),
        ]);
        let env = |k: &str| vars.get(k).map(|v| v.to_string());
        let args = login_args(&["--config", &cfg_arg, "-i", "FLAGID0001"]);
        let s = resolve(&args, &env).expect("resolve");
        assert_eq!(s.target.client_id, "FLAGID0001", "a flag beats SFJWT_CLIENT_ID");
        let Credential::Key(k) = &s.credential else { panic!("a key login") };
        assert_eq!(k.username, "env@acme.com", "SFJWT_USERNAME beats the default target");
        assert_eq!(k.key, KeySource::EnvVar("SFJWT_KEY".into()), "SFJWT_KEY beats the default target's key");
        assert_eq!(s.tries.net.timeout, Duration::from_secs(7));
        // Nothing but the file names the login URL: the file's `login`, not sfdx-project.json's.
        let mut layers = Layers::load(Some(&cfg), None, &env).expect("load");
        layers.sfdx_login_url = Some("test".into());
        assert_eq!(layers.identity([None, None, None, None], false).expect("identity").login_url, "login");
        let none = |_: &str| None;
        let mut layers = Layers::load(None, None, &none).expect("load");
        layers.sfdx_login_url = Some("test".into());
        let id =
            layers.identity([Some("CLIENTID01".into()), Some("a@x.com".into()), None, None], false).expect("identity");
        assert_eq!(id.login_url, "test", "sfdx-project.json beats the default");
        let mut layers = Layers::load(None, None, &none).expect("load");
        layers.sfdx_login_url = None;
        let id =
            layers.identity([Some("CLIENTID01".into()), Some("a@x.com".into()), None, None], false).expect("identity");
        assert_eq!(id.login_url, "login");
    }

    /// Keyless is a credential of its own: no key is read and the username may be absent; a key
    /// login without a username is refused before any request.
    #[test]
    fn keyless_is_its_own_credential_and_a_key_needs_a_username() {
        let env = |_: &str| None;
        let args = login_args(&["--oidc", "env:T", "-i", "CLIENTID01", "-r", "https://acme.my.salesforce.com"]);
        let s = resolve(&args, &env).expect("resolve");
        let Credential::Oidc(o) = &s.credential else { panic!("a keyless login") };
        assert_eq!((o.username.as_deref(), o.audience.as_str()), (None, "https://acme.my.salesforce.com"));
        let args = login_args(&["-i", "CLIENTID01", "--key", "env:K"]);
        let env = |k: &str| (k == "K").then(|| "x".to_string());
        let err = resolve(&args, &env).err().expect("no username");
        assert!(err.to_string().contains("no username given"), "{err}");
    }

    /// doctor hands no session on: login's hand-off flags are not doctor's at all (its `--oidc` is
    /// the Entra doctor's federated credential).
    #[test]
    fn doctor_has_no_hand_off_flags() {
        use clap::Parser;
        let flags = [&["--dotenv", "x"][..], &["--sf-alias", "a"], &["--show-token"], &["--token-handler", "H"]];
        for flag in flags {
            let err = crate::cli::Cli::try_parse_from([&["sfjwt", "doctor"], flag].concat()).expect_err("refused");
            assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument, "{flag:?}");
        }
    }
}
