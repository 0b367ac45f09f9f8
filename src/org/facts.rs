//! What an admin session can tell about the app and the user (salesforce.md §3). Every query
//! that fails for lack of a permission is recorded and the rest go on.

use serde_json::Value;

use crate::org::api::{OrgApi, QueryError, b, lit, s};

#[derive(Clone, Debug, Default)]
pub struct AppFacts {
    pub id: String,
    pub name: String,
    pub external: bool,
    pub admin_approved: Option<bool>,
    pub high_assurance: Option<bool>,
    /// Profile and permission-set names on the app's list.
    pub access_list: Vec<(String, String)>, // (parent PermissionSet id, shown name)
}

#[derive(Clone, Debug, Default)]
pub struct UserFacts {
    pub id: String,
    pub active: bool,
    pub frozen: Option<bool>,
    pub profile: Option<String>,
    /// PermissionSet ids in force (the profile's own, direct and through groups), with names.
    pub permission_sets: Vec<(String, String)>,
    pub ignored_assignments: Vec<String>,
    pub use_any_api_client: bool,
    pub approve_uninstalled: bool,
}

#[derive(Debug, Default)]
pub struct OrgFacts {
    pub session_ok: bool,
    pub session_error: Option<String>,
    pub is_sandbox: Option<bool>,
    /// "query X needs permission Y" lines.
    pub denied: Vec<String>,
    pub app_name: Option<String>,
    pub app_found_by: Option<String>,
    pub app: Option<AppFacts>,
    /// The app was looked up by name and no installed app has it.
    pub app_absent: bool,
    pub user: Option<UserFacts>,
    pub user_absent: bool,
    pub prior_approval: Option<bool>,
    pub recent_logins: Vec<(String, String, String)>, // time, status, application
}

fn need(object: &str) -> &'static str {
    match object {
        "OauthToken" => "Customize Application (to see other users' tokens)",
        "PermissionSetAssignment" => "View Setup and Configuration, Assign Permission Sets or Manage Users",
        _ => "View Setup and Configuration",
    }
}

impl OrgFacts {
    fn q(&mut self, api: &OrgApi<'_>, object: &str, soql: &str) -> Option<Vec<Value>> {
        match api.query(soql) {
            Ok(rows) => Some(rows),
            Err(QueryError::Denied { code, .. }) => {
                self.denied.push(format!("{object} could not be read ({code}): the admin user needs {}", need(object)));
                None
            }
            Err(QueryError::Session(m)) => {
                self.session_error.get_or_insert(m);
                None
            }
            Err(QueryError::Other(m)) => {
                self.denied.push(format!("{object} query failed: {m}"));
                None
            }
        }
    }
}

/// Identifies the app by `--app-name`, else the Application of the user's recent refused logins,
/// else `repo_name` (repository metadata whose consumer key matches), and says how.
pub fn gather(api: &OrgApi<'_>, username: &str, app_name: Option<&str>, repo_name: Option<&str>) -> OrgFacts {
    let mut f = OrgFacts::default();
    let Some(org) = f.q(api, "Organization", "SELECT Id, Name, IsSandbox FROM Organization") else {
        return f;
    };
    f.session_ok = f.session_error.is_none();
    f.is_sandbox = org.first().and_then(|o| b(o, "IsSandbox"));

    let users = f.q(
        api,
        "User",
        &format!("SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = {}", lit(username)),
    );
    let user_row = users.as_ref().and_then(|u| u.first().cloned());
    f.user_absent = users.as_ref().is_some_and(|u| u.is_empty());

    if let Some(u) = &user_row {
        let id = s(u, "Id").unwrap_or_default().to_string();
        let mut facts = UserFacts {
            id: id.clone(),
            active: b(u, "IsActive").unwrap_or(true),
            profile: s(u, "Profile.Name").map(str::to_string),
            ..UserFacts::default()
        };
        if let Some(rows) =
            f.q(api, "UserLogin", &format!("SELECT IsFrozen FROM UserLogin WHERE UserId = {}", lit(&id)))
        {
            facts.frozen = rows.first().and_then(|r| b(r, "IsFrozen"));
        }
        if let Some(rows) = f.q(
            api,
            "LoginHistory",
            &format!("SELECT LoginTime, Status, Application FROM LoginHistory WHERE UserId = {} AND LoginTime = LAST_N_DAYS:7 ORDER BY LoginTime DESC LIMIT 20", lit(&id)),
        ) {
            f.recent_logins = rows
                .iter()
                .map(|r| {
                    (
                        s(r, "LoginTime").unwrap_or_default().to_string(),
                        s(r, "Status").unwrap_or_default().to_string(),
                        s(r, "Application").unwrap_or_default().to_string(),
                    )
                })
                .collect();
        }
        permission_sets(&mut f, api, &id, &mut facts);
        f.user = Some(facts);
    }

    // Which app: --app-name / metadata first, else the Application of the user's refused logins.
    let from_history =
        f.recent_logins.iter().find(|(_, st, app)| st != "Success" && !app.is_empty()).map(|(_, _, a)| a.clone());
    let (name, by): (Option<String>, Option<String>) = match (app_name, from_history, repo_name) {
        (Some(n), _, _) => (Some(n.to_string()), Some("--app-name".into())),
        (None, Some(n), _) => {
            (Some(n), Some("the Application of the user's recent refused logins (LoginHistory)".into()))
        }
        (None, None, Some(n)) => (Some(n.to_string()), Some("repository metadata whose consumer key matches".into())),
        (None, None, None) => (None, None),
    };
    f.app_name = name.clone();
    f.app_found_by = by;
    if let Some(name) = name {
        find_app(&mut f, api, &name);
    }
    if let (Some(app), Some(user)) = (&f.app, &f.user)
        && let Some(rows) = f.q(
            api,
            "OauthToken",
            &format!(
                "SELECT AppName, UserId FROM OauthToken WHERE UserId = {} AND AppName = {}",
                lit(&user.id),
                lit(&app.name)
            ),
        )
    {
        f.prior_approval = Some(!rows.is_empty());
    }
    f
}

fn permission_sets(f: &mut OrgFacts, api: &OrgApi<'_>, user_id: &str, facts: &mut UserFacts) {
    let Some(rows) = f.q(
        api,
        "PermissionSetAssignment",
        &format!(
            "SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name, PermissionSetGroupId, IsActive, ExpirationDate FROM PermissionSetAssignment WHERE AssigneeId = {}",
            lit(user_id)
        ),
    ) else {
        return;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut groups = Vec::new();
    for r in &rows {
        let name = if b(r, "PermissionSet.IsOwnedByProfile") == Some(true) {
            format!("profile {}", s(r, "PermissionSet.Profile.Name").unwrap_or_default())
        } else {
            format!("permission set {}", s(r, "PermissionSet.Name").unwrap_or_default())
        };
        let expired = s(r, "ExpirationDate").and_then(parse_time).is_some_and(|t| t < now);
        if b(r, "IsActive") == Some(false) || expired {
            facts.ignored_assignments.push(format!("{name} ({})", if expired { "expired" } else { "inactive" }));
            continue;
        }
        if let Some(g) = s(r, "PermissionSetGroupId") {
            groups.push(g.to_string());
        } else if let Some(id) = s(r, "PermissionSetId") {
            facts.permission_sets.push((id.to_string(), name));
        }
    }
    if !groups.is_empty() {
        let list = groups.iter().map(|g| lit(g)).collect::<Vec<_>>().join(", ");
        if let Some(rows) = f.q(
            api,
            "PermissionSetGroupComponent",
            &format!("SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN ({list})"),
        ) {
            for r in &rows {
                if let Some(id) = s(r, "PermissionSetId") {
                    facts.permission_sets.push((id.to_string(), format!("permission set {} (via group)", s(r, "PermissionSet.Name").unwrap_or_default())));
                }
            }
        }
    }
    if facts.permission_sets.is_empty() {
        return;
    }
    let ids = facts.permission_sets.iter().map(|(id, _)| lit(id)).collect::<Vec<_>>().join(", ");
    // Queried one field at a time: an org without one of them answers INVALID_FIELD for that alone.
    for (field, slot) in [("PermissionsUseAnyApiClient", 0), ("PermissionsCanApproveUninstalledApps", 1)] {
        if let Some(rows) =
            f.q(api, "PermissionSet", &format!("SELECT Id, {field} FROM PermissionSet WHERE Id IN ({ids})"))
        {
            let any = rows.iter().any(|r| b(r, field) == Some(true));
            if slot == 0 {
                facts.use_any_api_client = any;
            } else {
                facts.approve_uninstalled = any;
            }
        }
    }
}

fn find_app(f: &mut OrgFacts, api: &OrgApi<'_>, name: &str) {
    let mut app = None;
    if let Some(rows) = f.q(
        api,
        "ConnectedApplication",
        &format!("SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly, OptionsHasSessionLevelPolicy FROM ConnectedApplication WHERE Name = {}", lit(name)),
    ) && let Some(r) = rows.first()
    {
        app = Some(AppFacts {
            id: s(r, "Id").unwrap_or_default().to_string(),
            name: s(r, "Name").unwrap_or(name).to_string(),
            external: false,
            admin_approved: b(r, "OptionsAllowAdminApprovedUsersOnly"),
            high_assurance: b(r, "OptionsHasSessionLevelPolicy"),
            access_list: vec![],
        });
    }
    if app.is_none()
        && let Some(rows) = f.q(
            api,
            "ExternalClientApplication",
            &format!("SELECT Id, MasterLabel, DeveloperName FROM ExternalClientApplication WHERE MasterLabel = {0} OR DeveloperName = {0}", lit(name)),
        )
        && let Some(r) = rows.first()
    {
        let id = s(r, "Id").unwrap_or_default().to_string();
        let mut facts = AppFacts {
            id: id.clone(),
            name: s(r, "MasterLabel").unwrap_or(name).to_string(),
            external: true,
            ..AppFacts::default()
        };
        if let Some(p) = f.q(api, "ExtlClntAppOauthPlcyCnfg", &format!("SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = {}", lit(&id))) {
            facts.admin_approved = p.first().and_then(|r| s(r, "PermittedUsersPolicyType")).map(|v| v == "AdminApprovedPreAuthorized");
        }
        if let Ok(p) = api.query(&format!("SELECT RequiredSessionLevel FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = {}", lit(&id))) {
            facts.high_assurance = p.first().map(|r| s(r, "RequiredSessionLevel").is_some_and(|v| v.eq_ignore_ascii_case("HIGH_ASSURANCE")));
        }
        app = Some(facts);
    }
    match app {
        None => {
            f.app_absent = f
                .denied
                .iter()
                .all(|d| !d.starts_with("ConnectedApplication") && !d.starts_with("ExternalClientApplication"))
        }
        Some(mut a) => {
            if let Some(rows) = f.q(
                api,
                "SetupEntityAccess",
                &format!("SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId = {}", lit(&a.id)),
            ) {
                a.access_list = rows
                    .iter()
                    .map(|r| {
                        let shown = if b(r, "Parent.IsOwnedByProfile") == Some(true) {
                            format!("profile {}", s(r, "Parent.Profile.Name").unwrap_or_default())
                        } else {
                            format!("permission set {}", s(r, "Parent.Name").unwrap_or_default())
                        };
                        (s(r, "ParentId").unwrap_or_default().to_string(), shown)
                    })
                    .collect();
            }
            f.app = Some(a);
        }
    }
}

fn parse_time(v: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(v, &Rfc3339).ok().map(|t| t.unix_timestamp()).or_else(|| {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
        );
        time::OffsetDateTime::parse(v, &fmt).ok().map(|t| t.unix_timestamp())
    })
}
