//! Where an Entra assertion may go: the three clouds' login hosts, or a host the user allowed.

use url::Url;

use crate::error::Error;

/// Public cloud, US Government, and the China cloud (21Vianet; both of its names).
pub const CLOUD_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// The authority: `https://HOST/TENANT`, checked.
#[derive(Clone, Debug)]
pub struct Authority {
    origin: String,
    pub tenant: String,
}

impl Authority {
    /// `host`: `-r`'s value (a host or an https URL without a path) or the public cloud.
    pub fn new(host: Option<&str>, tenant: &str, allow: &[String]) -> Result<Authority, Error> {
        let origin = origin(host.unwrap_or(CLOUD_HOSTS[0]), allow)?;
        Ok(Authority { origin, tenant: tenant_id(tenant)? })
    }

    pub fn host(&self) -> &str {
        self.origin.trim_start_matches("https://")
    }

    /// `https://HOST/TENANT/oauth2/v2.0/token`: where the grant goes, and the assertion's `aud`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.origin, self.tenant)
    }

    /// Where MSAL reads the tenant's endpoints.
    pub fn discovery_url(&self) -> String {
        format!("{}/{}/v2.0/.well-known/openid-configuration", self.origin, self.tenant)
    }

    /// A directory id (GUID) names the endpoint directly; a domain is resolved by discovery.
    pub fn tenant_is_id(&self) -> bool {
        let groups: Vec<usize> = self.tenant.split('-').map(str::len).collect();
        groups == [8, 4, 4, 4, 12] && self.tenant.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    }
}

fn origin(value: &str, allow: &[String]) -> Result<String, Error> {
    let full = if value.contains("://") { value.to_string() } else { format!("https://{value}") };
    let bad = |why: String| {
        Error::usage(format!("invalid authority host {value:?}: {why}"), "e.g. -r login.microsoftonline.us")
    };
    let url = Url::parse(&full).map_err(|e| bad(e.to_string()))?;
    if url.scheme() != "https" {
        return Err(bad("Entra authorities are https only".into()));
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(bad("give the host only; the tenant goes in --tenant".into()));
    }
    let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    let allowed = CLOUD_HOSTS.contains(&host.as_str())
        || allow.iter().any(|a| a.trim().trim_end_matches('.').eq_ignore_ascii_case(&host));
    if !allowed {
        return Err(Error::usage(
            format!("refusing to send credentials to {host}: not a Microsoft Entra login host"),
            format!(
                "Entra logins go to {}; if {host} really is your authority, pass --allow-host {host}",
                CLOUD_HOSTS.join(", ")
            ),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// A tenant id (GUID) or domain. The multi-tenant aliases cannot issue app-only tokens.
pub fn tenant_id(value: &str) -> Result<String, Error> {
    let v = value.trim();
    if ["common", "organizations", "consumers"].contains(&v.to_ascii_lowercase().as_str()) {
        return Err(Error::usage(
            format!("--tenant {v} cannot be used with client credentials"),
            "pass the directory (tenant) ID from the app registration's Overview, or a verified domain",
        ));
    }
    // A tenant id (GUID), or a verified domain: dotted DNS labels of at most 63 characters. Anything
    // else (a pasted secret, a JWT) would be sent in a URL path.
    let label = |l: &str| (1..=63).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let guid = crate::entra::token::is_guid(v);
    let domain = v.len() <= 253 && v.contains('.') && v.split('.').all(label);
    let ok = guid || domain;
    if !ok {
        return Err(Error::usage(
            format!("invalid --tenant {:?}", crate::secrets::terminal_safe(v)),
            "a directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or a domain such as contoso.onmicrosoft.com",
        ));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_is_a_guid_or_a_dotted_domain() {
        for ok in ["72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "login.contoso.com"] {
            assert!(tenant_id(ok).is_ok(), "{ok}");
        }
        // A passphrase or token pasted as the tenant would be sent in a URL path.
        for bad in ["Pa55-phrase-Secret-42", "contoso", &format!("{}.com", "a".repeat(64)), "a..b", "common"] {
            assert!(tenant_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clouds_pass_others_need_allow_host() {
        let t = "contoso.onmicrosoft.com";
        let a = Authority::new(None, t, &[]).unwrap();
        assert_eq!(a.token_endpoint(), "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
        for host in ["login.microsoftonline.us", "https://login.partner.microsoftonline.cn", "login.chinacloudapi.cn"] {
            assert!(Authority::new(Some(host), t, &[]).is_ok(), "{host}");
        }
        let e = Authority::new(Some("https://127.0.0.1:8443"), t, &[]).unwrap_err().to_string();
        assert!(e.contains("not a Microsoft Entra login host"), "{e}");
        let a = Authority::new(Some("https://127.0.0.1:8443"), t, &["127.0.0.1".into()]).unwrap();
        assert_eq!(a.token_endpoint(), "https://127.0.0.1:8443/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assert!(Authority::new(Some("login.salesforce.com"), t, &[]).is_err());
        assert!(Authority::new(Some("http://login.microsoftonline.com"), t, &[]).is_err());
        assert!(Authority::new(Some("https://login.microsoftonline.com/tenant"), t, &[]).is_err());
    }

    #[test]
    fn tenant_shapes() {
        assert!(tenant_id("common").is_err() && tenant_id("Organizations").is_err());
        assert!(tenant_id("a/b").is_err() && tenant_id("").is_err());
        assert_eq!(
            tenant_id(" 72f988bf-86f1-41af-91ab-2d7cd011db47 ").unwrap(),
            "72f988bf-86f1-41af-91ab-2d7cd011db47"
        );
    }
}
