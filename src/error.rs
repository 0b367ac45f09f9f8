//! The tool-wide error type: every failure a user can meet maps to one exit code and one `help:` line.

use std::process::ExitCode;

use crate::credentials::cert::CertError;
use crate::credentials::keys::KeyError;

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
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Cert(#[from] CertError),
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
}

impl Error {
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), help: Some(help.into()) }
    }

    /// The error's kind, as the `--json` envelope names it.
    pub fn name(&self) -> &'static str {
        match self {
            Error::Key(_) => "InvalidKey",
            Error::Cert(_) => "CertificateError",
            Error::Usage { .. } => "UsageError",
            Error::Io { .. } => "IoError",
            Error::Sign(_) => "SignError",
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            Error::Key(_) | Error::Usage { .. } | Error::Io { .. } | Error::Sign(_) => Exit::Usage,
            Error::Cert(e) => e.exit(),
        }
    }

    /// One line telling the user what to do next.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Key(e) => Some(e.help()),
            Error::Cert(e) => e.help(),
            Error::Usage { help, .. } | Error::Io { help, .. } => help.clone(),
            Error::Sign(_) => {
                Some("the key was read but aws-lc-rs could not sign with it; regenerate it with `sfjwt keygen`".into())
            }
        }
    }
}
