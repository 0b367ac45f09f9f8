//! `sfjwt doctor`'s settings: one target, or a fleet (--all, --target repeated), each target's
//! login settings plus its admin session, app name and certificate, validated before any work.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::cli::settings;
use crate::cli::{DoctorArgs, OutFormat, config, duration};
use crate::diagnose::doctor::plan::{AdminSource, DoctorPlan};
use crate::error::{Error, UsageKind};
use crate::login::endpoint;
use crate::login::target::Tries;

/// One target's doctor: the engine's plan, and how this run prints and writes its report.
pub struct DoctorSettings {
    pub plan: DoctorPlan,
    pub format: Option<OutFormat>,
    pub github: bool,
    pub reports: Vec<PathBuf>,
    /// Which value won where several sources gave one (printed on stderr).
    pub notes: Vec<String>,
}

/// The file formats of a fleet report, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetFormat {
    Json,
    Markdown,
    Html,
    Junit,
}

impl FleetFormat {
    pub fn from_path(path: &std::path::Path) -> Result<FleetFormat, Error> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        match ext.as_str() {
            "json" => Ok(FleetFormat::Json),
            "md" | "markdown" => Ok(FleetFormat::Markdown),
            "html" | "htm" => Ok(FleetFormat::Html),
            "xml" => Ok(FleetFormat::Junit),
            _ => Err(Error::usage_of(
                UsageKind::InvalidValue,
                format!("cannot tell the fleet report format of {}", path.display()),
                "name the file .json, .md (Markdown matrix), .html (page) or .xml (JUnit)",
            )),
        }
    }
}

/// Targets checked at once by default: a typical estate (up to 64 orgs) in one wave, since a
/// target's time is almost all waiting on its org. The cap bounds what one run holds: a thread
/// and about 0.5 MiB per target in flight (docs/performance.md), and at most two connections each,
/// within macOS's default limit of 256 open files.
pub const DEFAULT_JOBS: usize = 64;
/// The most targets `--jobs` lets run at once.
pub const MAX_JOBS: usize = 64;
// A typical estate (50 orgs, issue 22) in one wave at the default, within the cap.
const _: () = assert!(DEFAULT_JOBS >= 50 && DEFAULT_JOBS <= MAX_JOBS);

pub struct FleetSettings {
    pub config: PathBuf,
    pub targets: Vec<crate::fleet::Job>,
    pub jobs: usize,
    pub deadline: Duration,
    pub reports: Vec<(PathBuf, FleetFormat)>,
    pub json_stdout: bool,
    pub github: bool,
}

pub enum DoctorMode {
    Single(Box<DoctorSettings>),
    Fleet(FleetSettings),
}

fn parse_duration(flag: &str, value: &str) -> Result<Duration, Error> {
    duration::parse(value).map_err(|e| {
        Error::usage_of(UsageKind::InvalidValue, format!("invalid {flag}: {e}"), format!("e.g. {flag} 30s"))
    })
}

/// `json`: `--json` is given, so the report goes into its envelope (as `--format json`).
pub fn resolve(args: &DoctorArgs, json: bool, env: &dyn Fn(&str) -> Option<String>) -> Result<DoctorMode, Error> {
    let format = if json { Some(OutFormat::Json) } else { args.format };
    if args.oidc.is_some() {
        // --oidc is the Entra doctor's (a federated credential); it never reached here with it.
        return Err(Error::usage_of(
            UsageKind::Conflict,
            "doctor checks the JWT bearer setup; it does not take --oidc",
            "diagnose a keyless login with `sfjwt login --oidc ... --report report.json`",
        ));
    }
    let expires_within = args.expires_within.as_deref().map(|d| parse_duration("--expires-within", d)).transpose()?;
    if !args.all && args.signin.target.len() <= 1 {
        let name = args.signin.target.first().cloned();
        let s = one(args, name, env, true, expires_within, format)?;
        if matches!(s.format, Some(OutFormat::Env) | Some(OutFormat::Shell)) {
            return Err(Error::usage_of(
                UsageKind::InvalidValue,
                "doctor prints its report as json or yaml",
                "use --format json or --format yaml",
            ));
        }
        return Ok(DoctorMode::Single(Box::new(s)));
    }
    let (config, names) = if args.all {
        config::target_names(args.signin.config.as_deref())?
    } else {
        let (path, known) = config::target_names(args.signin.config.as_deref())?;
        if let Some(bad) = args.signin.target.iter().find(|t| !known.contains(t)) {
            return Err(Error::usage_of(
                UsageKind::Config,
                format!("{}: no target named {bad:?}", path.display()),
                format!("known targets: {}", known.join(", ")),
            ));
        }
        (path, args.signin.target.clone())
    };
    if !(1..=MAX_JOBS).contains(&args.jobs) {
        return Err(Error::usage_of(
            UsageKind::InvalidValue,
            format!("--jobs {} is out of range", args.jobs),
            format!("use 1 to {MAX_JOBS}"),
        ));
    }
    let deadline = parse_duration("--deadline", &args.deadline)?;
    if deadline < Duration::from_secs(1) || deadline > Duration::from_secs(3600) {
        return Err(Error::usage_of(
            UsageKind::InvalidValue,
            "--deadline must be between 1s and 1h",
            "e.g. --deadline 90s",
        ));
    }
    let reports =
        args.report.iter().map(|p| FleetFormat::from_path(p).map(|f| (p.clone(), f))).collect::<Result<_, _>>()?;
    let json_stdout = match format {
        None => false,
        Some(OutFormat::Json) => true,
        Some(_) => {
            return Err(Error::usage_of(
                UsageKind::InvalidValue,
                "doctor --all prints its report as json",
                "use --format json",
            ));
        }
    };
    let mut targets = Vec::new();
    for name in names {
        // The target's own error keeps its kind (a config error stays one).
        let named = |e: Error| {
            let kind = e.usage_kind().unwrap_or(UsageKind::General);
            Error::usage_of(kind, format!("target {name}: {e}"), e.help().unwrap_or_default())
        };
        if let Some(plan) = super::entra_doctor::fleet_target(args, &name, env, deadline).map_err(named)? {
            targets.push(crate::fleet::Job::Entra(Box::new(plan)));
            continue;
        }
        let mut s = one(args, Some(name.clone()), env, false, expires_within, None).map_err(named)?;
        bound_by_deadline(&mut s.plan.tries, deadline);
        targets.push(crate::fleet::Job::Salesforce(Box::new(s.plan)));
    }
    let github = args.github || env("GITHUB_ACTIONS").as_deref() == Some("true");
    Ok(DoctorMode::Fleet(FleetSettings { config, targets, jobs: args.jobs, deadline, reports, json_stdout, github }))
}

/// No single request or retry window outlasts the target's deadline.
fn bound_by_deadline(tries: &mut Tries, deadline: Duration) {
    tries.net.timeout = tries.net.timeout.min(deadline);
    tries.net.retry_window = tries.net.retry_window.min(deadline);
}

/// One target's settings: flags, then the target's config keys, then (single mode only) the
/// SFJWT_ADMIN_* variables, which would otherwise apply one org's session to every target.
fn one(
    args: &DoctorArgs,
    name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    single: bool,
    expires_within: Option<Duration>,
    format: Option<OutFormat>,
) -> Result<DoctorSettings, Error> {
    let mut signin_args = args.signin.clone();
    signin_args.target = name.iter().cloned().collect();
    let mut signin = settings::signin(&signin_args, false, env)?;
    let key = signin.key_credential(&args.signin.key)?;
    // Fleet reports are written once, by the fleet.
    let reports = if single { args.report.clone() } else { Vec::new() };
    settings::check_reports(&reports)?;
    let github = args.github || env("GITHUB_ACTIONS").as_deref() == Some("true");
    if github {
        settings::check_github_files(false, env)?;
    }
    let target = config::load(args.signin.config.as_deref(), name.as_deref())?.map(|l| l.target).unwrap_or_default();
    let admin = admin_source(args, &target, env, single)?;
    let cert = args.cert.clone().or(target.cert);
    if let Some(path) = cert.as_ref().filter(|p| !p.exists()) {
        // Exit 2 before any request, as for a missing key: read later, it was one target's failure.
        return Err(crate::credentials::cert::CertError::NotFound { path: path.display().to_string() }.into());
    }
    Ok(DoctorSettings {
        format,
        github,
        reports,
        notes: std::mem::take(&mut signin.layers.notes),
        plan: DoctorPlan {
            name,
            target: signin.target,
            key,
            tries: signin.tries,
            admin,
            app_name: args.app_name.clone().or(target.app_name),
            cert,
            source_dir: args.source_dir.clone(),
            expires_within,
        },
    })
}

fn valid_env_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 128
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.starts_with(|c: char| c.is_ascii_digit())
}

fn admin_source(
    args: &DoctorArgs,
    target: &config::Target,
    env: &dyn Fn(&str) -> Option<String>,
    single: bool,
) -> Result<Option<AdminSource>, Error> {
    let e = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(alias) = args.admin_sf_org.clone().or(target.admin_sf_org.clone()) {
        if alias.is_empty() || alias.starts_with('-') || alias.chars().any(char::is_whitespace) {
            return Err(Error::usage(format!("invalid admin sf alias {alias:?}"), "use a plain name such as prod"));
        }
        return Ok(Some(AdminSource::SfOrg(alias)));
    }
    let from_named = match &target.admin_token_env {
        Some(n) if !valid_env_name(n) => {
            return Err(Error::usage(
                "admin_token_env must name an environment variable, not hold a token",
                "e.g. admin_token_env: UAT_ADMIN_TOKEN, with the token in that CI secret",
            ));
        }
        Some(n) => Some(e(n).ok_or_else(|| {
            Error::usage(format!("admin_token_env names {n}, which is not set"), format!("set {n} to the admin token"))
        })?),
        None => None,
    };
    let token = args.admin_token.clone().or(from_named).or_else(|| single.then(|| e("SFJWT_ADMIN_TOKEN")).flatten());
    let token = token.map(settings::admin_token).transpose()?;
    let url = args
        .admin_instance_url
        .clone()
        .or(target.admin_instance_url.clone())
        .or_else(|| single.then(|| e("SFJWT_ADMIN_INSTANCE_URL")).flatten());
    match (token, url) {
        (Some(t), Some(u)) => {
            // The admin token goes there: the same host rules as the login.
            let parsed = endpoint::HostPolicy::new(&args.signin.allow_host, args.signin.insecure_http).login_url(&u)?;
            crate::secrets::register(&t);
            Ok(Some(AdminSource::Token { instance_url: (*parsed).clone(), token: Zeroizing::new(t) }))
        }
        (Some(_), None) => Err(Error::usage(
            "an admin token needs its instance URL",
            "pass --admin-instance-url, set admin_instance_url in the target, or set SFJWT_ADMIN_INSTANCE_URL",
        )),
        (None, Some(_)) => Err(Error::usage(
            "an admin instance URL needs a token",
            "set SFJWT_ADMIN_TOKEN (or --admin-token, or admin_token_env in the target)",
        )),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn jobs_of(args: &[&str]) -> Result<usize, clap::Error> {
        let cli = Cli::try_parse_from([&["sfjwt", "doctor", "--all"], args].concat())?;
        match cli.command {
            Command::Doctor(d) => Ok(d.jobs),
            _ => unreachable!("parsed as doctor"),
        }
    }

    /// The default is DEFAULT_JOBS (held to a 50-target wave at compile time, below).
    #[test]
    fn the_default_runs_fifty_targets_in_one_wave() {
        assert_eq!(jobs_of(&[]).unwrap(), DEFAULT_JOBS);
        assert_eq!(jobs_of(&["--jobs", "8"]).unwrap(), 8);
    }
}
