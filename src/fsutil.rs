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
