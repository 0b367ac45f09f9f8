//! JUnit XML for CI test tabs (GitLab, Jenkins, test-report Actions), written by quick-junit, the
//! serializer cargo-nextest maintains: a test case per check, a suite per run (login, doctor) or
//! per target (the fleet). quick-junit escapes and counts; this module decides what a check says.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use crate::fleet::report::{FleetReport, TargetEntry};
use crate::record::{Check, CheckStatus, Flow, Report, Status};

/// The run's report as JUnit: one suite, a test case per check.
pub fn report(r: &Report) -> String {
    let class = format!("sfjwt.{}", r.command);
    let mut suite = TestSuite::new(format!("sfjwt {}", r.command));
    suite.add_test_cases(cases_of(r).iter().map(|c| case(&class, c, r)));
    if let Some(at) = timestamp(&r.timestamp) {
        suite.set_timestamp(at);
    }
    let mut junit = Junit::new("sfjwt");
    junit.add_test_suite(suite);
    serialize(&junit)
}

/// The fleet as JUnit: a suite per target, its checks as cases, or one failing case for a target
/// with no report (timed out, could not run).
pub fn fleet(f: &FleetReport) -> String {
    let mut junit = Junit::new("sfjwt doctor");
    if let Some(at) = timestamp(&f.timestamp) {
        junit.set_timestamp(at);
    }
    junit.add_test_suites(f.targets.iter().map(target_suite));
    serialize(&junit)
}

fn target_suite(t: &TargetEntry) -> TestSuite {
    let class = format!("sfjwt.doctor.{}", text(&t.name));
    let mut suite = TestSuite::new(text(&t.name));
    suite.set_time(Duration::from_millis(t.elapsed_ms));
    match &t.report {
        Some(r) => {
            suite.add_test_cases(r.checks.iter().map(|c| case(&class, c, r)));
        }
        None => {
            let message = text(t.error.as_deref().unwrap_or_default());
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(message.as_str()).set_type(t.status.id()).set_description(message.as_str());
            let mut case = TestCase::new("doctor", status);
            case.set_classname(class);
            suite.add_test_case(case);
        }
    }
    suite
}

/// The checks a run's suite shows. A run that recorded no check (a key that could not be read),
/// or a failed run whose checks all passed, gets the grant as its one failing case, so the file
/// never says failures="0" for a failed run. (Every login attempt records its own grant or
/// exchange check.)
fn cases_of(r: &Report) -> Vec<Check> {
    let mut checks = r.checks.clone();
    let failed_check = checks.iter().any(|c| c.status == CheckStatus::Fail);
    if checks.is_empty() || (r.status != Status::Ok && !failed_check) {
        let title = match r.target.flow {
            Flow::TokenExchange => "Token exchange",
            Flow::JwtBearer => "JWT bearer grant",
            Flow::ClientCredentials => "Client credentials grant",
        };
        checks.push(Check {
            id: "grant".into(),
            title: title.into(),
            status: if r.status == Status::Ok { CheckStatus::Pass } else { CheckStatus::Fail },
            detail: r.diagnosis.summary.clone(),
        });
    }
    checks
}

/// One check: a failure carries the cause as its type and the remediation in its body; a skip its
/// reason; a warning goes to the case's output.
fn case(class: &str, c: &Check, r: &Report) -> TestCase {
    let detail = text(&c.detail);
    let status = match c.status {
        CheckStatus::Fail => {
            let cause = r.diagnosis.cause.id();
            let body = format!("{detail}\ncause: {cause}\n{}", text(&r.diagnosis.remediation.join("\n")));
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(detail.as_str()).set_type(cause).set_description(body);
            s
        }
        CheckStatus::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(detail.as_str());
            s
        }
        CheckStatus::Pass | CheckStatus::Warn => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(text(&c.title), status);
    case.set_classname(class);
    if c.status == CheckStatus::Warn {
        case.set_system_out(format!("warning: {detail}"));
    }
    case
}

/// The run's RFC 3339 timestamp (crate::record::run_timestamp) as the suite's.
fn timestamp(rfc3339: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok()
}

fn serialize(junit: &Junit) -> String {
    // Writing to memory fails only on a bug in the writer; an empty file would then say so.
    junit.to_string().unwrap_or_default()
}

/// XML 1.0 allows only some characters at all, even escaped (found by the report fuzz target:
/// U+FFFF made the JUnit file unreadable). quick-junit drops C0 controls; the noncharacters
/// U+FFFE/U+FFFF and lone surrogates' replacements are left to this.
fn text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => c,
            _ => '\u{FFFD}',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Target;

    fn report_with(check: Check) -> Report {
        let mut r = Report::new("login", Target::default(), crate::diagnose::Diagnosis::ok());
        r.checks.push(check);
        r
    }

    /// Found by the report fuzz target: characters XML forbids must not reach the JUnit file,
    /// and markup in a check's text stays text.
    #[test]
    fn junit_stays_well_formed_for_any_text() {
        let nasty = "a\u{FFFF}b\u{1}c\u{FFFE}<&>\"'\u{0}\r\n]]>";
        let r = report_with(Check {
            id: nasty.into(),
            title: nasty.into(),
            status: CheckStatus::Fail,
            detail: nasty.into(),
        });
        let xml = report(&r);
        assert!(!xml.contains('\u{FFFF}') && !xml.contains('\u{1}') && !xml.contains('\u{0}'), "{xml}");
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("a failure");
        assert!(failure.attribute("message").is_some_and(|m| m.contains("<&>\"'")), "{xml}");
        let case = doc.descendants().find(|n| n.has_tag_name("testcase")).expect("a case");
        assert!(case.attribute("name").is_some_and(|m| m.contains("]]>")), "{xml}");
    }

    /// The same suite, cases and failure texts as the hand-written writer gave: a failure's type
    /// is the cause, its body the detail, the cause and the remediation; a skip says why; a
    /// warning goes to the case's output; counts are on the suite.
    #[test]
    fn a_run_is_one_suite_with_a_case_per_check() {
        let mut r = report_with(Check {
            id: "key".into(),
            title: "Private key readable".into(),
            status: CheckStatus::Pass,
            detail: "RSA 2048".into(),
        });
        let more = [
            ("clock", CheckStatus::Warn, "skew 40s"),
            ("admin_session", CheckStatus::Skip, "none given"),
            ("grant", CheckStatus::Fail, "invalid_grant"),
        ];
        for (id, status, detail) in more {
            r.checks.push(Check { id: id.into(), title: id.into(), status, detail: detail.into() });
        }
        r.diagnosis.cause = crate::record::Cause::UserNotPreauthorized;
        r.diagnosis.remediation = vec!["pre-authorize the user".into()];
        let xml = report(&r);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
        assert_eq!(suite.attribute("name"), Some("sfjwt login"));
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("failures"), suite.attribute("skipped")),
            (Some("4"), Some("1"), Some("1"))
        );
        let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert!(cases.iter().all(|c| c.attribute("classname") == Some("sfjwt.login")), "{xml}");
        let failure = cases[3].children().find(|n| n.has_tag_name("failure")).unwrap();
        assert_eq!(failure.attribute("type"), Some("user_not_preauthorized"));
        assert_eq!(failure.text(), Some("invalid_grant\ncause: user_not_preauthorized\npre-authorize the user"));
        let skipped = cases[2].children().find(|n| n.has_tag_name("skipped")).unwrap();
        assert_eq!(skipped.attribute("message"), Some("none given"));
        let out = cases[1].children().find(|n| n.has_tag_name("system-out")).unwrap();
        assert_eq!(out.text(), Some("warning: skew 40s"));
    }

    /// A failed run whose checks all passed still fails in JUnit (issue 22: a refused keyless
    /// login wrote failures="0").
    #[test]
    fn a_failed_run_without_a_failed_check_gets_a_failing_case() {
        let mut r = report_with(Check {
            id: "oidc_token".into(),
            title: "OIDC token".into(),
            status: CheckStatus::Pass,
            detail: String::new(),
        });
        r.target.flow = Flow::TokenExchange;
        r.status = Status::Failed;
        let xml = report(&r);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let failing: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
        assert_eq!(failing.len(), 1, "{xml}");
        assert_eq!(failing[0].parent().and_then(|c| c.attribute("name")), Some("Token exchange"));
    }
}
