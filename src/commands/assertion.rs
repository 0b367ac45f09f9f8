use super::load_key;
use crate::cli::AssertionArgs;
use crate::cli::duration;
use crate::error::{Error, Exit};
use crate::login::assertion::{self, Claims};
use crate::login::endpoint;

pub fn run(args: AssertionArgs) -> Result<Exit, Error> {
    let client_id = endpoint::client_id(&args.client_id)?;
    let username = endpoint::username(&args.username)?;
    let login = endpoint::login_url(&args.login_url, true)?;
    let audience = match &args.audience {
        Some(a) => endpoint::audience(a)?,
        None => endpoint::default_audience(&login).to_string(),
    };
    let lifetime = duration::parse(&args.lifetime)
        .map_err(|e| Error::usage(format!("invalid --lifetime: {e}"), "e.g. --lifetime 180s"))
        .and_then(assertion::validate_lifetime)?;
    let key = load_key(&args.key)?;
    let claims = Claims::new(&client_id, &username, &audience, lifetime);
    if args.decode {
        let header = assertion::header();
        let out = serde_json::json!({ "header": header, "claims": claims });
        super::print_json(&out)?;
        // Still sign, so --decode fails exactly when the real assertion would.
        assertion::sign(&key, &claims)?;
    } else if args.decode_json {
        let jwt = assertion::sign(&key, &claims)?;
        super::print_json(&serde_json::json!({ "assertion": jwt.as_str() }))?;
    } else {
        let jwt = assertion::sign(&key, &claims)?;
        println!("{}", jwt.as_str());
    }
    Ok(Exit::Success)
}
