//! The org's objects as SOQL sees them (salesforce.md §3): definitions and rows built from the org.

use serde_json::{Map, Value, json};

use crate::org::{Org, User};
use crate::scenario::{AppKind, IpRelaxation, Permission, PermittedUsers};
use crate::soql::{ObjectDef, SoqlError, Source};

macro_rules! def {
    ($name:literal, [$($f:literal),*], [$(($r:literal, $k:literal, $t:literal)),*]) => {
        ObjectDef { name: $name, fields: &[$($f),*], rels: &[$(($r, $k, $t)),*] }
    };
}

static DEFS: &[ObjectDef] = &[
    def!(
        "Organization",
        [
            "Id",
            "Name",
            "IsSandbox",
            "InstanceName",
            "OrganizationType",
            "TrialExpirationDate",
            "NamespacePrefix",
            "CreatedDate"
        ],
        []
    ),
    def!(
        "User",
        [
            "Id",
            "Username",
            "Name",
            "FirstName",
            "LastName",
            "Email",
            "IsActive",
            "ProfileId",
            "UserType",
            "LastLoginDate",
            "CreatedDate"
        ],
        [("Profile", "ProfileId", "Profile")]
    ),
    def!("Profile", ["Id", "Name"], []),
    def!("UserLogin", ["Id", "UserId", "IsFrozen", "IsPasswordLocked"], [("User", "UserId", "User")]),
    def!(
        "PermissionSet",
        [
            "Id",
            "Name",
            "Label",
            "IsOwnedByProfile",
            "ProfileId",
            "Type",
            "PermissionsApiEnabled",
            "PermissionsViewSetup",
            "PermissionsCustomizeApplication",
            "PermissionsManageUsers",
            "PermissionsModifyAllData",
            "PermissionsUseAnyApiClient"
        ],
        [("Profile", "ProfileId", "Profile")]
    ),
    def!(
        "PermissionSetAssignment",
        ["Id", "AssigneeId", "PermissionSetId", "PermissionSetGroupId", "IsActive", "ExpirationDate"],
        [
            ("Assignee", "AssigneeId", "User"),
            ("PermissionSet", "PermissionSetId", "PermissionSet"),
            ("PermissionSetGroup", "PermissionSetGroupId", "PermissionSetGroup")
        ]
    ),
    def!("PermissionSetGroup", ["Id", "DeveloperName", "MasterLabel", "Status"], []),
    def!(
        "PermissionSetGroupComponent",
        ["Id", "PermissionSetGroupId", "PermissionSetId"],
        [
            ("PermissionSetGroup", "PermissionSetGroupId", "PermissionSetGroup"),
            ("PermissionSet", "PermissionSetId", "PermissionSet")
        ]
    ),
    def!(
        "SetupEntityAccess",
        ["Id", "ParentId", "SetupEntityId", "SetupEntityType"],
        [("Parent", "ParentId", "PermissionSet")]
    ),
    def!(
        "ConnectedApplication",
        [
            "Id",
            "Name",
            "OptionsAllowAdminApprovedUsersOnly",
            "OptionsHasSessionLevelPolicy",
            "OptionsRefreshTokenValidityMetric",
            "RefreshTokenValidityPeriod",
            "StartUrl",
            "MobileStartUrl",
            "CreatedDate",
            "LastModifiedDate"
        ],
        []
    ),
    def!("ExternalClientApplication", ["Id", "MasterLabel", "DeveloperName", "DistributionState", "CreatedDate"], []),
    def!(
        "ExtlClntAppOauthPlcyCnfg",
        [
            "Id",
            "ExternalClientApplicationId",
            "PermittedUsersPolicyType",
            "IpRelaxationPolicyType",
            "RequiredSessionLevel"
        ],
        [("ExternalClientApplication", "ExternalClientApplicationId", "ExternalClientApplication")]
    ),
    def!(
        "OauthToken",
        ["Id", "AppName", "AppMenuItemId", "UserId", "UseCount", "LastUsedDate", "CreatedDate"],
        [("User", "UserId", "User")]
    ),
    def!("ApexLog", ["Id", "Operation", "Status", "StartTime", "LogUserId", "Request", "LogLength"], []),
    def!(
        "LoginHistory",
        ["Id", "UserId", "LoginTime", "LoginType", "Status", "Application", "SourceIp", "LoginUrl", "ApiType"],
        []
    ),
];

/// Objects a user without "View Setup and Configuration" cannot query. LoginHistory needs
/// "Manage Users" instead (object reference, sforce_api_objects_loginhistory.htm).
const SETUP_OBJECTS: &[&str] = &[
    "ConnectedApplication",
    "ExternalClientApplication",
    "ExtlClntAppOauthPlcyCnfg",
    "SetupEntityAccess",
    "PermissionSetAssignment",
    "PermissionSetGroupComponent",
    "UserLogin",
    "OauthToken",
    "ApexLog",
];

pub fn stamp(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000+0000");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// The org seen through one user's session.
pub struct View<'a> {
    pub org: &'a Org,
    pub user: &'a User,
}

impl View<'_> {
    fn can_view_setup(&self) -> bool {
        self.org.has_permission(self.user, Permission::ViewSetup)
    }

    fn base_rows(&self, object: &str) -> Vec<Map<String, Value>> {
        let org = self.org;
        let obj = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let created = stamp(org.created);
        match object {
            "Organization" => vec![obj(json!({
                "Id": org.id, "Name": org.name, "IsSandbox": org.sandbox, "InstanceName": "EMU1",
                "OrganizationType": "Developer Edition", "TrialExpirationDate": null, "NamespacePrefix": null,
                "CreatedDate": created,
            }))],
            "User" => org
                .users
                .iter()
                .map(|u| {
                    let local = u.username.split('@').next().unwrap_or_default();
                    obj(json!({
                        "Id": u.id, "Username": u.username, "Name": local, "FirstName": null, "LastName": local,
                        "Email": u.email, "IsActive": u.active, "ProfileId": u.profile_id, "UserType": "Standard",
                        "LastLoginDate": null, "CreatedDate": stamp(u.created),
                    }))
                })
                .collect(),
            "Profile" => org.profiles.iter().map(|p| obj(json!({"Id": p.id, "Name": p.name}))).collect(),
            "UserLogin" => org
                .users
                .iter()
                .map(|u| obj(json!({"Id": u.login_id, "UserId": u.id, "IsFrozen": u.frozen, "IsPasswordLocked": false})))
                .collect(),
            "PermissionSet" => org
                .permission_sets
                .iter()
                .map(|p| {
                    let has = |perm| p.permissions.contains(&perm);
                    obj(json!({
                        "Id": p.id, "Name": p.name, "Label": p.label, "IsOwnedByProfile": p.profile_id.is_some(),
                        "ProfileId": p.profile_id, "Type": if p.profile_id.is_some() { "Profile" } else { "Regular" },
                        "PermissionsApiEnabled": has(Permission::ApiEnabled),
                        "PermissionsViewSetup": has(Permission::ViewSetup),
                        "PermissionsCustomizeApplication": has(Permission::CustomizeApplication),
                        "PermissionsManageUsers": has(Permission::ManageUsers),
                        "PermissionsModifyAllData": has(Permission::ModifyAllData),
                        "PermissionsUseAnyApiClient": has(Permission::UseAnyApiClient),
                    }))
                })
                .collect(),
            "PermissionSetAssignment" => {
                let mut rows = Vec::new();
                for u in &org.users {
                    // Every user holds their profile's permission set, as in Salesforce.
                    if let Some(p) = org.profile(&u.profile_id) {
                        rows.push(obj(json!({
                            "Id": format!("0Pa{}", &u.id[3..]), "AssigneeId": u.id, "PermissionSetId": p.owned_ps,
                            "PermissionSetGroupId": null, "IsActive": true, "ExpirationDate": null,
                        })));
                    }
                    for a in &u.assignments {
                        let ps = a.ps_id.clone().or_else(|| a.group_id.clone().map(|g| format!("0PS{}", &g[3..])));
                        rows.push(obj(json!({
                            "Id": a.id, "AssigneeId": u.id, "PermissionSetId": ps,
                            "PermissionSetGroupId": a.group_id, "IsActive": a.active,
                            "ExpirationDate": a.expires.map(|d| stamp(d.midnight().assume_utc())),
                        })));
                    }
                }
                rows
            }
            "PermissionSetGroup" => org
                .groups
                .iter()
                .map(|g| obj(json!({"Id": g.id, "DeveloperName": g.name, "MasterLabel": g.name.replace('_', " "), "Status": "Updated"})))
                .collect(),
            "PermissionSetGroupComponent" => org
                .groups
                .iter()
                .flat_map(|g| {
                    g.members.iter().map(move |(cid, ps)| obj(json!({"Id": cid, "PermissionSetGroupId": g.id, "PermissionSetId": ps})))
                })
                .collect(),
            "SetupEntityAccess" => org
                .access
                .iter()
                .filter(|a| org.apps.iter().any(|app| app.id == a.app_id && app.installed))
                .map(|a| {
                    let kind = match org.apps.iter().find(|x| x.id == a.app_id).map(|x| x.kind) {
                        Some(AppKind::ExternalClientApp) => "ExternalClientApplication",
                        _ => "ConnectedApplication",
                    };
                    obj(json!({"Id": a.id, "ParentId": a.parent_ps, "SetupEntityId": a.app_id, "SetupEntityType": kind}))
                })
                .collect(),
            // A connected app has a row only once installed (salesforce.md §3.1).
            "ConnectedApplication" => org
                .apps
                .iter()
                .filter(|a| a.kind == AppKind::ConnectedApp && a.installed)
                .map(|a| {
                    obj(json!({
                        "Id": a.id, "Name": a.name,
                        "OptionsAllowAdminApprovedUsersOnly": a.permitted == PermittedUsers::AdminApprovedPreauthorized,
                        "OptionsHasSessionLevelPolicy": a.high_assurance, "OptionsRefreshTokenValidityMetric": false,
                        "RefreshTokenValidityPeriod": null, "StartUrl": null, "MobileStartUrl": null,
                        "CreatedDate": created, "LastModifiedDate": created,
                    }))
                })
                .collect(),
            "ExternalClientApplication" => org
                .apps
                .iter()
                .filter(|a| a.kind == AppKind::ExternalClientApp && a.installed)
                .map(|a| {
                    obj(json!({"Id": a.id, "MasterLabel": a.name, "DeveloperName": a.name.replace(' ', "_"),
                               "DistributionState": "Local", "CreatedDate": created}))
                })
                .collect(),
            "ExtlClntAppOauthPlcyCnfg" => org
                .apps
                .iter()
                .filter(|a| a.kind == AppKind::ExternalClientApp && a.installed)
                .map(|a| {
                    obj(json!({
                        "Id": a.policy_id, "ExternalClientApplicationId": a.id,
                        "PermittedUsersPolicyType": match a.permitted {
                            PermittedUsers::AdminApprovedPreauthorized => "AdminApprovedPreAuthorized",
                            PermittedUsers::AllSelfAuthorize => "AllSelfAuthorized",
                        },
                        "IpRelaxationPolicyType": if a.ip_relaxation == IpRelaxation::Bypass { "Bypass" } else { "Enforce" },
                        "RequiredSessionLevel": if a.high_assurance { Value::from("HIGH_ASSURANCE") } else { Value::Null },
                    }))
                })
                .collect(),
            // Id is documented as always null; AppMenuItemId is null until the app is installed.
            "OauthToken" => {
                let see_all = self.org.has_permission(self.user, Permission::CustomizeApplication);
                org.apps
                    .iter()
                    .flat_map(|a| a.approved_user_ids.iter().map(move |u| (a, u)))
                    .filter(|(_, u)| see_all || **u == self.user.id)
                    .map(|(a, u)| {
                        obj(json!({"Id": null, "AppName": a.name, "AppMenuItemId": if a.installed { Value::from(a.menu_item_id.clone()) } else { Value::Null },
                                   "UserId": u, "UseCount": 1, "LastUsedDate": created, "CreatedDate": created}))
                    })
                    .collect()
            }
            "ApexLog" => org
                .state
                .lock()
                .map(|s| s.apex_logs.clone())
                .unwrap_or_default()
                .iter()
                .map(|l| {
                    obj(json!({
                        "Id": l.id, "Operation": l.operation, "Status": "Success", "StartTime": stamp(l.time),
                        "LogUserId": l.user_id, "Request": "API", "LogLength": 2048,
                    }))
                })
                .collect(),
            "LoginHistory" => org
                .state
                .lock()
                .map(|s| s.logins.clone())
                .unwrap_or_default()
                .iter()
                .map(|l| {
                    obj(json!({
                        "Id": l.id, "UserId": l.user_id, "LoginTime": stamp(l.time), "LoginType": "Remote Access 2.0",
                        "Status": l.status, "Application": l.application, "SourceIp": l.source_ip,
                        "LoginUrl": "login.salesforce.com", "ApiType": "N/A",
                    }))
                })
                .collect(),
            _ => vec![],
        }
    }
}

impl Source for View<'_> {
    fn def(&self, object: &str) -> Option<&'static ObjectDef> {
        DEFS.iter().find(|d| d.name.eq_ignore_ascii_case(object))
    }

    /// Rows with relationships filled in (two hops deep), so the engine only walks maps.
    fn rows(&self, object: &str) -> Vec<Map<String, Value>> {
        self.rows_depth(object, 2)
    }

    fn denied(&self, object: &str) -> Option<SoqlError> {
        let allowed = if object == "LoginHistory" {
            self.org.has_permission(self.user, Permission::ManageUsers)
        } else {
            !SETUP_OBJECTS.contains(&object) || self.can_view_setup()
        };
        (!allowed).then(|| SoqlError::InvalidType(object.to_string()))
    }

    /// PermissionsUseAnyApiClient exists only with API Access Control (salesforce.md §7.1);
    /// PermissionsCanApproveUninstalledApps exists nowhere, so it is not declared at all.
    fn field_exists(&self, object: &str, field: &str) -> bool {
        !(object == "PermissionSet" && field == "PermissionsUseAnyApiClient" && !self.org.api_access_control)
    }
}

/// The sObject describe (GET /sobjects/OBJECT/describe), trimmed to what clients read: the
/// object's name and its fields as this org has them.
pub fn describe(view: &View<'_>, object: &str) -> Option<Value> {
    let def = view.def(object)?;
    let fields: Vec<Value> = def
        .fields
        .iter()
        .filter(|f| view.field_exists(def.name, f))
        .map(|f| {
            let kind = if f.starts_with("Permissions") || f.starts_with("Is") || f.starts_with("Options") {
                "boolean"
            } else if *f == "Id" || f.ends_with("Id") {
                "reference"
            } else {
                "string"
            };
            json!({"name": f, "type": if *f == "Id" { "id" } else { kind }, "label": f})
        })
        .collect();
    Some(json!({
        "name": def.name, "label": def.name, "queryable": true, "retrieveable": true,
        "urls": {"describe": format!("/services/data/v66.0/sobjects/{}/describe", def.name)},
        "fields": fields,
    }))
}

impl View<'_> {
    fn rows_depth(&self, object: &str, depth: usize) -> Vec<Map<String, Value>> {
        let mut rows = self.base_rows(object);
        let Some(def) = self.def(object) else { return rows };
        if depth == 0 || def.rels.is_empty() {
            return rows;
        }
        for (rel, fk, target) in def.rels {
            let targets = self.rows_depth(target, depth - 1);
            for row in rows.iter_mut() {
                let linked = row
                    .get(*fk)
                    .and_then(Value::as_str)
                    .and_then(|id| targets.iter().find(|t| t.get("Id").and_then(Value::as_str) == Some(id)));
                row.insert(rel.to_string(), linked.map_or(Value::Null, |t| Value::Object(t.clone())));
            }
        }
        rows
    }
}
