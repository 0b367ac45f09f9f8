//! `sfjwt login --provider entra`: the flags that only Microsoft Entra logins take (issue 25).
//! Kept beside `LoginArgs` rather than inside it: doctor flattens `LoginArgs` and has its own
//! `--cert`, so the login command wraps both and derefs to `LoginArgs` for everything else.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::LoginArgs;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// The OAuth 2.0 JWT bearer grant (or token exchange with --oidc) to a Salesforce org
    #[default]
    Salesforce,
    /// Microsoft Entra ID: client credentials with a certificate assertion (or --oidc federation)
    Entra,
}

/// `sfjwt login`: the Salesforce flags, then the Entra ones.
#[derive(Clone, Debug, Args)]
#[command(after_help = super::epilogues::LOGIN)]
pub struct LoginCommand {
    #[command(flatten)]
    pub login: LoginArgs,
    #[command(flatten)]
    pub entra: EntraArgs,
}

impl std::ops::Deref for LoginCommand {
    type Target = LoginArgs;
    fn deref(&self) -> &LoginArgs {
        &self.login
    }
}

impl std::ops::DerefMut for LoginCommand {
    fn deref_mut(&mut self) -> &mut LoginArgs {
        &mut self.login
    }
}

#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Microsoft Entra (--provider entra)")]
pub struct EntraArgs {
    /// Who issues the token: salesforce, or entra (Microsoft Entra ID; -r is then the authority
    /// host, default https://login.microsoftonline.com)
    #[arg(long, value_enum, value_name = "PROVIDER", default_value_t = Provider::Salesforce)]
    pub provider: Provider,
    /// Entra: the directory (tenant) id or a verified domain [or SFJWT_TENANT]
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Entra: the certificate uploaded to the app registration (its SHA-256 thumbprint goes in
    /// the assertion's x5t#S256 header) [or SFJWT_CERT]
    #[arg(long, value_name = "CERT")]
    pub cert: Option<PathBuf>,
    /// Entra: the one scope of the client credentials grant, RESOURCE/.default
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Entra: fail unless the access token carries this application permission in `roles`
    /// (admin consent granted); repeatable or comma-separated; compared exactly (case too)
    #[arg(long, value_name = "ROLE", value_delimiter = ',', value_parser = role_name)]
    pub require_role: Vec<String>,
}

impl EntraArgs {
    /// The Entra-only flags given, by name (refused with --provider salesforce).
    pub fn given(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.tenant.is_some() {
            v.push("--tenant");
        }
        if self.cert.is_some() {
            v.push("--cert");
        }
        if self.scope.is_some() {
            v.push("--scope");
        }
        if !self.require_role.is_empty() {
            v.push("--require-role");
        }
        v
    }
}

/// One `--require-role` value (after the comma split): an app role's value, which holds no
/// whitespace (Graph's appRole.value); an empty one would require nothing and is refused.
pub fn role_name(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err("an empty role: name an application permission, e.g. Sites.Read.All".into());
    }
    if v.chars().any(char::is_whitespace) {
        return Err(format!("{v:?}: a role value holds no spaces; separate roles with commas"));
    }
    Ok(v.to_string())
}
