//! `--json`: one JSON envelope on stdout for every outcome of every command, as the sf CLI's
//! `--json` does, so a pipeline can always parse stdout:
//! `{"status": 0, "result": …}` on success, `{"status": N, "name": …, "message": …, "cause": …}`
//! otherwise. Text that would have gone to stdout goes to stderr instead.

use serde_json::{Value, json};

use super::printer::Outcome;

/// The envelope for a command that returned normally.
pub fn finished(outcome: &Outcome) -> Value {
    let result = outcome.result.clone().unwrap_or(Value::Null);
    match &outcome.failure {
        Some(f) if outcome.exit as u8 != 0 => json!({
            "status": outcome.exit as u8,
            "name": f.name,
            "message": f.message,
            "cause": f.cause,
            "result": result,
        }),
        _ => json!({ "status": outcome.exit as u8, "result": result }),
    }
}

/// The envelope for an error that ended the command: the failure envelope's keys (the README
/// promises `cause` and `result` on every failure; a usage or input error has neither), and `help`.
pub fn error(exit: u8, name: &str, message: &str, help: Option<&str>) -> Value {
    json!({ "status": exit, "name": name, "message": message, "cause": null, "result": null, "help": help })
}

/// Prints an envelope, scrubbed of every registered secret.
pub fn print(envelope: &Value) {
    use std::io::Write;
    let text = serde_json::to_string_pretty(envelope).unwrap_or_else(|_| "{\"status\": 1}".into());
    // A reader that closed the pipe early (`| head`) is not an error and never a panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", crate::secrets::scrub(&text));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Exit;

    /// The outcome a command returns is the envelope: its result, and its failure only when the
    /// exit code says it failed.
    #[test]
    fn an_outcome_becomes_the_envelope() {
        let ok = Outcome::new(Exit::Success).with_result(Some(json!({"a": 1}))).with_failure("X", "m", None);
        assert_eq!(finished(&ok), json!({"status": 0, "result": {"a": 1}}));
        let refused = Outcome::new(Exit::Refused).with_failure("GrantRefused", "no", Some("user_not_approved"));
        assert_eq!(
            finished(&refused),
            json!({"status": 3, "name": "GrantRefused", "message": "no", "cause": "user_not_approved", "result": null})
        );
        // An error that ended the command has every failure key, plus its help.
        let usage = error(2, "UsageError", "no username given", Some("pass --username"));
        let keys: Vec<&str> = usage.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["cause", "help", "message", "name", "result", "status"]);
        // A later `None` keeps the result already given.
        let kept = Outcome::new(Exit::Success).with_result(Some(json!(1))).with_result(None);
        assert_eq!(finished(&kept)["result"], json!(1));
    }
}
