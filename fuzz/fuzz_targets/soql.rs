#![no_main]
//! The emulator's SOQL tokenizer and parser.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = sfjwt_emulator::soql::parse(text) {
        assert!(!e.code().is_empty());
        let _ = e.message();
    }
});
