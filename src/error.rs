//! The tool-wide error type: every failure a user can meet maps to one exit code and one `help:` line.

use std::process::ExitCode;

/// Exit codes are a promise to pipelines: see the README's table before changing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Success = 0,
    /// `doctor` found a failing check.
    CheckFailed = 1,
    /// Usage or input error.
    Usage = 2,
    /// The token endpoint refused the grant.
    Refused = 3,
    /// No usable answer: network, TLS, timeout, server errors.
    NoAnswer = 4,
    /// The key does not match the certificate.
    KeyMismatch = 5,
    /// The certificate has expired.
    CertExpired = 6,
    /// The certificate expires within the threshold.
    CertExpiring = 7,
    /// sfjwt's own fault, a bug (BSD sysexits' EX_SOFTWARE): never the user's input.
    Internal = 70,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input a concern above this one reads (the private key, a certificate) is unusable.
    #[error(transparent)]
    Input(InputError),
    /// A flag or setting that cannot be used as given.
    #[error("{message}")]
    Usage { message: String, help: Option<String> },
    #[error("cannot {action} {path}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
        help: Option<String>,
    },
    #[error("failed to sign the assertion")]
    Sign(#[source] jsonwebtoken::errors::Error),
    /// sfjwt's own fault (an output it cannot encode): never the user's input.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), help: Some(help.into()) }
    }

    /// The error's kind, as the `--json` envelope names it.
    pub fn name(&self) -> &'static str {
        match self {
            Error::Input(e) => e.0.name(),
            Error::Usage { .. } => "UsageError",
            Error::Io { .. } => "IoError",
            Error::Sign(_) => "SignError",
            Error::Internal(_) => "InternalError",
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            // Every certificate error is an input the user can fix (expiry and mismatch are
            // verdicts of `cert inspect`, not errors).
            Error::Input(_) | Error::Usage { .. } | Error::Io { .. } | Error::Sign(_) => Exit::Usage,
            // A bug is not the user's mistake: a pipeline must not read it as one.
            Error::Internal(_) => Exit::Internal,
        }
    }

    /// One line telling the user what to do next.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Input(e) => e.0.help(),
            Error::Usage { help, .. } | Error::Io { help, .. } => help.clone(),
            Error::Internal(_) => Some(format!(
                "this is a bug in sfjwt {}: please report it with the command line",
                env!("CARGO_PKG_VERSION")
            )),
            Error::Sign(_) => {
                Some("the key was read but aws-lc-rs could not sign with it; regenerate it with `sfjwt keygen`".into())
            }
        }
    }
}

/// What an input's own error (a key's, a certificate's) tells: its words, its `--json` name and
/// the user's next step. The concern that reads the input implements it, so this module, at the
/// bottom of the crate, names none of them.
pub trait InputFault: std::error::Error + Send + Sync + 'static {
    /// The error's kind, as the `--json` envelope names it.
    fn name(&self) -> &'static str;
    /// One line telling the user what to do next.
    fn help(&self) -> Option<String>;
}

/// An input's error, boxed; it reads (and chains) as the error it holds.
#[derive(Debug)]
pub struct InputError(Box<dyn InputFault>);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl<E: InputFault> From<E> for Error {
    fn from(e: E) -> Error {
        Error::Input(InputError(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_carries_its_exit_code_and_json_name() {
        let internal = Error::Internal("cannot encode".into());
        assert_eq!((internal.exit(), internal.name()), (Exit::Internal, "InternalError"));
        let usage = Error::usage("bad flag", "fix it");
        assert_eq!((usage.exit(), usage.name()), (Exit::Usage, "UsageError"));
        // An input's own error keeps its words, its name and its next step.
        let key: Error = Unreadable.into();
        assert_eq!((key.exit(), key.name(), key.to_string()), (Exit::Usage, "InvalidKey", "unreadable".into()));
        assert_eq!(key.help().as_deref(), Some("read it again"));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("unreadable")]
    struct Unreadable;

    impl InputFault for Unreadable {
        fn name(&self) -> &'static str {
            "InvalidKey"
        }

        fn help(&self) -> Option<String> {
            Some("read it again".into())
        }
    }
}
