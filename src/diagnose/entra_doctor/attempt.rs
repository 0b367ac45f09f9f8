//! The login attempt, made as `login --provider entra` makes it (entra::token: discovery for a
//! domain, the signed assertion or the CI's token, the client credentials request), then the
//! access token's `roles` against --require-role.

use super::local::Proof;
use super::{State, safe};
use crate::diagnose::verdict::check;
use crate::entra::token::{self, Answer};
use crate::record::CheckStatus;

const TITLE: &str = "Client credentials grant";

pub(super) fn grant(st: &mut State<'_>, client: &reqwest::blocking::Client, proof: Option<Proof>) {
    let Some(proof) = proof else {
        st.push(check("grant", TITLE, CheckStatus::Skip, "no usable credential"));
        return;
    };
    let p = st.p;
    let endpoint = if p.authority.tenant_is_id() {
        p.authority.token_endpoint()
    } else {
        match token::discover(client, &p.net, &p.authority.discovery_url(), p.authority.host()).0 {
            Ok(e) => e,
            Err(answer) => return answered(st, answer),
        }
    };
    let assertion = match proof {
        Proof::Token(t) => t,
        Proof::Signed { key, thumbprint } => {
            let claims = crate::entra::assertion::Claims::new(&p.client_id, &endpoint, p.lifetime);
            match crate::entra::assertion::sign(&key, &thumbprint, &claims) {
                Ok(a) => a,
                Err(e) => {
                    st.push(check("grant", TITLE, CheckStatus::Fail, format!("cannot sign the assertion: {e}")));
                    return;
                }
            }
        }
    };
    let req = token::Request { endpoint: &endpoint, client_id: &p.client_id, scope: &p.scope, assertion: &assertion };
    let (answer, _) = token::request(client, &p.net, &req);
    answered(st, answer);
}

fn answered(st: &mut State<'_>, answer: Answer) {
    match answer {
        Answer::Granted(g) => {
            crate::secrets::register(&g.access_token);
            let roles = token::roles(&g.access_token);
            let shown = match &roles {
                Some(r) if r.is_empty() => "roles: none".to_string(),
                Some(r) => format!("roles: {}", r.join(", ")),
                None => "the access token is not a JWT (its roles cannot be read)".to_string(),
            };
            st.push(check("grant", TITLE, CheckStatus::Pass, format!("granted for {}; {shown}", st.p.scope)));
            st.roles = roles;
            roles_check(st);
        }
        Answer::Refused { status, refusal } => {
            let detail = format!("HTTP {status} {}: {}", safe(&refusal.error), safe(refusal.headline()));
            st.push(check("grant", TITLE, CheckStatus::Fail, detail));
            st.refusal = Some(refusal);
        }
        Answer::NoAnswer { kind, detail } => {
            let shown =
                format!("no usable answer from {} ({}): {}", st.p.authority.host(), kind.as_str(), safe(&detail));
            st.push(check("grant", TITLE, CheckStatus::Fail, shown));
            st.no_answer = Some((kind, detail));
        }
    }
}

/// --require-role against the token's `roles` (no admin needed: entra.md §4).
fn roles_check(st: &mut State<'_>) {
    if st.p.require_roles.is_empty() {
        return;
    }
    let title = "Required application permissions in the token";
    let Some(have) = st.roles.clone() else {
        st.push(check("token_roles", title, CheckStatus::Skip, "the access token is not a JWT"));
        return;
    };
    let missing = super::missing_roles(st);
    let c = match missing {
        None => check("token_roles", title, CheckStatus::Pass, st.p.require_roles.join(", ")),
        Some(m) => {
            let had = if have.is_empty() { "none".to_string() } else { have.join(", ") };
            check("token_roles", title, CheckStatus::Fail, format!("missing: {m}; the token has: {had}"))
        }
    };
    st.push(c);
}
