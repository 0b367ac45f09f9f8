//! Salesforce-shaped record ids: a three-character key prefix and 18 characters in all.

pub const ORG: &str = "00D";
pub const USER: &str = "005";
pub const PROFILE: &str = "00e";
pub const PERMISSION_SET: &str = "0PS";
pub const ASSIGNMENT: &str = "0Pa";
pub const GROUP: &str = "0PG";
pub const GROUP_COMPONENT: &str = "0PH";
pub const SETUP_ENTITY_ACCESS: &str = "0J0";
pub const CONNECTED_APP: &str = "0H4";
pub const EXTERNAL_CLIENT_APP: &str = "0xI";
pub const ECA_POLICY: &str = "0nR";
pub const USER_LOGIN: &str = "060";
pub const LOGIN_HISTORY: &str = "0Ya";
pub const APP_MENU_ITEM: &str = "0DS";
pub const APEX_LOG: &str = "07L";

pub fn make(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:012}AAA")
}
