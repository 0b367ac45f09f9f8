//! Diagnosis measured on real error reports (issue 23 §1): fixtures/corpus/salesforce.yaml holds
//! texts people pasted into public threads, each with the cause the thread resolved to. `explain`
//! reads them with the same function the command uses; the figures and every miss are printed.

use serde::Deserialize;
use sfjwt::diagnose::{Confidence, text::explain};

#[derive(Deserialize)]
struct Case {
    id: String,
    source: String,
    tool: String,
    text: String,
    resolved: String,
    note: String,
}

/// top-1, in-candidates and confident-wrong over the resolved cases, with the misses.
struct Figures {
    resolved: usize,
    top1: usize,
    in_candidates: usize,
    confident_wrong: Vec<String>,
    misses: Vec<String>,
}

impl Figures {
    fn pct(n: usize, of: usize) -> f64 {
        if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 }
    }
    fn top1_pct(&self) -> f64 {
        Self::pct(self.top1, self.resolved)
    }
    fn candidates_pct(&self) -> f64 {
        Self::pct(self.in_candidates, self.resolved)
    }
}

fn corpus() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus/salesforce.yaml");
    let text = std::fs::read_to_string(path).expect("the corpus is part of the repository");
    serde_yaml::from_str(&text).expect("the corpus is a YAML list of {id, source, tool, text, resolved, note}")
}

fn measure(cases: &[Case]) -> Figures {
    let mut f = Figures { resolved: 0, top1: 0, in_candidates: 0, confident_wrong: vec![], misses: vec![] };
    for case in cases.iter().filter(|c| c.resolved != "unresolved") {
        f.resolved += 1;
        let d = explain(&case.text);
        let named: Vec<&str> = d.candidates.iter().map(|c| c.cause.id()).collect();
        let first = d.cause.id() == case.resolved;
        f.top1 += usize::from(first);
        let among = named.contains(&case.resolved.as_str());
        f.in_candidates += usize::from(among);
        if !first && d.confidence == Confidence::Confirmed {
            f.confident_wrong.push(case.id.clone());
        }
        if !first {
            let mark = if among { "in candidates" } else { "missed" };
            f.misses.push(format!(
                "{} ({mark}): resolved {} — sfjwt says {} [{}] candidates {named:?} — {}",
                case.id,
                case.resolved,
                d.cause.id(),
                d.confidence.id(),
                case.source
            ));
        }
    }
    f
}

fn report(f: &Figures) {
    println!(
        "corpus: {} resolved cases; top-1 {}/{} = {:.1} %; in-candidates {}/{} = {:.1} %; confident-wrong {}",
        f.resolved,
        f.top1,
        f.resolved,
        f.top1_pct(),
        f.in_candidates,
        f.resolved,
        f.candidates_pct(),
        f.confident_wrong.len()
    );
    for m in &f.misses {
        println!("  miss {m}");
    }
}

#[test]
fn the_corpus_is_well_formed_and_sourced() {
    let cases = corpus();
    let threads: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.source.as_str()).collect();
    assert!(cases.len() >= 60, "at least 60 cases, got {}", cases.len());
    assert!(threads.len() >= 30, "at least 30 distinct threads, got {}", threads.len());
    let mut ids = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(ids.insert(c.id.as_str()), "duplicate id {}", c.id);
        assert!(c.source.starts_with("https://"), "{}: a public source", c.id);
        assert!(!c.tool.trim().is_empty() && !c.text.trim().is_empty(), "{}: tool and text", c.id);
        assert!(!c.note.trim().is_empty() && !c.resolved.trim().is_empty(), "{}: resolution noted", c.id);
    }
}

#[test]
fn explain_is_never_confirmed_when_wrong_on_the_corpus() {
    let f = measure(&corpus());
    report(&f);
    assert!(f.confident_wrong.is_empty(), "confirmed but wrong: {:?}", f.confident_wrong);
}

/// The target is top-1 ≥ 75 %; what is reached today (docs/evidence.md) is the floor this
/// test holds, so a change that loses a case fails here. Raise `TOP1_FLOOR` as misses are fixed.
const TOP1_FLOOR: f64 = 74.0;

#[test]
fn explain_names_what_real_threads_resolved() {
    let f = measure(&corpus());
    report(&f);
    assert!(f.top1_pct() >= TOP1_FLOOR, "top-1 {:.1} % < {TOP1_FLOOR} %", f.top1_pct());
    assert!(f.candidates_pct() >= 95.0, "in-candidates {:.1} % < 95 %", f.candidates_pct());
    assert!(f.confident_wrong.is_empty(), "confirmed but wrong: {:?}", f.confident_wrong);
}
