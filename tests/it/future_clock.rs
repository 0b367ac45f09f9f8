//! Nothing here may depend on the day the tests run: the scenario suite runs again as if it were
//! two years later, and twenty (past the day the old fixture certificates expired), with the
//! clock of every process it starts (sfjwt, the emulator) moved the same way by libfaketime.
//!
//! Only the wall clock moves (`FAKETIME_DONT_FAKE_MONOTONIC`): Rust's timed waits take an absolute
//! monotonic deadline from the kernel, so a moved monotonic clock would make every timeout wait
//! for years. Node-based tools (sf, act, gitlab-ci-local) are left out: libfaketime's
//! shared-memory semaphores fail in some of them, which says nothing about our dates.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;
use crate::scenarios;

/// Where Debian's `faketime` package puts the library (scripts/tools.sh installs it);
/// SFJWT_LIBFAKETIME overrides.
fn libfaketime() -> PathBuf {
    let path = std::env::var_os("SFJWT_LIBFAKETIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"));
    assert!(path.is_file(), "libfaketime not found at {} (apt install faketime)", path.display());
    path
}

fn ahead(cmd: &mut Command, days: u32) -> &mut Command {
    cmd.env("LD_PRELOAD", libfaketime())
        .env("FAKETIME", format!("+{days}d"))
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("FAKETIME_DISABLE_SHM", "1")
}

/// The days sfjwt counts to the fixture certificate's notAfter, under a clock `days` ahead.
fn days_left_seen(days: Option<u32>) -> i64 {
    let ctx = Ctx::new();
    let crt = repo().join("fixtures/orgs/ci.crt");
    let mut cmd = ctx.sfjwt();
    cmd.args(["cert", "inspect", crt.to_str().unwrap(), "--format", "json"]);
    if let Some(d) = days {
        ahead(&mut cmd, d);
    }
    ctx.run(&mut cmd).ok().json()["days_left"].as_i64().expect("days_left")
}

fn scenarios_pass_ahead(days: u32) {
    // The shift reaches our own binaries, or this test proves nothing.
    assert_eq!(days_left_seen(None) - days_left_seen(Some(days)), i64::from(days));
    let me = std::env::current_exe().expect("the test binary");
    // `scenarios::` selects the snapshot suite and nothing in this module; the slow fault cases,
    // which no date reaches, ran once already.
    let mut cmd = Command::new(me);
    cmd.args(["scenarios::", "--test-threads", "2"]);
    for slow in scenarios::SLOW {
        cmd.args(["--skip", &format!("scenarios::{slow}")]);
    }
    let out = ahead(&mut cmd, days).env("CI", "true").output().expect("run the scenario suite");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the scenario suite fails {days} days from now:\n{text}");
    // Every scenario's own test ran and passed, not merely "nothing failed".
    let missing: Vec<&str> = scenarios::test_names()
        .filter(|name| !scenarios::SLOW.contains(name))
        .filter(|name| !text.contains(&format!("test scenarios::{name} ... ok")))
        .collect();
    assert!(missing.is_empty(), "scenarios that did not pass {days} days from now: {missing:?}\n{text}");
    assert!(text.contains(" 0 failed;"), "{text}");
}

#[test]
#[ignore = "needs libfaketime: scripts/test.sh installs it and runs ignored tests"]
fn scenarios_pass_two_years_from_now() {
    scenarios_pass_ahead(730);
}

#[test]
#[ignore = "needs libfaketime: scripts/test.sh installs it and runs ignored tests"]
fn scenarios_pass_twenty_years_from_now() {
    scenarios_pass_ahead(7300);
}
