#![no_main]
//! The key-input normaliser and parser: any bytes, with and without a passphrase, must give a key
//! or a KeyError, never a panic; and an error message never quotes the input.
use libfuzzer_sys::fuzz_target;
use sfjwt::credentials::keys::{self, Passphrase};

fuzz_target!(|data: &[u8]| {
    let pass = Passphrase::new("fuzz");
    for p in [None, Some(&pass)] {
        if let Err(e) = keys::parse(data, p) {
            let msg = format!("{e} {}", e.help());
            if data.len() >= 24
                && let Ok(text) = std::str::from_utf8(data)
            {
                let t = text.trim();
                assert!(t.len() < 24 || !msg.contains(t), "error quotes its input: {msg}");
            }
        }
    }
});
