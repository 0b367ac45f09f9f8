//! Microsoft Entra ID logins (issue 25 §1): the client credentials grant on a tenant's v2.0
//! token endpoint, authenticated by a certificate assertion (RFC 7523) or by the CI's OIDC token
//! (workload identity federation). Facts and sources: docs/evidence.md, Entra section.
//!
//! - `authority`: which hosts may receive the assertion, the tenant, the token endpoint;
//! - `assertion`: the signed client assertion (PS256, `x5t#S256`);
//! - `token`: the request and the answer, classified;
//! - `causes`: an answer's AADSTS code to a cause id (`entra_*`) and its fix;
//! - `report`: the `--report` file of an Entra login.

pub mod assertion;
pub mod authority;
pub mod causes;
pub mod graph;
pub mod report;
pub mod token;

/// The default audience a CI's OIDC token must carry for Entra (azure/login's default).
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The default scope: Microsoft Graph's application permissions.
pub const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// How an Entra app's certificate is renewed (finding: `sfjwt cert rotate` is Salesforce's): an
/// app registration holds several certificates at once, so the new one goes up while the old one
/// still works and nothing is ever refused in between. `tests/it/entra_doctor.rs` runs the command.
pub const RENEWAL: &str = "make a new key and certificate (`sfjwt keygen --name ci-next`), upload ci-next.crt under App registrations > the app > Certificates & secrets > Certificates while the old one is still valid (an app can hold several certificates, so there is no window), switch the CI secret to ci-next.key, then delete the old certificate";
