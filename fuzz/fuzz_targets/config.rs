#![no_main]
//! The config loader and the value parsers it feeds: durations, login URLs, identifiers.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = sfjwt::config::parse(text, "fuzz.yaml");
    let _ = sfjwt::duration::parse(text);
    let _ = sfjwt::endpoint::login_url(text, false);
    let _ = sfjwt::endpoint::audience(text);
    let _ = sfjwt::endpoint::username(text);
    let _ = sfjwt::endpoint::client_id(text);
});
