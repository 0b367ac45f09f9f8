//! A login that hands nothing on: the diagnosis on stderr, the command that confirms it, the
//! report, GitHub's outputs, and the `--json` failure.

use super::Login;
use crate::diagnose::Diagnosis;
use crate::error::{Error, Exit};
use crate::login::endpoint;
use crate::login::target::{Credential, KeyCredential, Target};
use crate::net::NetSettings;
use crate::output::ci;
use crate::output::printer::Outcome;
use crate::output::report;
use crate::record::Report;

impl Login<'_> {
    /// The key could not be read, or no OIDC token came: the report says why, the error ends the run.
    pub(super) fn unusable_credential(&self, mut report: Report, d: Diagnosis, e: Error) -> Result<Outcome, Error> {
        report.diagnosis = d;
        report.exit_code = Exit::Usage as u8;
        report::write_all(&report, &self.s.handoff.reports)?;
        Err(e)
    }

    /// `skip`: evidence lines the caller's `error:` line already showed.
    pub(super) fn fail(&self, mut report: Report, exit: Exit, skip: usize) -> Result<Outcome, Error> {
        let s = self.s;
        super::super::print_diagnosis(&report.diagnosis, skip);
        let others: Vec<&str> = report.diagnosis.candidates.iter().skip(1).map(|c| c.cause.id()).collect();
        if !others.is_empty() {
            eprintln!("other candidates: {}", others.join(", "));
        }
        if let Credential::Key(k) = &s.credential {
            // doctor checks the JWT bearer setup; a keyless refusal's details are in its evidence.
            eprintln!("confirm with: {}", doctor_command(&s.target, k, &s.tries.net));
            eprintln!(
                "  (add --admin-sf-org ALIAS, or set SFJWT_ADMIN_TOKEN and SFJWT_ADMIN_INSTANCE_URL, so doctor can read the org)"
            );
        }
        report.exit_code = exit as u8;
        if s.handoff.github {
            ci::github_outputs(&[("cause", report.diagnosis.cause.id())])?;
            ci::github_report(&report);
        }
        report::write_all(&report, &s.handoff.reports)?;
        let name = if exit == Exit::NoAnswer { "NoUsableAnswer" } else { "GrantRefused" };
        let d = &report.diagnosis;
        let outcome = Outcome::new(exit).with_failure(name, d.summary.clone(), Some(d.cause.id()));
        if self.printer.json() {
            return Ok(outcome.with_result(self.printer.json_value(&report)?));
        }
        Ok(outcome)
    }
}

/// The exact `sfjwt doctor` command that reads the org to confirm the cause, flags filled in.
fn doctor_command(target: &Target, k: &KeyCredential, net: &NetSettings) -> String {
    let mut cmd = format!(
        "sfjwt doctor --client-id {} --username {} --login-url {}",
        target.client_id,
        k.username,
        endpoint::origin(&target.login)
    );
    if let Some(a) = &k.audience {
        cmd.push_str(&format!(" --audience {a}"));
    }
    if matches!(k.key, crate::credentials::keys::KeySource::Stdin) {
        // Standard input was read once already: the key is piped in again, as for login.
        cmd.push_str(" --key -");
    } else if let Some(key) = k.key.spec() {
        cmd.push_str(&format!(" --key {}", ci::shell_quote(&key)));
    }
    if target.login.scheme() == "http" {
        cmd.push_str(" --insecure-http");
    }
    for ca in &net.ca_files {
        cmd.push_str(&format!(" --ca-file {}", ci::shell_quote(&ca.display().to_string())));
    }
    cmd
}
