//! The command-line layer: clap's definitions, the config file, and the merge of flags, config
//! and environment into validated settings. Nothing outside this folder sees a clap type.

mod args;
pub mod config;
pub mod doctor;
pub mod duration;
pub mod entra;
pub mod entra_doctor;
mod epilogues;
pub mod keyless;
pub mod settings;

pub use args::*;
pub use entra::{EntraArgs, LoginCommand, Provider};
