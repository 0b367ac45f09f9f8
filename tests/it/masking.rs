//! The mask reaches the runner even when stdout is captured: the README's `eval` recipe and a
//! `--format json | jq` pipe, run for real under act (issue: secrets never leak in ordinary use).

use crate::action::act;
use crate::common::*;

#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn captured_stdout_still_masks_the_token() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    // `act` fails the test if the token (or the key) appears anywhere in its log.
    let (code, log) = act(&ctx, "mask-recipes.yml", &emu, &[]);
    assert_eq!(code, 0, "{log}");
    for needle in ["eval token: ***", "jq token: ***", "later eval token: ***", "later jq token: ***"] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
    assert!(!log.contains("command not found"), "the eval swallowed a workflow command:\n{log}");
}
