//! docker/go-units `HumanSize` (`size.go`, v0.4.0 = v0.5.0), as the docker CLI prints
//! `Total reclaimed space: …`: decimal units (base 1000), `%.4g`, no space before the unit.

/// The decimal unit abbreviations of go-units (`decimapAbbrs`).
const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/// The unit base.
const BASE: f64 = 1000.0;

/// The significant digits of `%.4g`.
const PRECISION: usize = 4;

/// `HumanSize(float64(bytes))`, e.g. `0B`, `1.024kB`, `1000kB` (999 999 bytes: the unit is chosen
/// before rounding), `18.45EB` for `u64::MAX`.
pub fn human_size(bytes: u64) -> String {
    // Go converts the integer to float64 too (round to nearest), so the precision loss matches.
    human_size_f64(bytes as f64)
}

/// `HumanSize(size)` for any float64, as go-units defines it: divide by 1000 while the size is
/// at least 1000 and a larger unit exists, then `%.4g` followed by the unit (`1e+06YB` for 1e30,
/// `-1500B`, `NaNB`, `+InfYB`).
pub fn human_size_f64(size: f64) -> String {
    let (scaled, unit) = size_and_unit(size);
    format!("{}{unit}", format_g4(scaled))
}

/// go-units `getSizeAndUnit`: the scaled size and its unit.
fn size_and_unit(mut size: f64) -> (f64, &'static str) {
    let mut unit = 0;
    while size >= BASE && unit < UNITS.len() - 1 {
        size /= BASE;
        unit += 1;
    }
    (size, UNITS[unit])
}

/// Go's `fmt.Sprintf("%.4g", value)`.
fn format_g4(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    let (digits, exponent) = significant_digits(value.abs());
    format!("{sign}{}", layout_g(&digits, exponent))
}

/// `value` (finite, non-negative) correctly rounded (half to even, like Go's strconv) to
/// [`PRECISION`] significant digits: the digits without trailing zeros (at least one) and the
/// decimal exponent of the first digit.
fn significant_digits(value: f64) -> (String, i32) {
    let scientific = format!("{value:.prec$e}", prec = PRECISION - 1);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_owned(), exponent.parse().unwrap_or(0))
}

/// strconv's `%g` layout for rounded `digits` with the first digit at 10^`exponent`: the
/// exponent form when `exponent < -4` or `exponent >= PRECISION`, otherwise plain decimals.
fn layout_g(digits: &str, exponent: i32) -> String {
    if exponent < -4 || exponent >= PRECISION as i32 {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{first}{point}{rest}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        )
    } else if exponent < 0 {
        let zeros = "0".repeat(exponent.unsigned_abs() as usize - 1);
        format!("0.{zeros}{digits}")
    } else {
        let integer_len = exponent as usize + 1;
        if digits.len() <= integer_len {
            format!("{digits:0<integer_len$}")
        } else {
            let (integer, fraction) = digits.split_at(integer_len);
            format!("{integer}.{fraction}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_spec() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1000), "1kB");
        assert_eq!(human_size(1024), "1.024kB");
        assert_eq!(human_size(12345), "12.35kB");
        assert_eq!(human_size(99999), "100kB");
        assert_eq!(human_size(999_999), "1000kB");
        assert_eq!(human_size(1_048_576), "1.049MB");
        assert_eq!(human_size(1_234_567_890), "1.235GB");
        assert_eq!(human_size(u64::MAX), "18.45EB");
    }

    #[test]
    fn exact_ties_round_half_to_even_like_strconv() {
        // 1 062 500 B = 1.0625 MB exactly: half-even keeps the even digit 2.
        assert_eq!(human_size(1_062_500), "1.062MB");
        assert_eq!(human_size(1_187_500), "1.188MB");
    }

    #[test]
    fn go_g_layout_of_unusual_floats() {
        assert_eq!(human_size_f64(1e30), "1e+06YB");
        assert_eq!(human_size_f64(1.2341e31), "1.234e+07YB");
        assert_eq!(human_size_f64(0.5), "0.5B");
        assert_eq!(human_size_f64(0.00012341), "0.0001234B");
        assert_eq!(human_size_f64(0.000012341), "1.234e-05B");
        assert_eq!(human_size_f64(-1500.0), "-1500B");
        assert_eq!(human_size_f64(-0.0), "-0B");
        assert_eq!(human_size_f64(f64::NAN), "NaNB");
        assert_eq!(human_size_f64(f64::INFINITY), "+InfYB");
        assert_eq!(human_size_f64(f64::NEG_INFINITY), "-InfB");
    }
}
