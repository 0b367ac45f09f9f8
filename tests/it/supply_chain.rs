//! Temporary files sfjwt makes are created exclusively (O_EXCL), never opened at a predictable
//! name an attacker could plant a link at (issue 24 §3).

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::common::*;

/// `--report` is checked writable with a probe file before any work. A link planted at the old
/// probe name `.sfjwt-probe.<pid>` (and at the new names) is never followed: the victim keeps
/// its content and mode. The pid is known in advance because `exec` keeps the shell's.
#[test]
fn a_link_planted_at_the_probe_name_is_not_followed() {
    let ctx = Ctx::new();
    let dir = ctx.path("reports");
    std::fs::create_dir_all(&dir).unwrap();
    let victim = ctx.path("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o640)).unwrap();
    let plant = "for n in '' .0 .1; do ln -s \"$VICTIM\" \"$DIR/.sfjwt-probe.$$$n\"; done; \
                 exec \"$SFJWT\" explain --report \"$DIR/explain.json\" \"$TEXT\"";
    let out = Command::new("sh")
        .args(["-c", plant])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", ctx.dir.path())
        .env("VICTIM", &victim)
        .env("DIR", &dir)
        .env("SFJWT", env!("CARGO_BIN_EXE_sfjwt"))
        .env("TEXT", "invalid_grant: user hasn't approved this consumer")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n", "the probe truncated the victim");
    assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o640);
    assert!(dir.join("explain.json").is_file(), "the report is still written");
    let probes: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".sfjwt-probe."))
        .collect();
    assert_eq!(probes.len(), 3, "only the planted links are left, unfollowed: {probes:?}");
}
