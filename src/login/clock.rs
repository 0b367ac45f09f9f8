//! Clock skew handled, not just named (issue 23 §3): when Salesforce refuses the assertion as
//! expired and its `Date` header shows a clock ahead by more than the assertion's lifetime allows,
//! sign once more with `exp` relative to the server's clock. The lifetime stays the same; the
//! skew sfjwt will compensate is bounded, so a wild Date header cannot stretch an assertion.

use std::time::Duration;

use crate::error::Error;
use crate::login::grant::{self, Attempt, GrantRequest, Outcome, Progress};
use crate::net::NetSettings;

/// The most skew sfjwt compensates, either way.
pub const MAX_SKEW_SECONDS: i64 = 3_600;
/// A Date header has whole seconds and the request takes time: a skew this close to the lifetime
/// already explains the refusal.
const SLACK_SECONDS: i64 = 5;

/// Server clock minus local clock, in seconds, from an HTTP `Date` header (IMF-fixdate).
pub fn skew_from_date(date: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let server = time::PrimitiveDateTime::parse(date.trim(), &fmt).ok()?.assume_utc();
    Some((server - time::OffsetDateTime::now_utc()).whole_seconds())
}

/// What the last answer's Date header says about an expiry refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skew {
    /// No Date header, or a skew the lifetime covers: the clock does not explain the refusal.
    NotTheCause,
    /// Ahead (or behind) by this many seconds, within the bound: worth one more try.
    Compensable(i64),
    /// Beyond ±1 hour: reported, never compensated.
    TooLarge(i64),
}

/// Reads the skew from the last answer's Date header, after an expiry refusal.
pub fn assess(attempts: &[Attempt], lifetime: Duration) -> Skew {
    let skew = attempts.iter().rev().find_map(|a| a.server_date.as_deref()).and_then(skew_from_date);
    classify(skew, lifetime)
}

fn classify(skew: Option<i64>, lifetime: Duration) -> Skew {
    let allowed = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).saturating_sub(SLACK_SECONDS);
    match skew {
        Some(s) if s.abs() > MAX_SKEW_SECONDS => Skew::TooLarge(s),
        Some(s) if s.abs() >= allowed => Skew::Compensable(s),
        _ => Skew::NotTheCause,
    }
}

/// What the clock check found after an expiry refusal, for the report's `clock` check.
#[derive(Debug)]
pub struct Note {
    /// Signed once more with exp relative to the server's clock.
    pub compensated: bool,
    pub detail: String,
    /// For stderr, when the login went on with the server's clock.
    pub warning: Option<String>,
}

/// After the grant: on an expiry refusal (`expired`: the caller reads the refusal with the
/// wording table) explained by the server's clock, and when `enabled`, the grant once more with
/// `exp` = the server's now + lifetime; its attempts follow the first ones. Any other answer
/// passes through untouched, with no note.
pub fn compensate(
    client: &reqwest::blocking::Client,
    net: &NetSettings,
    req: &GrantRequest<'_>,
    progress: &mut dyn Progress,
    (enabled, expired): (bool, bool),
    (outcome, mut attempts): (Outcome, Vec<Attempt>),
) -> Result<(Outcome, Vec<Attempt>, Option<Note>), Error> {
    if !expired || !matches!(outcome, Outcome::Refused { .. }) {
        return Ok((outcome, attempts, None));
    }
    let note = |compensated, detail, warning| Some(Note { compensated, detail, warning });
    match assess(&attempts, req.lifetime) {
        Skew::NotTheCause => Ok((outcome, attempts, None)),
        Skew::Compensable(skew) if enabled => {
            let said = describe(skew);
            let warning = format!(
                "{said}: Salesforce refused the assertion as expired, so sfjwt signed it once more with exp relative to the server's clock (--no-clock-compensation turns this off); sync this machine's clock (NTP)"
            );
            let (again, more) = grant::run_shifted(client, net, req, skew, progress)?;
            attempts.extend(more);
            let detail = format!("{said}; compensated: signed once more with exp relative to the server's clock");
            Ok((again, attempts, note(true, detail, Some(warning))))
        }
        Skew::Compensable(skew) => {
            let detail = format!("{}; not compensated (--no-clock-compensation)", describe(skew));
            Ok((outcome, attempts, note(false, detail, None)))
        }
        Skew::TooLarge(skew) => {
            let detail = format!("{}; beyond the ±{MAX_SKEW_SECONDS}s sfjwt compensates", describe(skew));
            Ok((outcome, attempts, note(false, detail, None)))
        }
    }
}

/// How a skew reads in warnings and reports.
pub fn describe(skew: i64) -> String {
    let way = if skew >= 0 { "ahead of" } else { "behind" };
    format!("the server's clock is {}s off the local one ({way} this machine)", skew)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIFETIME: Duration = Duration::from_secs(180);

    #[test]
    fn only_a_skew_beyond_the_lifetime_and_within_an_hour_is_compensated() {
        assert_eq!(classify(Some(600), LIFETIME), Skew::Compensable(600));
        assert_eq!(classify(Some(-600), LIFETIME), Skew::Compensable(-600));
        assert_eq!(classify(Some(178), LIFETIME), Skew::Compensable(178));
        assert_eq!(classify(Some(20), LIFETIME), Skew::NotTheCause);
        assert_eq!(classify(None, LIFETIME), Skew::NotTheCause);
        assert_eq!(classify(Some(3_601), LIFETIME), Skew::TooLarge(3_601));
        assert_eq!(classify(Some(-7_200), LIFETIME), Skew::TooLarge(-7_200));
    }

    #[test]
    fn dates_parse_and_garbage_does_not() {
        assert!(skew_from_date("Sun, 06 Nov 1994 08:49:37 GMT").is_some_and(|s| s < 0));
        assert_eq!(skew_from_date("yesterday"), None);
    }

    #[test]
    fn no_date_header_is_not_the_cause() {
        assert_eq!(assess(&[], LIFETIME), Skew::NotTheCause);
    }
}
