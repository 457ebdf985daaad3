//! The `until` filter's timestamps: moby's `GetTimestamp` and `ParseTimestamps`
//! (api/types/time/timestamp.go at moby-2023, built with go1.20.4), with Go's error texts.

use crate::duration::parse_duration;
use crate::go_time;
use crate::model::{Instant, Reference};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};

/// moby's `rFC3339NanoLocal`.
const RFC3339_NANO_LOCAL: &str = "2006-01-02T15:04:05.999999999";
/// Go's `time.RFC3339Nano`.
const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";
/// moby's `rFC3339Local`.
const RFC3339_LOCAL: &str = "2006-01-02T15:04:05";
/// Go's `time.RFC3339`.
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// moby's `dateLocal`.
const DATE_LOCAL: &str = "2006-01-02";
/// moby's `dateWithZone`.
const DATE_WITH_ZONE: &str = "2006-01-02Z07:00";

/// moby's `GetTimestamp(value, reference)`: turns an `until` value into the timestamp string
/// `ParseTimestamps` reads.
///
/// - A Go duration other than the literal `0` gives the whole Unix seconds (floored) of
///   `reference.now - duration`, e.g. `1699994600` for `1h30m`.
/// - A date or date-time (layout chosen from the characters present; values without `z`, `Z`,
///   `+` or exactly three `-` are read at `reference.utc_offset_seconds`) gives
///   `<seconds>.<nanoseconds as 9 digits>`, e.g. `1136214245.000000000`.
/// - Anything else is returned unchanged if it is a valid Unix timestamp (`ParseTimestamps`).
///
/// Errors are moby's texts: Go's `time.ParseError` text for a value containing `-`, otherwise
/// `failed to parse value as time or duration: "<value>"`.
pub fn get_timestamp(value: &str, reference: Reference) -> Result<String, String> {
    if value != "0"
        && let Ok(duration) = parse_duration(value)
    {
        return Ok(unix_seconds_before(reference.now, duration).to_string());
    }

    let local = !(value.contains(['z', 'Z', '+']) || value.matches('-').count() == 3);
    let default_offset = if local {
        reference.utc_offset_seconds
    } else {
        0
    };
    match go_time::parse(layout_for(value, local), value, default_offset) {
        Ok(time) => Ok(format!("{}.{:09}", time.seconds, time.nanos)),
        Err(parse_error) if value.contains('-') => Err(parse_error),
        Err(_) => match parse_timestamp(value) {
            Ok(_) => Ok(value.to_owned()),
            Err(_) => Err(format!(
                "failed to parse value as time or duration: {}",
                strconv_quote(value)
            )),
        },
    }
}

/// moby's `ParseTimestamps(value, default)`: a `<seconds>[.<fraction>]` timestamp as
/// `(seconds, nanoseconds)`, `(default_seconds, 0)` for the empty value.
///
/// Both parts are read by Go's `strconv.ParseInt` (so either may carry a sign) and the fraction
/// is scaled by `10^(9 - its length)` in floating point and truncated, as moby does; the
/// nanoseconds may therefore be negative or a full second. Errors are `strconv.ParseInt`'s
/// texts, e.g. `strconv.ParseInt: parsing "foo": invalid syntax`.
pub fn parse_timestamps(value: &str, default_seconds: i64) -> Result<(i64, i64), String> {
    if value.is_empty() {
        return Ok((default_seconds, 0));
    }
    parse_timestamp(value)
}

/// The instant prune compares with: `time.Unix(ParseTimestamps(GetTimestamp(value, reference),
/// 0))`, normalised as `time.Unix` does. Errors are `get_timestamp`'s.
pub fn until(value: &str, reference: Reference) -> Result<Instant, String> {
    let timestamp = get_timestamp(value, reference)?;
    let (seconds, nanos) = parse_timestamps(&timestamp, 0)?;
    Ok(Instant::from_unix(seconds, nanos))
}

/// The layout `GetTimestamp` parses `value` with.
fn layout_for(value: &str, local: bool) -> &'static str {
    if value.contains('.') {
        return if local {
            RFC3339_NANO_LOCAL
        } else {
            RFC3339_NANO
        };
    }
    if !value.contains('T') {
        return if local { DATE_LOCAL } else { DATE_WITH_ZONE };
    }
    let mut colons = value.matches(':').count();
    // The colon of a `±hh:mm` offset is not one of the time's.
    if !local && !value.contains(['z', 'Z']) && colons > 0 {
        colons -= 1;
    }
    match (colons, local) {
        (0, true) => "2006-01-02T15",
        (0, false) => "2006-01-02T15Z07:00",
        (1, true) => "2006-01-02T15:04",
        (1, false) => "2006-01-02T15:04Z07:00",
        (_, true) => RFC3339_LOCAL,
        (_, false) => RFC3339,
    }
}

/// Go's `reference.Add(-duration).Unix()`: the negation wraps (`-(-2^63)` stays `-2^63`) and
/// `Unix` floors to whole seconds. Saturates at the ends of `i64` (a reference that far out is
/// no real clock).
fn unix_seconds_before(reference: Instant, duration: i64) -> i64 {
    const NANOS_PER_SECOND: i128 = 1_000_000_000;
    let nanos = i128::from(reference.seconds) * NANOS_PER_SECOND
        + i128::from(reference.nanos)
        + i128::from(duration.wrapping_neg());
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX })
}

/// moby's `parseTimestamp`: `ParseTimestamps` without the empty-value default.
fn parse_timestamp(value: &str) -> Result<(i64, i64), String> {
    let (seconds_text, fraction_text) = match value.split_once('.') {
        Some((seconds, fraction)) => (seconds, Some(fraction)),
        None => (value, None),
    };
    let seconds = parse_int(seconds_text)?;
    let Some(fraction_text) = fraction_text else {
        return Ok((seconds, 0));
    };
    let fraction = parse_int(fraction_text)?;
    let length = i64::try_from(fraction_text.len()).unwrap_or(i64::MAX);
    // int64(float64(n) * math.Pow(10, 9-len(n))): always below 1e9 in magnitude, so in range.
    let nanos = (fraction as f64 * go_pow10(9_i64.saturating_sub(length))) as i64;
    Ok((seconds, nanos))
}

/// Why Go's `strconv` rejected a number.
enum NumError {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`.
    Range,
}

/// Go's `strconv.ParseInt(s, 10, 64)`, with its error text.
fn parse_int(s: &str) -> Result<i64, String> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let value = parse_uint(digits).and_then(|magnitude| {
        let value = if negative {
            (magnitude <= 1 << 63).then(|| 0_i64.wrapping_sub_unsigned(magnitude))
        } else {
            i64::try_from(magnitude).ok()
        };
        value.ok_or(NumError::Range)
    });
    value.map_err(|error| {
        let reason = match error {
            NumError::Syntax => "invalid syntax",
            NumError::Range => "value out of range",
        };
        format!("strconv.ParseInt: parsing {}: {reason}", strconv_quote(s))
    })
}

/// Go's `strconv.ParseUint(s, 10, 64)`: digits only, checked byte by byte, so an overflow is
/// reported even if an invalid character follows it.
fn parse_uint(s: &str) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    s.bytes().try_fold(0_u64, |value, byte| {
        if !byte.is_ascii_digit() {
            return Err(NumError::Syntax);
        }
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(u64::from(byte - b'0')))
            .ok_or(NumError::Range)
    })
}

/// Go's `math.Pow(10, exponent)` as go/src/math/pow.go computes it (no architecture Go builds
/// moby for replaces it): the mantissa squared repeatedly with the binary exponent kept apart,
/// inverted for a negative exponent, then `Ldexp`. Correctly rounded up to 10^±22, it can be an
/// ulp off beyond, which the truncation in `parse_timestamp` can show.
fn go_pow10(exponent: i64) -> f64 {
    // Frexp(10) = 0.625 × 2^4.
    let (mut mantissa, mut binary_exponent) = (0.625_f64, 4_i64);
    let (mut product, mut product_exponent) = (1.0_f64, 0_i64);
    let mut bits = exponent.unsigned_abs();
    while bits != 0 {
        if !(-(1 << 12)..=1 << 12).contains(&binary_exponent) {
            // Far past the f64 range: Ldexp gives 0 or infinity.
            product_exponent += binary_exponent;
            break;
        }
        if bits & 1 == 1 {
            product *= mantissa;
            product_exponent += binary_exponent;
        }
        mantissa *= mantissa;
        binary_exponent <<= 1;
        if mantissa < 0.5 {
            mantissa += mantissa;
            binary_exponent -= 1;
        }
        bits >>= 1;
    }
    if exponent < 0 {
        product = 1.0 / product;
        product_exponent = -product_exponent;
    }
    go_ldexp(product, product_exponent)
}

/// Go's pure `math.Ldexp(frac, exp)` for the normal, positive `frac` that `go_pow10` has.
fn go_ldexp(frac: f64, exp: i64) -> f64 {
    const EXPONENT_MASK: u64 = 0x7ff;
    const SHIFT: u32 = 52;
    const BIAS: i64 = 1023;
    let bits = frac.to_bits();
    let exp = exp + ((bits >> SHIFT) & EXPONENT_MASK) as i64 - BIAS;
    if exp < -1075 {
        return 0.0;
    }
    if exp > 1023 {
        return f64::INFINITY;
    }
    // A subnormal result is built 2^53 too large and scaled down, rounding once.
    let (exp, scale) = if exp < -1022 {
        (exp + 53, 1.0 / (1_u64 << 53) as f64)
    } else {
        (exp, 1.0)
    };
    let bits = bits & !(EXPONENT_MASK << SHIFT) | ((exp + BIAS) as u64) << SHIFT;
    scale * f64::from_bits(bits)
}

/// Go's `strconv.Quote` (what `%q` prints): double quotes, `"` and `\` backslashed, printable
/// characters as they are, others escaped as `go_escape` says.
fn strconv_quote(s: &str) -> String {
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            _ if is_go_printable(c) => quoted.push(c),
            _ => quoted.push_str(&go_escape(c)),
        }
    }
    quoted.push('"');
    quoted
}

/// How `strconv.Quote` writes a character that is not printable: `\a`, `\b`, `\f`, `\n`,
/// `\r`, `\t`, `\v`, `\xNN` (other ASCII), `\uNNNN` or `\UNNNNNNNN`.
fn go_escape(c: char) -> String {
    let code = u32::from(c);
    match c {
        '\u{7}' => "\\a".to_owned(),
        '\u{8}' => "\\b".to_owned(),
        '\u{c}' => "\\f".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        '\u{b}' => "\\v".to_owned(),
        _ if c.is_ascii() => format!("\\x{code:02x}"),
        _ if code < 0x1_0000 => format!("\\u{code:04x}"),
        _ => format!("\\U{code:08x}"),
    }
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
///
/// Rust's `Debug` escaping leaves exactly these characters alone (after the first character
/// of a string, where marks are escaped too); it follows the Unicode version of this Rust
/// release, where go1.20 follows Unicode 13, so characters assigned since then print as
/// themselves here and as `\u` escapes in Go.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let probe: String = ['a', c].into_iter().collect();
    probe.escape_debug().nth(1) == Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_reports_like_strconv() {
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(
            parse_int("9223372036854775808"),
            Err(
                r#"strconv.ParseInt: parsing "9223372036854775808": value out of range"#.to_owned()
            )
        );
        assert_eq!(
            parse_int("99999999999999999999x"),
            Err(
                r#"strconv.ParseInt: parsing "99999999999999999999x": value out of range"#
                    .to_owned()
            )
        );
        assert_eq!(
            parse_int("+"),
            Err(r#"strconv.ParseInt: parsing "+": invalid syntax"#.to_owned())
        );
    }

    #[test]
    fn pow10_matches_go() {
        assert_eq!(go_pow10(0), 1.0);
        assert_eq!(go_pow10(8), 1e8);
        assert_eq!(go_pow10(-9), 1e-9);
        assert_eq!(go_pow10(-22), 1e-22);
        assert_eq!(go_pow10(-400), 0.0);
        assert_eq!(go_pow10(400), f64::INFINITY);
        assert_eq!(go_pow10(-1_000_000), 0.0);
        assert!(go_pow10(-320) > 0.0);
    }

    #[test]
    fn quotes_like_strconv() {
        assert_eq!(
            strconv_quote("a\"\\\t\u{7}\u{0}\u{7f}µ\u{a0}\u{ad}\u{1F600}\u{E0001}"),
            "\"a\\\"\\\\\\t\\a\\x00\\x7fµ\\u00a0\\u00ad\u{1F600}\\U000e0001\""
        );
        // A combining mark prints as itself, even first.
        assert_eq!(strconv_quote("\u{301}x"), "\"\u{301}x\"");
    }

    #[test]
    fn falls_back_to_unix_timestamps() {
        let reference = Reference {
            now: Instant {
                seconds: 1_700_000_000,
                nanos: 0,
            },
            utc_offset_seconds: 0,
        };
        assert_eq!(get_timestamp("0", reference), Ok("0".to_owned()));
        assert_eq!(get_timestamp("00", reference), Ok("00".to_owned()));
        assert_eq!(
            until("5.+5", reference),
            Ok(Instant {
                seconds: 5,
                nanos: 50_000_000
            })
        );
        // A signed fraction counts its sign in the scale; with a `-` GetTimestamp refuses it.
        assert_eq!(parse_timestamps("1.-5", 0), Ok((1, -50_000_000)));
        assert!(get_timestamp("1.-5", reference).is_err());
        assert_eq!(
            get_timestamp("é", reference),
            Err("failed to parse value as time or duration: \"é\"".to_owned())
        );
    }
}
