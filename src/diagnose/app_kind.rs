//! Refusal help that follows the app's kind. The default help leads with the connected app's
//! click paths (App Manager, Connected Apps OAuth Usage); when the app is known to be an External
//! Client App (the refusal names one, or the repository holds the External Client App that
//! `setup` made for this consumer key, or doctor read it from the org), its own paths come first.

use super::{Cause, Diagnosis};
use crate::appmeta::read as metadata;

/// The refusal's own words name an External Client App ("External client app is not installed
/// in this org").
pub fn named_in(error: &str, description: &str) -> bool {
    format!("{error} {description}").to_ascii_lowercase().contains("external client app")
}

/// The app in the repository (sfdx-project.json's folders) with this consumer key: the one
/// `setup` wrote, its git-ignored OAuth settings still here.
pub fn repository_app(client_id: &str) -> Option<metadata::RepoApp> {
    if client_id.is_empty() {
        return None;
    }
    let apps = metadata::scan(&metadata::source_dirs(None));
    metadata::find_by_key(&apps, client_id).cloned()
}

/// The External Client App's help for `cause`, when it differs from the connected app's.
fn external_client_app_help(cause: Cause) -> Option<&'static [&'static str]> {
    Some(match cause {
        Cause::UserNotPreauthorized => &[
            "Setup > External Client App Manager > the app > Policies > Edit > OAuth Policies > Plugin Policies > Permitted Users: \"Admin approved users are pre-authorized\".",
            "Then App Policies > Select Profiles or Select Permission Sets: add a profile or permission set the CI user holds; or assign the user a permission set already on the app's list.",
            "A user with the \"Use Any API Client\" permission bypasses this check.",
            "(A connected app: App Manager > the app > Manage > Edit Policies > Permitted Users, then Manage Profiles / Manage Permission Sets.)",
        ],
        Cause::UserNotApproved => &[
            "Setup > External Client App Manager > the app > Policies > Edit > OAuth Policies > Plugin Policies > Permitted Users: \"Admin approved users are pre-authorized\". JWT has no consent screen, so a self-authorize app refuses a user who never approved it.",
            "Then App Policies > Select Profiles or Select Permission Sets: add a profile or permission set the CI user holds. If the app already is admin-approved, this step alone is the fix (user_not_preauthorized).",
            "(A connected app: App Manager > the app > Manage > Edit Policies > Permitted Users, then Manage Profiles / Manage Permission Sets.)",
        ],
        Cause::AppNotInstalled => &[
            "The External Client App is not in this org: deploy it there (sf project deploy start --source-dir <the app's folder> --target-org <admin alias>) or install the package that holds it; Setup > External Client App Manager lists the apps the org has.",
            "After a sandbox refresh, app configuration can be lost: redeploy the app to the sandbox.",
            "(A connected app: Setup > Connected Apps OAuth Usage > the app > Install.)",
        ],
        Cause::CertificateMismatch => &[
            "Upload the certificate that matches the CI key: Setup > External Client App Manager > the app > Settings > OAuth Settings > Enable JWT Bearer Flow > the certificate (or deploy the app's .ecaGlblOauth file with it).",
            "Compare: `sfjwt cert inspect server.crt --key server.key` (exit 5 means they do not match).",
            "(A connected app: App Manager > the app > Edit > Use digital signatures.)",
        ],
        Cause::HighAssuranceRequired => &[
            "The app's session policy requires High Assurance, which JWT cannot satisfy: Setup > External Client App Manager > the app > Policies > Edit > OAuth Policies > Session Policies: no High Assurance session level for the CI app.",
            "Or the CI user's profile: Setup > Profiles > the profile > Session Settings > \"Session Security Level Required at Login\": None (High Assurance there blocks API calls after a JWT login).",
            "(A connected app: App Manager > the app > Manage > Edit Policies > High assurance session required: off.)",
        ],
        Cause::NoValidScopes => &[
            "Give the app the OAuth scopes \"Manage user data via APIs (api)\" and \"Perform requests at any time (refresh_token, offline_access)\": Setup > External Client App Manager > the app > Settings > OAuth Settings > Selected OAuth Scopes (a connected app: App Manager > the app > Edit). An app with only api answers \"refresh_token scope is required and the connected app should be installed and preauthorized\".",
        ],
        _ => return None,
    })
}

/// The diagnosis with the External Client App's help first, when `external` and the help is
/// still the cause's default (a verdict from org data has already named the app and its path).
pub fn follow(mut d: Diagnosis, external: bool) -> Diagnosis {
    let default: Vec<String> = d.cause.remediation().iter().map(|s| s.to_string()).collect();
    if let (true, Some(help)) = (external && d.remediation == default, external_client_app_help(d.cause)) {
        d.remediation = help.iter().map(|s| s.to_string()).collect();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Confidence;

    #[test]
    fn an_external_client_app_gets_its_own_paths_first() {
        let d = Diagnosis::new(Cause::UserNotPreauthorized, Confidence::Likely, vec![]);
        let connected = follow(d.clone(), false);
        assert!(connected.remediation[0].starts_with("App Manager > the app"), "{:?}", connected.remediation);
        let eca = follow(d, true);
        assert!(eca.remediation[0].starts_with("Setup > External Client App Manager > the app > Policies"));
        assert!(!eca.remediation[0].contains("App Manager > the app > Manage"), "{:?}", eca.remediation);
        assert!(named_in("app_not_found", "External client app is not installed in this org"));
        assert!(!named_in("invalid_grant", "user hasn't approved this consumer"));
    }

    /// Every cause with its own External Client App help names the External Client App's place
    /// before the connected app's (App Manager, Connected Apps OAuth Usage).
    #[test]
    fn each_external_client_app_help_leads_with_its_own_path() {
        for cause in [
            Cause::UserNotPreauthorized,
            Cause::AppNotInstalled,
            Cause::CertificateMismatch,
            Cause::HighAssuranceRequired,
            Cause::NoValidScopes,
        ] {
            let d = follow(Diagnosis::new(cause, Confidence::Likely, vec![]), true);
            let text = d.remediation.join("\n");
            let eca = text.find("External Client App").unwrap_or(usize::MAX);
            let connected = ["App Manager > the app", "Connected Apps OAuth Usage"]
                .iter()
                .filter_map(|p| text.find(p))
                .min()
                .unwrap_or(usize::MAX);
            assert!(eca < connected && connected != usize::MAX, "{}: {text}", cause.id());
        }
    }

    #[test]
    fn a_verdict_with_its_own_help_is_kept() {
        let mut d = Diagnosis::new(Cause::UserNotPreauthorized, Confidence::Confirmed, vec![]);
        d.remediation = vec!["Give ci@acme.com access to the app \"CI\"".into()];
        assert_eq!(follow(d.clone(), true).remediation, d.remediation);
    }
}
