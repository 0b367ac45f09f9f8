//! sfjwt-emulator: a local HTTPS Salesforce org (OAuth token endpoint, identity, and the REST/SOQL
//! surface diagnosis needs), driven by YAML scenarios. It shares no code with sfjwt.

pub mod composite;
pub mod demo;
pub mod entra;
pub mod exchange;
pub mod grant;
pub mod graph;
pub mod http;
pub mod ids;
pub mod jwt;
pub mod keyless;
pub mod keyless_metadata;
pub mod metadata;
pub mod objects;
pub mod org;
pub mod routes;
pub mod scenario;
pub mod server;
pub mod soql;
pub mod tls;

use std::path::Path;

/// Loads a scenario file (and an optional deployed source folder) into an org.
pub fn load_org(scenario: &Path, source_dir: Option<&Path>) -> Result<org::Org, String> {
    let spec = scenario::Scenario::load(scenario).map_err(|e| e.to_string())?;
    let base = scenario.parent().unwrap_or(Path::new("."));
    org::Org::build(spec, base, source_dir).map_err(|e| format!("scenario {}: {e}", scenario.display()))
}
