//! The fleet report's pages: the Markdown matrix, the HTML page and JUnit XML (its JSON is
//! `FleetReport::json`).

pub mod html;
pub mod matrix;

use crate::fleet::report::{FleetReport, TargetEntry};
use crate::output::text::xml_escape;
use crate::record::CheckStatus;

/// The fleet as JUnit XML: a suite per target.
pub fn junit(fleet: &FleetReport) -> String {
    let mut suites = String::new();
    let (mut total, mut failures) = (0, 0);
    for t in &fleet.targets {
        let (suite, n, f) = junit_suite(t);
        suites.push_str(&suite);
        total += n;
        failures += f;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sfjwt doctor\" tests=\"{total}\" failures=\"{failures}\">\n{suites}</testsuites>\n"
    )
}

/// One suite: a test case per check, or one failing case for a target with no report.
fn junit_suite(t: &TargetEntry) -> (String, usize, usize) {
    let esc = xml_escape;
    let mut cases = String::new();
    let (mut n, mut failures, mut skipped) = (0, 0, 0);
    let class = format!("sfjwt.doctor.{}", esc(&t.name));
    match &t.report {
        Some(r) => {
            for c in &r.checks {
                n += 1;
                cases.push_str(&format!("    <testcase classname=\"{class}\" name=\"{}\">\n", esc(&c.title)));
                match c.status {
                    CheckStatus::Fail => {
                        failures += 1;
                        let cause = r.diagnosis.cause.id();
                        cases.push_str(&format!(
                            "      <failure message=\"{}\" type=\"{cause}\">{}\ncause: {cause}\n{}</failure>\n",
                            esc(&c.detail),
                            esc(&c.detail),
                            esc(&r.diagnosis.remediation.join("\n"))
                        ));
                    }
                    CheckStatus::Skip => {
                        skipped += 1;
                        cases.push_str(&format!("      <skipped message=\"{}\"/>\n", esc(&c.detail)));
                    }
                    CheckStatus::Warn => {
                        cases.push_str(&format!("      <system-out>warning: {}</system-out>\n", esc(&c.detail)))
                    }
                    CheckStatus::Pass => {}
                }
                cases.push_str("    </testcase>\n");
            }
        }
        None => {
            n = 1;
            failures = 1;
            let message = esc(t.error.as_deref().unwrap_or_default());
            cases.push_str(&format!(
                "    <testcase classname=\"{class}\" name=\"doctor\">\n      <failure message=\"{message}\" type=\"{}\">{message}</failure>\n    </testcase>\n",
                t.status.id()
            ));
        }
    }
    let suite = format!(
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" time=\"{:.3}\">\n{cases}  </testsuite>\n",
        esc(&t.name),
        t.elapsed_ms as f64 / 1000.0
    );
    (suite, n, failures)
}
