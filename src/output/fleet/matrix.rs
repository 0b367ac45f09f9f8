//! The fleet as a matrix: targets as rows, checks as columns, ✅ ⚠️ ❌ with the cause, for a
//! GitHub step summary. The HTML page draws the same matrix.

use crate::fleet::TargetStatus;
use crate::fleet::report::{FleetReport, TargetEntry};
use crate::record::{Check, CheckStatus};

/// Check ids in the order the doctor runs them, with short column names.
pub const COLUMNS: &[(&str, &str)] = &[
    ("key", "Key"),
    ("certificate_match", "Cert ↔ key"),
    ("certificate_expiry", "Cert expiry"),
    ("repo_app", "Repo app"),
    ("repo_certificate", "Repo cert"),
    ("environment", "Environment"),
    ("grant", "Grant"),
    ("clock", "Clock"),
    ("admin_session", "Admin"),
    ("admin_permissions", "Admin reads"),
    ("org_user", "User"),
    ("org_app", "App"),
    ("org_policy", "Policy"),
    ("org_high_assurance", "High assurance"),
    ("org_access", "Access"),
    ("org_login_history", "Login history"),
];

/// The columns some target has, in doctor order; ids the table does not know go last.
pub fn columns(r: &FleetReport) -> Vec<(String, String)> {
    let present =
        |id: &str| r.targets.iter().any(|t| t.report.as_ref().is_some_and(|rep| rep.checks.iter().any(|c| c.id == id)));
    let mut out: Vec<(String, String)> =
        COLUMNS.iter().filter(|(id, _)| present(id)).map(|(id, l)| (id.to_string(), l.to_string())).collect();
    for t in &r.targets {
        for c in t.report.iter().flat_map(|rep| &rep.checks) {
            if !out.iter().any(|(id, _)| *id == c.id) {
                out.push((c.id.clone(), c.title.clone()));
            }
        }
    }
    out
}

fn rank(s: &CheckStatus) -> u8 {
    match s {
        CheckStatus::Skip => 0,
        CheckStatus::Pass => 1,
        CheckStatus::Warn => 2,
        CheckStatus::Fail => 3,
    }
}

/// A target's checks with this id, and the worst status among them.
pub fn cell<'a>(t: &'a TargetEntry, id: &str) -> Option<(CheckStatus, Vec<&'a Check>)> {
    let checks: Vec<&Check> = t.report.as_ref()?.checks.iter().filter(|c| c.id == id).collect();
    let worst = checks.iter().map(|c| &c.status).max_by_key(|s| rank(s))?.clone();
    Some((worst, checks))
}

pub fn icon(s: &CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "✅",
        CheckStatus::Warn => "⚠️",
        CheckStatus::Fail => "❌",
        CheckStatus::Skip => "➖",
    }
}

/// The status as the reports spell it.
pub fn status_id(s: &CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "pass",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "fail",
        CheckStatus::Skip => "skip",
    }
}

pub fn status_icon(s: TargetStatus) -> &'static str {
    match s {
        TargetStatus::Ok => "✅",
        TargetStatus::Failed => "❌",
        TargetStatus::Timeout => "⏱️",
        TargetStatus::Error => "❗",
    }
}

/// "cause (confidence)", or why there is no report.
pub fn cause_text(t: &TargetEntry) -> String {
    match &t.report {
        Some(r) if r.diagnosis.cause.id() == "none" && t.status == TargetStatus::Ok => "healthy".into(),
        Some(r)
            if r.diagnosis.cause.id() == "none"
                && r.checks
                    .iter()
                    .filter(|c| matches!(c.status, CheckStatus::Fail))
                    .map(|c| c.id.as_str())
                    .eq(["certificate_expiry"]) =>
        {
            format!(
                "the grant works; the certificate is in its renewal window: {}",
                crate::fleet::renewal_advice(r).replace('`', "")
            )
        }
        Some(r) if r.diagnosis.cause.id() == "none" => {
            let failed: Vec<&str> =
                r.checks.iter().filter(|c| matches!(c.status, CheckStatus::Fail)).map(|c| c.title.as_str()).collect();
            format!("the grant works; failed: {}", failed.join(", "))
        }
        Some(r) => format!("{} ({})", r.diagnosis.cause.id(), r.diagnosis.confidence.id()),
        None => format!("{}: {}", t.status.id(), t.error.as_deref().unwrap_or_default()),
    }
}

/// GitHub renders some HTML inside Markdown: angle brackets are escaped too. Brackets, `!` and
/// backticks are escaped so that no text makes a link, an image or a code span, and an `@` is
/// followed by a word joiner (U+2060, invisible) so that no text notifies a user or a team.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '|' | '\\' | '[' | ']' | '!' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{2060}"),
            c => out.push(c),
        }
    }
    out
}

/// A target's name: the file's author chose it, a pull request can change it. Beyond `md`, a
/// bare URL (`https://…`, `www.…`) is kept from being linked automatically.
fn md_name(s: &str) -> String {
    md(s).replace("://", ":\u{2060}//").replace("www.", "www\u{2060}.")
}

pub fn markdown(r: &FleetReport) -> String {
    let icon_all = if r.status == "ok" { "✅" } else { "❌" };
    let s = &r.summary;
    let mut out = format!(
        "## {icon_all} sfjwt doctor: {} of {} targets healthy\n\n{} failed, {} timed out, {} could not run · {:.1}s\n\n",
        s.ok,
        s.targets,
        s.failed,
        s.timed_out,
        s.errors,
        s.elapsed_ms as f64 / 1000.0
    );
    let cols = columns(r);
    out.push_str("| target | ");
    for (_, label) in &cols {
        out.push_str(&format!("{} | ", md(label)));
    }
    out.push_str("cert days | cause |\n|---|");
    out.push_str(&"---|".repeat(cols.len() + 2));
    out.push('\n');
    for t in &r.targets {
        out.push_str(&format!("| {} **{}** | ", status_icon(t.status), md_name(&t.name)));
        for (id, _) in &cols {
            out.push_str(match cell(t, id) {
                Some((st, _)) => icon(&st),
                None => " ",
            });
            out.push_str(" | ");
        }
        let days = t.certificate.as_ref().map(|c| c.days_left.to_string()).unwrap_or_else(|| "–".into());
        let mut cause = md(&cause_text(t));
        if let Some(fix) = t.report.as_ref().and_then(|rep| rep.diagnosis.remediation.first()) {
            cause.push_str(&format!(": {}", md(fix)));
        }
        out.push_str(&format!("{days} | {cause} |\n"));
    }
    out.push_str(
        "\n✅ pass · ⚠️ warning · ❌ failed · ➖ skipped · ⏱️ no result within the deadline · ❗ could not run\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name cannot make a link, an image, a mention or an autolink in the fleet page; before,
    /// only `&`, `<`, `>`, `|` and line breaks were escaped.
    #[test]
    fn names_make_no_link_image_or_mention() {
        let name = "[click](https://evil.example) ![img](https://x/y.png) @acme/admins www.evil.example `c`";
        let out = md_name(name);
        assert_eq!(
            out,
            "\\[click\\](https:\u{2060}//evil.example) \\!\\[img\\](https:\u{2060}//x/y.png) @\u{2060}acme/admins www\u{2060}.evil.example \\`c\\`"
        );
        assert!(!out.contains("![") && !out.contains("@a") && !out.contains("://"));
        assert_eq!(md("a|b\n<c>&"), "a\\|b &lt;c&gt;&amp;");
    }
}
