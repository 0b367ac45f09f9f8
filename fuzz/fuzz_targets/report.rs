#![no_main]
//! The report writer: whatever strings reach a report, the JSON must parse back and the JUnit XML
//! must stay well-formed.
use libfuzzer_sys::fuzz_target;
use sfjwt::diagnose::Diagnosis;
use sfjwt::output::report::{ReportFormat, render};
use sfjwt::record::{Check, CheckStatus, Report, Target};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parts: Vec<String> = text.split('\u{0}').map(str::to_string).collect();
    let get = |i: usize| parts.get(i).cloned().unwrap_or_default();
    let mut r = Report::new("login", Target { client_id: Some(get(0)), username: Some(get(1)), login_host: Some(get(2)), audience: None, ..Default::default() }, Diagnosis::ok());
    r.checks.push(Check { id: get(3), title: get(4), status: CheckStatus::Fail, detail: get(5) });
    r.diagnosis.evidence.push(get(6));
    r.diagnosis.fix = Some(get(7));
    let json = render(&r, ReportFormat::Json).expect("json");
    let back: serde_json::Value = serde_json::from_str(&json).expect("JSON parses back");
    assert_eq!(back["target"]["client_id"].as_str(), Some(get(0).as_str()));
    let xml = render(&r, ReportFormat::Junit).expect("junit");
    roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit XML not well-formed ({e}):\n{xml}"));
    let _ = render(&r, ReportFormat::Markdown);
    let _ = render(&r, ReportFormat::Yaml);
});
