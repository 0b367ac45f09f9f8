//! Imports point one way: down the layers of src/ (listed in src/lib.rs). A module may use any
//! module below it, never one above; inside one top-level module anything goes.

use std::path::{Path, PathBuf};

/// The layers of src/, bottom first: the one place the order is written.
const LAYERS: &[&str] = &[
    "error",
    "secrets",
    "untrusted",
    "fsutil",
    "net",
    "sfcli",
    "credentials",
    "appmeta",
    "login",
    // Microsoft Entra's grant (issue 25): a login of its own, beside Salesforce's.
    "entra",
    "org",
    "record",
    "diagnose",
    "fleet",
    "output",
    "cli",
    "commands",
    // lib.rs and main.rs: the crate's root and the binary.
    "main",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of src/ belongs to (`src/diagnose/doctor/mod.rs` → `diagnose`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src/");
    let first = rel.components().next().expect("a path").as_os_str().to_string_lossy().into_owned();
    match first.trim_end_matches(".rs") {
        "lib" => "main".into(),
        other => other.into(),
    }
}

/// Every `crate::NAME` a line of code names, comments left out.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return vec![];
    }
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let preceded_by_ident = rest[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_ident {
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() && after.starts_with('{') {
                // `use crate::{a, b::c}`: every name inside the braces.
                let inner = after[1..].split('}').next().unwrap_or_default();
                for part in inner.split(',') {
                    let head: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    names.push(head);
                }
            } else {
                names.push(name);
            }
        }
        rest = after;
    }
    names.into_iter().filter(|n| !n.is_empty()).collect()
}

#[test]
fn no_import_runs_up_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for file in &files {
        let from = module_of(&src, file);
        let from_rank =
            rank(&from).unwrap_or_else(|| panic!("{} is in no layer: add `{from}` to LAYERS", file.display()));
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            for to in crate_paths(line) {
                let to_rank =
                    rank(&to).unwrap_or_else(|| panic!("{}:{}: crate::{to} is in no layer", file.display(), n + 1));
                if to_rank > from_rank {
                    upward.push(format!("{}:{}: {from} uses {to}", file.strip_prefix(&src).unwrap().display(), n + 1));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up the layers ({}):\n{}", LAYERS.join(" < "), upward.join("\n"));
}

/// The scan itself: it sees plain, grouped and inline paths, and skips comments.
#[test]
fn the_layer_scan_reads_every_form_of_path() {
    assert_eq!(crate_paths("use crate::output::report::Report;"), ["output"]);
    assert_eq!(crate_paths("use crate::{error::Error, net};"), ["error", "net"]);
    assert_eq!(crate_paths("    let x = crate::secrets::scrub(&crate::cli::x());"), ["secrets", "cli"]);
    assert!(crate_paths("// see crate::cli for the flags").is_empty());
    assert!(crate_paths("use sfjwt_crate::cli;").is_empty());
}
