//! Command-line definitions (clap derive). Values are validated into settings by `commands`, never used raw.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::epilogues;

#[derive(Debug, Parser)]
#[command(
    name = "sfjwt",
    version,
    about = "Log CI/CD pipelines in to Salesforce (OAuth 2.0 JWT bearer flow) or Microsoft Entra ID (certificate or federated credential), and say why when either refuses",
    after_help = "Exit codes: 0 success, 1 doctor check failed, 2 usage or input error, 3 grant refused, \
                  4 no usable answer, 5 key does not match certificate, 6 certificate expired, \
                  7 certificate expires within the threshold, 70 internal error (a bug in sfjwt: please report it)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print one JSON envelope on stdout for every outcome, like the sf CLI's --json:
    /// {"status": EXIT, "result": ...} or {"status", "name", "message", "cause", ...}
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an RSA key and a self-signed certificate to upload to a connected app or External Client App
    Keygen(KeygenArgs),
    /// Work with certificates
    #[command(subcommand)]
    Cert(CertCommand),
    /// Print a signed JWT bearer assertion (for debugging, or for other HTTP clients)
    Assertion(AssertionArgs),
    /// Log in with the JWT bearer grant (or to Microsoft Entra with --provider entra); on refusal, say why
    Login(Box<super::entra::LoginCommand>),
    /// Revoke an access token (from SF_ACCESS_TOKEN, SFJWT_ACCESS_TOKEN or standard input), e.g. at the end of a job
    Revoke(RevokeArgs),
    /// Run every check (key, certificate, clock, grant, the org via an admin session, the repo's
    /// app metadata) and diagnose; exit 1 when a check fails
    Doctor(Box<DoctorArgs>),
    /// Diagnose an error line copied from another tool's log (sf, simple-salesforce, az/MSAL AADSTS codes, a raw JSON body)
    Explain(ExplainArgs),
    /// Bootstrap CI: key, certificate, consumer key, and the app's metadata ready to deploy
    Setup(Box<SetupArgs>),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish
    #[command(after_help = COMPLETIONS_AFTER)]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write every page (sfjwt.1, sfjwt-login.1, ...) into --dir
    Man(ManArgs),
}

const COMPLETIONS_AFTER: &str = "\
Install, for example:
  bash        sfjwt completions bash > ~/.local/share/bash-completion/completions/sfjwt
  zsh         sfjwt completions zsh > \"${fpath[1]}/_sfjwt\"
  fish        sfjwt completions fish > ~/.config/fish/completions/sfjwt.fish
  powershell  sfjwt completions powershell | Out-String | Invoke-Expression   (in $PROFILE)
The release archives carry the same scripts in completions/.";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write sfjwt.1 and one page per subcommand into this directory instead of printing sfjwt.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = epilogues::KEYGEN)]
pub struct KeygenArgs {
    /// Directory to write NAME.key and NAME.crt into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Base name of the two files
    #[arg(long, default_value = "server")]
    pub name: String,
    /// RSA key size: 2048, 3072 or 4096
    #[arg(long, default_value_t = 2048)]
    pub bits: u32,
    /// Certificate subject common name
    #[arg(long, default_value = "sfjwt")]
    pub cn: String,
    /// Certificate subject organisation
    #[arg(long)]
    pub org: Option<String>,
    /// Days the certificate is valid (1 to 3650)
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
    /// Also print the key as one base64 line, ready for a CI secret
    #[arg(long)]
    pub print_key_base64: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Show a certificate's subject, validity, fingerprints and key size; check a key against it
    #[command(after_help = epilogues::CERT_INSPECT)]
    Inspect(InspectArgs),
    /// New key and certificate; the app's metadata updated; the steps to deploy and swap the CI secret
    #[command(after_help = epilogues::CERT_ROTATE)]
    Rotate(RotateArgs),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Certificate file (PEM or DER)
    #[arg(value_name = "CERT")]
    pub cert: PathBuf,
    #[command(flatten)]
    pub key: OptionalKeyArgs,
    /// Exit 7 when the certificate expires within this duration (e.g. 30d, 12h)
    #[arg(long, value_name = "DURATION")]
    pub expires_within: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Key flags for commands where the key is optional.
#[derive(Debug, Args)]
pub struct OptionalKeyArgs {
    /// Private key to check against the certificate (path, -, env:VAR, file:PATH)
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    pub key: Option<String>,
    /// File holding the key's passphrase (or set SFJWT_KEY_PASSPHRASE)
    #[arg(long, value_name = "FILE")]
    pub key_passphrase_file: Option<PathBuf>,
}

/// Key flags for commands that sign.
#[derive(Clone, Debug, Args)]
pub struct KeyArgs {
    /// Private key: a path, file:PATH, - (stdin) or env:VAR [default: SFJWT_KEY, then SFJWT_KEY_FILE]
    #[arg(long, short = 'f', visible_alias = "jwt-key-file", value_name = "KEY", allow_hyphen_values = true)]
    pub key: Option<String>,
    /// File holding the key's passphrase (or set SFJWT_KEY_PASSPHRASE)
    #[arg(long, value_name = "FILE")]
    pub key_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = epilogues::ASSERTION)]
pub struct AssertionArgs {
    /// Consumer key of the connected app or External Client App (the JWT `iss`) [or SFJWT_CLIENT_ID]
    #[arg(long, short = 'i', value_name = "ID")]
    pub client_id: Option<String>,
    /// Salesforce username to log in as (the JWT `sub`) [or SFJWT_USERNAME]
    #[arg(long, short = 'o', value_name = "USER")]
    pub username: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Audience (`aud`); default follows the login URL [or SFJWT_AUDIENCE]
    #[arg(long, value_name = "URL")]
    pub audience: Option<String>,
    /// login, test, a My Domain host or a URL; picks the default audience [default: login; or
    /// SFJWT_LOGIN_URL, or sfdx-project.json's sfdcLoginUrl]
    #[arg(long, short = 'r', visible_alias = "instance-url", value_name = "URL")]
    pub login_url: Option<String>,
    /// Config file [default: ./sfjwt.yaml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Target in the config file
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// How long the assertion is valid
    #[arg(long, value_name = "DURATION", default_value = "180s")]
    pub lifetime: String,
    /// Print the header and claims as JSON instead of the signed assertion
    #[arg(long)]
    pub decode: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Json,
    Yaml,
    /// KEY=VALUE lines (dotenv), token included
    Env,
    /// `export KEY='VALUE'` lines for eval, token included
    Shell,
}

/// What is logged in to, with which key, and how the tries are made: the flags `login` and
/// `doctor` share (flattened into each, as uv shares its flag groups), so neither takes a flag it
/// cannot use.
#[derive(Clone, Debug, Args)]
pub struct SigninArgs {
    /// Consumer key of the connected app or External Client App
    #[arg(long, short = 'i', value_name = "ID")]
    pub client_id: Option<String>,
    /// Salesforce username to log in as
    #[arg(long, short = 'o', value_name = "USER")]
    pub username: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    /// login, test, a My Domain host, or a URL [default: login]
    #[arg(long, short = 'r', visible_alias = "instance-url", value_name = "URL")]
    pub login_url: Option<String>,
    /// Audience (aud); default follows the login host, with documented fallbacks
    #[arg(long, value_name = "URL")]
    pub audience: Option<String>,
    /// Config file [default: ./sfjwt.yaml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Target in the config file
    #[arg(long, value_name = "NAME")]
    pub target: Vec<String>,
    /// Extra CA certificates (PEM) to trust, e.g. a TLS-inspecting proxy's; repeatable
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    /// Bound on each HTTP request [default: 30s]
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Retries on connection errors, 5xx, 429 and garbled answers (0-10)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_retries: u32,
    /// No retry starts after this long since the first request
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub retry_window: String,
    /// Keep retrying invalid_client_id / app_not_found this long (a new app takes 2-10 minutes)
    #[arg(long, value_name = "DURATION")]
    pub wait_for_propagation: Option<String>,
    /// How long the assertion is valid
    #[arg(long, value_name = "DURATION", default_value = "180s")]
    pub lifetime: String,
    /// Allow plain http login URLs (local testing only)
    #[arg(long)]
    pub insecure_http: bool,
    /// Allow sending the assertion to this non-Salesforce host; repeatable (never read from config)
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
}

#[derive(Clone, Debug, Args)]
#[command(after_help = epilogues::LOGIN)]
pub struct LoginArgs {
    #[command(flatten)]
    pub signin: SigninArgs,
    /// Print the result on stdout in this format
    #[arg(long, value_enum)]
    pub format: Option<OutFormat>,
    /// Include the access token in json/yaml output
    #[arg(long)]
    pub show_token: bool,
    /// Write GitHub Actions outputs and masks (automatic when GITHUB_ACTIONS=true)
    #[arg(long)]
    pub github: bool,
    /// With GitHub Actions: also export SF_ACCESS_TOKEN and SF_ORG_INSTANCE_URL to later steps
    /// (--provider entra: ENTRA_ACCESS_TOKEN and ENTRA_TENANT_ID)
    #[arg(long)]
    pub export_env: bool,
    /// Write SF_ACCESS_TOKEN, SF_ORG_INSTANCE_URL, SF_ORG_ID, SF_USERNAME to FILE (GitLab dotenv), mode 0600
    /// (--provider entra: ENTRA_ACCESS_TOKEN, ENTRA_TENANT_ID, ENTRA_CLIENT_ID)
    #[arg(long, value_name = "FILE")]
    pub dotenv: Option<PathBuf>,
    /// Hand the session to the Salesforce CLI under this alias (sf org login access-token); with a
    /// custom CA, --ca-file reaches sf as NODE_EXTRA_CA_CERTS
    #[arg(long, short = 'a', visible_alias = "alias", value_name = "ALIAS")]
    pub sf_alias: Option<String>,
    /// With --sf-alias: make the org sf's default (target-org), as `sf org login jwt -s` does
    #[arg(long, short = 's', requires = "sf_alias")]
    pub set_default: bool,
    /// With --sf-alias: make the org sf's default Dev Hub (target-dev-hub), as `sf org login jwt -d` does
    #[arg(long, short = 'd', requires = "sf_alias")]
    pub set_default_dev_hub: bool,
    /// Write the report here; the extension picks the format (.json .yaml .md .xml); repeatable
    #[arg(long, value_name = "FILE")]
    pub report: Vec<PathBuf>,
    /// Skip the check after the grant (one REST query for the user's own record) that catches
    /// High Assurance and missing API access
    #[arg(long)]
    pub no_verify: bool,
    /// On an expiry refusal from a server whose clock runs ahead (its Date header, within ±1 hour),
    /// do not sign once more with exp relative to the server's clock
    #[arg(long)]
    pub no_clock_compensation: bool,
    /// Keyless: exchange the pipeline's OIDC token for a session, no key or username (github: needs
    /// `permissions: id-token: write`; gitlab[:VAR]: an id_tokens variable, default SFJWT_ID_TOKEN;
    /// file:PATH; env:VAR); --login-url must be the My Domain. See docs/keyless.md
    #[arg(long, value_name = "SOURCE", conflicts_with_all = ["key", "audience", "key_passphrase_file"])]
    pub oidc: Option<String>,
    /// Keyless: the audience to request from GitHub, and the one the handler requires [default: the login URL;
    /// --provider entra: api://AzureADTokenExchange]
    #[arg(long, value_name = "URL", requires = "oidc")]
    pub oidc_audience: Option<String>,
    /// Keyless: subject_token_type sent to Salesforce
    #[arg(long, value_enum, value_name = "TYPE", requires = "oidc")]
    pub subject_token_type: Option<SubjectTokenTypeArg>,
    /// Keyless: the token exchange handler to use [default: the app's default handler]
    #[arg(long, value_name = "NAME", requires = "oidc")]
    pub token_handler: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SubjectTokenTypeArg {
    /// urn:ietf:params:oauth:token-type:id_token
    #[value(name = "id_token")]
    IdToken,
    /// urn:ietf:params:oauth:token-type:jwt
    #[value(name = "jwt")]
    Jwt,
}

#[derive(Debug, Args)]
#[command(after_help = epilogues::REVOKE)]
pub struct RevokeArgs {
    /// Instance URL the token belongs to [default: SF_ORG_INSTANCE_URL]
    #[arg(long, value_name = "URL")]
    pub instance_url: Option<String>,
    /// Allow plain http (local testing only)
    #[arg(long)]
    pub insecure_http: bool,
    /// Allow this non-Salesforce host; repeatable
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Extra CA certificates (PEM) to trust; repeatable [default: SFJWT_CA_FILE]
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    /// Bound on the request
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
}

/// Doctor checks the JWT bearer setup (or an Entra app's): login's sign-in flags, its report flags,
/// and its own; never login's hand-off flags (clap rejects them as unknown).
#[derive(Debug, Args)]
#[command(after_help = epilogues::DOCTOR)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub signin: SigninArgs,
    /// Print the report on stdout: json or yaml
    #[arg(long, value_enum, hide_possible_values = true)]
    pub format: Option<OutFormat>,
    /// Write GitHub Actions outputs and masks (automatic when GITHUB_ACTIONS=true)
    #[arg(long)]
    pub github: bool,
    /// Write the report here; the extension picks the format (.json .yaml .md .xml); repeatable
    #[arg(long, value_name = "FILE")]
    pub report: Vec<PathBuf>,
    /// Check every target of the config file at once
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    /// Targets checked at the same time in fleet mode (1-64)
    #[arg(long, value_name = "N", default_value_t = super::doctor::DEFAULT_JOBS)]
    pub jobs: usize,
    /// Bound on each target's whole check, retries included, in fleet mode
    #[arg(long, value_name = "DURATION", default_value = "90s")]
    pub deadline: String,
    /// Fail the certificate check when the certificate expires within this duration (e.g. 30d)
    #[arg(long, value_name = "DURATION")]
    pub expires_within: Option<String>,
    /// The certificate uploaded to the app, to check against the key and for expiry
    #[arg(long, value_name = "CERT")]
    pub cert: Option<PathBuf>,
    /// An admin session's access token, to read the org (prefer SFJWT_ADMIN_TOKEN: a flag is visible to other processes)
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// The admin session's instance URL [env: SFJWT_ADMIN_INSTANCE_URL]
    #[arg(long, value_name = "URL")]
    pub admin_instance_url: Option<String>,
    /// Take the admin session from the Salesforce CLI (sf org auth show-access-token)
    #[arg(long, value_name = "ALIAS", conflicts_with = "admin_token")]
    pub admin_sf_org: Option<String>,
    /// The app's name in the org (SOQL cannot map a consumer key to an app)
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,
    /// Salesforce DX source folder holding the app's metadata [default: sfdx-project.json packageDirectories]
    #[arg(long, value_name = "DIR")]
    pub source_dir: Option<PathBuf>,
    /// Entra (--provider entra): a federated credential instead of a key: github, gitlab[:VAR],
    /// file:PATH or env:VAR (hidden: --provider's help names it; a Salesforce check refuses it)
    #[arg(long, value_name = "SOURCE", hide = true, conflicts_with_all = ["key", "audience", "key_passphrase_file"])]
    pub oidc: Option<String>,
    /// Entra: the audience to request for the federated credential's token
    #[arg(long, value_name = "URL", hide = true, requires = "oidc")]
    pub oidc_audience: Option<String>,
    #[command(flatten)]
    pub entra: super::entra_doctor::DoctorEntraArgs,
}

#[derive(Debug, Args)]
#[command(after_help = epilogues::EXPLAIN)]
pub struct ExplainArgs {
    /// The error text; read from standard input when absent
    #[arg(value_name = "RAW ERROR")]
    pub text: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the report here (.json .yaml .md .xml); repeatable
    #[arg(long, value_name = "FILE")]
    pub report: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AppKindArg {
    ExternalClientApp,
    ConnectedApp,
}

#[derive(Debug, Args)]
#[command(after_help = epilogues::SETUP)]
pub struct SetupArgs {
    /// The CI user the app pre-authorizes
    #[arg(long, short = 'o', value_name = "USER")]
    pub username: String,
    /// What to create; connected apps can no longer be created since Spring '26 without Salesforce Support
    #[arg(long, value_enum, default_value_t = AppKindArg::ExternalClientApp)]
    pub kind: AppKindArg,
    /// The app's API name (letters, digits, underscores)
    #[arg(long, value_name = "NAME", default_value = "sfjwt_CI")]
    pub app_name: String,
    /// Salesforce DX folder to write the metadata into
    #[arg(long, value_name = "DIR", default_value = "force-app/main/default")]
    pub source_dir: PathBuf,
    /// Where the key and certificate go (never inside the source folder)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub key_dir: PathBuf,
    /// Use this key instead of generating one (with --cert)
    #[arg(long, value_name = "KEY", allow_hyphen_values = true, requires = "cert")]
    pub key: Option<String>,
    /// File holding --key's passphrase
    #[arg(long, value_name = "FILE")]
    pub key_passphrase_file: Option<PathBuf>,
    /// The certificate of --key
    #[arg(long, value_name = "CERT", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Use this consumer key instead of a random one (letters and digits, 8-256; it can be set only at creation)
    #[arg(long, value_name = "KEY")]
    pub consumer_key: Option<String>,
    /// The app's contact email [default: the username, when it is an address]
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,
    /// Days the generated certificate is valid
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Also print the key as one base64 line for a CI secret
    #[arg(long)]
    pub print_key_base64: bool,
    /// The org is a Dev Hub that must create scratch orgs (an External Client App Dev Hub cannot)
    #[arg(long)]
    pub dev_hub: bool,
    /// Deploy the folder and assign the permission set through the Salesforce CLI
    #[arg(long, requires = "admin_sf_org")]
    pub deploy: bool,
    /// The sf alias of an admin of the target org (for --deploy)
    #[arg(long, value_name = "ALIAS")]
    pub admin_sf_org: Option<String>,
    /// Poll the grant until it succeeds, then print what to store in CI (needs --login-url)
    #[arg(long, value_name = "DURATION", requires = "login_url")]
    pub wait_for_propagation: Option<String>,
    /// The org's login URL, for --wait-for-propagation
    #[arg(long, short = 'r', value_name = "URL")]
    pub login_url: Option<String>,
    /// Extra CA certificates for --wait-for-propagation and the keyless id lookup
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    /// Allow plain http for --login-url (loopback test servers only)
    #[arg(long)]
    pub insecure_http: bool,
    /// Allow sending the assertion to this non-Salesforce host; repeatable
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
    /// Keyless: generate the token exchange setup for this CI (no key, no certificate); see docs/keyless.md
    #[arg(long, value_enum, value_name = "CI", conflicts_with_all = ["key", "cert", "print_key_base64", "wait_for_propagation", "dev_hub"])]
    pub keyless: Option<KeylessCi>,
    /// Keyless: the repository allowed to log in (GitHub owner/name, GitLab group/project)
    #[arg(long, value_name = "REPO", requires = "keyless")]
    pub repo: Option<String>,
    /// Keyless: the only ref allowed (GitHub refs/heads/main, GitLab main); --ref or --environment is required
    #[arg(long = "ref", value_name = "REF", requires = "keyless")]
    pub git_ref: Option<String>,
    /// Keyless: the only deployment environment allowed; --ref or --environment is required
    #[arg(long, value_name = "NAME", requires = "keyless")]
    pub environment: Option<String>,
    /// Keyless: allow every ref and environment (pull requests, feature branches, tags): INSECURE
    #[arg(long, requires = "keyless")]
    pub insecure_allow_any_ref: bool,
    /// Keyless (GitHub): also allow this trigger (pull_request, pull_request_target, issue_comment, ...);
    /// repeatable [default: push, workflow_dispatch, schedule]
    #[arg(long, value_name = "EVENT", requires = "keyless")]
    pub allow_event: Vec<String>,
    /// Keyless (GitHub): only runs of this reusable workflow (the job_workflow_ref claim, e.g.
    /// acme/ci/.github/workflows/deploy.yml@refs/heads/main)
    #[arg(long, value_name = "REF", requires = "keyless")]
    pub job_workflow_ref: Option<String>,
    /// Keyless: the repository's immutable id (GitHub repository_id, GitLab project_id) [default:
    /// looked up through the CI's API]
    #[arg(long, value_name = "ID", requires = "keyless")]
    pub repo_id: Option<String>,
    /// Keyless: the owner's immutable id (GitHub repository_owner_id, GitLab namespace_id) [default:
    /// looked up through the CI's API]
    #[arg(long, value_name = "ID", requires = "keyless")]
    pub owner_id: Option<String>,
    /// Keyless: pin the repository by name only (a deleted or renamed repository's name can be
    /// taken by someone else): INSECURE
    #[arg(long, requires = "keyless")]
    pub insecure_name_only: bool,
    /// Keyless: the audience the handler requires [default: the --login-url My Domain]
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub oidc_audience: Option<String>,
    /// Keyless: the issuer (GHES, GitLab self-managed) [default: GitHub's or gitlab.com]
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub oidc_issuer: Option<String>,
    /// Keyless: the issuer's JWKS [default: derived from the issuer]
    #[arg(long, value_name = "URL", requires = "keyless")]
    pub jwks_url: Option<String>,
    /// Keyless: the user the handler runs as [default: --username]
    #[arg(long, value_name = "USER", requires = "keyless")]
    pub execution_user: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeylessCi {
    Github,
    Gitlab,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Salesforce DX folder holding the app's metadata
    #[arg(long, value_name = "DIR", default_value = "force-app/main/default")]
    pub source_dir: PathBuf,
    /// The app's API name [default: the only JWT app in the folder]
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,
    /// Where the new key and certificate go
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub key_dir: PathBuf,
    /// Base name of the new files [default: the app's API name in lower case with hyphens, then the
    /// date, e.g. sfjwt-ci-20261203]
    #[arg(long)]
    pub name: Option<String>,
    /// Days the new certificate is valid
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// RSA key size: 2048, 3072 or 4096
    #[arg(long, default_value_t = 2048)]
    pub bits: u32,
    /// Also print the new key as one base64 line for the CI secret
    #[arg(long)]
    pub print_key_base64: bool,
    /// Overwrite an existing key and certificate of the same name
    #[arg(long)]
    pub force: bool,
    /// The CI user, to fill in the printed follow-up commands
    #[arg(long, short = 'o', value_name = "USER")]
    pub username: Option<String>,
    /// The sf alias of an admin of the org, to fill in the printed deploy command
    #[arg(long, value_name = "ALIAS")]
    pub admin_sf_org: Option<String>,
    /// Rotate without a window: make the key and certificate for a second app (NAME_2) and leave
    /// the app's metadata as it is; CI switches to the second app, then the old one is retired
    #[arg(long)]
    pub second_app: bool,
}

impl std::ops::Deref for LoginArgs {
    type Target = SigninArgs;
    fn deref(&self) -> &SigninArgs {
        &self.signin
    }
}

impl std::ops::DerefMut for LoginArgs {
    fn deref_mut(&mut self) -> &mut SigninArgs {
        &mut self.signin
    }
}

impl SigninArgs {
    /// The one --target a command that logs in to a single org accepts.
    pub fn single_target(&self) -> Result<Option<&str>, crate::error::Error> {
        match self.target.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.as_str())),
            _ => Err(crate::error::Error::usage(
                "--target is given more than once",
                "login checks one target; `sfjwt doctor --target A --target B` checks several",
            )),
        }
    }
}
