//! The private key in every form CI hands it over, and the certificate uploaded to the app.

pub mod cert;
pub mod keys;
pub mod oidc;
