//! Human durations for flags: `180s`, `30d`, `12h`, `1h30m`, `2w`.

use std::time::Duration;

/// Parses one or more `<number><unit>` parts. A unit is required: `30` alone could mean anything.
pub fn parse(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("unknown unit {c:?} in {s:?} (use s, m, h, d or w, e.g. 30d)")),
        };
        if digits.is_empty() {
            return Err(format!("{s:?} has a unit without a number (e.g. 30d)"));
        }
        let n: u64 = digits.parse().map_err(|_| format!("{s:?} is too large"))?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(|| format!("{s:?} is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("{s:?} needs a unit (s, m, h, d or w), e.g. {s}s"));
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn accepts_units_and_compounds() {
        assert_eq!(parse("180s"), Ok(Duration::from_secs(180)));
        assert_eq!(parse("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse("2w"), Ok(Duration::from_secs(1_209_600)));
    }

    #[test]
    fn rejects_bare_numbers_and_junk() {
        assert!(parse("30").unwrap_err().contains("needs a unit"));
        assert!(parse("3x").unwrap_err().contains("unknown unit"));
        assert!(parse("d").unwrap_err().contains("without a number"));
        assert!(parse("99999999999999999999w").unwrap_err().contains("too large"));
        assert!(parse("").is_err());
    }
}
