//! `setup --keyless`: flags merged and validated into the values the generated Apex and metadata
//! embed, before anything is written.

use url::Url;

use crate::appmeta::keyless::Provider;
use crate::cli::{KeylessCi, SetupArgs};
use crate::error::Error;
use crate::login::endpoint;

mod lookup;

pub struct KeylessSetup {
    pub provider: Provider,
    pub repo: String,
    pub git_ref: Option<String>,
    pub environment: Option<String>,
    pub repo_id: Option<String>,
    pub owner_id: Option<String>,
    /// `branch` / `tag` when --ref pins one.
    pub ref_type: Option<String>,
    /// GitLab: only protected refs.
    pub protected_only: bool,
    /// GitHub: the trusted triggers, comma-separated.
    pub events: Option<String>,
    /// GitHub: the only reusable workflow (job_workflow_ref) allowed.
    pub job_workflow_ref: Option<String>,
    pub audience: String,
    pub issuer: String,
    pub jwks_url: String,
    pub execution_user: String,
    /// Normalisations the user should know about.
    pub notes: Vec<String>,
}

fn https_url(flag: &str, value: &str) -> Result<String, Error> {
    let bad = |why: &str| {
        Error::usage(
            format!("invalid {flag} {value:?}: {why}"),
            format!("an https:// URL, e.g. {flag} https://acme.my.salesforce.com"),
        )
    };
    let url = Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "https" || url.host_str().is_none() || url.query().is_some() || !url.username().is_empty() {
        return Err(bad("it must be https, with a host and no query or credentials"));
    }
    if value.contains(['\'', '"', '\\', '<', '>']) {
        return Err(bad("quotes, backslashes and angle brackets are not allowed"));
    }
    Ok(value.trim_end_matches('/').to_string())
}

fn plain(flag: &str, value: &str, extra: &[char]) -> Result<String, Error> {
    let ok = !value.is_empty()
        && value.len() <= 255
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c) || extra.contains(&c));
    if ok {
        Ok(value.to_string())
    } else {
        Err(Error::usage(
            format!("invalid {flag} {value:?}"),
            "letters, digits, - _ . (and / in repositories and refs), at most 255",
        ))
    }
}

pub fn resolve(args: &SetupArgs, ci: KeylessCi) -> Result<KeylessSetup, Error> {
    let provider = match ci {
        KeylessCi::Github => Provider::Github,
        KeylessCi::Gitlab => Provider::Gitlab,
    };
    if args.kind == crate::cli::AppKindArg::ConnectedApp {
        return Err(Error::usage("--keyless generates an External Client App", "drop --kind connected-app"));
    }
    let mut notes = Vec::new();
    let repo = args.repo.as_deref().ok_or_else(|| {
        Error::usage(
            "--keyless needs --repo",
            "the repository allowed to log in, e.g. --repo acme/app (GitLab: group/project)",
        )
    })?;
    let repo = plain("--repo", repo, &['/'])?;
    if !repo.contains('/') || repo.starts_with('/') || repo.ends_with('/') || repo.contains("//") {
        return Err(Error::usage(format!("invalid --repo {repo:?}"), "owner/name (GitLab: group/project)"));
    }
    let git_ref = args.git_ref.as_deref().map(|r| plain("--ref", r, &['/'])).transpose()?;
    // The ref claim is refs/heads/BRANCH on GitHub and the bare branch on GitLab.
    let git_ref = git_ref.map(|r| match provider {
        Provider::Github if !r.starts_with("refs/") => {
            notes.push(format!("--ref {r} taken as refs/heads/{r} (GitHub's ref claim is the full ref)"));
            format!("refs/heads/{r}")
        }
        Provider::Gitlab if r.starts_with("refs/heads/") => {
            let short = r.trim_start_matches("refs/heads/").to_string();
            notes.push(format!("--ref {r} taken as {short} (GitLab's ref claim is the bare branch name)"));
            short
        }
        _ => r,
    });
    let environment = args.environment.as_deref().map(|e| plain("--environment", e, &[' '])).transpose()?;
    if git_ref.is_none() && environment.is_none() && !args.insecure_allow_any_ref {
        // Without either pin, any branch, tag or pull request run of the repository logs in.
        return Err(Error::usage(
            "--keyless needs --ref or --environment: without them every branch, tag and pull request of the repository could log in",
            "pin the protected branch (--ref main) or deployment environment (--environment production); --insecure-allow-any-ref allows any run",
        ));
    }
    if args.insecure_allow_any_ref && git_ref.is_none() && environment.is_none() {
        notes.push("--insecure-allow-any-ref: every ref and environment of the repository can log in".into());
    }
    let audience = match (&args.oidc_audience, &args.login_url) {
        (Some(a), _) => https_url("--oidc-audience", a)?,
        (None, Some(l)) => {
            let login = endpoint::login_url(l, false)?;
            crate::login::exchange::require_my_domain(&login).map_err(|_| {
                Error::usage(
                    "--login-url is not the org's My Domain",
                    "pass --oidc-audience URL, or -r https://acme.my.salesforce.com",
                )
            })?;
            endpoint::origin(&login)
        }
        (None, None) => {
            return Err(Error::usage(
                "--keyless needs the audience the handler will require",
                "pass --login-url https://acme.my.salesforce.com (its origin becomes the audience) or --oidc-audience URL",
            ));
        }
    };
    let issuer = match &args.oidc_issuer {
        Some(i) => https_url("--oidc-issuer", i)?,
        None => match provider {
            Provider::Github => "https://token.actions.githubusercontent.com".into(),
            Provider::Gitlab => "https://gitlab.com".into(),
        },
    };
    let jwks_url = match &args.jwks_url {
        Some(j) => https_url("--jwks-url", j)?,
        None => match provider {
            Provider::Github => format!("{issuer}/.well-known/jwks"),
            // GitLab's discovery document names this jwks_uri (the path is unconfirmed in keyless.md §5).
            Provider::Gitlab => format!("{issuer}/oauth/discovery/keys"),
        },
    };
    let execution_user = match &args.execution_user {
        Some(u) => endpoint::username(u)?,
        None => endpoint::username(&args.username)?,
    };
    let ref_type = git_ref.as_ref().map(|r| if r.starts_with("refs/tags/") { "tag" } else { "branch" }.to_string());
    let events = events(provider, &args.allow_event)?;
    let protected_only = provider == Provider::Gitlab;
    let job_workflow_ref = job_workflow_ref(args, provider)?;
    let (repo_id, owner_id) = ids(args, provider, &repo, &issuer, &mut notes)?;
    Ok(KeylessSetup {
        job_workflow_ref,
        repo_id,
        owner_id,
        provider,
        repo,
        git_ref,
        environment,
        ref_type,
        protected_only,
        events,
        audience,
        issuer,
        jwks_url,
        execution_user,
        notes,
    })
}

/// The immutable ids: both given, looked up through the CI's API when neither is, or neither
/// with --insecure-name-only.
fn ids(
    args: &SetupArgs,
    provider: Provider,
    repo: &str,
    issuer: &str,
    notes: &mut Vec<String>,
) -> Result<(Option<String>, Option<String>), Error> {
    let digits = |flag: &str, v: &str| {
        if !v.is_empty() && v.len() <= 20 && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(v.to_string())
        } else {
            Err(Error::usage(format!("invalid {flag} {v:?}"), "the numeric id, e.g. --repo-id 123456789"))
        }
    };
    let how = match provider {
        Provider::Github => format!("gh api repos/{repo} --jq '.id, .owner.id'"),
        Provider::Gitlab => format!("glab api projects/{} | jq '.id, .namespace.id'", repo.replace('/', "%2F")),
    };
    let needed =
        "--keyless needs --repo-id and --owner-id: a name alone admits whoever next owns it after a rename or deletion";
    match (&args.repo_id, &args.owner_id) {
        (Some(r), Some(o)) => Ok((Some(digits("--repo-id", r)?), Some(digits("--owner-id", o)?))),
        (None, None) if args.insecure_name_only => Ok((None, None)),
        (None, None) => {
            let api = lookup::Api::from_env(provider, issuer);
            match lookup::ids(provider, repo, &api, &args.ca_file) {
                Ok((r, o)) => {
                    notes.push(format!("{repo}: repository id {r}, owner id {o} (from {})", api.base));
                    Ok((Some(r), Some(o)))
                }
                Err(why) => Err(Error::usage(
                    format!("{needed}; looking them up through {} failed: {why}", api.base),
                    format!(
                        "look them up with `{how}` and pass --repo-id and --owner-id, or pass --insecure-name-only"
                    ),
                )),
            }
        }
        _ => Err(Error::usage(needed, format!("look them up with `{how}`, or pass --insecure-name-only"))),
    }
}

/// `--job-workflow-ref`: GitHub's claim for the reusable workflow a job runs
/// (OWNER/REPO/.github/workflows/FILE@REF); GitLab has no such claim.
fn job_workflow_ref(args: &SetupArgs, provider: Provider) -> Result<Option<String>, Error> {
    let Some(w) = args.job_workflow_ref.as_deref() else { return Ok(None) };
    if provider == Provider::Gitlab {
        return Err(Error::usage("--job-workflow-ref is GitHub's claim", "drop it for --keyless gitlab"));
    }
    let w = plain("--job-workflow-ref", w, &['/', '@'])?;
    let shape = w.split_once('@').is_some_and(|(path, r)| path.contains("/.github/workflows/") && !r.is_empty());
    if !shape {
        return Err(Error::usage(
            format!("invalid --job-workflow-ref {w:?}"),
            "OWNER/REPO/.github/workflows/FILE.yml@REF, e.g. acme/ci/.github/workflows/deploy.yml@refs/heads/main",
        ));
    }
    Ok(Some(w))
}

/// GitHub's trusted triggers by default: push, workflow_dispatch, schedule; others (pull_request,
/// pull_request_target, issue_comment: runs a fork or a commenter can start) only when named.
fn events(provider: Provider, extra: &[String]) -> Result<Option<String>, Error> {
    let mut all: Vec<String> = match provider {
        Provider::Github => ["push", "workflow_dispatch", "schedule"].map(String::from).to_vec(),
        Provider::Gitlab => Vec::new(),
    };
    for e in extra {
        let e = plain("--allow-event", e, &[])?;
        if !all.contains(&e) {
            all.push(e);
        }
    }
    Ok((!all.is_empty()).then(|| all.join(",")))
}
