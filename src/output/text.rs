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
