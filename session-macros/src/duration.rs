//! Durations written as `"7d"`, `"12h"` or `"1h30m"`.

/// Seconds per unit, in the order a person usually writes them.
const UNITS: [(char, u64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Parses a duration made of `<digits><unit>` groups into seconds.
///
/// The units are `s m h d w`. Each unit may appear once, largest first, so that a typo
/// such as `"1m1h"` is caught rather than silently summed.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    strict(text).map_err(|message| match suggestion(text) {
        Some(better) => format!(
            "\"{text}\" is not a duration sessionkit reads; did you mean \"{better}\"? \
             (units s m h d w, as in \"1h30m\")"
        ),
        None => message,
    })
}

/// The words people write for each unit.
const WORDS: [(char, &[&str]); 5] = [
    ('w', &["w", "wk", "wks", "week", "weeks"]),
    ('d', &["d", "day", "days"]),
    ('h', &["h", "hr", "hrs", "hour", "hours"]),
    ('m', &["m", "min", "mins", "minute", "minutes"]),
    ('s', &["s", "sec", "secs", "second", "seconds"]),
];

/// The compact spelling of a duration written in words ("7 days", "1 hour 30 minutes",
/// "7days"), if that is what the text is.
fn suggestion(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        let (number, after) = rest.split_at(digits);
        let after = after.trim_start();
        let letters = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let (word, after) = after.split_at(letters);
        let word = word.to_ascii_lowercase();
        let unit = WORDS
            .iter()
            .find(|(_, words)| words.contains(&word.as_str()))
            .map(|(unit, _)| *unit)?;
        out.push_str(number);
        out.push(unit);
        rest = after.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        rest = rest.strip_prefix("and ").unwrap_or(rest);
    }
    (out != text).then_some(out)
}

fn strict(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err(
            "expected a duration such as \"7d\", \"12h\" or \"1h30m\", found an empty string"
                .into(),
        );
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut next_unit = 0;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let Some(position) = UNITS.iter().position(|&(unit, _)| unit == ch) else {
            return Err(format!(
                "invalid duration unit `{ch}` in \"{text}\"; expected one of s, m, h, d, w (as in \"1h30m\")"
            ));
        };
        if digits.is_empty() {
            return Err(format!(
                "missing number before `{ch}` in \"{text}\"; write it as \"1{ch}\""
            ));
        }
        if position < next_unit {
            return Err(format!(
                "units in \"{text}\" are repeated or out of order; write the largest first, as in \"1d12h\""
            ));
        }
        next_unit = position + 1;
        let count: u64 = digits
            .parse()
            .map_err(|_| format!("duration \"{text}\" is too large"))?;
        total = count
            .checked_mul(UNITS[position].1)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| format!("duration \"{text}\" is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "missing unit after `{digits}` in \"{text}\"; add one of s, m, h, d, w (as in \"{digits}s\")"
        ));
    }
    // Cookie Max-Age and token times are signed 64-bit seconds downstream.
    if total > i64::MAX as u64 / 2 {
        return Err(format!("duration \"{text}\" is too large"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::{parse_seconds, suggestion};

    #[test]
    fn words_get_a_suggestion() {
        assert_eq!(suggestion("7 days").as_deref(), Some("7d"));
        assert_eq!(suggestion("7days").as_deref(), Some("7d"));
        assert_eq!(suggestion("1 hour").as_deref(), Some("1h"));
        assert_eq!(suggestion("1 hour 30 minutes").as_deref(), Some("1h30m"));
        assert_eq!(suggestion("2 Weeks").as_deref(), Some("2w"));
        assert_eq!(suggestion("7d"), None);
        assert_eq!(suggestion("seven days"), None);
        assert!(
            parse_seconds("7 days")
                .unwrap_err()
                .contains("did you mean \"7d\"?")
        );
        assert!(
            parse_seconds("7days")
                .unwrap_err()
                .contains("did you mean \"7d\"?")
        );
    }

    #[test]
    fn single_units() {
        assert_eq!(parse_seconds("90s"), Ok(90));
        assert_eq!(parse_seconds("15m"), Ok(900));
        assert_eq!(parse_seconds("12h"), Ok(43_200));
        assert_eq!(parse_seconds("7d"), Ok(604_800));
        assert_eq!(parse_seconds("2w"), Ok(1_209_600));
        assert_eq!(parse_seconds("0s"), Ok(0));
    }

    #[test]
    fn compound() {
        assert_eq!(parse_seconds("1h30m"), Ok(5_400));
        assert_eq!(
            parse_seconds("1w2d3h4m5s"),
            Ok(604_800 + 172_800 + 10_800 + 240 + 5)
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "7", "d", "7x", "1h1h", "1m1h", "7 d", "-1d", "1.5h", "h1",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_overflow() {
        assert!(parse_seconds("99999999999999999999s").is_err());
        assert!(parse_seconds("30000000000000000w").is_err());
        assert!(parse_seconds("9223372036854775807s").is_err());
    }

    #[test]
    fn messages_name_the_problem() {
        assert!(parse_seconds("7x").unwrap_err().contains("`x`"));
        assert!(parse_seconds("7").unwrap_err().contains("missing unit"));
    }
}
