//! What `sfjwt login` prints about a working session (`--format json|yaml`), and the variables it
//! hands on (`--format env|shell`, `--dotenv`, GitHub outputs): one source for all of them.

use serde::Serialize;

use crate::login::grant::Granted;

#[derive(Serialize)]
pub struct SessionOutput<'a> {
    username: &'a str,
    org_id: &'a str,
    user_id: &'a str,
    instance_url: &'a str,
    is_sandbox: bool,
    token_type: &'a str,
    scope: Option<&'a str>,
    issued_at: Option<&'a str>,
    audience: &'a str,
    /// When the session ends (RFC 3339, UTC, seconds), only when the org said.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

impl<'a> SessionOutput<'a> {
    /// `username`: empty for a keyless login whose handler picked the user.
    pub fn new(g: &'a Granted, username: &'a str, is_sandbox: bool, show_token: bool) -> Self {
        SessionOutput {
            username,
            org_id: &g.org_id,
            user_id: &g.user_id,
            instance_url: &g.instance_url,
            is_sandbox,
            token_type: &g.token_type,
            scope: g.scope.as_deref(),
            issued_at: g.issued_at.as_deref(),
            audience: &g.audience,
            expires_at: g
                .expires_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
            access_token: show_token.then_some(g.access_token.as_str()),
        }
    }
}

/// The variables every hand-off writes (`--dotenv` writes what `--format env` prints).
pub fn variables<'a>(g: &'a Granted, username: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("SF_ACCESS_TOKEN", g.access_token.as_str()),
        ("SF_ORG_INSTANCE_URL", g.instance_url.as_str()),
        ("SF_ORG_ID", g.org_id.as_str()),
        ("SF_USER_ID", g.user_id.as_str()),
        ("SF_USERNAME", username),
    ]
}

/// When the org said the session ends, in UTC at the second.
pub fn expiry_text(at: Option<i64>) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(at?).ok()?;
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&f).ok()
}
