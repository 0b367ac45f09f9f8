//! `--json`: one JSON envelope on stdout for every outcome of every command, as the sf CLI's
//! `--json` does, so a pipeline can always parse stdout:
//! `{"status": 0, "result": …}` on success, `{"status": N, "name": …, "message": …, "cause": …}`
//! otherwise. Text that would have gone to stdout goes to stderr instead.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

static ENABLED: AtomicBool = AtomicBool::new(false);
static RESULT: Mutex<Option<Value>> = Mutex::new(None);
static FAILURE: Mutex<Option<Failure>> = Mutex::new(None);

/// Why a command that returned normally still failed (a refusal, a failed check).
struct Failure {
    name: &'static str,
    message: String,
    cause: Option<&'static str>,
}

pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

/// The command's result (what `--format json` would print).
pub fn set_result(value: Value) {
    if let Ok(mut r) = RESULT.lock() {
        *r = Some(value);
    }
}

/// A failure the command reports with its own exit code.
pub fn set_failure(name: &'static str, message: impl Into<String>, cause: Option<&'static str>) {
    if let Ok(mut f) = FAILURE.lock() {
        *f = Some(Failure { name, message: message.into(), cause });
    }
}

/// A line of text output: stdout normally, stderr under `--json` (stdout holds the envelope).
pub fn line(text: &str) {
    if enabled() {
        eprintln!("{text}");
    } else {
        println!("{text}");
    }
}

/// The envelope for a command that returned `exit`.
pub fn finished(exit: u8) -> Value {
    let result = RESULT.lock().ok().and_then(|mut r| r.take()).unwrap_or(Value::Null);
    let failure = FAILURE.lock().ok().and_then(|mut f| f.take());
    match failure {
        Some(f) if exit != 0 => json!({
            "status": exit,
            "name": f.name,
            "message": f.message,
            "cause": f.cause,
            "result": result,
        }),
        _ => json!({ "status": exit, "result": result }),
    }
}

/// The envelope for an error that ended the command.
pub fn error(exit: u8, name: &str, message: &str, help: Option<&str>) -> Value {
    json!({ "status": exit, "name": name, "message": message, "help": help })
}

/// Prints an envelope, scrubbed of every registered secret.
pub fn print(envelope: &Value) {
    use std::io::Write;
    let text = serde_json::to_string_pretty(envelope).unwrap_or_else(|_| "{\"status\": 1}".into());
    // A reader that closed the pipe early (`| head`) is not an error and never a panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", crate::secrets::scrub(&text));
}
