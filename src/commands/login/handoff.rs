//! A working session handed on: printed in the format asked, given to GitHub, the dotenv file
//! and the Salesforce CLI, then the report. If any hand-off fails, dropping the session revokes it.

use super::Login;
use crate::cli::OutFormat;
use crate::diagnose::attempt::Session;
use crate::error::{Error, Exit};
use crate::login::grant::{self, Granted};
use crate::output::ci;
use crate::output::printer::Outcome;
use crate::output::report;
use crate::output::session::{self, SessionOutput};
use crate::record::{Identity, Report, Status};

impl Login<'_> {
    pub(super) fn hand_off(
        &self,
        session: Session<'_>,
        identity: Identity,
        mut report: Report,
    ) -> Result<Outcome, Error> {
        let s = self.s;
        let g = session.granted();
        let is_sandbox = identity.is_sandbox;
        let username = s.credential.username().unwrap_or_default();
        let vars = session::variables(g, username);
        let result = self.print_output(g, username, is_sandbox, &vars)?;
        self.hand_on(g, username, is_sandbox, &vars)?;

        let env_kind = if is_sandbox { "sandbox" } else { "production" };
        let who = match s.credential.username() {
            Some(u) => u.to_string(),
            None => format!("user {} (mapped by the token exchange handler)", g.user_id),
        };
        eprintln!("Logged in as {who} to org {} ({env_kind}) at {}", g.org_id, g.instance_url);
        if let Some(at) = session::expiry_text(g.expires_at) {
            eprintln!("The session expires at {at} (the org's session timeout); after that, run `sfjwt login` again");
        }
        self.print_notes(g, &report);
        report.status = Status::Ok;
        report.identity = Some(identity);
        if s.handoff.github {
            ci::github_report(&report);
        }
        report::write_all(&report, &s.handoff.reports)?;
        // Handed on: the pipeline's session from here.
        session.keep();
        Ok(Outcome::new(Exit::Success).with_result(result))
    }

    /// The session on stdout in the format asked; under `--json`, the envelope's result.
    fn print_output(
        &self,
        g: &Granted,
        username: &str,
        is_sandbox: bool,
        vars: &[(&str, &str)],
    ) -> Result<Option<serde_json::Value>, Error> {
        let out = SessionOutput::new(g, username, is_sandbox, self.s.handoff.show_token);
        let format = if self.printer.json() { Some(OutFormat::Json) } else { self.s.handoff.format };
        match format {
            Some(OutFormat::Json) => return self.printer.json_value(&out),
            Some(OutFormat::Yaml) => print!("{}", serde_saphyr::to_string(&out).unwrap_or_default()),
            Some(OutFormat::Env) => print!("{}", ci::env_lines(vars)?),
            Some(OutFormat::Shell) => print!("{}", ci::shell_lines(vars)?),
            None => {}
        }
        Ok(None)
    }

    /// GitHub outputs, exported variables, the dotenv file and the sf CLI: the same variables
    /// everywhere (`--dotenv` writes what `--format env` prints).
    fn hand_on(&self, g: &Granted, username: &str, is_sandbox: bool, vars: &[(&str, &str)]) -> Result<(), Error> {
        let h = &self.s.handoff;
        let token = g.access_token.as_str();
        if h.github {
            ci::github_outputs(&[
                ("access-token", token),
                ("instance-url", &g.instance_url),
                ("org-id", &g.org_id),
                ("user-id", &g.user_id),
                ("username", username),
                ("is-sandbox", if is_sandbox { "true" } else { "false" }),
                ("cause", "none"),
            ])?;
            if h.export_env {
                ci::github_env(&[("SF_ACCESS_TOKEN", token), ("SF_ORG_INSTANCE_URL", &g.instance_url)])?;
            }
        }
        if let Some(path) = &h.dotenv {
            ci::dotenv(path, vars)?;
        }
        if let Some(alias) = &h.sf_alias {
            self.hand_to_sf(g, alias)?;
        }
        Ok(())
    }

    /// `--sf-alias`: the session stored in sf under the alias, sf's defaults set if asked.
    fn hand_to_sf(&self, g: &Granted, alias: &str) -> Result<(), Error> {
        let defaults = self.s.handoff.sf_defaults;
        let ca_files = &self.s.tries.net.ca_files;
        crate::sfcli::sf_handoff(alias, &g.instance_url, g.access_token.as_str(), ca_files, &defaults.flags())?;
        eprintln!("Salesforce CLI: later `sf` commands can use --target-org {alias}");
        if defaults.org {
            eprintln!("Salesforce CLI: {alias} is the default org (target-org)");
        }
        if defaults.dev_hub {
            eprintln!("Salesforce CLI: {alias} is the default Dev Hub (target-dev-hub)");
        }
        // sf stored an access token, not a refresh token: it cannot log in again by itself.
        eprintln!(
            "note: sf cannot renew this session; a job that outlasts the org's session timeout runs `sfjwt login` again"
        );
        Ok(())
    }

    fn print_notes(&self, g: &Granted, report: &Report) {
        let mut audiences: Vec<&str> = report.attempts.iter().map(|a| a.audience.as_str()).collect();
        audiences.dedup();
        let audience_given =
            matches!(&self.s.credential, crate::login::target::Credential::Key(k) if k.audience.is_some());
        if audiences.len() > 1 && !audience_given {
            eprintln!(
                "note: the audience {} worked; pass --audience {} to skip the other attempts",
                g.audience, g.audience
            );
        }
        if grant::is_jwt_format(&g.access_token) {
            eprintln!(
                "warning: the access token is JWT-formatted (the app issues JWT-based access tokens): SOAP deploys below API v68 and raw --target-org use fail with it"
            );
        }
        let instance_host =
            url::Url::parse(&g.instance_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        if let Some(warning) = crate::net::dns_warning(&instance_host) {
            eprintln!("warning: {warning}");
        }
    }
}
