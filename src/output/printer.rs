//! Where a command's output goes, as a value made once in `main` and handed down (uv's
//! `Printer`), and what a command ends with (`Outcome`), which `main` prints: no global state.
//! Under `--json` stdout holds only the envelope, so text lines go to stderr and JSON output
//! becomes the envelope's `result`.

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Exit};

#[derive(Clone, Copy, Debug, Default)]
pub struct Printer {
    json: bool,
}

impl Printer {
    /// `json`: `--json` was given; stdout is the envelope's.
    pub fn new(json: bool) -> Printer {
        Printer { json }
    }

    /// Every command's output is JSON, carried by the envelope.
    pub fn json(self) -> bool {
        self.json
    }

    /// A line of text output: stdout normally, stderr under `--json`.
    pub fn line(self, text: &str) {
        if self.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }

    /// JSON output: printed now, or under `--json` returned to become the envelope's `result`.
    pub fn json_value<T: Serialize>(self, value: &T) -> Result<Option<Value>, Error> {
        let json =
            serde_json::to_value(value).map_err(|e| Error::Internal(format!("cannot encode JSON output: {e}")))?;
        if self.json {
            return Ok(Some(json));
        }
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        Ok(None)
    }
}

/// How a command that returned normally ended: its exit code, its result (what `--format json`
/// would print), and why it failed when it did (a refusal, a failed check).
#[derive(Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub result: Option<Value>,
    pub failure: Option<Failure>,
}

#[derive(Debug)]
pub struct Failure {
    pub name: &'static str,
    pub message: String,
    pub cause: Option<&'static str>,
}

impl Outcome {
    pub fn new(exit: Exit) -> Outcome {
        Outcome { exit, result: None, failure: None }
    }

    /// The command's result; `None` leaves an earlier one in place.
    pub fn with_result(mut self, result: Option<Value>) -> Outcome {
        if result.is_some() {
            self.result = result;
        }
        self
    }

    /// Why the command failed, named as `--json` names it.
    pub fn with_failure(
        mut self,
        name: &'static str,
        message: impl Into<String>,
        cause: Option<&'static str>,
    ) -> Outcome {
        self.failure = Some(Failure { name, message: message.into(), cause });
        self
    }
}

impl From<Exit> for Outcome {
    fn from(exit: Exit) -> Outcome {
        Outcome::new(exit)
    }
}
