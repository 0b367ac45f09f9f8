//! An Entra refusal's AADSTS code to a cause: a small local table, one function, so the Entra
//! diagnosis of `explain` (src/diagnose/, issue 25 §2) can replace it without touching login.
//! Ids, codes and fixes (in the Entra admin center's words) follow the research
//! (causes.md of issue 25; sources in docs/evidence.md, Entra section).

/// A cause of an Entra refusal or of a failed check after the grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntraCause {
    pub id: &'static str,
    pub summary: &'static str,
    pub fix: &'static str,
}

const fn c(id: &'static str, summary: &'static str, fix: &'static str) -> EntraCause {
    EntraCause { id, summary, fix }
}

pub const APP_NOT_IN_TENANT: EntraCause = c(
    "entra_app_not_in_tenant",
    "the application (client) ID is not known in this tenant",
    "check Application (client) ID and Directory (tenant) ID on the app registration's Overview; the app must appear under Enterprise applications > All applications of that tenant",
);
pub const RESOURCE_NOT_FOUND: EntraCause = c(
    "entra_resource_not_found",
    "the resource named by --scope has no service principal in the tenant",
    "--scope must be RESOURCE/.default with a valid Application ID URI",
);
pub const ADMIN_CONSENT_REQUIRED: EntraCause = c(
    "entra_admin_consent_required",
    "an application permission has not been granted admin consent",
    "Enterprise applications > All applications > the app > Security > Permissions > Grant admin consent (or API permissions > Grant admin consent on the app registration)",
);
pub const CERTIFICATE_NOT_REGISTERED: EntraCause = c(
    "entra_certificate_not_registered",
    "the certificate that signed the assertion is not uploaded to the app registration",
    "App registrations > the app > Certificates & secrets > Certificates > Upload certificate (the --cert file)",
);
pub const ASSERTION_INVALID: EntraCause = c(
    "entra_assertion_invalid",
    "Entra rejected the client assertion (signature, iss/sub, aud or format)",
    "sign with the key of the uploaded certificate; iss = sub = the client ID; aud = the tenant's v2.0 token endpoint",
);
pub const ASSERTION_EXPIRED: EntraCause = c(
    "entra_assertion_expired",
    "the client assertion is outside its valid time range",
    "check this machine's clock (nbf/exp come from it); sign a fresh assertion per request",
);
pub const FEDERATED_TOKEN_EXPIRED: EntraCause = c(
    "entra_federated_token_expired",
    "the CI's OIDC token had expired when Entra received it",
    "request the OIDC token right before the login step",
);
pub const FEDERATED_MISMATCH: EntraCause = c(
    "entra_federated_credential_mismatch",
    "no federated credential of the app matches the token's issuer, subject and audience",
    "App registrations > the app > Certificates & secrets > Federated credentials > Add credential, with the issuer, subject and audience Entra quoted (case-sensitive)",
);
pub const CLIENT_SECRET_INVALID: EntraCause = c(
    "entra_client_secret_invalid",
    "the client secret is wrong",
    "Certificates & secrets > Client secrets: copy the Value, not the Secret ID",
);
pub const CLIENT_SECRET_EXPIRED: EntraCause = c(
    "entra_client_secret_expired",
    "the client secret has expired",
    "Certificates & secrets > Client secrets > New client secret (or move to a certificate or a federated credential)",
);
pub const TENANT_NOT_FOUND: EntraCause = c(
    "entra_tenant_not_found",
    "the tenant in the authority does not exist on this cloud",
    "pass the Directory (tenant) ID from the app registration's Overview, on the right cloud's login host",
);
pub const CONDITIONAL_ACCESS: EntraCause = c(
    "entra_conditional_access",
    "a Conditional Access policy blocked the workload identity",
    "Sign-in logs > Service principal sign-ins > the failed entry > Conditional Access: exclude the workload identity or change the policy",
);
pub const INVALID_SCOPE: EntraCause = c(
    "entra_invalid_scope",
    "client credentials take exactly one scope, RESOURCE/.default",
    "pass --scope RESOURCE/.default, e.g. https://graph.microsoft.com/.default",
);
pub const PUBLIC_CLIENT: EntraCause = c(
    "entra_public_client_mismatch",
    "the app is registered as a public client or sent no client credential",
    "App registrations > the app > Authentication: a Web platform; send a certificate assertion or a federated token",
);
pub const UNKNOWN: EntraCause = c(
    "unknown",
    "Entra refused with a code sfjwt does not know",
    "look the AADSTS code up at https://login.microsoftonline.com/error",
);

/// The cause of a refusal: its AADSTS code first, the wording where one code means two things.
/// `keyless`: the assertion was a CI's OIDC token (an expired one is the CI token's, not ours).
pub fn from_refusal(code: Option<u64>, description: &str, keyless: bool) -> EntraCause {
    let Some(code) = code else { return UNKNOWN };
    match code {
        700016 | 70001 => APP_NOT_IN_TENANT,
        500011 => RESOURCE_NOT_FOUND,
        65001 | 90094 | 90095 | 900941 | 90093 => ADMIN_CONSENT_REQUIRED,
        700027 if description.contains("not registered") => CERTIFICATE_NOT_REGISTERED,
        700027 | 50013 | 700021 | 700023 | 50027 | 90014 | 50032 => ASSERTION_INVALID,
        700024 | 50012 if keyless => FEDERATED_TOKEN_EXPIRED,
        700024 => ASSERTION_EXPIRED,
        70021 | 700211 | 700212 | 700213 | 7002137 | 7002138 => FEDERATED_MISMATCH,
        7000215 => CLIENT_SECRET_INVALID,
        7000222 => CLIENT_SECRET_EXPIRED,
        90002 | 900023 => TENANT_NOT_FOUND,
        53003 | 53005 | 530084 | 530032 => CONDITIONAL_ACCESS,
        70011 | 1002012 => INVALID_SCOPE,
        7000218 | 7000216 => PUBLIC_CLIENT,
        _ => UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_research_ids() {
        let id = |code: u64, text: &str, keyless: bool| from_refusal(Some(code), text, keyless).id;
        assert_eq!(id(700016, "", false), "entra_app_not_in_tenant");
        assert_eq!(
            id(
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on application.",
                false
            ),
            "entra_certificate_not_registered"
        );
        assert_eq!(id(700027, "Client assertion contains an invalid signature.", false), "entra_assertion_invalid");
        assert_eq!(id(700024, "", false), "entra_assertion_expired");
        assert_eq!(id(700024, "", true), "entra_federated_token_expired");
        assert_eq!(id(70021, "", true), "entra_federated_credential_mismatch");
        assert_eq!(id(90002, "", false), "entra_tenant_not_found");
        assert_eq!(id(1002012, "", false), "entra_invalid_scope");
        assert_eq!(id(7000215, "", false), "entra_client_secret_invalid");
        assert_eq!(id(12345, "", false), "unknown");
        assert_eq!(from_refusal(None, "", false).id, "unknown");
    }
}
