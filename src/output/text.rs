//! The human-facing report formats: Markdown (a GitHub step summary) and JUnit XML (each check a
//! test case, for Jenkins and GitLab test reports).

use crate::output::report::{CheckStatus, Report};

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let icon = if r.status == "ok" { "✅" } else { "❌" };
    s.push_str(&format!("## {icon} sfjwt {}: {}\n\n", r.command, r.status));
    let t = &r.target;
    s.push_str("| | |\n|---|---|\n");
    for (k, v) in [
        ("client id", &t.client_id),
        ("username", &t.username),
        ("login host", &t.login_host),
        ("audience", &t.audience),
    ] {
        if let Some(v) = v {
            s.push_str(&format!("| {k} | `{}` |\n", md_escape(v)));
        }
    }
    if let Some(id) = &r.identity {
        s.push_str(&format!("| org id | `{}` |\n| instance | {} |\n", id.org_id, md_escape(&id.instance_url)));
    }
    let d = &r.diagnosis;
    if d.cause.id() != "none" {
        s.push_str(&format!(
            "\n### Diagnosis: `{}` ({})\n\n{}\n\n",
            d.cause.id(),
            d.confidence.id(),
            md_escape(&d.summary)
        ));
        if !d.remediation.is_empty() {
            s.push_str("**Fix**\n\n");
            for line in &d.remediation {
                s.push_str(&format!("- {}\n", md_escape(line)));
            }
        }
        if let Some(fix) = &d.fix {
            s.push_str(&format!("\n```\n{fix}\n```\n"));
        }
        if d.candidates.len() > 1 {
            let others: Vec<String> = d.candidates.iter().skip(1).map(|c| format!("`{}`", c.cause.id())).collect();
            s.push_str(&format!("\nOther candidates: {}\n", others.join(", ")));
        }
        if !d.evidence.is_empty() {
            s.push_str("\n**Evidence**\n\n");
            for e in &d.evidence {
                s.push_str(&format!("- {}\n", md_escape(e)));
            }
        }
        s.push_str(&format!("\nMore: {}\n", d.docs));
    }
    if !r.checks.is_empty() {
        s.push_str("\n### Checks\n\n| check | status | detail |\n|---|---|---|\n");
        for c in &r.checks {
            let st = match c.status {
                CheckStatus::Pass => "pass",
                CheckStatus::Warn => "warn",
                CheckStatus::Fail => "**fail**",
                CheckStatus::Skip => "skip",
            };
            s.push_str(&format!("| {} | {st} | {} |\n", md_escape(&c.title), md_escape(&c.detail)));
        }
    }
    if !r.attempts.is_empty() {
        s.push_str("\n### Attempts\n\n| host | audience | HTTP | answer |\n|---|---|---|---|\n");
        for a in &r.attempts {
            let answer = match (&a.error, &a.failure) {
                (Some(e), _) => format!("{e}: {}", a.error_description.as_deref().unwrap_or_default()),
                (None, Some(f)) => format!("{f}: {}", a.detail.as_deref().unwrap_or_default()),
                _ => "granted".into(),
            };
            let http = a.http_status.map(|h| h.to_string()).unwrap_or_else(|| "-".into());
            s.push_str(&format!("| {} | {} | {http} | {} |\n", a.host, a.audience, md_escape(&answer)));
        }
    }
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// XML 1.0 allows only some characters at all (found by the report fuzz target: U+FFFF made the
/// JUnit file unreadable); anything else becomes U+FFFD before escaping.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => c,
        _ => '\u{FFFD}',
    }
}

pub fn xml_escape(s: &str) -> String {
    s.chars()
        .map(xml_char)
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn junit(r: &Report) -> String {
    let mut cases = String::new();
    let mut failures = 0;
    let mut skipped = 0;
    let mut checks = r.checks.clone();
    // Without explicit checks (login), the grant itself is the one test case.
    if checks.is_empty() {
        checks.push(crate::output::report::Check {
            id: "grant".into(),
            title: "JWT bearer grant".into(),
            status: if r.status == "ok" { CheckStatus::Pass } else { CheckStatus::Fail },
            detail: r.diagnosis.summary.clone(),
        });
    }
    for c in &checks {
        cases.push_str(&format!(
            "    <testcase classname=\"sfjwt.{}\" name=\"{}\">\n",
            r.command,
            xml_escape(&c.title)
        ));
        match c.status {
            CheckStatus::Fail => {
                failures += 1;
                let body =
                    format!("{}\ncause: {}\n{}", c.detail, r.diagnosis.cause.id(), r.diagnosis.remediation.join("\n"));
                cases.push_str(&format!(
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                    xml_escape(&c.detail),
                    r.diagnosis.cause.id(),
                    xml_escape(&body)
                ));
            }
            CheckStatus::Skip => {
                skipped += 1;
                cases.push_str(&format!("      <skipped message=\"{}\"/>\n", xml_escape(&c.detail)));
            }
            CheckStatus::Warn => {
                cases.push_str(&format!("      <system-out>warning: {}</system-out>\n", xml_escape(&c.detail)))
            }
            CheckStatus::Pass => {}
        }
        cases.push_str("    </testcase>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sfjwt\" tests=\"{n}\" failures=\"{failures}\" skipped=\"{skipped}\">\n  <testsuite name=\"sfjwt {cmd}\" tests=\"{n}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" timestamp=\"{ts}\">\n{cases}  </testsuite>\n</testsuites>\n",
        n = checks.len(),
        cmd = r.command,
        ts = xml_escape(r.timestamp.trim_end_matches('Z')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::{Check, CheckStatus, Report, Target};

    /// Found by the report fuzz target: characters XML forbids must not reach the JUnit file.
    #[test]
    fn junit_stays_well_formed_for_any_text() {
        let nasty = "a\u{FFFF}b\u{1}c\u{FFFE}<&>\"'\u{0}\r\n]]>";
        let mut r = Report::new("login", Target { client_id: Some(nasty.into()), ..Target::default() });
        r.checks.push(Check { id: nasty.into(), title: nasty.into(), status: CheckStatus::Fail, detail: nasty.into() });
        let xml = junit(&r);
        assert!(!xml.contains('\u{FFFF}') && !xml.contains('\u{1}') && !xml.contains('\u{0}'));
        assert!(xml.contains("&lt;&amp;&gt;&quot;&apos;"));
        roxmltree::Document::parse(&xml).expect("well-formed XML");
    }
}
