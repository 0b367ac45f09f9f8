//! The fleet as one self-contained HTML page: no script, no external asset, inline CSS. The
//! matrix's cells expand (<details>) to the checks' evidence; each target's certificate expiry is
//! a bar on a one-year timeline. Element classes and data-* attributes are a contract with the
//! browser test (tests/it/fleet.rs).

use super::matrix::{self, cell, columns};
use crate::fleet::report::{FleetReport, TargetEntry};
use crate::record::CheckStatus;

/// The timeline spans this many days; longer validity fills the bar.
const TIMELINE_DAYS: i64 = 365;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24}\
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}\
th{background:#f6f8fa}td.cell{text-align:center}details>summary{cursor:pointer;list-style:none}\
details[open]{min-width:16em;text-align:left}.evidence{font-size:12px;color:#57606a;margin:4px 0}\
.status-ok{background:#dafbe1}.status-failed{background:#ffebe9}.status-timeout,.status-error{background:#fff8c5}\
.timeline{margin-top:1.5em}.row{display:flex;align-items:center;margin:4px 0}.row .name{width:12em}\
.bar{width:30em;height:14px;background:#eaeef2;border-radius:3px;overflow:hidden}\
.fill{height:100%}.fill.ok{background:#2da44e}.fill.soon{background:#d4a72c}.fill.expired{background:#cf222e}\
.days{margin-left:8px;font-size:12px}\
td.cell[data-status=pass]{background:#dafbe1;color:#116329}td.cell[data-status=warn]{background:#fff8c5;color:#7d4e00}\
td.cell[data-status=fail]{background:#ffc1ba;color:#a40e26;font-weight:bold}td.cell[data-status=skip]{color:#8c959f}\
.badge{display:inline-block;min-width:4.5em;margin-right:6px;padding:0 4px;border-radius:3px;font-size:11px;text-align:center;color:#fff}\
tr.target th{white-space:nowrap}.badge.ok{background:#1a7f37}.badge.failed{background:#cf222e}.badge.timeout,.badge.error{background:#9a6700}";

/// Symbols every common font has (the Markdown matrix uses emoji; a browser may lack an emoji font).
fn symbol(s: &CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "✔",
        CheckStatus::Warn => "⚠",
        CheckStatus::Fail => "✖",
        CheckStatus::Skip => "–",
    }
}

pub fn page(r: &FleetReport) -> String {
    let s = &r.summary;
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str(&format!("<title>sfjwt doctor: {} of {} targets healthy</title>", s.ok, s.targets));
    out.push_str(&format!("<style>{STYLE}</style></head><body>\n"));
    out.push_str(&format!(
        "<h1 id=\"summary\" data-ok=\"{}\" data-targets=\"{}\">sfjwt doctor: {} of {} targets healthy</h1>\n",
        s.ok, s.targets, s.ok, s.targets
    ));
    out.push_str(&format!(
        "<p>{} failed, {} timed out, {} could not run · {} · {}</p>\n",
        s.failed,
        s.timed_out,
        s.errors,
        esc(&r.timestamp),
        esc(&r.config)
    ));
    out.push_str(&table(r));
    out.push_str(&timeline(r));
    out.push_str("</body></html>\n");
    out
}

fn table(r: &FleetReport) -> String {
    let cols = columns(r);
    let mut out = String::from("<table id=\"matrix\"><thead><tr><th>target</th>");
    for (_, label) in &cols {
        out.push_str(&format!("<th>{}</th>", esc(label)));
    }
    out.push_str("<th>cause</th></tr></thead><tbody>\n");
    for t in &r.targets {
        out.push_str(&format!(
            "<tr class=\"target status-{0}\" data-target=\"{1}\" data-status=\"{0}\"><th><span class=\"badge {0}\">{0}</span>{1}</th>",
            t.status.id(),
            esc(&t.name)
        ));
        for (id, _) in &cols {
            out.push_str(&match cell(t, id) {
                Some((st, checks)) => {
                    let lines: String = checks
                        .iter()
                        .map(|c| format!("<p class=\"evidence\">{}: {}</p>", esc(&c.title), esc(&c.detail)))
                        .collect();
                    format!(
                        "<td class=\"cell\" data-check=\"{}\" data-status=\"{}\"><details><summary>{}</summary>{lines}</details></td>",
                        esc(id),
                        matrix::status_id(&st),
                        symbol(&st)
                    )
                }
                None => format!("<td class=\"cell\" data-check=\"{}\" data-status=\"none\"></td>", esc(id)),
            });
        }
        out.push_str(&format!("<td class=\"cause\">{}</td></tr>\n", cause_cell(t)));
    }
    out.push_str("</tbody></table>\n");
    out
}

fn cause_cell(t: &TargetEntry) -> String {
    let head = esc(&matrix::cause_text(t));
    let Some(r) = &t.report else { return head };
    let d = &r.diagnosis;
    if d.evidence.is_empty() && d.remediation.is_empty() {
        return head;
    }
    let mut body = String::new();
    for e in &d.evidence {
        body.push_str(&format!("<p class=\"evidence\">{}</p>", esc(e)));
    }
    for fix in &d.remediation {
        body.push_str(&format!("<p class=\"fix\">{}</p>", esc(fix)));
    }
    if let Some(cmd) = &d.fix {
        body.push_str(&format!("<pre>{}</pre>", esc(cmd)));
    }
    format!("<details><summary>{head}</summary>{body}</details>")
}

fn timeline(r: &FleetReport) -> String {
    let mut out = format!(
        "<section class=\"timeline\" id=\"certificates\"><h2>Certificate expiry (next {TIMELINE_DAYS} days)</h2>\n"
    );
    for t in &r.targets {
        let Some(c) = &t.certificate else {
            out.push_str(&format!(
                "<div class=\"row\" data-target=\"{0}\"><span class=\"name\">{0}</span><span class=\"days\">no certificate given</span></div>\n",
                esc(&t.name)
            ));
            continue;
        };
        let pct = (c.days_left.clamp(0, TIMELINE_DAYS) * 100) / TIMELINE_DAYS;
        let class = if c.days_left <= 0 {
            "expired"
        } else if c.days_left < 30 || expiry_failed(t) {
            "soon"
        } else {
            "ok"
        };
        out.push_str(&format!(
            "<div class=\"row\" data-target=\"{0}\" data-days-left=\"{1}\"><span class=\"name\">{0}</span><div class=\"bar\"><div class=\"fill {class}\" style=\"width:{pct}%\"></div></div><span class=\"days\">{1} days · {2}</span></div>\n",
            esc(&t.name),
            c.days_left,
            esc(&c.not_after)
        ));
    }
    out.push_str("</section>\n");
    out
}

/// The expiry check failed: the certificate is inside --expires-within.
fn expiry_failed(t: &TargetEntry) -> bool {
    cell(t, "certificate_expiry").is_some_and(|(s, _)| matches!(s, crate::record::CheckStatus::Fail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{TargetResult, TargetStatus};

    /// Target names come from sfjwt.yaml, which a pull request can change: the page escapes them.
    #[test]
    fn names_and_errors_are_escaped() {
        let hostile = "<img src=x onerror=alert(1)>\"'&";
        let r = TargetResult {
            name: hostile.into(),
            status: TargetStatus::Error,
            elapsed: std::time::Duration::from_millis(5),
            outcome: None,
            error: Some(hostile.into()),
        };
        let fleet = FleetReport::new("sfjwt.yaml".into(), vec![r], std::time::Duration::from_millis(5));
        let html = page(&fleet);
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), "{html}");
        let md = crate::output::fleet::matrix::markdown(&fleet);
        assert!(
            md.contains("❗ **&lt;img src=x onerror=alert(1)&gt;\"'&amp;**"),
            "no HTML reaches GitHub's Markdown: {md}"
        );
    }

    /// The page's (and the JSON's) timestamp is read by a person: whole seconds, no nanoseconds.
    #[test]
    fn the_timestamp_is_at_seconds_precision() {
        let fleet = FleetReport::new("sfjwt.yaml".into(), vec![], std::time::Duration::from_millis(5));
        let t = &fleet.timestamp;
        assert!(t.len() == "2026-01-01T00:00:00Z".len() && t.ends_with('Z') && !t.contains('.'), "{t}");
        assert!(page(&fleet).contains(&format!(" · {t} · ")));
    }
}
