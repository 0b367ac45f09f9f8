//! The one integration-test binary (as uv and ripgrep do): each module drives the real `sfjwt`
//! binary through `common`, which sanitises the environment and scans every output for secrets.

mod common;

mod doctor;
mod fake_release;
mod installer;

mod action;
mod assertion;
mod cert_inspect;
mod completions;
mod help;
mod key_input;
mod keygen;
mod login;
mod release_workflow;
mod robustness;
mod setup;
