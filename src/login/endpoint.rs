//! Login hosts and audiences, and the shapes of the identifiers that go into an assertion.

use url::Url;

use crate::error::Error;

pub const LOGIN: &str = "https://login.salesforce.com";
pub const TEST: &str = "https://test.salesforce.com";

/// Salesforce's own token hosts (sfdx-core's src/util/sfdcUrl.ts), and Experience
/// Cloud sites. Only these, loopback and hosts the user names get an assertion.
const SALESFORCE_SUFFIXES: &[&str] = &[
    "salesforce.com",
    "force.com",
    "cloudforce.com",
    "salesforce.mil",
    "force.mil",
    "cloudforce.mil",
    "sfcrmproducts.cn",
    "sfcrmapps.cn",
    "my.site.com",
];
/// DNS limits (RFC 1035): a longer name cannot resolve, so it is an input error, not a retry.
const MAX_HOST: usize = 253;
const MAX_LABEL: usize = 63;

/// Which hosts a credential may go to, and whether plain http is allowed (loopback only).
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    allow: Vec<String>,
    insecure_http: bool,
}

/// A login URL that passed the host policy: the only way to get one is `HostPolicy::login_url`,
/// so no caller can send an assertion to a host that was not checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginUrl(Url);

impl std::ops::Deref for LoginUrl {
    type Target = Url;
    fn deref(&self) -> &Url {
        &self.0
    }
}

impl HostPolicy {
    pub fn new(allow: &[String], insecure_http: bool) -> HostPolicy {
        let allow = allow.iter().map(|a| a.trim().trim_end_matches('.').to_ascii_lowercase()).collect();
        HostPolicy { allow, insecure_http }
    }

    /// True for Salesforce's own domains, loopback, and the hosts passed with --allow-host.
    pub fn allows(&self, host: &str) -> bool {
        let h = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
        is_loopback(&h)
            || SALESFORCE_SUFFIXES.iter().any(|s| h == *s || h.ends_with(&format!(".{s}")))
            || self.allow.contains(&h)
    }

    /// Resolves `--login-url` (`login`, `test`, a My Domain host, or a URL) and checks its host.
    pub fn login_url(&self, value: &str) -> Result<LoginUrl, Error> {
        let url = parse_login_url(value, self.insecure_http)?;
        self.check(&url)?;
        Ok(LoginUrl(url))
    }

    pub fn check(&self, url: &Url) -> Result<(), Error> {
        let host = url.host_str().unwrap_or_default();
        if self.allows(host) {
            return Ok(());
        }
        Err(Error::usage(
            format!("refusing to send credentials to {host}: not a Salesforce host"),
            format!(
                "what sfjwt sends there (an assertion or a token) is a bearer credential; if {host} really is your org, pass --allow-host {host}"
            ),
        ))
    }

    /// Checks a URL a server answered with (`instance_url`): it will receive the token, so it
    /// gets the same rules as the login host. Returns why not, for the report.
    pub fn answer_url(&self, value: &str) -> Result<Url, String> {
        let url = parse_login_url(value, self.insecure_http).map_err(|e| e.to_string())?;
        if !self.allows(url.host_str().unwrap_or_default()) {
            return Err(format!("its host {} is not a Salesforce host", url.host_str().unwrap_or_default()));
        }
        Ok(url)
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parses `--login-url` without the host policy (for fuzzing and for values that never carry a
/// credential); anything that sends one goes through `HostPolicy::login_url`.
pub fn login_url(value: &str, allow_http: bool) -> Result<Url, Error> {
    parse_login_url(value, allow_http)
}

fn parse_login_url(value: &str, allow_http: bool) -> Result<Url, Error> {
    let v = value.trim();
    let full = match v {
        "login" | "production" | "prod" => LOGIN.to_string(),
        "test" | "sandbox" => TEST.to_string(),
        _ if v.contains("://") => v.to_string(),
        _ => format!("https://{v}"),
    };
    let shown: String = v.chars().take(80).filter(|c| !c.is_control()).collect();
    let bad = |why: &str| {
        Error::usage(
            format!("invalid login URL {shown:?}: {why}"),
            "use login, test, a My Domain host (acme.my.salesforce.com) or a full https:// URL",
        )
    };
    let mut url = Url::parse(&full).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().unwrap_or_default().to_string();
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host.len() > MAX_HOST || host.split('.').any(|l| l.len() > MAX_LABEL) {
        return Err(bad("the host name is longer than DNS allows (253 characters, 63 a label)"));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_http && is_loopback(&host) => {}
        "http" if allow_http => {
            return Err(Error::usage(
                format!("refusing plain http to {host}: --insecure-http is for loopback test servers only"),
                "the assertion and the token are bearer credentials: use https",
            ));
        }
        "http" => {
            return Err(Error::usage(
                format!("refusing plain http login URL {shown:?}"),
                "the assertion is a bearer credential: use https (or --insecure-http for a local test server)",
            ));
        }
        other => return Err(bad(&format!("scheme {other:?} is not https"))),
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not carry credentials, a query or a fragment"));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(bad("give the host only, without a path"));
    }
    url.set_path("");
    Ok(url)
}

/// `https://host[:port]` without a trailing slash, as an `aud` value.
pub fn origin(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// True for hosts that serve sandboxes and scratch orgs, whose default audience is test.salesforce.com.
pub fn is_sandbox_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "test.salesforce.com"
        || host.ends_with(".sandbox.my.salesforce.com")
        || host.ends_with(".scratch.my.salesforce.com")
        || (host.ends_with(".my.salesforce.com") && host.split('.').next().is_some_and(|l| l.contains("--")))
}

/// `user@acme.com.uat`: a domain with a label after what looks like its top-level domain.
pub fn sandbox_suffixed(username: &str) -> bool {
    let Some((_, domain)) = username.rsplit_once('@') else { return false };
    let labels: Vec<&str> = domain.split('.').collect();
    const TLDS: &[&str] = &[
        "com", "org", "net", "io", "co", "edu", "gov", "uk", "de", "fr", "au", "ca", "jp", "in", "us", "eu", "ch",
        "nl", "es", "it", "mil", "info", "biz", "dev", "app",
    ];
    labels.len() >= 3 && !TLDS.contains(&labels[labels.len() - 1]) && TLDS.contains(&labels[labels.len() - 2])
}

/// Why `username` does not fit an environment, if it does not: sandboxes suffix their usernames
/// (`ci@acme.com.uat`). `place` says what serves it, e.g. "acme.my.salesforce.com serves" or "the org is".
pub fn environment_mismatch(username: &str, sandbox: bool, place: &str) -> Option<String> {
    match (sandbox, sandbox_suffixed(username)) {
        (false, true) => Some(format!("{username} looks like a sandbox username, but {place} production")),
        (true, false) => Some(format!("{place} a sandbox, but {username} has no sandbox suffix")),
        _ => None,
    }
}

/// The audience Salesforce expects for a login host when the user gives none.
pub fn default_audience(login: &Url) -> &'static str {
    if login.host_str().is_some_and(is_sandbox_host) { TEST } else { LOGIN }
}

/// Normalises `--audience` (no trailing slash; Salesforce compares without it).
pub fn audience(value: &str) -> Result<String, Error> {
    let url = Url::parse(value.trim()).map_err(|e| {
        Error::usage(format!("invalid audience {value:?}: {e}"), "use a URL such as https://login.salesforce.com")
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::usage(
            format!("invalid audience {value:?}: no host"),
            "use a URL such as https://login.salesforce.com",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A consumer key: letters, digits, `.` and `_`, 8–256 characters (Salesforce's own rule).
pub fn client_id(value: &str) -> Result<String, Error> {
    let v = value.trim();
    let ok = (8..=256).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::usage(
            format!("invalid client id (consumer key) of {} characters", v.chars().count()),
            "copy the Consumer Key from the app's OAuth settings: 8-256 letters, digits, '.' or '_'",
        ))
    }
}

/// A Salesforce username: email-shaped, at most 80 characters.
pub fn username(value: &str) -> Result<String, Error> {
    let v = value.trim();
    let shaped = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && domain.contains('.')
        }
        None => false,
    };
    if shaped && v.len() <= 80 && !v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(v.to_string())
    } else {
        let shown: String = v.chars().take(80).filter(|c| !c.is_control()).collect();
        Err(Error::usage(
            format!("invalid username {shown:?}"),
            "a Salesforce username looks like an email address, e.g. ci@acme.com (sandboxes add a suffix: ci@acme.com.uat)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_shortcuts_and_hosts() {
        assert_eq!(origin(&login_url("login", false).unwrap()), LOGIN);
        assert_eq!(origin(&login_url("test", false).unwrap()), TEST);
        assert_eq!(origin(&login_url("acme.my.salesforce.com", false).unwrap()), "https://acme.my.salesforce.com");
        assert_eq!(
            origin(&login_url("https://acme.my.salesforce.com/", false).unwrap()),
            "https://acme.my.salesforce.com"
        );
        assert!(login_url("http://acme.my.salesforce.com", false).is_err());
        assert!(login_url("http://127.0.0.1:8080", true).is_ok());
        assert!(login_url("https://acme.my.salesforce.com/services", false).is_err());
        assert!(login_url("ftp://x", false).is_err());
    }

    #[test]
    fn insecure_http_is_for_loopback_only() {
        assert!(login_url("http://localhost:8443", true).is_ok());
        assert!(login_url("http://[::1]:8443", true).is_ok());
        let err = login_url("http://acme.my.salesforce.com", true).unwrap_err();
        assert!(err.to_string().contains("loopback test servers only"), "{err}");
    }

    #[test]
    fn absurd_hosts_are_input_errors() {
        let long_label = format!("https://{}.my.salesforce.com", "a".repeat(100_000));
        let err = login_url(&long_label, false).unwrap_err();
        assert!(err.to_string().contains("longer than DNS allows"), "{err}");
        assert!(err.to_string().len() < 300, "the error must not echo the whole value");
        let long_name = format!("https://{}salesforce.com", "abc.".repeat(70));
        assert!(login_url(&long_name, false).is_err());
    }

    #[test]
    fn salesforce_hosts_of_every_cloud() {
        let p = HostPolicy::default();
        for ok in [
            "login.salesforce.com.",
            "acme.my.salesforce.com",
            "acme.my.force.mil",
            "acme.my.cloudforce.mil",
            "acme.my.sfcrmproducts.cn",
            "acme.sfcrmapps.cn",
            "acme.my.site.com",
            "127.0.0.1",
            "[::1]",
        ] {
            assert!(p.allows(ok), "{ok}");
        }
        for bad in ["salesforce-setup.com", "site.com", "evil.com", "salesforce.com.evil.com", "my.site.com.evil.io"] {
            assert!(!p.allows(bad), "{bad}");
        }
        assert!(HostPolicy::new(&["SSO.Acme.Internal.".into()], false).allows("sso.acme.internal"));
    }

    #[test]
    fn answer_urls_follow_the_login_rules() {
        let p = HostPolicy::default();
        assert!(p.answer_url("https://acme.my.salesforce.com").is_ok());
        assert!(p.answer_url("https://evil.example").unwrap_err().contains("not a Salesforce host"));
        assert!(p.answer_url("http://acme.my.salesforce.com").is_err());
        assert!(HostPolicy::new(&[], true).answer_url("http://127.0.0.1:9").is_ok());
    }

    #[test]
    fn default_audience_follows_host() {
        let a = |s: &str| default_audience(&login_url(s, false).unwrap());
        assert_eq!(a("login"), LOGIN);
        assert_eq!(a("test"), TEST);
        assert_eq!(a("acme--uat.sandbox.my.salesforce.com"), TEST);
        assert_eq!(a("acme--uat.my.salesforce.com"), TEST);
        assert_eq!(a("acme.my.salesforce.com"), LOGIN);
    }

    #[test]
    fn identifiers() {
        assert!(client_id("3MVG9Example.key_1").is_ok());
        assert!(client_id("short").is_err());
        assert!(client_id("has space in it").is_err());
        assert!(username("ci@acme.com.uat").is_ok());
        assert!(username("ci").is_err());
        assert!(username("a b@acme.com").is_err());
        assert_eq!(audience("https://login.salesforce.com/").unwrap(), LOGIN);
    }

    #[test]
    fn sandbox_usernames() {
        assert!(sandbox_suffixed("ci@acme.com.uat"));
        assert!(sandbox_suffixed("00x7Vqci@acme.com.dev1"));
        assert!(!sandbox_suffixed("ci@acme.com"));
        assert!(!sandbox_suffixed("ci@mail.acme.co.uk"));
        assert_eq!(environment_mismatch("ci@acme.com", false, "login.salesforce.com serves"), None);
        assert_eq!(
            environment_mismatch("ci@acme.com.uat", false, "the org is").as_deref(),
            Some("ci@acme.com.uat looks like a sandbox username, but the org is production")
        );
        assert!(environment_mismatch("ci@acme.com", true, "test.salesforce.com serves").is_some());
    }
}
