#![no_main]
//! The token-endpoint answer parser: any status, content type and body.
use libfuzzer_sys::fuzz_target;
use sfjwt::login::grant::{Outcome, classify_answer};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + (u16::from(data[0]) << 8 | u16::from(data[1])) % 500;
    let text = String::from_utf8_lossy(&data[2..]);
    let (ct, body) = text.split_once('\n').unwrap_or(("application/json", &text));
    match classify_answer(status, ct, body) {
        Outcome::Granted(g) => assert!(status == 200 && !g.instance_url.is_empty()),
        Outcome::Refused { .. } => assert!((400..500).contains(&status)),
        Outcome::NoAnswer { detail, .. } => assert!(detail.chars().count() < 400, "excerpt not bounded"),
    }
});
