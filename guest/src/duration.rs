//! Go's `time.ParseDuration` (go/src/time/format.go, unchanged from go1.19 to today), which
//! moby's `GetTimestamp` tries first on an `until` value.

use crate::go_time::quote;
use alloc::{format, string::String};

/// 2^63, the largest magnitude a duration can have (reached only by a negative one).
const MAX_MAGNITUDE: u64 = 1 << 63;

/// Go's `time.ParseDuration`: `[+-]?(digits? ("." digits?)? unit)+`, units `ns`, `us`, `µs`,
/// `μs`, `ms`, `s`, `m`, `h`, with the bare `0` (optionally signed) allowed.
///
/// Returns the duration in nanoseconds, or Go's error text, e.g.
/// `time: unknown unit "h " in duration "1h 30m"`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(s));
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (nanos, after) = segment(rest, s)?;
        // Go adds in uint64 and only then compares with 2^63, so two segments of exactly 2^63
        // wrap around to 0 and pass.
        total = total.wrapping_add(nanos);
        if total > MAX_MAGNITUDE {
            return Err(invalid());
        }
        rest = after;
    }
    if negative {
        Ok(0_i64.wrapping_sub_unsigned(total))
    } else {
        i64::try_from(total).map_err(|_| invalid())
    }
}

/// One `digits? ("." digits?)? unit` at the start of `rest` (`orig` is the whole input, for
/// the error texts): its length in nanoseconds, at most 2^63, and what follows it.
fn segment<'a>(rest: &'a str, orig: &str) -> Result<(u64, &'a str), String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
        return Err(invalid());
    }
    let (whole, after_whole) = leading_int(rest).ok_or_else(invalid)?;
    let has_whole = after_whole.len() != rest.len();
    let (fraction, scale, has_fraction, after_number) = match after_whole.strip_prefix('.') {
        Some(digits) => {
            let (fraction, scale, after) = leading_fraction(digits);
            (fraction, scale, after.len() < digits.len(), after)
        }
        None => (0, 1.0, false, after_whole),
    };
    if !has_whole && !has_fraction {
        return Err(invalid());
    }

    let unit_end = after_number
        .bytes()
        .position(|byte| byte == b'.' || byte.is_ascii_digit())
        .unwrap_or(after_number.len());
    let (unit_text, after_unit) = after_number.split_at(unit_end);
    if unit_text.is_empty() {
        return Err(format!("time: missing unit in duration {}", quote(orig)));
    }
    let unit = unit_nanos(unit_text).ok_or_else(|| {
        format!(
            "time: unknown unit {} in duration {}",
            quote(unit_text),
            quote(orig)
        )
    })?;

    if whole > MAX_MAGNITUDE / unit {
        return Err(invalid());
    }
    let mut nanos = whole * unit;
    if fraction > 0 {
        // Go's float arithmetic, truncated: exact to the nanosecond for fractions of hours.
        nanos += (fraction as f64 * (unit as f64 / scale)) as u64;
        if nanos > MAX_MAGNITUDE {
            return Err(invalid());
        }
    }
    Ok((nanos, after_unit))
}

/// The length of a unit in nanoseconds.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Go's `leadingInt`: the leading decimal digits of `s` and the rest; `None` above 2^63.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let end = s
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(s.len());
    let value = s[..end].bytes().try_fold(0_u64, |value, digit| {
        if value > MAX_MAGNITUDE / 10 {
            return None;
        }
        let next = value * 10 + u64::from(digit - b'0');
        (next <= MAX_MAGNITUDE).then_some(next)
    })?;
    Some((value, &s[end..]))
}

/// Go's `leadingFraction`: the leading decimal digits of `s` as `value / scale`, the digits
/// past the point where `value` would exceed 2^63 ignored, and the rest of `s`.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let end = s
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(s.len());
    let mut value: u64 = 0;
    let mut scale = 1.0;
    for digit in s[..end].bytes() {
        if value > (MAX_MAGNITUDE - 1) / 10 {
            break;
        }
        let next = value * 10 + u64::from(digit - b'0');
        if next > MAX_MAGNITUDE {
            break;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_segments() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("+.5s"), Ok(500_000_000));
        assert_eq!(parse_duration("1.5µs"), Ok(1_500));
        assert_eq!(
            parse_duration("9223372036854775807ns"),
            Ok(9_223_372_036_854_775_807)
        );
    }

    #[test]
    fn keeps_gos_wrap_around() {
        // Derived from reading go/src/time/format.go: the uint64 sum 2^63 + 2^63 wraps to 0.
        assert_eq!(
            parse_duration("9223372036854775808ns9223372036854775808ns"),
            Ok(0)
        );
        assert_eq!(parse_duration("-9223372036854775808ns"), Ok(i64::MIN));
    }

    #[test]
    fn reports_go_errors() {
        assert_eq!(
            parse_duration(""),
            Err(r#"time: invalid duration """#.to_owned())
        );
        assert_eq!(
            parse_duration(".s"),
            Err(r#"time: invalid duration ".s""#.to_owned())
        );
        assert_eq!(
            parse_duration("1é"),
            Err(r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#.to_owned())
        );
        assert_eq!(
            parse_duration("1s\"x"),
            Err(r#"time: unknown unit "s\"x" in duration "1s\"x""#.to_owned())
        );
    }
}
