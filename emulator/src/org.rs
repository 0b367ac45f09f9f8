//! The org in memory, built from a scenario (and a deployed source folder): who exists, which
//! app grants which profile or permission set, and what has happened since start.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use crate::ids;
use crate::scenario::{AppKind, AppSpec, Behaviour, Faults, IpRelaxation, Permission, PermittedUsers, Scenario};

pub struct Profile {
    pub id: String,
    pub name: String,
    pub permissions: HashSet<Permission>,
    pub ip_ranges: Vec<(u32, u32)>,
    /// Session Security Level Required at Login: High Assurance.
    pub high_assurance: bool,
    /// The PermissionSet row that stands for this profile (IsOwnedByProfile = true).
    pub owned_ps: String,
}

pub struct PermissionSet {
    pub id: String,
    pub name: String,
    pub label: String,
    pub profile_id: Option<String>,
    pub permissions: HashSet<Permission>,
}

pub struct Group {
    pub id: String,
    pub name: String,
    pub members: Vec<(String, String)>, // (component id, permission set id)
}

pub struct Assignment {
    pub id: String,
    pub ps_id: Option<String>,
    pub group_id: Option<String>,
    pub active: bool,
    pub expires: Option<time::Date>,
}

impl Assignment {
    pub fn in_force(&self, today: time::Date) -> bool {
        self.active && self.expires.is_none_or(|d| d >= today)
    }
}

pub struct User {
    pub id: String,
    pub login_id: String,
    pub username: String,
    pub email: String,
    pub profile_id: String,
    pub active: bool,
    pub frozen: bool,
    pub api_enabled: bool,
    pub assignments: Vec<Assignment>,
    pub created: OffsetDateTime,
}

pub struct App {
    pub id: String,
    pub policy_id: String,
    pub menu_item_id: String,
    pub name: String,
    pub kind: AppKind,
    pub consumer_key: String,
    /// PKCS#1 RSAPublicKey DER from the uploaded certificate.
    pub public_key: Vec<u8>,
    pub installed: bool,
    pub blocked: bool,
    pub permitted: PermittedUsers,
    pub high_assurance: bool,
    pub ip_relaxation: IpRelaxation,
    pub scopes: Vec<String>,
    pub propagation_delay: u64,
    pub approved_user_ids: Vec<String>,
    pub jwt_access_tokens: bool,
    pub token_exchange: bool,
}

pub struct SetupEntityAccess {
    pub id: String,
    pub parent_ps: String,
    pub app_id: String,
}

#[derive(Clone)]
pub struct LoginEvent {
    pub id: String,
    pub user_id: String,
    pub time: OffsetDateTime,
    pub status: String,
    pub application: String,
    pub source_ip: String,
}

/// A debug log the token exchange handler left (ApexLog, Operation OauthTokenExchangeApexExec).
#[derive(Clone)]
pub struct ApexLogEntry {
    pub id: String,
    pub user_id: String,
    pub time: OffsetDateTime,
    pub operation: String,
}

pub struct IssuedToken {
    pub user_id: String,
    /// Set when the grant succeeds but the session cannot use the API (salesforce.md §7.2):
    /// every REST call answers this error instead.
    pub rest_refusal: Option<RestRefusal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestRefusal {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

/// High Assurance: the grant succeeds and REST fails (jsforce/jsforce #1291, PR #1301).
pub const HIGH_ASSURANCE_REST: RestRefusal = RestRefusal {
    status: 401,
    code: "INVALID_SESSION_ID",
    message: "This session is not valid for use with the REST API",
};
/// API_CURRENTLY_DISABLED in its documented sense: "Because of a system problem, API functionality
/// is temporarily unavailable" (SOAP API exception codes); the REST status and wording are
/// unconfirmed.
pub const API_TEMPORARILY_UNAVAILABLE: RestRefusal = RestRefusal {
    status: 403,
    code: "API_CURRENTLY_DISABLED",
    message: "Because of a system problem, API functionality is temporarily unavailable",
};
/// The user's profile lacks "API Enabled" (Partner WSDL ExceptionCode API_CURRENTLY_DISABLED).
pub const USER_API_DISABLED: RestRefusal =
    RestRefusal { status: 403, code: "API_CURRENTLY_DISABLED", message: "API is disabled for this User" };
/// An edition without API access (Partner WSDL ExceptionCode API_DISABLED_FOR_ORG), in the REST
/// API's own words (restforce #219); SOAP says "API is not enabled for this Organization or Partner".
pub const ORG_API_DISABLED: RestRefusal = RestRefusal {
    status: 403,
    code: "API_DISABLED_FOR_ORG",
    message: "The REST API is not enabled for this Organization.",
};

#[derive(Default)]
pub struct State {
    pub logins: Vec<LoginEvent>,
    pub tokens: HashMap<String, IssuedToken>,
    pub grants_per_user: HashMap<String, u32>,
    pub requests: u64,
    pub fault_requests: u32,
    pub apex_logs: Vec<ApexLogEntry>,
}

pub struct Org {
    pub id: String,
    pub name: String,
    pub sandbox: bool,
    pub my_domain: Option<String>,
    pub my_domain_audience: bool,
    pub inactive: bool,
    pub clock_offset: i64,
    pub exp_skew: i64,
    pub login_rate_limit: Option<u32>,
    pub api_enabled: bool,
    pub api_temporarily_unavailable: bool,
    pub api_access_control: bool,
    pub latency_ms: u64,
    pub profiles: Vec<Profile>,
    pub permission_sets: Vec<PermissionSet>,
    pub groups: Vec<Group>,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    pub access: Vec<SetupEntityAccess>,
    pub faults: Faults,
    pub behaviour: Behaviour,
    pub started: Instant,
    pub created: OffsetDateTime,
    pub state: Mutex<State>,
    pub issuer: Option<crate::keyless::Issuer>,
    pub handlers: Vec<crate::keyless::HandlerSpec>,
    pub entra: Option<crate::entra::Tenant>,
    pub graph: Option<crate::graph::Directory>,
}

impl Org {
    pub fn build(scenario: Scenario, base: &Path, source_dir: Option<&Path>) -> Result<Org, String> {
        let mut counter = 0usize;
        let mut next = |prefix: &str| {
            counter += 1;
            ids::make(prefix, counter)
        };
        let created = OffsetDateTime::now_utc() - time::Duration::days(30);
        let mut org = Org {
            id: next(ids::ORG),
            name: scenario.org.name,
            sandbox: scenario.org.sandbox,
            my_domain: scenario.org.my_domain,
            my_domain_audience: scenario.org.my_domain_audience,
            inactive: scenario.org.inactive,
            clock_offset: scenario.org.clock_offset_seconds,
            exp_skew: scenario.org.exp_skew_seconds,
            login_rate_limit: scenario.org.login_rate_limit,
            api_enabled: scenario.org.api_enabled,
            api_temporarily_unavailable: scenario.org.api_temporarily_unavailable,
            api_access_control: scenario.org.api_access_control,
            latency_ms: scenario.latency_ms,
            profiles: vec![],
            permission_sets: vec![],
            groups: vec![],
            users: vec![],
            apps: vec![],
            access: vec![],
            faults: scenario.faults,
            behaviour: scenario.behaviour,
            started: Instant::now(),
            created,
            state: Mutex::new(State::default()),
            issuer: scenario.oidc_issuer.map(crate::keyless::Issuer::new).transpose()?,
            handlers: scenario.token_exchange_handlers,
            graph: match &scenario.entra_tenant {
                Some(t) => crate::graph::Directory::new(t, base)?,
                None => None,
            },
            entra: scenario.entra_tenant.map(|t| crate::entra::Tenant::new(t, base)).transpose()?,
        };

        let mut app_specs = scenario.apps;
        let mut ps_specs = scenario.permission_sets;
        if let Some(dir) = source_dir {
            let deployed = crate::metadata::load(dir)?;
            app_specs.extend(deployed.apps);
            org.handlers.extend(deployed.handlers);
            for ps in deployed.permission_sets {
                if !ps_specs.iter().any(|p| p.name == ps.name) {
                    ps_specs.push(ps);
                }
            }
        }

        // Profiles: declared ones, then any a user or app names.
        let mut profile_names: Vec<(String, Vec<Permission>, Vec<String>)> = Vec::new();
        let mut high_assurance_profiles: Vec<String> = Vec::new();
        for p in scenario.profiles {
            if p.high_assurance {
                high_assurance_profiles.push(p.name.clone());
            }
            profile_names.push((p.name, p.permissions, p.login_ip_ranges));
        }
        let named =
            scenario.users.iter().map(|u| u.profile.clone()).chain(app_specs.iter().flat_map(|a| a.profiles.clone()));
        for n in named.collect::<Vec<_>>() {
            if !profile_names.iter().any(|(p, _, _)| p == &n) {
                // System Administrator carries what the real one does.
                let perms =
                    if n == "System Administrator" { admin_permissions() } else { vec![Permission::ApiEnabled] };
                profile_names.push((n, perms, vec![]));
            }
        }
        for (name, perms, ranges) in profile_names {
            let ip_ranges = ranges.iter().map(|r| parse_range(r)).collect::<Result<Vec<_>, _>>()?;
            let id = next(ids::PROFILE);
            let owned = next(ids::PERMISSION_SET);
            org.permission_sets.push(PermissionSet {
                id: owned.clone(),
                name: format!("X00ex{}", &id[3..]),
                label: name.clone(),
                profile_id: Some(id.clone()),
                permissions: perms.iter().copied().collect(),
            });
            org.profiles.push(Profile {
                id,
                high_assurance: high_assurance_profiles.contains(&name),
                name,
                permissions: perms.into_iter().collect(),
                ip_ranges,
                owned_ps: owned,
            });
        }

        let mut ps_names: Vec<(String, Option<String>, Vec<Permission>)> =
            ps_specs.into_iter().map(|p| (p.name, p.label, p.permissions)).collect();
        let named_ps = scenario
            .users
            .iter()
            .flat_map(|u| u.permission_sets.iter().map(|a| a.detailed().name))
            .chain(scenario.permission_set_groups.iter().flat_map(|g| g.permission_sets.clone()))
            .chain(app_specs.iter().flat_map(|a| a.permission_sets.clone()));
        for n in named_ps.collect::<Vec<_>>() {
            if !ps_names.iter().any(|(p, _, _)| p == &n) {
                ps_names.push((n, None, vec![]));
            }
        }
        for (name, label, perms) in ps_names {
            org.permission_sets.push(PermissionSet {
                id: next(ids::PERMISSION_SET),
                label: label.unwrap_or_else(|| name.replace('_', " ")),
                name,
                profile_id: None,
                permissions: perms.into_iter().collect(),
            });
        }

        let mut group_specs = scenario.permission_set_groups;
        for u in &scenario.users {
            for g in &u.permission_set_groups {
                let n = g.detailed().name;
                if !group_specs.iter().any(|s| s.name == n) {
                    group_specs.push(crate::scenario::GroupSpec { name: n, permission_sets: vec![] });
                }
            }
        }
        for g in group_specs {
            let id = next(ids::GROUP);
            let mut members = Vec::new();
            for ps in &g.permission_sets {
                let ps_id = org.ps_by_name(ps).map(|p| p.id.clone()).ok_or(format!("unknown permission set {ps}"))?;
                members.push((next(ids::GROUP_COMPONENT), ps_id));
            }
            org.groups.push(Group { id, name: g.name, members });
        }

        for u in scenario.users {
            let profile_id = org.profile_by_name(&u.profile).map(|p| p.id.clone()).ok_or("profile")?;
            let mut assignments = Vec::new();
            for a in u.permission_sets.iter().map(|a| a.detailed()) {
                let ps = org
                    .ps_by_name(&a.name)
                    .map(|p| p.id.clone())
                    .ok_or(format!("unknown permission set {}", a.name))?;
                assignments.push(Assignment {
                    id: next(ids::ASSIGNMENT),
                    ps_id: Some(ps),
                    group_id: None,
                    active: a.active,
                    expires: a.expires.as_deref().map(parse_date).transpose()?,
                });
            }
            for a in u.permission_set_groups.iter().map(|a| a.detailed()) {
                let g = org.groups.iter().find(|g| g.name == a.name).map(|g| g.id.clone()).ok_or("group")?;
                assignments.push(Assignment {
                    id: next(ids::ASSIGNMENT),
                    ps_id: None,
                    group_id: Some(g),
                    active: a.active,
                    expires: a.expires.as_deref().map(parse_date).transpose()?,
                });
            }
            let user = User {
                id: next(ids::USER),
                login_id: next(ids::USER_LOGIN),
                email: u.email.clone().unwrap_or_else(|| u.username.clone()),
                username: u.username,
                profile_id,
                active: u.active,
                frozen: u.frozen,
                api_enabled: u.api_enabled,
                assignments,
                created,
            };
            let mut state = org.state.lock().map_err(|_| "lock")?;
            if let Some(t) = &u.session_token {
                state.tokens.insert(t.clone(), IssuedToken { user_id: user.id.clone(), rest_refusal: None });
            }
            for (i, status) in u.login_history.iter().enumerate() {
                let id = ids::make(ids::LOGIN_HISTORY, 900_000 + state.logins.len());
                state.logins.push(LoginEvent {
                    id,
                    user_id: user.id.clone(),
                    time: OffsetDateTime::now_utc() - time::Duration::hours((u.login_history.len() - i) as i64),
                    status: status.clone(),
                    application: app_specs.first().map(|a| a.name.clone()).unwrap_or_default(),
                    source_ip: "127.0.0.1".into(),
                });
            }
            drop(state);
            org.users.push(user);
        }

        for spec in app_specs {
            let app = org.build_app(spec, base, &mut next)?;
            org.apps.push(app);
        }
        org.check_api_access_control()?;
        Ok(org)
    }

    fn build_app(&mut self, spec: AppSpec, base: &Path, next: &mut impl FnMut(&str) -> String) -> Result<App, String> {
        // No certificate: an app for token exchange only, whose JWT bearer grants never verify.
        let public_key = if spec.certificate.is_empty() {
            vec![]
        } else {
            let pem = crate::scenario::certificate_pem(&spec.certificate, base)?;
            public_key_from_pem(&pem).map_err(|e| format!("app {}: {e}", spec.name))?
        };
        let prefix =
            if spec.kind == AppKind::ExternalClientApp { ids::EXTERNAL_CLIENT_APP } else { ids::CONNECTED_APP };
        let id = next(prefix);
        for p in &spec.profiles {
            let ps = self.profile_by_name(p).map(|p| p.owned_ps.clone()).ok_or(format!("unknown profile {p}"))?;
            self.access.push(SetupEntityAccess {
                id: next(ids::SETUP_ENTITY_ACCESS),
                parent_ps: ps,
                app_id: id.clone(),
            });
        }
        for p in &spec.permission_sets {
            let ps = self.ps_by_name(p).map(|p| p.id.clone()).ok_or(format!("unknown permission set {p}"))?;
            self.access.push(SetupEntityAccess {
                id: next(ids::SETUP_ENTITY_ACCESS),
                parent_ps: ps,
                app_id: id.clone(),
            });
        }
        let approved_user_ids =
            spec.approved_users.iter().filter_map(|u| self.user_by_name(u).map(|u| u.id.clone())).collect();
        Ok(App {
            policy_id: next(ids::ECA_POLICY),
            menu_item_id: next(ids::APP_MENU_ITEM),
            id,
            name: spec.name,
            kind: spec.kind,
            consumer_key: spec.consumer_key,
            public_key,
            installed: spec.installed,
            blocked: spec.blocked,
            permitted: spec.permitted_users.unwrap_or_default(),
            high_assurance: spec.high_assurance,
            ip_relaxation: spec.ip_relaxation,
            scopes: spec.scopes,
            propagation_delay: spec.propagation_delay_seconds,
            approved_user_ids,
            jwt_access_tokens: spec.jwt_access_tokens,
            token_exchange: spec.token_exchange,
        })
    }

    /// "Use Any API Client" exists only with API Access Control (salesforce.md §7.1).
    fn check_api_access_control(&self) -> Result<(), String> {
        match self.permission_sets.iter().find(|p| p.permissions.contains(&Permission::UseAnyApiClient)) {
            Some(ps) if !self.api_access_control => Err(format!(
                "{} holds use-any-api-client, which exists only with API Access Control: set org.api-access-control: true",
                ps.label
            )),
            _ => Ok(()),
        }
    }

    pub fn profile_by_name(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn ps_by_name(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.name == name && p.profile_id.is_none())
    }

    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username.eq_ignore_ascii_case(name))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// The org's clock (scenarios can skew it).
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.clock_offset)
    }

    /// Permission sets in force for the user: the profile's own, direct assignments and groups'.
    pub fn effective_permission_sets(&self, user: &User) -> Vec<String> {
        let today = self.now().date();
        let mut out = Vec::new();
        if let Some(p) = self.profile(&user.profile_id) {
            out.push(p.owned_ps.clone());
        }
        for a in user.assignments.iter().filter(|a| a.in_force(today)) {
            if let Some(ps) = &a.ps_id {
                out.push(ps.clone());
            }
            if let Some(g) = a.group_id.as_ref().and_then(|g| self.groups.iter().find(|x| &x.id == g)) {
                out.extend(g.members.iter().map(|(_, ps)| ps.clone()));
            }
        }
        out
    }

    pub fn has_permission(&self, user: &User, perm: Permission) -> bool {
        let sets = self.effective_permission_sets(user);
        self.permission_sets.iter().any(|ps| sets.contains(&ps.id) && ps.permissions.contains(&perm))
    }

    /// Whether the app's Profiles / Permission Sets list reaches the user.
    pub fn preauthorized(&self, user: &User, app: &App) -> bool {
        let sets = self.effective_permission_sets(user);
        self.access.iter().any(|a| a.app_id == app.id && sets.contains(&a.parent_ps))
    }

    pub fn record_login(&self, user_id: &str, status: &str, app: &str) {
        if let Ok(mut s) = self.state.lock() {
            let id = ids::make(ids::LOGIN_HISTORY, s.logins.len() + 1);
            s.logins.push(LoginEvent {
                id,
                user_id: user_id.to_string(),
                time: self.now(),
                status: status.to_string(),
                application: app.to_string(),
                source_ip: "127.0.0.1".into(),
            });
        }
    }
}

fn admin_permissions() -> Vec<Permission> {
    vec![
        Permission::ApiEnabled,
        Permission::ViewSetup,
        Permission::CustomizeApplication,
        Permission::ManageUsers,
        Permission::ModifyAllData,
        Permission::ApproveUninstalledApps,
    ]
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("invalid date {s:?} (use YYYY-MM-DD): {e}"))
}

fn parse_ip(s: &str) -> Result<u32, String> {
    s.trim().parse::<std::net::Ipv4Addr>().map(u32::from).map_err(|_| format!("invalid IPv4 address {s:?}"))
}

fn parse_range(r: &str) -> Result<(u32, u32), String> {
    match r.split_once('-') {
        Some((a, b)) => Ok((parse_ip(a)?, parse_ip(b)?)),
        None => parse_ip(r).map(|a| (a, a)),
    }
}

pub fn ip_allowed(ranges: &[(u32, u32)], ip: std::net::IpAddr) -> bool {
    let v4 = match ip {
        std::net::IpAddr::V4(v) => u32::from(v),
        std::net::IpAddr::V6(v) => match v.to_ipv4_mapped() {
            Some(v) => u32::from(v),
            None if v.is_loopback() => u32::from(std::net::Ipv4Addr::LOCALHOST),
            None => return false,
        },
    };
    ranges.is_empty() || ranges.iter().any(|(a, b)| (*a..=*b).contains(&v4))
}

/// The uploaded certificate's RSA public key (PKCS#1), parsed with the emulator's own X.509 code.
pub fn public_key_from_pem(pem: &str) -> Result<Vec<u8>, String> {
    let pem = pem.replace("\r\n", "\n");
    let start = pem.find("-----BEGIN CERTIFICATE-----").ok_or("no certificate PEM block")?;
    let (_, block) = x509_parser::pem::parse_x509_pem(&pem.as_bytes()[start..]).map_err(|e| format!("bad PEM: {e}"))?;
    let (_, cert) =
        x509_parser::certificate::X509Certificate::from_der(&block.contents).map_err(|e| format!("bad X.509: {e}"))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}
