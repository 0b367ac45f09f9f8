//! The human-facing report formats: Markdown (a GitHub step summary) and JUnit XML (each check a
//! test case, for Jenkins and GitLab test reports).

use crate::record::{CheckStatus, Report, Status};

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    if r.command == "explain" {
        // explain reports on someone else's failure: its header names that, not its own success.
        s.push_str(&format!("## 🔎 sfjwt explain: {}\n\n", r.diagnosis.cause.id()));
    } else {
        let icon = if r.status == Status::Ok { "✅" } else { "❌" };
        s.push_str(&format!("## {icon} sfjwt {}: {}\n\n", r.command, r.status.id()));
    }
    let t = &r.target;
    // An Entra target names its tenant, and its `audience` is the login's scope.
    let entra = t.provider == Some("entra");
    let mut rows: Vec<(&str, String)> = [
        ("tenant", &t.tenant),
        ("client id", &t.client_id),
        ("username", &t.username),
        (if entra { "authority host" } else { "login host" }, &t.login_host),
        (if entra { "scope" } else { "audience" }, &t.audience),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, format!("`{}`", code_escape(v)))))
    .collect();
    if let Some(id) = &r.identity {
        rows.push(("org id", format!("`{}`", code_escape(&id.org_id))));
        rows.push(("instance", format!("`{}`", code_escape(&id.instance_url))));
    }
    // An empty table renders as a stray header row; leave it out (explain has no target).
    if !rows.is_empty() {
        s.push_str("| | |\n|---|---|\n");
        rows.iter().for_each(|(k, v)| s.push_str(&format!("| {k} | {v} |\n")));
    }
    let d = &r.diagnosis;
    if d.cause.id() != "none" {
        s.push_str(&format!(
            "\n### Diagnosis: `{}` ({})\n\n{}\n\n",
            d.cause.id(),
            d.confidence.id(),
            md_escape(crate::diagnose::unhedged(&d.summary))
        ));
        if !d.remediation.is_empty() {
            s.push_str("**Fix**\n\n");
            for line in &d.remediation {
                s.push_str(&format!("- {}\n", md_escape(line)));
            }
        }
        if let Some(fix) = &d.fix {
            s.push_str(&format!("\n```\n{}\n```\n", fix.replace('`', "'")));
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
            let (host, aud) = (md_escape(&a.host), md_escape(&a.audience));
            s.push_str(&format!("| {host} | {aud} | {http} | {} |\n", md_escape(&answer)));
        }
    }
    s
}

/// Text for a Markdown table cell or list item. Server text can hold `<img src=…>` or a link:
/// HTML-escaping keeps it inert in a step summary (GitHub renders raw HTML in Markdown).
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '`' => out.push('\''),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span, where HTML is inert; a backtick or a line break would end it.
fn code_escape(s: &str) -> String {
    s.chars().map(|c| if c == '`' || c.is_control() { '\'' } else { c }).collect::<String>().replace('|', "\\|")
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
    // A run that recorded no check (a key that could not be read), or a failed run whose checks
    // all passed, gets the grant as its one test case, so the file never says failures="0" for a
    // failed run. (Every login attempt records its own grant or exchange check.)
    let failed_check = checks.iter().any(|c| c.status == CheckStatus::Fail);
    if checks.is_empty() || (r.status != Status::Ok && !failed_check) {
        let title = match r.target.flow {
            crate::record::Flow::TokenExchange => "Token exchange",
            crate::record::Flow::JwtBearer => "JWT bearer grant",
            crate::record::Flow::ClientCredentials => "Client credentials grant",
        };
        checks.push(crate::record::Check {
            id: "grant".into(),
            title: title.into(),
            status: if r.status == Status::Ok { CheckStatus::Pass } else { CheckStatus::Fail },
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
    use crate::record::{Check, CheckStatus, Report, Target};

    /// Found by the report fuzz target: characters XML forbids must not reach the JUnit file.
    #[test]
    fn junit_stays_well_formed_for_any_text() {
        let nasty = "a\u{FFFF}b\u{1}c\u{FFFE}<&>\"'\u{0}\r\n]]>";
        let mut r = Report::new(
            "login",
            Target { client_id: Some(nasty.into()), ..Target::default() },
            crate::diagnose::Diagnosis::ok(),
        );
        r.checks.push(Check { id: nasty.into(), title: nasty.into(), status: CheckStatus::Fail, detail: nasty.into() });
        let xml = junit(&r);
        assert!(!xml.contains('\u{FFFF}') && !xml.contains('\u{1}') && !xml.contains('\u{0}'));
        assert!(xml.contains("&lt;&amp;&gt;&quot;&apos;"));
        roxmltree::Document::parse(&xml).expect("well-formed XML");
    }
}
