use crate::cli::AssertionArgs;
use crate::cli::duration;
use crate::cli::settings::Layers;
use crate::credentials::keys;
use crate::error::{Error, Exit};
use crate::login::assertion::{self, Claims};
use crate::login::endpoint;
use crate::output::printer::{Outcome, Printer};

/// The same merge as `login` (flags, then the config target, the environment, sfdx-project.json),
/// so the assertion printed is the one `login` would send.
pub fn run(args: AssertionArgs, printer: Printer) -> Result<Outcome, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let mut layers = Layers::load(args.config.as_deref(), args.target.as_deref(), &env)?;
    let flags = [args.client_id.clone(), args.username.clone(), args.login_url.clone(), args.audience.clone()];
    let id = layers.identity(flags, false)?;
    for note in &layers.notes {
        super::say(&format!("note: {note}"));
    }
    // An assertion is only printed, never sent: any host may pick the default audience.
    let login = endpoint::login_url(&id.login_url, true)?;
    let audience = id.audience.unwrap_or_else(|| endpoint::default_audience(&login).to_string());
    let lifetime = duration::parse(&args.lifetime)
        .map_err(|e| Error::usage(format!("invalid --lifetime: {e}"), "e.g. --lifetime 180s"))
        .and_then(assertion::validate_lifetime)?;
    let (source, passphrase) = layers.key(args.key.key.clone(), args.key.key_passphrase_file.clone())?;
    let key = keys::load(&source, passphrase.as_ref())?;
    let (client_id, username) = (id.client_id, id.username.unwrap_or_default());
    let claims = Claims::new(&client_id, &username, &audience, lifetime);
    let result = if args.decode {
        let header = assertion::header();
        let out = serde_json::json!({ "header": header, "claims": claims });
        let result = printer.json_value(&out)?;
        // Still sign, so --decode fails exactly when the real assertion would.
        assertion::sign(&key, &claims)?;
        result
    } else if printer.json() {
        // Under --json the signed assertion is the envelope's result, as {"assertion": ...}.
        let jwt = assertion::sign(&key, &claims)?;
        printer.json_value(&serde_json::json!({ "assertion": jwt.as_str() }))?
    } else {
        let jwt = assertion::sign(&key, &claims)?;
        println!("{}", jwt.as_str());
        None
    };
    Ok(Outcome::new(Exit::Success).with_result(result))
}
