#![no_main]
//! The config loader and the value parsers it feeds: durations, login URLs, identifiers.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = sfjwt::cli::config::parse(text, "fuzz.yaml");
    let _ = sfjwt::cli::duration::parse(text);
    let _ = sfjwt::login::endpoint::login_url(text, false);
    let _ = sfjwt::login::endpoint::audience(text);
    let _ = sfjwt::login::endpoint::username(text);
    let _ = sfjwt::login::endpoint::client_id(text);
});
