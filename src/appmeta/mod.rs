//! The app's metadata in a Salesforce DX source folder: reading it for diagnosis, writing it for
//! `setup` and `cert rotate`.

pub mod keyless;
pub mod read;
pub mod write;
