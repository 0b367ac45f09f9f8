//! Microsoft Entra refusals (issue 25 §2): `AADSTS` codes in a token endpoint's JSON answer or in
//! pasted az CLI / azure/login / MSAL / azure-identity logs, read into the same [`Diagnosis`] as
//! Salesforce refusals. One table, [`CODES`], drives `explain`, login's reading of an Entra answer
//! ([`from_answer`]), docs/causes.md and docs/evidence.md (tests keep the three in step).
//!
//! Microsoft warns that codes and texts change (reference-error-codes): rows match the code first
//! and the wording second, so legacy codes (70002 + 50012) and texts whose code was lost still read.

use super::wordings::Evidence;
use super::{Cause, Confidence, Diagnosis};
use Cause::{
    EntraAdminConsentRequired, EntraAppNotInTenant, EntraAssertionExpired, EntraAssertionInvalid,
    EntraAssignmentRequired, EntraCertificateNotRegistered, EntraClientSecretExpired, EntraClientSecretInvalid,
    EntraConditionalAccess, EntraConsentDeclined, EntraFederatedCredentialMismatch, EntraFederatedTokenExpired,
    EntraInvalidScope, EntraPublicClientMismatch, EntraResourceNotFound, EntraTenantNotFound, EntraWrongAuthority,
};
use Confidence::{Likely, Possible};

/// Most of the input an excerpt shows, in characters.
const EXCERPT: usize = 240;

/// Distinct codes read from one text at most (a real answer carries one or two; a pasted log a few).
const MAX_CODES: usize = 16;

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
    pub causes: &'static [(Cause, Confidence)],
    /// What the code says, in one line (the report's evidence).
    pub reading: &'static str,
    pub evidence: Evidence,
}

const fn row(
    id: &'static str,
    codes: &'static [u32],
    needles: &'static [&'static str],
    causes: &'static [(Cause, Confidence)],
    reading: &'static str,
    evidence: Evidence,
) -> EntraCode {
    EntraCode { id, codes, needles, when: &[], unless: &[], keyless: None, causes, reading, evidence }
}

/// In order: the first row that fits wins (specific readings of a code before its general one).
pub const CODES: &[EntraCode] = &[
    row(
        "aadsts-700016",
        &[700016, 70001],
        &["was not found in the directory"],
        &[(EntraAppNotInTenant, Likely), (EntraWrongAuthority, Possible)],
        "no application with this client id in the tenant the request went to",
        Evidence::Official,
    ),
    row(
        "aadsts-500011",
        &[500011],
        &["resource principal named"],
        &[(EntraResourceNotFound, Likely)],
        "the scope's resource has no service principal in the tenant",
        Evidence::Official,
    ),
    row(
        "aadsts-65001",
        &[65001],
        &["has not consented to use the application"],
        // A login through /common instead of the tenant meets the same answer (corpus e089): a
        // candidate, never first.
        &[(EntraAdminConsentRequired, Likely), (EntraWrongAuthority, Possible)],
        "no consent for the application's permissions in this tenant",
        Evidence::Official,
    ),
    row(
        "aadsts-90094",
        &[90094, 900941, 90093],
        &["grant requires admin permission", "need admin approval", "only an admin can grant"],
        &[(EntraAdminConsentRequired, Likely)],
        "the permissions need an administrator's consent",
        Evidence::Official,
    ),
    row(
        "aadsts-90095",
        &[90095],
        &[],
        &[(EntraAdminConsentRequired, Likely)],
        "admin consent was requested (admin consent workflow) and not granted yet",
        Evidence::Official,
    ),
    row(
        "aadsts-65004",
        &[65004],
        &["declined to consent"],
        &[(EntraConsentDeclined, Likely)],
        "the signed-in user declined the consent prompt",
        Evidence::Official,
    ),
    row(
        "aadsts-50105",
        &[50105],
        &["block users unless they are specifically granted"],
        &[(EntraAssignmentRequired, Likely)],
        "the enterprise app requires assignment and the user is not assigned",
        Evidence::Official,
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
            &[(EntraAssertionInvalid, Possible), (EntraCertificateNotRegistered, Possible)],
            "no certificate of the app matches the assertion's header, which named no readable thumbprint",
            Evidence::Reported,
        )
    },
    EntraCode {
        // The older wording: the signature, not the registration, failed (corpus e048: x5t encoding).
        when: &["contains an invalid signature"],
        ..row(
            "aadsts-700027-signature",
            &[700027],
            &["contains an invalid signature"],
            &[(EntraAssertionInvalid, Possible), (EntraCertificateNotRegistered, Possible)],
            "the assertion's signature does not verify against the app's certificates",
            Evidence::Official,
        )
    },
    row(
        "aadsts-700027",
        &[700027],
        &["used to sign the client assertion is not registered"],
        &[(EntraCertificateNotRegistered, Possible), (EntraAssertionInvalid, Possible)],
        "the certificate the assertion names is not among the app's certificates",
        Evidence::Official,
    ),
    row(
        "aadsts-50013",
        &[50013],
        &["assertion failed signature validation"],
        &[(EntraAssertionInvalid, Likely)],
        "the key was found but the signature does not verify with it",
        Evidence::Reported,
    ),
    row(
        "aadsts-700021",
        &[700021],
        &["assertion application identifier doesn't match"],
        &[(EntraAssertionInvalid, Likely)],
        "the assertion's iss/sub is not the client id",
        Evidence::Official,
    ),
    row(
        "aadsts-700023",
        &[700023],
        &["audience claim does not match"],
        &[(EntraAssertionInvalid, Likely), (EntraWrongAuthority, Possible)],
        "the assertion's aud is not this tenant's token endpoint",
        Evidence::Official,
    ),
    row(
        "aadsts-50027",
        &[50027, 50032],
        &["invalid jwt token", "less than the minimum required 2048 bits"],
        &[(EntraAssertionInvalid, Likely)],
        "the assertion is not a valid JWT (a claim missing, a key too short)",
        Evidence::Reported,
    ),
    EntraCode {
        when: FEDERATED_CLUES,
        keyless: Some(true),
        ..row(
            "aadsts-700024-federated",
            &[700024],
            &["not within its valid time range"],
            &[(EntraFederatedTokenExpired, Likely), (EntraAssertionExpired, Possible)],
            "the federated (OIDC) token sent as the assertion was outside its validity window",
            Evidence::Reported,
        )
    },
    row(
        "aadsts-700024",
        &[700024],
        &["not within its valid time range"],
        &[(EntraAssertionExpired, Likely), (EntraFederatedTokenExpired, Possible)],
        "the client assertion was outside its validity window (nbf/exp)",
        Evidence::Official,
    ),
    row(
        "aadsts-70021",
        &[70021],
        &["no matching federated identity record"],
        &[(EntraFederatedCredentialMismatch, Likely)],
        "no federated credential of the app matches the token's issuer, subject and audience",
        Evidence::Official,
    ),
    row(
        "aadsts-700211",
        &[700211],
        &[],
        &[(EntraFederatedCredentialMismatch, Likely)],
        "no federated credential of the app has the token's issuer",
        Evidence::Official,
    ),
    row(
        "aadsts-700212",
        &[700212],
        &[],
        &[(EntraFederatedCredentialMismatch, Likely)],
        "no federated credential of the app has the token's audience",
        Evidence::Official,
    ),
    row(
        "aadsts-700213",
        &[700213, 7002137],
        &[],
        &[(EntraFederatedCredentialMismatch, Likely)],
        "no federated credential of the app has the token's subject",
        Evidence::Official,
    ),
    row(
        "aadsts-7002138",
        &[7002138],
        &["matches with case-insensitive comparison"],
        &[(EntraFederatedCredentialMismatch, Likely)],
        "the token's subject matches a federated credential only when case is ignored",
        Evidence::Reported,
    ),
    row(
        "aadsts-7000215",
        &[7000215],
        &["invalid client secret"],
        &[(EntraClientSecretInvalid, Likely)],
        "the client secret sent is not a valid secret of the app",
        Evidence::Official,
    ),
    row(
        "aadsts-7000222",
        &[7000222],
        &["client secret keys"],
        &[(EntraClientSecretExpired, Likely)],
        "the app's client secret has expired",
        Evidence::Official,
    ),
    row(
        "aadsts-90002",
        &[90002],
        &[],
        &[(EntraTenantNotFound, Likely), (EntraWrongAuthority, Possible)],
        "the tenant in the authority URL does not exist on this cloud",
        Evidence::Official,
    ),
    row(
        "aadsts-900023",
        &[900023],
        &["neither a valid dns name, nor a valid external domain"],
        &[(EntraTenantNotFound, Likely), (EntraWrongAuthority, Possible)],
        "the tenant in the authority URL is neither a tenant id nor a domain",
        Evidence::Official,
    ),
    row(
        "aadsts-53003",
        &[53003, 530032, 530084],
        &["blocked by conditional access"],
        &[(EntraConditionalAccess, Likely)],
        "a Conditional Access policy blocked the token",
        Evidence::Official,
    ),
    row(
        "aadsts-70011",
        &[70011],
        &["the provided value for the input parameter 'scope' is not valid"],
        &[(EntraInvalidScope, Likely)],
        "the scope is not valid for this request",
        Evidence::Official,
    ),
    row(
        "aadsts-1002012",
        &[1002012],
        &["must have a scope value with /.default"],
        &[(EntraInvalidScope, Likely)],
        "client credentials need one RESOURCE/.default scope",
        Evidence::Official,
    ),
    row(
        "aadsts-7000218",
        &[7000218, 7000216],
        &["must contain the following parameter: 'client_assertion' or 'client_secret'"],
        &[(EntraPublicClientMismatch, Likely)],
        "the request carried neither a client assertion nor a secret",
        Evidence::Reported,
    ),
];

/// The AADSTS numbers in a text, in order: `AADSTS700016`, `aaDSTS90093`, `AADSTS**7000215**`,
/// a sign-in log's `error code: 90095`, and a JSON answer's `"error_codes": [700027]`.
pub fn codes_in(text: &str) -> Vec<u32> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for (marker, skip) in [("aadsts", "*`"), ("error code:", " \t*"), ("\"error_codes\":", " \t\r\n[")] {
        for (i, _) in lower.match_indices(marker) {
            let rest = lower[i + marker.len()..].trim_start_matches(|c| skip.contains(c));
            let digits: String = rest.chars().take_while(char::is_ascii_digit).take(8).collect();
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

/// Whether a text holds a refusal sfjwt reads (an AADSTS code outside the table is not one).
pub fn recognises(text: &str) -> bool {
    find(text, None).is_some()
}

/// `explain`'s reading of free text; `None` when nothing in it is Entra's.
pub fn explain(text: &str) -> Option<Diagnosis> {
    diagnose(text, None, vec![])
}

/// Login's reading of the token endpoint's answer body (JSON with `error`, `error_description`,
/// `error_codes`, or whatever else came back); `keyless` says whether the assertion sent was the
/// CI's OIDC token. `evidence` leads the report's.
pub fn from_answer(body: &str, keyless: bool, evidence: Vec<String>) -> Diagnosis {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|s| s.as_str()).unwrap_or_default().to_string();
            let codes: Vec<u64> = v
                .get("error_codes")
                .and_then(|c| c.as_array())
                .map(|a| a.iter().filter_map(|n| n.as_u64()).collect())
                .unwrap_or_default();
            from_refusal(&field("error"), &field("error_description"), &codes, keyless, evidence)
        }
        Err(_) => from_refusal("", body, &[], keyless, evidence),
    }
}

/// The same from an answer already parsed into its fields.
pub fn from_refusal(error: &str, description: &str, codes: &[u64], keyless: bool, evidence: Vec<String>) -> Diagnosis {
    let codes: Vec<String> = codes.iter().map(|n| format!("AADSTS{n}")).collect();
    let text = format!("{error}: {description} {}", codes.join(" "));
    match diagnose(&text, Some(keyless), evidence.clone()) {
        Some(d) => d,
        None => {
            let mut evidence = evidence;
            evidence.push("the answer holds no AADSTS code or wording sfjwt reads".into());
            Diagnosis::new(Cause::Unknown, Possible, evidence)
        }
    }
}

fn diagnose(text: &str, keyless: Option<bool>, mut evidence: Vec<String>) -> Option<Diagnosis> {
    let Some((row, code)) = find(text, keyless) else {
        // Only an AADSTS-prefixed number is surely Entra's ("error code: 500" may be anyone's).
        let aadsts = text.to_ascii_lowercase().contains("aadsts");
        return codes_in(text).first().filter(|_| aadsts).map(|&code| unknown_code(code, evidence));
    };
    let code = code.map(|c| format!("AADSTS{c}")).unwrap_or_else(|| "the wording (no code)".into());
    evidence.push(format!("{code}: {} (docs/evidence.md#{})", row.reading, row.id));
    evidence.extend(quoted_values(text));
    evidence.push(format!("matched: {}", excerpt(text, row)));
    let (cause, conf) = row.causes[0];
    Some(Diagnosis::new(cause, conf, evidence).with_candidates(&row.causes[1..]))
}

/// An AADSTS code outside the table: say so, and where Microsoft explains it.
fn unknown_code(code: u32, mut evidence: Vec<String>) -> Diagnosis {
    evidence.push(format!("AADSTS{code} is not a code sfjwt reads yet"));
    let mut d = Diagnosis::new(Cause::Unknown, Possible, evidence);
    d.remediation = vec![
        format!("Microsoft's description and fix: https://login.microsoftonline.com/error?code={code}"),
        "The codes sfjwt reads: docs/causes.md (entra_ causes); the reference: https://learn.microsoft.com/entra/identity-platform/reference-error-codes".into(),
    ];
    d
}

/// The line that matched, cut to [`EXCERPT`] characters.
fn excerpt(text: &str, row: &EntraCode) -> String {
    let hit = |l: &&str| {
        let lower = l.to_lowercase();
        lower.contains("aadsts") || row.needles.iter().any(|n| lower.contains(n))
    };
    let line = text.lines().map(str::trim).find(hit).unwrap_or_else(|| text.trim());
    safe(&line.chars().take(EXCERPT).collect::<String>())
}

/// Pasted text made fit for a report: a JWT on the same line (an assertion, an OIDC token) is
/// removed, control characters become spaces.
fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let run =
            rest[at..].find(|c: char| !(c.is_ascii_alphanumeric() || "-_.=".contains(c))).unwrap_or(rest.len() - at);
        out.push_str(&rest[..at]);
        // A token is long (every JWT opens with "eyJ"); a short run so spelt is an ordinary word.
        out.push_str(if run > 16 { "<JWT removed>" } else { &rest[at..at + run] });
        rest = &rest[at + run..];
    }
    out.push_str(rest);
    crate::secrets::terminal_safe(&out)
}

/// The values Entra quotes back that the fix needs: the federated token's issuer, subject and
/// audience, and the client id it did not find (a placeholder or a name is not a client id).
fn quoted_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (label, marker) in [
        ("issuer", "assertion issuer"),
        ("subject", "assertion subject"),
        ("audience", "assertion audience"),
        ("client id", "application with identifier"),
    ] {
        let Some(value) = quoted_after(text, marker) else { continue };
        let shape = if label == "client id" && !value.contains('*') && !is_guid(&value) {
            " (not a GUID: a placeholder or a name, not an Application (client) ID)"
        } else {
            ""
        };
        out.push(format!("the answer's {label}: '{}'{shape}", safe(&value)));
    }
    out
}

/// The first '…'-quoted value after a marker (case-insensitive), at most 200 characters.
fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(marker)? + marker.len();
    let rest = text[at..].trim_start_matches([':', ' ']);
    let inner = rest.strip_prefix('\'')?;
    let end = inner.find('\'')?;
    Some(inner[..end].chars().take(200).collect())
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// What to do, in the words of the Microsoft Entra admin center. Paths not seen on a Microsoft
/// page (issue 25 research) say so.
pub fn remediation(cause: Cause) -> &'static [&'static str] {
    match cause {
        EntraAppNotInTenant => &[
            "Check the Application (client) ID and the Directory (tenant) ID: Entra admin center > App registrations > the app > Overview shows both. A placeholder, the app's name, or a certificate's or secret's ID in their place gives this answer.",
            "The app must exist in the tenant the login goes to (Enterprise apps > All applications lists it there). A multi-tenant app is added to another tenant by its admin: https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client-id}.",
            "Check the host: an app of the US Government or China cloud is unknown to login.microsoftonline.com.",
        ],
        EntraResourceNotFound => &[
            "The scope names a resource this tenant does not have: pass --scope RESOURCE/.default, RESOURCE being the API's Application ID URI or application ID (e.g. https://graph.microsoft.com/.default); look for a doubled scheme, a trailing //, or an empty api://.",
            "For your own API: App registrations > the API > Expose an API > Application ID URI (path not verified); the API must also be in this tenant's Enterprise apps.",
        ],
        EntraAdminConsentRequired => &[
            "Enterprise apps > All applications > the app > Security > Permissions > Grant admin consent (at least a Cloud Application Administrator); or App registrations > the app > API permissions > Grant admin consent.",
            "Application permissions (app roles) of Microsoft Graph need a Privileged Role Administrator to grant.",
            "Check the authority too: through /common or another tenant the login meets a tenant where consent was never given; use the tenant's own ID.",
        ],
        EntraConsentDeclined => &[
            "The signed-in user chose Cancel on the consent prompt: sign in again and accept, or have an admin consent for everyone (Enterprise apps > the app > Security > Permissions > Grant admin consent). A pipeline's login never shows this prompt.",
        ],
        EntraAssignmentRequired => &[
            "Enterprise apps > All applications > the app > Users and groups > Add user/group: assign the user, or a group the user is a direct member of (assignment does not reach nested groups; owning the app registration does not count).",
            "Or, if the app need not be restricted: the app's Properties > Assignment required? > No (path not verified).",
        ],
        EntraCertificateNotRegistered => &[
            "App registrations > the app > Certificates & secrets > Certificates > Upload certificate: the certificate of the key that signs the assertion. trustedCertificateSubjects in the manifest does not register one.",
            "Compare the \"Thumbprint of key used by client\" in the answer with the thumbprints listed there. If the certificate is listed and the thumbprints differ, the assertion's x5t / x5t#S256 header is mis-encoded (entra_assertion_invalid).",
        ],
        _ => assertion_and_credential_remediation(cause),
    }
}

/// The fixes past the app and its consent: the assertion, the credentials, the tenant, the policy.
fn assertion_and_credential_remediation(cause: Cause) -> &'static [&'static str] {
    match cause {
        EntraAssertionInvalid => &[
            "Nothing to click: the client assertion is malformed. It needs iss = sub = the Application (client) ID, aud = the tenant's token endpoint on the same cloud host (https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token), and a header x5t (SHA-1) or x5t#S256 (SHA-256) thumbprint of the certificate in base64url, not base64 or hex.",
            "It must be signed with the private key of a certificate uploaded to the app (App registrations > the app > Certificates & secrets > Certificates), an RSA key of at least 2048 bits.",
        ],
        EntraAssertionExpired => &[
            "The client assertion was past its exp when Entra read it: sign a fresh assertion for each request (libraries that reuse one have shipped this bug), set nbf/exp in UTC seconds with exp 5-10 minutes ahead, and sync the runner's clock (NTP).",
        ],
        EntraFederatedTokenExpired => &[
            "The CI's OIDC token (the federated assertion) expired before it was exchanged: request it right before the login and never reuse it across steps or long jobs; log in again (azure/login, `az login --federated-token`) before a later step needs an Azure token.",
        ],
        EntraFederatedCredentialMismatch => &[
            "App registrations > the app > Certificates & secrets > Federated credentials > Add credential: Issuer, Subject identifier and Audience must equal the CI token's exactly, case included (the answer quotes the token's values).",
            "GitHub: issuer https://token.actions.githubusercontent.com (no trailing slash), audience api://AzureADTokenExchange, subject repo:OWNER/REPO:ref:refs/heads/BRANCH, or repo:OWNER/REPO:environment:NAME when the job has an environment, or repo:OWNER/REPO:pull_request.",
        ],
        EntraClientSecretInvalid => &[
            "App registrations > the app > Certificates & secrets > Client secrets: copy the secret's Value (shown once, at creation), not its Secret ID; create a new secret if the value is lost.",
            "A certificate given where a secret goes (`az login --password cert.pem`) is sent as a secret: pass it with --certificate, or log in with a certificate or a federated credential, which send no secret.",
        ],
        EntraClientSecretExpired => &[
            "App registrations > the app (the app ID in the answer) > Certificates & secrets > Client secrets > New client secret, and store its Value in the pipeline's secret; or move the pipeline to a certificate or a federated credential.",
        ],
        EntraTenantNotFound => &[
            "The tenant in the authority is wrong: use the Directory (tenant) ID (App registrations > the app > Overview) or a verified domain, as https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token. A word such as 'token', 'authorize' or a placeholder in its place means the URL was built wrong.",
            "A valid tenant ID asked on another cloud's host is not found either: see entra_wrong_authority.",
        ],
        EntraWrongAuthority => &[
            "Log in through the tenant's own authority on its cloud's host: https://login.microsoftonline.com/{tenant} (public cloud), login.microsoftonline.us (US Government), login.partner.microsoftonline.cn (China); not /common or /organizations, and not a retired host such as login.microsoftonline.de.",
        ],
        EntraConditionalAccess => &[
            "A Conditional Access policy blocked the token: Entra admin center > Sign-in logs > Service principal sign-ins (user sign-ins for a user) > the failed sign-in > Conditional Access tab names the policy (path not verified).",
            "Then exclude the pipeline's workload identity from that policy, or allow the runner's location; policies on workload identities need Workload Identities Premium.",
        ],
        EntraInvalidScope => &[
            "Client credentials take exactly one scope, RESOURCE/.default (e.g. --scope https://graph.microsoft.com/.default): not permission names (User.Read, user_impersonation), not openid/profile/offline_access, not several resources at once.",
        ],
        EntraPublicClientMismatch => &[
            "Entra expected a client assertion or secret and got neither. An interactive app: App registrations > the app > Authentication > register the redirect URI under Single-page application or Mobile and desktop applications, not Web (path not verified). A pipeline: check that the assertion (the OIDC token) was not empty.",
        ],
        _ => &[],
    }
}

/// One line: what the refusal means.
pub fn summary(cause: Cause) -> &'static str {
    match cause {
        EntraAppNotInTenant => "Entra found no application with this client id in the tenant.",
        EntraResourceNotFound => "The scope names a resource (API) the tenant does not have.",
        EntraAdminConsentRequired => "The app's permissions lack an administrator's consent in this tenant.",
        EntraConsentDeclined => "The user declined the app's consent prompt.",
        EntraAssignmentRequired => "The enterprise app requires assignment, and this user or group is not assigned.",
        EntraCertificateNotRegistered => "The certificate that signs the assertion is not uploaded to the app.",
        EntraAssertionInvalid => "Entra rejected the client assertion itself (signature, header, iss, aud or key).",
        EntraAssertionExpired => "The client assertion was outside its validity window (clock or a reused assertion).",
        EntraFederatedTokenExpired => "The CI's OIDC token had expired when it was exchanged.",
        EntraFederatedCredentialMismatch => {
            "No federated credential of the app matches the CI token's issuer, subject and audience."
        }
        EntraClientSecretInvalid => "The client secret sent is not a valid secret of the app.",
        EntraClientSecretExpired => "The app's client secret has expired.",
        EntraTenantNotFound => "The tenant in the authority URL does not exist (or not on this cloud).",
        EntraWrongAuthority => "The login went to another tenant or cloud than the app's (or to /common).",
        EntraConditionalAccess => "A Conditional Access policy blocked the token.",
        EntraInvalidScope => "The scope is not valid for this grant (client credentials need RESOURCE/.default).",
        EntraPublicClientMismatch => "The request carried neither a client assertion nor a client secret.",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(text: &str) -> Cause {
        explain(text).map(|d| d.cause).unwrap_or(Cause::None)
    }

    #[test]
    fn codes_are_read_in_their_pasted_forms() {
        assert_eq!(codes_in("Error: AADSTS700016: Application"), vec![700016]);
        assert_eq!(codes_in("aaDSTS90093: Calling principal"), vec![90093]);
        assert_eq!(codes_in("**AADSTS**7000215**: x"), vec![7000215]);
        assert_eq!(codes_in("> Sign-in error code:  90095 > Failure"), vec![90095]);
        assert_eq!(codes_in(r#"{"error_codes": [ 700027 ], "x": 1}"#), vec![700027]);
        assert_eq!(codes_in("AADSTS%3a nothing"), Vec::<u32>::new());
        let flood: String = (0..10_000).map(|n| format!("AADSTS{n} ")).collect();
        assert_eq!(codes_in(&flood).len(), MAX_CODES);
    }

    #[test]
    fn each_code_the_issue_names_has_its_cause() {
        for (code, cause) in [
            (65001, EntraAdminConsentRequired),
            (90094, EntraAdminConsentRequired),
            (90095, EntraAdminConsentRequired),
            (65004, EntraConsentDeclined),
            (50105, EntraAssignmentRequired),
            (700016, EntraAppNotInTenant),
            (500011, EntraResourceNotFound),
            (700027, EntraCertificateNotRegistered),
            (700021, EntraAssertionInvalid),
            (700023, EntraAssertionInvalid),
            (700024, EntraAssertionExpired),
            (7000215, EntraClientSecretInvalid),
            (7000222, EntraClientSecretExpired),
            (70021, EntraFederatedCredentialMismatch),
            (700211, EntraFederatedCredentialMismatch),
            (700212, EntraFederatedCredentialMismatch),
            (700213, EntraFederatedCredentialMismatch),
            (90002, EntraTenantNotFound),
            (900023, EntraTenantNotFound),
            (53003, EntraConditionalAccess),
            (70011, EntraInvalidScope),
            (1002012, EntraInvalidScope),
        ] {
            assert_eq!(top(&format!("AADSTS{code}: …")), cause, "AADSTS{code}");
        }
    }

    #[test]
    fn the_assertion_s_source_decides_700024() {
        let text = "AADSTS700024: Client assertion is not within its valid time range.";
        assert_eq!(top(text), EntraAssertionExpired);
        assert_eq!(
            top(&format!("ClientAssertionCredential authentication failed: {text}")),
            EntraFederatedTokenExpired
        );
        let body = r#"{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range.","error_codes":[700024]}"#;
        assert_eq!(from_answer(body, true, vec![]).cause, EntraFederatedTokenExpired);
        assert_eq!(from_answer(body, false, vec![]).cause, EntraAssertionExpired);
        let d = from_refusal("invalid_client", "", &[7000222], false, vec!["attempt 1".into()]);
        assert_eq!((d.cause, d.evidence[0].as_str()), (EntraClientSecretExpired, "attempt 1"));
        let d = from_answer("<html>bad gateway</html>", false, vec!["attempt 1".into()]);
        assert_eq!((d.cause, d.evidence.len()), (Cause::Unknown, 2));
    }

    #[test]
    fn legacy_and_codeless_wordings_still_read() {
        assert_eq!(
            top("AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is provided."),
            EntraClientSecretInvalid
        );
        assert_eq!(top("Need admin approval: only an admin can grant"), EntraAdminConsentRequired);
        assert_eq!(top("invalid_grant: user hasn't approved this consumer"), Cause::None);
    }

    #[test]
    fn a_pasted_token_never_reaches_the_evidence() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYiJ9.c2lnbmF0dXJl";
        let d = explain(&format!(
            "AADSTS700024: Client assertion is not within its valid time range. assertion={jwt}\u{1b}[2J"
        ))
        .unwrap();
        assert!(d.evidence.iter().all(|e| !e.contains("eyJ") && !e.contains('\u{1b}')), "{:?}", d.evidence);
        assert_eq!(safe("x eyJshort y"), "x eyJshort y");
    }

    #[test]
    fn an_unknown_code_points_to_microsoft_s_page() {
        let d = explain("AADSTS99999: something new").unwrap();
        assert_eq!(d.cause, Cause::Unknown);
        assert!(d.remediation[0].ends_with("error?code=99999"), "{:?}", d.remediation);
        assert!(!recognises("AADSTS99999: something new"));
    }

    #[test]
    fn quoted_values_name_a_placeholder_client_id() {
        let d = explain("AADSTS700016: Application with identifier 'Enter_the_Application_Id_here' was not found in the directory 'x'.").unwrap();
        assert!(
            d.evidence.iter().any(|e| e.contains("'Enter_the_Application_Id_here' (not a GUID")),
            "{:?}",
            d.evidence
        );
        let d = explain("AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com/'. Assertion Subject: 'repo:o/r:ref:refs/heads/main'.").unwrap();
        assert!(
            d.evidence.contains(&"the answer's issuer: 'https://token.actions.githubusercontent.com/'".to_string())
        );
        assert!(d.evidence.contains(&"the answer's subject: 'repo:o/r:ref:refs/heads/main'".to_string()));
    }

    #[test]
    fn every_entra_cause_has_a_fix_and_a_summary_and_rows_start_confident_at_most_likely() {
        for c in Cause::ALL.iter().filter(|c| c.id().starts_with("entra_")) {
            assert!(!remediation(*c).is_empty() && !summary(*c).is_empty(), "{}", c.id());
        }
        for r in CODES {
            assert!(r.causes.iter().all(|(_, conf)| *conf != Confidence::Confirmed), "{}", r.id);
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use super::CODES;

    /// docs/causes.md lists, per Entra cause, every code row that can lead to it.
    #[test]
    fn causes_doc_lists_each_code_row_with_its_evidence() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md")).unwrap();
        for r in CODES {
            for (cause, _) in r.causes {
                let head = format!("\n## {}\n", cause.id());
                let start = doc.find(&head).map(|i| i + head.len()).unwrap_or(doc.len());
                let end = doc[start..].find("\n## ").map(|i| start + i).unwrap_or(doc.len());
                let entry = format!("[`{}`](evidence.md#{}) ({})", r.id, r.id, r.evidence.id());
                assert!(doc[start..end].contains(&entry), "docs/causes.md ## {} lacks {entry}", cause.id());
            }
        }
    }
}
