//! Writing files the way a key deserves: never world-readable, not even for an instant.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Mode for files that hold a secret.
pub const SECRET_MODE: u32 = 0o600;
/// Mode for public files (certificates).
pub const PUBLIC_MODE: u32 = 0o644;

/// Writes `bytes` to `path` atomically: a temporary file created with `mode` in the same directory,
/// then renamed over the target. A reader never sees a partial file or a looser mode.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let io_err = |action: &'static str, p: &Path, source: std::io::Error| Error::Io {
        action,
        path: p.display().to_string(),
        source,
        help: Some("check that the directory exists and is writable".into()),
    };
    let mut tmp = None;
    for attempt in 0..16u32 {
        let candidate = dir.join(format!(".{file_name}.{}.{attempt}.tmp", std::process::id()));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match opts.open(&candidate) {
            Ok(f) => {
                tmp = Some((candidate, f));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("create a file in", dir, e)),
        }
    }
    let Some((tmp_path, mut file)) = tmp else {
        return Err(io_err("create a file in", dir, std::io::Error::other("too many leftover temporary files")));
    };
    let result = file.write_all(bytes).and_then(|_| file.sync_all()).and_then(|_| std::fs::rename(&tmp_path, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(io_err("write", path, e));
    }
    Ok(())
}

/// Checks, before any work, that `write_atomic` will be able to write `path`: its directory
/// exists and takes a new file, and the path is not a directory. `what` names the flag.
/// A bad destination found only after the grant would orphan an issued token.
pub fn check_writable(path: &Path, what: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let bad =
        |why: String| Error::usage(format!("cannot write {what} {}: {why}", path.display()), "choose a writable path");
    if path.is_dir() {
        return Err(bad("it is a directory".into()));
    }
    if !dir.is_dir() {
        return Err(bad(format!("the directory {} does not exist", dir.display())));
    }
    // Creating (and removing) an empty probe is the one portable writability test; the real
    // write makes a temporary file in the same directory anyway. create_new (O_EXCL) never opens
    // what is already there, so a link planted at the name is neither followed nor truncated.
    let mut last = None;
    for attempt in 0..16u32 {
        let probe = dir.join(format!(".sfjwt-probe.{}.{attempt}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(bad(format!("the directory {} is not writable ({e})", dir.display()))),
        }
    }
    let e = last.unwrap_or_else(|| std::io::Error::other("no free probe name"));
    Err(bad(format!("the directory {} is not writable ({e})", dir.display())))
}

/// Whether `child` is `parent` or below it, both taken from the current folder: a private key
/// written there would be deployed or committed with the source.
pub fn is_inside(child: &Path, parent: &Path) -> bool {
    resolved(child).starts_with(resolved(parent))
}

/// `path` absolute with its symbolic links resolved as far as it exists (a folder still to be
/// made keeps its last parts as given): a link cannot lead a key into the source folder.
fn resolved(path: &Path) -> std::path::PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut at = abs.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return abs,
        }
    }
}
