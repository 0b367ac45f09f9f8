//! What sfjwt hands on: the report (JSON, YAML, Markdown, JUnit) and the CI hand-off (GitHub
//! outputs and masks, dotenv files, the Salesforce CLI).

pub mod ci;
pub mod envelope;
pub mod fleet;
pub mod printer;
pub mod report;
pub mod session;
pub mod text;
