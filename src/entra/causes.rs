//! Microsoft Entra refusals, one table for `login --provider entra` and `explain` (issue 25 §2):
//! each cause (`entra_*` id, summary, fix in the words of the Microsoft Entra admin center, docs
//! link) and each AADSTS code's reading ([`CODES`]: codes, wordings, side conditions, causes most
//! likely first, evidence level). Login reads its answer with [`from_refusal`]; `diagnose::entra`
//! builds `explain`'s report from the same rows, so the two cannot name different causes.
//! Sources: docs/evidence.md (one row per code row), docs/causes.md (one section per cause).
//!
//! Microsoft warns that codes and texts change (reference-error-codes): rows match the code first
//! and the wording second, so legacy codes (70002 + 50012) and texts whose code was lost still read.

/// A cause of an Entra refusal or of a failed check after the grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntraCause {
    /// The report's cause id and the docs/causes.md anchor (a promise: never renamed).
    pub id: &'static str,
    /// One line: what the refusal means.
    pub summary: &'static str,
    /// What to do, in the words of the Microsoft Entra admin center; a path not seen on a
    /// Microsoft page says "(path not verified)".
    pub fix: &'static [&'static str],
}

impl EntraCause {
    /// Where the cause is explained: docs/causes.md at this version.
    pub fn doc(&self) -> String {
        format!("{}/blob/v{}/docs/causes.md#{}", env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_VERSION"), self.id)
    }
}

/// How likely a reading makes a cause (never certain: a text alone confirms nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likelihood {
    Likely,
    Possible,
}

/// How a code's reading is known (the levels of docs/evidence.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Microsoft's documentation.
    Official,
    /// Seen and quoted in public threads (fixtures/corpus/entra.yaml).
    Reported,
}

impl Source {
    pub fn id(self) -> &'static str {
        match self {
            Source::Official => "official",
            Source::Reported => "reported",
        }
    }
}

use Likelihood::{Likely, Possible};

pub const APP_NOT_IN_TENANT: EntraCause = EntraCause {
    id: "entra_app_not_in_tenant",
    summary: "Entra found no application with this client id in the tenant.",
    fix: &[
        "Check the Application (client) ID and the Directory (tenant) ID, both on the Microsoft Entra admin center's App registrations > the app > Overview. A placeholder, the app's name, or a certificate's or secret's ID in their place gives this answer.",
        "The app must exist in the tenant the login goes to (listed there under Enterprise apps > All applications). A multi-tenant app is added to another tenant by its admin: https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client-id}.",
        "Check the host: an app of the US Government or China cloud is unknown to login.microsoftonline.com.",
    ],
};

pub const RESOURCE_NOT_FOUND: EntraCause = EntraCause {
    id: "entra_resource_not_found",
    summary: "The scope names a resource (API) the tenant does not have.",
    fix: &[
        "The scope names a resource this tenant does not have: pass --scope RESOURCE/.default, RESOURCE being the API's Application ID URI or application ID (e.g. https://graph.microsoft.com/.default); look for a doubled scheme, a trailing //, or an empty api://.",
        "For your own API: App registrations > the API > Expose an API > Application ID URI (path not verified); the API must also be in this tenant's Enterprise apps.",
    ],
};

pub const ADMIN_CONSENT_REQUIRED: EntraCause = EntraCause {
    id: "entra_admin_consent_required",
    summary: "The app's permissions lack an administrator's consent in this tenant.",
    fix: &[
        "Enterprise apps > All applications > the app > Security > Permissions > Grant admin consent (at least a Cloud Application Administrator); or App registrations > the app > API permissions > Grant admin consent.",
        "Application permissions (app roles) of Microsoft Graph need a Privileged Role Administrator to grant.",
        "Check the authority too: through /common or another tenant the login meets a tenant where consent was never given; use the tenant's own ID.",
    ],
};

pub const CONSENT_DECLINED: EntraCause = EntraCause {
    id: "entra_consent_declined",
    summary: "The user declined the app's consent prompt.",
    fix: &[
        "The signed-in user chose Cancel on the consent prompt: sign in again and accept, or have an admin consent for everyone (Enterprise apps > All applications > the app > Security > Permissions > Grant admin consent). A pipeline's login never shows this prompt.",
    ],
};

pub const ASSIGNMENT_REQUIRED: EntraCause = EntraCause {
    id: "entra_assignment_required",
    summary: "The enterprise app requires assignment, and this user, group or app is not assigned to it.",
    fix: &[
        "Enterprise apps > All applications > the app > Users and groups > Add user/group: assign the user, or a group the user is a direct member of (assignment does not reach nested groups; owning the app registration does not count).",
        "Or, if the app need not be restricted: the app's Properties > Assignment required? > No (path not verified).",
        "A pipeline refused a token for an API (AADSTS501051, \"Application '…' is not assigned to a role for the application '…'\"): the API requires assignment, so the pipeline's app needs one of the API's application permissions, admin-consented: App registrations > the pipeline's app > API permissions > Add a permission > My APIs > the API > Application permissions, then Grant admin consent (path not verified).",
    ],
};

/// AADSTS501051's reading of the same cause: a pipeline's app refused a token for an API whose
/// enterprise app requires assignment. Its fix leads with the app's (an application permission,
/// admin-consented), the users' second; the id is the same promise.
pub const API_ASSIGNMENT_REQUIRED: EntraCause = EntraCause {
    id: ASSIGNMENT_REQUIRED.id,
    summary: "The API's enterprise app requires assignment, and this app holds none of the API's app roles.",
    fix: &[
        "Give the calling app (not the API) one of the API's application permissions and grant admin consent: App registrations > the app > API permissions > Add a permission > My APIs, pick the API and one of its Application permissions, then App registrations > the app > API permissions > Grant admin consent.",
        "For a user signing in instead of an app: Enterprise apps > All applications > the API > Users and groups > Add user/group (assignment does not reach nested groups). Or, if the API need not be restricted: its Properties > Assignment required? > No (path not verified).",
    ],
};

pub const CERTIFICATE_NOT_REGISTERED: EntraCause = EntraCause {
    id: "entra_certificate_not_registered",
    summary: "The certificate that signs the assertion is not uploaded to the app.",
    fix: &[
        "App registrations > the app > Certificates & secrets > Certificates > Upload certificate: the certificate of the key that signs the assertion. trustedCertificateSubjects in the manifest does not register one.",
        "The portal lists SHA-1 thumbprints; the answer's \"Thumbprint of key used by client\" is the one in the assertion's header: SHA-256 for x5t#S256 (sfjwt, current MSAL), SHA-1 for x5t. `sfjwt cert inspect CERT` prints both. If the portal lists the certificate's SHA-1 but the answer's thumbprint is neither of its hashes, the header is mis-encoded (entra_assertion_invalid).",
    ],
};

pub const CERTIFICATE_EXPIRED: EntraCause = EntraCause {
    id: "entra_certificate_expired",
    summary: "The certificate that signs the assertion is past its validity window (its notAfter has passed).",
    fix: &[
        "App registrations > the app > Certificates & secrets > Certificates > Upload certificate: a renewed certificate, then sign with its key (delete the expired one there once nothing uses it).",
        "To make one: `sfjwt keygen --name ci` writes ci.key and ci.crt here (valid 365 days; --days to choose); `sfjwt cert inspect ci.crt --key ci.key` shows its validity and that it holds the key. Upload ci.crt, then store ci.key in the pipeline's secret.",
    ],
};

pub const ASSERTION_INVALID: EntraCause = EntraCause {
    id: "entra_assertion_invalid",
    summary: "Entra rejected the client assertion itself (signature, header, iss, aud or key).",
    fix: &[
        "Nothing to click: the client assertion is malformed. It needs iss = sub = the Application (client) ID, aud = the tenant's token endpoint on the same cloud host (https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token), and a header x5t (SHA-1) or x5t#S256 (SHA-256) thumbprint of the certificate in base64url, not base64 or hex.",
        "It must be signed with the private key of a certificate uploaded to the app (App registrations > the app > Certificates & secrets > Certificates), an RSA key of at least 2048 bits.",
    ],
};

pub const ASSERTION_EXPIRED: EntraCause = EntraCause {
    id: "entra_assertion_expired",
    summary: "The client assertion was outside its validity window (clock or a reused assertion).",
    fix: &[
        "The client assertion was past its exp when Entra read it: sign a fresh assertion for each request (libraries that reuse one have shipped this bug), set nbf/exp in UTC seconds with exp 5-10 minutes ahead, and sync the runner's clock (NTP).",
    ],
};

pub const FEDERATED_TOKEN_EXPIRED: EntraCause = EntraCause {
    id: "entra_federated_token_expired",
    summary: "The CI's OIDC token had expired when it was exchanged.",
    fix: &[
        "The CI's OIDC token (the federated assertion) expired before it was exchanged: request it right before the login and never reuse it across steps or long jobs; log in again (azure/login, `az login --federated-token`) before a later step needs an Azure token.",
    ],
};

pub const FEDERATED_MISMATCH: EntraCause = EntraCause {
    id: "entra_federated_credential_mismatch",
    summary: "No federated credential of the app matches the CI token's issuer, subject and audience.",
    fix: &[
        "App registrations > the app > Certificates & secrets > Federated credentials > Add credential: Issuer, Subject identifier and Audience must equal the CI token's exactly, case included (the answer quotes the token's values).",
        "GitHub: issuer https://token.actions.githubusercontent.com (no trailing slash), audience api://AzureADTokenExchange, subject repo:OWNER/REPO:ref:refs/heads/BRANCH, or repo:OWNER/REPO:environment:NAME when the job has an environment, or repo:OWNER/REPO:pull_request.",
    ],
};

pub const CLIENT_SECRET_INVALID: EntraCause = EntraCause {
    id: "entra_client_secret_invalid",
    summary: "The client secret sent is not a valid secret of the app.",
    fix: &[
        "App registrations > the app > Certificates & secrets > Client secrets: copy the secret's Value (shown once, at creation), not its Secret ID; create a new secret if the value is lost.",
        "A certificate given where a secret goes (`az login --password cert.pem`) is sent as a secret: pass it with --certificate, or log in with a certificate or a federated credential, which send no secret.",
    ],
};

pub const CLIENT_SECRET_EXPIRED: EntraCause = EntraCause {
    id: "entra_client_secret_expired",
    summary: "The app's client secret has expired.",
    fix: &[
        "App registrations > the app (the app ID in the answer) > Certificates & secrets > Client secrets > New client secret, and store its Value in the pipeline's secret; or move the pipeline to a certificate or a federated credential.",
    ],
};

pub const TENANT_NOT_FOUND: EntraCause = EntraCause {
    id: "entra_tenant_not_found",
    summary: "The tenant in the authority URL does not exist (or not on this cloud).",
    fix: &[
        "The tenant in the authority is wrong: use the Directory (tenant) ID (App registrations > the app > Overview) or a verified domain, as https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token. A word such as 'token', 'authorize' or a placeholder in its place means the URL was built wrong.",
        "A valid tenant ID asked on another cloud's host is not found either: see entra_wrong_authority.",
    ],
};

pub const WRONG_AUTHORITY: EntraCause = EntraCause {
    id: "entra_wrong_authority",
    summary: "The login went to another tenant or cloud than the app's (or to /common).",
    fix: &[
        "Log in through the tenant's own authority on its cloud's host: https://login.microsoftonline.com/{tenant} (public cloud), login.microsoftonline.us (US Government), login.partner.microsoftonline.cn (China); not /common or /organizations, and not a retired host such as login.microsoftonline.de.",
    ],
};

pub const CONDITIONAL_ACCESS: EntraCause = EntraCause {
    id: "entra_conditional_access",
    summary: "A Conditional Access policy blocked the token.",
    fix: &[
        "A Conditional Access policy blocked the token: Entra admin center > Sign-in logs > Service principal sign-ins (user sign-ins for a user) > the failed sign-in > Conditional Access tab names the policy (path not verified).",
        "Then exclude the pipeline's workload identity from that policy, or allow the runner's location; policies on workload identities need Workload Identities Premium.",
    ],
};

pub const INVALID_SCOPE: EntraCause = EntraCause {
    id: "entra_invalid_scope",
    summary: "The scope is not valid for this grant (client credentials need RESOURCE/.default).",
    fix: &[
        "Client credentials take exactly one scope, RESOURCE/.default (e.g. --scope https://graph.microsoft.com/.default): not permission names (User.Read, user_impersonation), not openid/profile/offline_access, not several resources at once.",
    ],
};

pub const PUBLIC_CLIENT: EntraCause = EntraCause {
    id: "entra_public_client_mismatch",
    summary: "The request carried neither a client assertion nor a client secret.",
    fix: &[
        "Entra expected a client assertion or secret and got neither. An interactive app: App registrations > the app > Authentication > register the redirect URI under Single-page application or Mobile and desktop applications, not Web (path not verified). A pipeline: check that the assertion (the OIDC token) was not empty.",
    ],
};

/// Every Entra cause, in the order docs/causes.md lists them.
pub const ALL: &[&EntraCause] = &[
    &APP_NOT_IN_TENANT,
    &RESOURCE_NOT_FOUND,
    &ADMIN_CONSENT_REQUIRED,
    &CONSENT_DECLINED,
    &ASSIGNMENT_REQUIRED,
    &API_ASSIGNMENT_REQUIRED,
    &CERTIFICATE_NOT_REGISTERED,
    &CERTIFICATE_EXPIRED,
    &ASSERTION_INVALID,
    &ASSERTION_EXPIRED,
    &FEDERATED_TOKEN_EXPIRED,
    &FEDERATED_MISMATCH,
    &CLIENT_SECRET_INVALID,
    &CLIENT_SECRET_EXPIRED,
    &TENANT_NOT_FOUND,
    &WRONG_AUTHORITY,
    &CONDITIONAL_ACCESS,
    &INVALID_SCOPE,
    &PUBLIC_CLIENT,
];

/// A refusal whose code and wording sfjwt does not read.
pub const UNKNOWN: EntraCause = EntraCause {
    id: "unknown",
    summary: "Entra refused with a code sfjwt does not read.",
    fix: &[
        "Look the AADSTS code up at https://login.microsoftonline.com/error?code=CODE (CODE: the number after AADSTS in the answer above).",
    ],
};

/// Distinct codes read from one text at most (a real answer carries one or two; a pasted log a few).
pub const MAX_CODES: usize = 16;

/// Texts that say the assertion was the CI's OIDC token (a federated credential), not one the
/// client signed: azure-identity's assertion credentials, azure/login, and the az CLI, which in CI
/// reaches AADSTS700024 through azure/login's federated token (Azure/login #180, #372).
const FEDERATED_CLUES: &[&str] = &[
    "federated",
    "clientassertioncredential",
    "workloadidentitycredential",
    "azurepipelinescredential",
    "oidc",
    "azure/login",
    "token.actions.githubusercontent.com",
    "azureadtokenexchange",
    "azure cli",
];

/// One reading of an AADSTS code (or of its wording when the code is missing or legacy).
pub struct EntraCode {
    /// The anchor in docs/evidence.md.
    pub id: &'static str,
    /// AADSTS numbers this row reads.
    pub codes: &'static [u32],
    /// Lower-case wordings that identify the row without its code (legacy 50012, lost codes).
    pub needles: &'static [&'static str],
    /// Lower-case text of which one must also appear, to tell readings of one code apart.
    pub when: &'static [&'static str],
    /// Lower-case text that must not appear.
    pub unless: &'static [&'static str],
    /// `Some(true)`: only for a federated (OIDC) assertion, `Some(false)`: only for a signed one.
    pub keyless: Option<bool>,
    /// Causes, most likely first.
    pub causes: &'static [(&'static EntraCause, Likelihood)],
    /// What the code says, in one line (the report's evidence).
    pub reading: &'static str,
    pub evidence: Source,
}

const fn row(
    id: &'static str,
    codes: &'static [u32],
    needles: &'static [&'static str],
    causes: &'static [(&'static EntraCause, Likelihood)],
    reading: &'static str,
    evidence: Source,
) -> EntraCode {
    EntraCode { id, codes, needles, when: &[], unless: &[], keyless: None, causes, reading, evidence }
}

/// In order: the first row that fits wins (specific readings of a code before its general one).
pub const CODES: &[EntraCode] = &[
    row(
        "aadsts-700016",
        &[700016, 70001],
        &["was not found in the directory"],
        &[(&APP_NOT_IN_TENANT, Likely), (&WRONG_AUTHORITY, Possible)],
        "no application with this client id in the tenant the request went to",
        Source::Official,
    ),
    row(
        "aadsts-500011",
        &[500011],
        &["resource principal named"],
        &[(&RESOURCE_NOT_FOUND, Likely)],
        "the scope's resource has no service principal in the tenant",
        Source::Official,
    ),
    row(
        "aadsts-65001",
        &[65001],
        &["has not consented to use the application"],
        // A login through /common instead of the tenant meets the same answer (corpus e089): a
        // candidate, never first.
        &[(&ADMIN_CONSENT_REQUIRED, Likely), (&WRONG_AUTHORITY, Possible)],
        "no consent for the application's permissions in this tenant",
        Source::Official,
    ),
    row(
        "aadsts-90094",
        &[90094, 900941, 90093],
        &["grant requires admin permission", "need admin approval", "only an admin can grant"],
        &[(&ADMIN_CONSENT_REQUIRED, Likely)],
        "the permissions need an administrator's consent",
        Source::Official,
    ),
    row(
        "aadsts-90095",
        &[90095],
        &[],
        &[(&ADMIN_CONSENT_REQUIRED, Likely)],
        "admin consent was requested (admin consent workflow) and not granted yet",
        Source::Official,
    ),
    row(
        "aadsts-65004",
        &[65004],
        &["declined to consent"],
        &[(&CONSENT_DECLINED, Likely)],
        "the signed-in user declined the consent prompt",
        Source::Official,
    ),
    row(
        "aadsts-501051",
        &[501051],
        &["is not assigned to a role for the application"],
        &[(&API_ASSIGNMENT_REQUIRED, Likely)],
        "the app holds none of the app roles of an API whose enterprise app requires assignment",
        Source::Official,
    ),
    row(
        "aadsts-50105",
        &[50105],
        &["block users unless they are specifically granted"],
        &[(&ASSIGNMENT_REQUIRED, Likely)],
        "the enterprise app requires assignment and the user is not assigned",
        Source::Official,
    ),
    EntraCode {
        // The full reason without a thumbprint: the header named no key Entra could read, which
        // its reporter (corpus e045) found to be a mis-encoded x5t#S256, not a missing upload.
        when: &["please visit the azure portal"],
        unless: &["thumbprint of key used by client"],
        ..row(
            "aadsts-700027-no-thumbprint",
            &[700027],
            &[],
            &[(&ASSERTION_INVALID, Possible), (&CERTIFICATE_NOT_REGISTERED, Possible)],
            "no certificate of the app matches the assertion's header, which named no readable thumbprint",
            Source::Reported,
        )
    },
    EntraCode {
        // The older wording: the signature, not the registration, failed (corpus e048: x5t encoding).
        when: &["contains an invalid signature"],
        ..row(
            "aadsts-700027-signature",
            &[700027],
            &["contains an invalid signature"],
            &[(&ASSERTION_INVALID, Possible), (&CERTIFICATE_NOT_REGISTERED, Possible)],
            "the assertion's signature does not verify against the app's certificates",
            Source::Official,
        )
    },
    row(
        "aadsts-700027",
        &[700027],
        &["used to sign the client assertion is not registered"],
        &[(&CERTIFICATE_NOT_REGISTERED, Possible), (&ASSERTION_INVALID, Possible)],
        "the certificate the assertion names is not among the app's certificates",
        Source::Official,
    ),
    row(
        // The wording is the title of AzureAD/microsoft-identity-web #2834; no full answer was found.
        "aadsts-1000502",
        &[1000502],
        &["not within its specified validity window"],
        &[(&CERTIFICATE_EXPIRED, Likely)],
        "the certificate the assertion names is past its validity window",
        Source::Reported,
    ),
    row(
        "aadsts-50013",
        &[50013],
        &["assertion failed signature validation"],
        &[(&ASSERTION_INVALID, Likely)],
        "the key was found but the signature does not verify with it",
        Source::Reported,
    ),
    row(
        "aadsts-700021",
        &[700021],
        &["assertion application identifier doesn't match"],
        &[(&ASSERTION_INVALID, Likely)],
        "the assertion's iss/sub is not the client id",
        Source::Official,
    ),
    row(
        "aadsts-700023",
        &[700023],
        &["audience claim does not match"],
        &[(&ASSERTION_INVALID, Likely), (&WRONG_AUTHORITY, Possible)],
        "the assertion's aud is not this tenant's token endpoint",
        Source::Official,
    ),
    row(
        "aadsts-50027",
        &[50027, 50032],
        &["invalid jwt token", "less than the minimum required 2048 bits"],
        &[(&ASSERTION_INVALID, Likely)],
        "the assertion is not a valid JWT (a claim missing, a key too short)",
        Source::Reported,
    ),
    EntraCode {
        when: FEDERATED_CLUES,
        keyless: Some(true),
        ..row(
            "aadsts-700024-federated",
            &[700024],
            &["not within its valid time range"],
            &[(&FEDERATED_TOKEN_EXPIRED, Likely), (&ASSERTION_EXPIRED, Possible)],
            "the federated (OIDC) token sent as the assertion was outside its validity window",
            Source::Reported,
        )
    },
    row(
        "aadsts-700024",
        &[700024],
        &["not within its valid time range"],
        &[(&ASSERTION_EXPIRED, Likely), (&FEDERATED_TOKEN_EXPIRED, Possible)],
        "the client assertion was outside its validity window (nbf/exp)",
        Source::Official,
    ),
    row(
        "aadsts-70021",
        &[70021],
        &["no matching federated identity record"],
        &[(&FEDERATED_MISMATCH, Likely)],
        "no federated credential of the app matches the token's issuer, subject and audience",
        Source::Official,
    ),
    row(
        "aadsts-700211",
        &[700211],
        &[],
        &[(&FEDERATED_MISMATCH, Likely)],
        "no federated credential of the app has the token's issuer",
        Source::Official,
    ),
    row(
        "aadsts-700212",
        &[700212],
        &[],
        &[(&FEDERATED_MISMATCH, Likely)],
        "no federated credential of the app has the token's audience",
        Source::Official,
    ),
    row(
        "aadsts-700213",
        &[700213, 7002137],
        &[],
        &[(&FEDERATED_MISMATCH, Likely)],
        "no federated credential of the app has the token's subject",
        Source::Official,
    ),
    row(
        "aadsts-7002138",
        &[7002138],
        &["matches with case-insensitive comparison"],
        &[(&FEDERATED_MISMATCH, Likely)],
        "the token's subject matches a federated credential only when case is ignored",
        Source::Reported,
    ),
    row(
        "aadsts-7000215",
        &[7000215],
        &["invalid client secret"],
        &[(&CLIENT_SECRET_INVALID, Likely)],
        "the client secret sent is not a valid secret of the app",
        Source::Official,
    ),
    row(
        "aadsts-7000222",
        &[7000222],
        &["client secret keys"],
        &[(&CLIENT_SECRET_EXPIRED, Likely)],
        "the app's client secret has expired",
        Source::Official,
    ),
    row(
        "aadsts-90002",
        &[90002],
        &[],
        &[(&TENANT_NOT_FOUND, Likely), (&WRONG_AUTHORITY, Possible)],
        "the tenant in the authority URL does not exist on this cloud",
        Source::Official,
    ),
    row(
        "aadsts-900023",
        &[900023],
        &["neither a valid dns name, nor a valid external domain"],
        &[(&TENANT_NOT_FOUND, Likely), (&WRONG_AUTHORITY, Possible)],
        "the tenant in the authority URL is neither a tenant id nor a domain",
        Source::Official,
    ),
    row(
        "aadsts-53003",
        &[53003, 530032, 530084],
        &["blocked by conditional access"],
        &[(&CONDITIONAL_ACCESS, Likely)],
        "a Conditional Access policy blocked the token",
        Source::Official,
    ),
    row(
        "aadsts-70011",
        &[70011],
        &["the provided value for the input parameter 'scope' is not valid"],
        &[(&INVALID_SCOPE, Likely)],
        "the scope is not valid for this request",
        Source::Official,
    ),
    row(
        "aadsts-1002012",
        &[1002012],
        &["must have a scope value with /.default"],
        &[(&INVALID_SCOPE, Likely)],
        "client credentials need one RESOURCE/.default scope",
        Source::Official,
    ),
    row(
        "aadsts-7000218",
        &[7000218, 7000216],
        &["must contain the following parameter: 'client_assertion' or 'client_secret'"],
        &[(&PUBLIC_CLIENT, Likely)],
        "the request carried neither a client assertion nor a secret",
        Source::Reported,
    ),
];

/// The AADSTS numbers in a text, in order: `AADSTS700016`, `aaDSTS90093`, `AADSTS**7000215**`,
/// a sign-in log's `error code: 90095`, and a JSON answer's `"error_codes": [700027]`.
pub fn codes_in(text: &str) -> Vec<u32> {
    let lower = text.to_ascii_lowercase();
    // "error code: N" alone is any server's phrase (`HTTP 500 error code: 50013 from nginx`): it
    // reads as an Entra code only in a text that is about Entra.
    let about_entra = ["aadsts", "microsoft", "entra", "azure", "sign-in", "msal"].iter().any(|m| lower.contains(m));
    let mut out = Vec::new();
    for (marker, skip) in [("aadsts", "*`"), ("error code:", " \t*"), ("\"error_codes\":", " \t\r\n[")] {
        if marker == "error code:" && !about_entra {
            continue;
        }
        for (i, _) in lower.match_indices(marker) {
            let rest = lower[i + marker.len()..].trim_start_matches(|c| skip.contains(c));
            let digits: String = rest.chars().take_while(char::is_ascii_digit).take(9).collect();
            // AADSTS codes have at most 8 digits: a longer run is not one, and is not cut into one.
            if digits.len() > 8 {
                continue;
            }
            if let Ok(n) = digits.parse::<u32>()
                && !out.contains(&n)
                && out.len() < MAX_CODES
            {
                out.push(n);
            }
        }
    }
    out
}

/// Whether a row's side conditions hold: `keyless` is what the caller knows (login) or `None`
/// (explain, which reads the clues in the text).
fn fits(row: &EntraCode, lower: &str, keyless: Option<bool>) -> bool {
    let side = match (row.keyless, keyless) {
        (Some(want), Some(known)) => want == known,
        _ => row.when.is_empty() || row.when.iter().any(|w| lower.contains(w)),
    };
    side && !row.unless.iter().any(|u| lower.contains(u))
}

/// The row a text reads as, and the code it carried: by code first, then by wording.
pub fn find(text: &str, keyless: Option<bool>) -> Option<(&'static EntraCode, Option<u32>)> {
    let lower = text.to_lowercase().replace('’', "'");
    let codes = codes_in(text);
    let by_code = CODES.iter().find_map(|r| {
        let code = codes.iter().copied().find(|c| r.codes.contains(c))?;
        fits(r, &lower, keyless).then_some((r, Some(code)))
    });
    by_code.or_else(|| {
        CODES
            .iter()
            .find(|r| r.needles.iter().any(|n| lower.contains(n)) && fits(r, &lower, keyless))
            .map(|r| (r, None))
    })
}

/// Login's reading of a refusal: its `error_codes` and `error_description`, and whether the
/// assertion sent was the CI's OIDC token (an expired one is then the CI token's, not ours).
pub fn from_refusal(code: Option<u64>, description: &str, keyless: bool) -> EntraCause {
    reading_of_refusal(code, description, keyless).0
}

/// The same with how likely the reading makes it (None: no row reads the answer).
pub fn reading_of_refusal(code: Option<u64>, description: &str, keyless: bool) -> (EntraCause, Option<Likelihood>) {
    let text = match code {
        Some(c) => format!("{description} AADSTS{c}"),
        None => description.to_string(),
    };
    find(&text, Some(keyless)).map(|(row, _)| (*row.causes[0].0, Some(row.causes[0].1))).unwrap_or((UNKNOWN, None))
}

impl Likelihood {
    pub fn id(self) -> &'static str {
        match self {
            Likely => "likely",
            Possible => "possible",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_entra_texts_and_real_codes_give_codes() {
        assert_eq!(codes_in("HTTP 500 error code: 50013 from nginx"), Vec::<u32>::new());
        assert_eq!(codes_in("Sign-in error code: 50105"), vec![50105]);
        assert_eq!(codes_in("AADSTS99999999999999999999: no"), Vec::<u32>::new());
        assert_eq!(codes_in("AADSTS70021: No matching federated identity record"), vec![70021]);
    }

    #[test]
    fn codes_map_to_their_cause_ids() {
        let id = |code: u64, text: &str, keyless: bool| from_refusal(Some(code), text, keyless).id;
        assert_eq!(id(700016, "", false), "entra_app_not_in_tenant");
        let not_registered = "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: 'AB']";
        assert_eq!(id(700027, not_registered, false), "entra_certificate_not_registered");
        assert_eq!(id(700027, "Client assertion contains an invalid signature.", false), "entra_assertion_invalid");
        assert_eq!(id(700024, "", false), "entra_assertion_expired");
        assert_eq!(id(1000502, "", false), "entra_certificate_expired");
        let expired = "The provided certificate is not within its specified validity window";
        assert_eq!(from_refusal(None, expired, false).id, "entra_certificate_expired");
        assert_eq!(id(700024, "", true), "entra_federated_token_expired");
        assert_eq!(id(70021, "", true), "entra_federated_credential_mismatch");
        assert_eq!(id(7002138, "", true), "entra_federated_credential_mismatch");
        assert_eq!(id(90002, "", false), "entra_tenant_not_found");
        assert_eq!(id(900023, "", false), "entra_tenant_not_found");
        assert_eq!(id(500011, "", false), "entra_resource_not_found");
        assert_eq!(id(53003, "", true), "entra_conditional_access");
        assert_eq!(id(70011, "", false), "entra_invalid_scope");
        assert_eq!(id(1002012, "", false), "entra_invalid_scope");
        assert_eq!(id(7000215, "", false), "entra_client_secret_invalid");
        assert_eq!(id(12345, "", false), "unknown");
        assert_eq!(from_refusal(None, "", false).id, "unknown");
    }

    /// The Microsoft Entra admin center's paths the fixes may name, each as a Microsoft page shows
    /// it (docs/evidence.md cites the pages: how-to-add-credentials, workload-identity-federation-
    /// create-trust, grant-admin-consent, assign-user-or-group-access-portal, quickstart-register-app).
    const VERIFIED_PATHS: &[&[&str]] = &[
        &["App registrations", "the app", "Overview"],
        &["App registrations", "the app", "Certificates & secrets", "Certificates", "Upload certificate"],
        &["App registrations", "the app", "Certificates & secrets", "Client secrets", "New client secret"],
        &["App registrations", "the app", "Certificates & secrets", "Federated credentials", "Add credential"],
        &["App registrations", "the app", "API permissions", "Grant admin consent"],
        // learn.microsoft.com/entra/identity-platform/quickstart-configure-app-access-web-apis:
        // "Select API permissions > Add a permission > My APIs".
        &["App registrations", "the app", "API permissions", "Add a permission", "My APIs"],
        &["Enterprise apps", "All applications", "the app", "Security", "Permissions", "Grant admin consent"],
        &["Enterprise apps", "All applications", "the app", "Users and groups", "Add user/group"],
    ];

    /// Parenthesised asides without a path in them ("(client)", "(the app ID in the answer)").
    fn without_asides(line: &str) -> String {
        let mut out = String::new();
        let mut rest = line;
        while let Some(open) = rest.find('(') {
            let close = rest[open..].find(')').map(|c| open + c);
            let Some(close) = close else { break };
            let inner = &rest[open + 1..close];
            out.push_str(&rest[..open]);
            if inner.contains(" > ") {
                out.push_str(&rest[open..=close]);
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Every `A > B > C` chain of a fix line, without the leading words of the sentence.
    fn paths(line: &str) -> Vec<Vec<String>> {
        let text = without_asides(line);
        let pieces = text.split([':', ';', ',', '(', ')']).flat_map(|p| p.split(". "));
        let mut out = Vec::new();
        for piece in pieces.filter(|p| p.contains(" > ")) {
            let mut segs: Vec<String> = piece.split(" > ").map(|s| s.trim().to_string()).collect();
            let first: Vec<&str> = segs[0].split(' ').collect();
            let start = first.iter().position(|w| w.starts_with(char::is_uppercase)).unwrap_or(first.len());
            segs[0] = first[start..].join(" ");
            let mut segs: Vec<String> = segs.into_iter().map(|s| s.trim_end_matches('.').to_string()).collect();
            if segs[0].ends_with("admin center's App registrations") {
                segs[0] = "App registrations".into();
            }
            out.push(segs);
        }
        out
    }

    /// Each path a fix names is (a stretch of) one the admin center has, or the line says
    /// "(path not verified)"; each cause with a fix to click names the path that fixes it.
    #[test]
    fn fixes_name_the_admin_center_paths_microsoft_documents() {
        let verified = |p: &[String]| {
            VERIFIED_PATHS.iter().any(|v| v.windows(p.len()).any(|w| w.iter().zip(p).all(|(a, b)| *a == b)))
        };
        let mut wrong = Vec::new();
        for c in ALL {
            for line in c.fix.iter().filter(|l| !l.contains("(path not verified)")) {
                wrong.extend(
                    paths(line).into_iter().filter(|p| !verified(p)).map(|p| format!("{}: {}", c.id, p.join(" > "))),
                );
            }
        }
        assert!(wrong.is_empty(), "paths the admin center does not have:\n{}", wrong.join("\n"));
        for (cause, path) in [
            (&APP_NOT_IN_TENANT, "App registrations > the app > Overview"),
            (
                &ADMIN_CONSENT_REQUIRED,
                "Enterprise apps > All applications > the app > Security > Permissions > Grant admin consent",
            ),
            (&ADMIN_CONSENT_REQUIRED, "App registrations > the app > API permissions > Grant admin consent"),
            (
                &CONSENT_DECLINED,
                "Enterprise apps > All applications > the app > Security > Permissions > Grant admin consent",
            ),
            (&ASSIGNMENT_REQUIRED, "Enterprise apps > All applications > the app > Users and groups > Add user/group"),
            (
                &CERTIFICATE_NOT_REGISTERED,
                "App registrations > the app > Certificates & secrets > Certificates > Upload certificate",
            ),
            (
                &CERTIFICATE_EXPIRED,
                "App registrations > the app > Certificates & secrets > Certificates > Upload certificate",
            ),
            (&ASSERTION_INVALID, "App registrations > the app > Certificates & secrets > Certificates"),
            (
                &FEDERATED_MISMATCH,
                "App registrations > the app > Certificates & secrets > Federated credentials > Add credential",
            ),
            (&CLIENT_SECRET_INVALID, "App registrations > the app > Certificates & secrets > Client secrets"),
            (&CLIENT_SECRET_EXPIRED, "Certificates & secrets > Client secrets > New client secret"),
            (&TENANT_NOT_FOUND, "App registrations > the app > Overview"),
            (&CONDITIONAL_ACCESS, "Sign-in logs > Service principal sign-ins"),
        ] {
            assert!(cause.fix.iter().any(|l| l.contains(path)), "{} does not name {path}", cause.id);
        }
        // The extraction itself: a wrong path is caught.
        let bad = paths("Fix: App registrations > the app > Secrets > New secret, then retry.");
        assert_eq!(bad, vec![vec!["App registrations", "the app", "Secrets", "New secret"]]);
        assert!(!verified(&bad[0]));
    }

    #[test]
    fn every_cause_has_a_summary_a_fix_and_a_doc() {
        for c in ALL {
            assert!(c.id.starts_with("entra_") && !c.summary.is_empty() && !c.fix.is_empty(), "{}", c.id);
            assert!(c.doc().ends_with(&format!("/docs/causes.md#{}", c.id)));
        }
        for r in CODES {
            assert!(r.causes.iter().all(|(c, _)| ALL.contains(c)), "{}: a cause outside ALL", r.id);
        }
    }
}
