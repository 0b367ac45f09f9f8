//! The fleet report's pages: the Markdown matrix and the HTML page (its JSON is
//! `FleetReport::json`, its JUnit `output::junit::fleet`).

pub mod html;
pub mod matrix;
