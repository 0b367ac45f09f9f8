//! Command-line definitions (clap derive). Values are validated into settings by `commands`, never used raw.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const KEY_FORMS: &str = "\
Key input (--key, or SFJWT_KEY / SFJWT_KEY_FILE when --key is absent):
  PATH or file:PATH   a key file
  -                   read the key from standard input
  env:VAR             the variable VAR holds the key itself
  SFJWT_KEY           holds the key itself (the usual CI secret)
  SFJWT_KEY_FILE      holds the path of a key file
Accepted: PKCS#8 or PKCS#1 PEM, encrypted PKCS#8, legacy encrypted PEM (Proc-Type: 4,ENCRYPTED),
PKCS#12 (.p12/.pfx) and DER; with CRLF, a BOM, literal \\n, surrounding quotes, or base64 of the
whole file. Passphrase: --key-passphrase-file FILE or SFJWT_KEY_PASSPHRASE.";

#[derive(Debug, Parser)]
#[command(
    name = "sfjwt",
    version,
    about = "Log CI/CD pipelines in to Salesforce with the OAuth 2.0 JWT bearer flow, and say why when Salesforce refuses",
    after_help = "Exit codes: 0 success, 1 doctor check failed, 2 usage or input error, 3 grant refused, \
                  4 no usable answer, 5 key does not match certificate, 6 certificate expired, \
                  7 certificate expires within the threshold."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
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
    #[command(after_help = "Exit codes: 0 all is well, 2 unreadable input, 5 the key does not match, \
                            6 expired, 7 expires within --expires-within.")]
    Inspect(InspectArgs),
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
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Private key: a path, file:PATH, - (stdin) or env:VAR [default: SFJWT_KEY, then SFJWT_KEY_FILE]
    #[arg(long, short = 'f', value_name = "KEY", allow_hyphen_values = true)]
    pub key: Option<String>,
    /// File holding the key's passphrase (or set SFJWT_KEY_PASSPHRASE)
    #[arg(long, value_name = "FILE")]
    pub key_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = KEY_FORMS)]
pub struct AssertionArgs {
    /// Consumer key of the connected app or External Client App (the JWT `iss`)
    #[arg(long, short = 'i', env = "SFJWT_CLIENT_ID", value_name = "ID")]
    pub client_id: String,
    /// Salesforce username to log in as (the JWT `sub`)
    #[arg(long, short = 'o', env = "SFJWT_USERNAME", value_name = "USER")]
    pub username: String,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Audience (`aud`); default follows the login URL
    #[arg(long, env = "SFJWT_AUDIENCE", value_name = "URL")]
    pub audience: Option<String>,
    /// login, test, a My Domain host or a URL; picks the default audience
    #[arg(long, short = 'r', env = "SFJWT_LOGIN_URL", value_name = "URL", default_value = "login")]
    pub login_url: String,
    /// How long the assertion is valid
    #[arg(long, value_name = "DURATION", default_value = "180s")]
    pub lifetime: String,
    /// Print the header and claims as JSON instead of the signed assertion
    #[arg(long)]
    pub decode: bool,
}
