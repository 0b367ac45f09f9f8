//! What an admin session can tell about the app and the user (the objects in docs/evidence.md#obj-organization and below), in at most
//! three Composite API calls whatever the number of permission sets:
//! 1. the PermissionSet describe, Organization, User, and (by reference to the user) UserLogin,
//!    LoginHistory and PermissionSetAssignment;
//! 2. the app by name (connected app, External Client App and its policy), permission set group
//!    members, and the user's permission sets' Permissions* fields that this org has;
//! 3. the app's access list, the user's prior approvals, and group members' permission fields.
//!
//! Every read that fails for lack of a permission is recorded and the rest go on. A field that
//! does not exist in this org is never read as `false`: it is left unknown.

use serde_json::Value;

use crate::org::api::{OrgApi, QueryError, Sub, SubResult, bool_at, rows_of, soql_literal, str_at};

/// A profile or permission set on the app's access list.
#[derive(Clone, Debug, Default)]
pub struct AccessEntry {
    /// The PermissionSet id (a profile's own PermissionSet for a profile).
    pub permission_set_id: String,
    /// "profile X" or "permission set Y".
    pub shown: String,
}

/// A permission set in force for the user (the profile's own, direct, or through a group).
#[derive(Clone, Debug, Default)]
pub struct HeldPermissionSet {
    pub id: String,
    pub shown: String,
}

/// One LoginHistory row.
#[derive(Clone, Debug, Default)]
pub struct LoginRecord {
    pub time: String,
    pub status: String,
    pub application: String,
}

impl LoginRecord {
    pub fn failed(&self) -> bool {
        self.status != "Success"
    }
}

/// An object the admin session could not read, and why.
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub object: &'static str,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct AppFacts {
    pub id: String,
    pub name: String,
    pub external: bool,
    pub admin_approved: Option<bool>,
    pub high_assurance: Option<bool>,
    pub access_list: Vec<AccessEntry>,
}

#[derive(Clone, Debug, Default)]
pub struct UserFacts {
    pub id: String,
    pub active: bool,
    pub frozen: Option<bool>,
    pub profile: Option<String>,
    pub permission_sets: Vec<HeldPermissionSet>,
    pub ignored_assignments: Vec<String>,
    /// None when this org has no such permission (API Access Control off) or it was unreadable.
    pub use_any_api_client: Option<bool>,
    /// "Approve Uninstalled Connected Apps" has no PermissionSet field (docs/evidence.md#obj-permissionset): only
    /// metadata tells, so SOQL leaves it unknown.
    pub approve_uninstalled: Option<bool>,
}

#[derive(Debug, Default)]
pub struct OrgFacts {
    pub session_ok: bool,
    pub session_error: Option<String>,
    pub is_sandbox: Option<bool>,
    pub denied: Vec<Unreadable>,
    pub app_name: Option<String>,
    pub app_found_by: Option<String>,
    pub app: Option<AppFacts>,
    /// The app was looked up by name and no installed app has it.
    pub app_absent: bool,
    pub user: Option<UserFacts>,
    pub user_absent: bool,
    pub prior_approval: Option<bool>,
    pub recent_logins: Vec<LoginRecord>,
    /// Whether PermissionSet.PermissionsUseAnyApiClient exists here (from the describe).
    pub use_any_field: Option<bool>,
    /// HTTP requests made to the org.
    pub requests: u32,
}

const USE_ANY: &str = "PermissionsUseAnyApiClient";
const USER_ID: &str = "'@{user.records[0].Id}'";

fn need(object: &str) -> &'static str {
    match object {
        "OauthToken" => "Customize Application (to see other users' tokens)",
        "PermissionSetAssignment" => "View Setup and Configuration, Assign Permission Sets or Manage Users",
        "LoginHistory" => "Manage Users",
        _ => "View Setup and Configuration",
    }
}

fn query(reference: &'static str, soql: String) -> Sub {
    Sub::Query { reference, soql }
}

/// The result named `reference`, or an empty success when that subrequest was not sent.
fn take(results: &mut Vec<(&'static str, SubResult)>, reference: &str) -> Option<SubResult> {
    let i = results.iter().position(|(r, _)| *r == reference)?;
    Some(results.remove(i).1)
}

impl OrgFacts {
    fn batch(&mut self, api: &OrgApi<'_>, subs: &[Sub]) -> Vec<(&'static str, SubResult)> {
        if !subs.is_empty() {
            self.requests += 1;
        }
        api.batch(subs)
    }

    fn note(&mut self, object: &'static str, e: QueryError) {
        let detail = match e {
            QueryError::Denied { code, .. } => {
                format!("{object} could not be read ({code}): the admin user needs {}", need(object))
            }
            QueryError::NoSuchField(m) => {
                format!("{object}: a field is not in this org (INVALID_FIELD), left unknown: {}", first_sentence(&m))
            }
            QueryError::Session(m) => {
                self.session_error.get_or_insert(m);
                return;
            }
            // Depends on an empty earlier result: nothing to read.
            QueryError::Halted => return,
            QueryError::Other(m) => format!("{object} query failed: {m}"),
        };
        self.denied.push(Unreadable { object, detail });
    }

    /// The rows of a result, or None (recorded) when it failed.
    fn rows(&mut self, object: &'static str, result: Option<SubResult>) -> Option<Vec<Value>> {
        match rows_of(&result?) {
            Ok(rows) => Some(rows),
            Err(e) => {
                self.note(object, e);
                None
            }
        }
    }

    fn could_not_read(&self, object: &str) -> bool {
        self.denied.iter().any(|d| d.object == object)
    }
}

fn first_sentence(m: &str) -> &str {
    m.split(". ").next().unwrap_or(m)
}

/// Identifies the app by `--app-name`, else the Application of the user's recent refused logins,
/// else `repo_name` (repository metadata whose consumer key matches), and says how.
pub fn gather(api: &OrgApi<'_>, username: &str, app_name: Option<&str>, repo_name: Option<&str>) -> OrgFacts {
    let mut f = OrgFacts::default();
    let Some(mut user) = first_round(&mut f, api, username) else { return f };
    let from_history = f.recent_logins.iter().find(|l| l.failed() && !l.application.is_empty());
    let (name, by) = match (app_name, from_history, repo_name) {
        (Some(n), _, _) => (Some(n.to_string()), Some("--app-name")),
        (None, Some(l), _) => {
            (Some(l.application.clone()), Some("the Application of the user's recent refused logins (LoginHistory)"))
        }
        (None, None, Some(n)) => (Some(n.to_string()), Some("repository metadata whose consumer key matches")),
        (None, None, None) => (None, None),
    };
    f.app_name = name.clone();
    f.app_found_by = by.map(str::to_string);
    let groups = second_round(&mut f, api, name.as_deref(), user.as_mut());
    third_round(&mut f, api, user.as_mut(), &groups);
    f.user = user;
    f
}

/// Round 1. None when the session cannot read the org at all; Some(None) when the user is absent.
fn first_round(f: &mut OrgFacts, api: &OrgApi<'_>, username: &str) -> Option<Option<UserFacts>> {
    let subs = [
        Sub::Describe { reference: "psDescribe", object: "PermissionSet" },
        query("org", "SELECT Id, Name, IsSandbox FROM Organization".into()),
        query(
            "user",
            format!(
                "SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = {}",
                soql_literal(username)
            ),
        ),
        query("login", format!("SELECT IsFrozen FROM UserLogin WHERE UserId = {USER_ID}")),
        query(
            "history",
            format!(
                "SELECT LoginTime, Status, Application FROM LoginHistory WHERE UserId = {USER_ID} AND LoginTime = LAST_N_DAYS:7 ORDER BY LoginTime DESC LIMIT 20"
            ),
        ),
        query(
            "assign",
            format!(
                "SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name, PermissionSetGroupId, IsActive, ExpirationDate FROM PermissionSetAssignment WHERE AssigneeId = {USER_ID}"
            ),
        ),
    ];
    let mut results = f.batch(api, &subs);
    let org = f.rows("Organization", take(&mut results, "org"))?;
    f.session_ok = f.session_error.is_none();
    if !f.session_ok {
        return None;
    }
    f.is_sandbox = org.first().and_then(|o| bool_at(o, "IsSandbox"));
    f.use_any_field = match take(&mut results, "psDescribe") {
        Some(Ok(d)) => Some(describe_has(&d, USE_ANY)),
        _ => None,
    };
    let users = f.rows("User", take(&mut results, "user"));
    f.user_absent = users.as_ref().is_some_and(Vec::is_empty);
    let Some(row) = users.and_then(|u| u.into_iter().next()) else { return Some(None) };
    let mut user = UserFacts {
        id: str_at(&row, "Id").unwrap_or_default().to_string(),
        active: bool_at(&row, "IsActive").unwrap_or(true),
        profile: str_at(&row, "Profile.Name").map(str::to_string),
        ..UserFacts::default()
    };
    if let Some(rows) = f.rows("UserLogin", take(&mut results, "login")) {
        user.frozen = rows.first().and_then(|r| bool_at(r, "IsFrozen"));
    }
    if let Some(rows) = f.rows("LoginHistory", take(&mut results, "history")) {
        f.recent_logins = rows.iter().map(login_record).collect();
    }
    if let Some(rows) = f.rows("PermissionSetAssignment", take(&mut results, "assign")) {
        read_assignments(&rows, &mut user);
    }
    Some(Some(user))
}

fn describe_has(describe: &Value, field: &str) -> bool {
    describe
        .get("fields")
        .and_then(Value::as_array)
        .is_some_and(|fs| fs.iter().any(|f| f.get("name").and_then(Value::as_str) == Some(field)))
}

fn login_record(r: &Value) -> LoginRecord {
    LoginRecord {
        time: str_at(r, "LoginTime").unwrap_or_default().to_string(),
        status: str_at(r, "Status").unwrap_or_default().to_string(),
        application: str_at(r, "Application").unwrap_or_default().to_string(),
    }
}

/// Assignments in force become held permission sets; group assignments are expanded in round 2.
fn read_assignments(rows: &[Value], user: &mut UserFacts) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for r in rows {
        let shown = if bool_at(r, "PermissionSet.IsOwnedByProfile") == Some(true) {
            format!("profile {}", str_at(r, "PermissionSet.Profile.Name").unwrap_or_default())
        } else {
            format!("permission set {}", str_at(r, "PermissionSet.Name").unwrap_or_default())
        };
        let expired = str_at(r, "ExpirationDate").and_then(parse_time).is_some_and(|t| t < now);
        if bool_at(r, "IsActive") == Some(false) || expired {
            user.ignored_assignments.push(format!("{shown} ({})", if expired { "expired" } else { "inactive" }));
            continue;
        }
        if let Some(g) = str_at(r, "PermissionSetGroupId") {
            user.permission_sets.push(HeldPermissionSet { id: format!("group:{g}"), shown });
        } else if let Some(id) = str_at(r, "PermissionSetId") {
            user.permission_sets.push(HeldPermissionSet { id: id.to_string(), shown });
        }
    }
}

fn id_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.map(soql_literal).collect::<Vec<_>>().join(", ")
}

/// Round 2: the app by name, group members, and the direct permission sets' fields. Returns the
/// group ids, whose members round 3 reads.
fn second_round(f: &mut OrgFacts, api: &OrgApi<'_>, name: Option<&str>, user: Option<&mut UserFacts>) -> Vec<String> {
    let mut subs = Vec::new();
    if let Some(name) = name {
        let n = soql_literal(name);
        subs.push(query("ca", format!("SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly, OptionsHasSessionLevelPolicy FROM ConnectedApplication WHERE Name = {n}")));
        subs.push(query("eca", format!("SELECT Id, MasterLabel, DeveloperName FROM ExternalClientApplication WHERE MasterLabel = {n} OR DeveloperName = {n}")));
        subs.push(query("ecaPolicy", "SELECT PermittedUsersPolicyType, RequiredSessionLevel FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = '@{eca.records[0].Id}'".into()));
    }
    let (groups, direct): (Vec<&HeldPermissionSet>, Vec<&HeldPermissionSet>) = match &user {
        Some(u) => u.permission_sets.iter().partition(|p| p.id.starts_with("group:")),
        None => (vec![], vec![]),
    };
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.trim_start_matches("group:").to_string()).collect();
    if !group_ids.is_empty() {
        subs.push(query("groups", format!("SELECT PermissionSetGroupId, PermissionSetId, PermissionSet.Name FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN ({})", id_list(group_ids.iter().map(String::as_str)))));
    }
    if f.use_any_field == Some(true) && !direct.is_empty() {
        let ids = id_list(direct.iter().map(|p| p.id.as_str()));
        subs.push(query("perms", format!("SELECT Id, {USE_ANY} FROM PermissionSet WHERE Id IN ({ids})")));
    }
    let mut results = f.batch(api, &subs);
    if let Some(name) = name {
        read_app(f, api, name, &mut results);
    }
    let Some(user) = user else { return group_ids };
    user.permission_sets.retain(|p| !p.id.starts_with("group:"));
    if let Some(rows) = f.rows("PermissionSetGroupComponent", take(&mut results, "groups")) {
        for r in &rows {
            if let Some(id) = str_at(r, "PermissionSetId") {
                let shown =
                    format!("permission set {} (via group)", str_at(r, "PermissionSet.Name").unwrap_or_default());
                user.permission_sets.push(HeldPermissionSet { id: id.to_string(), shown });
            }
        }
    }
    if let Some(rows) = f.rows("PermissionSet", take(&mut results, "perms")) {
        user.use_any_api_client = Some(rows.iter().any(|r| bool_at(r, USE_ANY) == Some(true)));
    }
    group_ids
}

fn read_app(f: &mut OrgFacts, api: &OrgApi<'_>, name: &str, results: &mut Vec<(&'static str, SubResult)>) {
    let ca = f.rows("ConnectedApplication", take(results, "ca"));
    let eca = f.rows("ExternalClientApplication", take(results, "eca"));
    let policy = take(results, "ecaPolicy");
    if let Some(r) = ca.as_ref().and_then(|rows| rows.first()) {
        f.app = Some(AppFacts {
            id: str_at(r, "Id").unwrap_or_default().to_string(),
            name: str_at(r, "Name").unwrap_or(name).to_string(),
            external: false,
            admin_approved: bool_at(r, "OptionsAllowAdminApprovedUsersOnly"),
            high_assurance: bool_at(r, "OptionsHasSessionLevelPolicy"),
            access_list: vec![],
        });
    } else if let Some(r) = eca.as_ref().and_then(|rows| rows.first()) {
        let id = str_at(r, "Id").unwrap_or_default().to_string();
        let mut app = AppFacts {
            id: id.clone(),
            name: str_at(r, "MasterLabel").unwrap_or(name).to_string(),
            external: true,
            ..AppFacts::default()
        };
        read_eca_policy(f, api, &id, policy, &mut app);
        f.app = Some(app);
    } else {
        f.app_absent = !f.could_not_read("ConnectedApplication") && !f.could_not_read("ExternalClientApplication");
    }
}

/// The ECA's policy; without RequiredSessionLevel in this org, the policy type alone (one more
/// request, only then).
fn read_eca_policy(f: &mut OrgFacts, api: &OrgApi<'_>, eca_id: &str, policy: Option<SubResult>, app: &mut AppFacts) {
    let rows = match policy.as_ref().map(rows_of) {
        Some(Err(QueryError::NoSuchField(_))) => {
            f.requests += 1;
            let soql = format!(
                "SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = {}",
                soql_literal(eca_id)
            );
            f.rows("ExtlClntAppOauthPlcyCnfg", Some(api.query(&soql).map(|r| serde_json::json!({ "records": r }))))
        }
        _ => f.rows("ExtlClntAppOauthPlcyCnfg", policy),
    };
    if let Some(p) = rows.as_ref().and_then(|r| r.first()) {
        app.admin_approved = str_at(p, "PermittedUsersPolicyType").map(|v| v == "AdminApprovedPreAuthorized");
        if p.get("RequiredSessionLevel").is_some() {
            app.high_assurance =
                Some(str_at(p, "RequiredSessionLevel").is_some_and(|v| v.eq_ignore_ascii_case("HIGH_ASSURANCE")));
        }
    }
}

/// Round 3: the app's access list, the user's prior approval, group members' permission fields.
fn third_round(f: &mut OrgFacts, api: &OrgApi<'_>, user: Option<&mut UserFacts>, groups: &[String]) {
    let mut subs = Vec::new();
    if let Some(app) = &f.app {
        subs.push(query("access", format!("SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId = {}", soql_literal(&app.id))));
        if let Some(u) = &user {
            subs.push(query(
                "tokens",
                format!(
                    "SELECT AppName, UserId FROM OauthToken WHERE UserId = {} AND AppName = {}",
                    soql_literal(&u.id),
                    soql_literal(&app.name)
                ),
            ));
        }
    }
    let via_group: Vec<&str> = user
        .as_ref()
        .map(|u| u.permission_sets.iter().filter(|p| p.shown.ends_with("(via group)")).map(|p| p.id.as_str()).collect())
        .unwrap_or_default();
    if f.use_any_field == Some(true) && !groups.is_empty() && !via_group.is_empty() {
        let ids = id_list(via_group.into_iter());
        subs.push(query("groupPerms", format!("SELECT Id, {USE_ANY} FROM PermissionSet WHERE Id IN ({ids})")));
    }
    let mut results = f.batch(api, &subs);
    if let Some(rows) = f.rows("SetupEntityAccess", take(&mut results, "access"))
        && let Some(app) = f.app.as_mut()
    {
        app.access_list = rows.iter().map(access_entry).collect();
    }
    if let Some(rows) = f.rows("OauthToken", take(&mut results, "tokens")) {
        f.prior_approval = Some(!rows.is_empty());
    }
    if let (Some(rows), Some(u)) = (f.rows("PermissionSet", take(&mut results, "groupPerms")), user) {
        let any = rows.iter().any(|r| bool_at(r, USE_ANY) == Some(true));
        u.use_any_api_client = Some(any || u.use_any_api_client == Some(true));
    }
}

fn access_entry(r: &Value) -> AccessEntry {
    let shown = if bool_at(r, "Parent.IsOwnedByProfile") == Some(true) {
        format!("profile {}", str_at(r, "Parent.Profile.Name").unwrap_or_default())
    } else {
        format!("permission set {}", str_at(r, "Parent.Name").unwrap_or_default())
    };
    AccessEntry { permission_set_id: str_at(r, "ParentId").unwrap_or_default().to_string(), shown }
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
