#![no_main]
// The explain parser reads arbitrary log text (issue 14: once it lived in the diagnosis module it
// could be fuzzed like the others). Property beyond "no panic": the evidence excerpt is bounded.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let d = sfjwt::diagnose::text::explain(&text);
    for e in &d.evidence {
        assert!(e.chars().count() <= 260, "unbounded evidence: {} chars", e.chars().count());
    }
});
