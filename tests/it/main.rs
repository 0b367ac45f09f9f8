//! The one integration-test binary (as uv and ripgrep do): each module drives the real `sfjwt`
//! binary through `common`, which sanitises the environment and scans every output for secrets.

mod common;

pub(crate) mod canary;
mod doctor;
mod entra;
mod entra_doctor;
mod entra_explain;
mod entra_hostile;
mod fake_release;
mod fidelity;
pub(crate) mod fleet;
mod future_clock;
mod installer;

pub(crate) mod action;
mod assertion;
mod cert_inspect;
mod completions;
mod connections;
mod contract;
mod corpus;
mod help;
mod hostile;
mod key_input;
mod keygen;
mod keyless;
mod keyless_ids;
pub(crate) mod keyless_setup;
mod keyless_variants;
mod layers;
mod login;
mod masking;
mod one_attempt;
mod printed;
mod real_names;
mod recipes;
mod release_workflow;
mod robustness;
mod scenarios;
mod setup;
mod supply_chain;
