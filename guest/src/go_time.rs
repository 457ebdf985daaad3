//! The part of Go's `time` package that moby's `GetTimestamp` relies on, as Go 1.20 has it
//! (go/src/time/format.go; moby-2023 is built with go1.20.4): `time.Parse` and
//! `time.ParseInLocation` for the layouts `GetTimestamp` picks, with Go's error texts, and the
//! `quote` those texts (and `time.ParseDuration`'s) use.
//!
//! Go 1.20 behaviour kept on purpose: a fraction after the seconds may use `.` or `,` and any
//! number of digits (truncated to nanoseconds); the hour takes one or two digits; a `±hh:mm`
//! offset is not range-checked (`+99:99` is accepted); an element that fails to parse is reported
//! with the input from that element's start on.

use alloc::{format, string::String};
use chrono::{NaiveDate, NaiveTime};

use crate::model::Instant;

/// One layout element (a Go "std chunk") of the kinds moby's layouts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    /// `2006`: exactly four digits.
    Year,
    /// `01`: two digits, 01–12.
    Month,
    /// `02`: two digits, checked against the month once everything is parsed.
    Day,
    /// `15`: one or two digits, 0–23.
    Hour,
    /// `04`: two digits, 0–59.
    Minute,
    /// `05`: two digits, 0–59, optionally followed by a fraction the layout does not spell.
    Second,
    /// `.999999999`: an optional `.` or `,` with digits.
    Fraction,
    /// `Z07:00`: `Z` or `±hh:mm`.
    Zone,
}

/// The elements by their layout text.
const ELEMENTS: [(&str, Element); 8] = [
    ("2006", Element::Year),
    ("01", Element::Month),
    ("02", Element::Day),
    ("15", Element::Hour),
    ("04", Element::Minute),
    ("05", Element::Second),
    (".999999999", Element::Fraction),
    ("Z07:00", Element::Zone),
];

/// One step of a layout: the literal text before an element, the element's text, the element,
/// and the rest of the layout.
type Chunk<'a> = (&'a str, &'static str, Element, &'a str);

/// Go's `nextStdChunk`, for the elements above; `None` once only literal text is left.
fn next_chunk(layout: &str) -> Option<Chunk<'_>> {
    layout.char_indices().find_map(|(start, _)| {
        let rest = &layout[start..];
        ELEMENTS
            .iter()
            .find(|(text, _)| rest.starts_with(text))
            .map(|&(text, element)| (&layout[..start], text, element, &rest[text.len()..]))
    })
}

/// Why an element did not parse.
enum Failure {
    /// The text does not have the element's form: `cannot parse … as …`.
    Bad,
    /// The value is out of range, e.g. `month`.
    Range(&'static str),
}

/// The fields parsed so far; month and day default as Go's do.
struct Fields {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// The parsed zone's offset east of UTC in seconds, if the value had one.
    offset: Option<i32>,
}

impl Fields {
    fn new() -> Fields {
        Fields {
            year: 0,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            offset: None,
        }
    }

    /// Go's `Date(…)` in the parsed zone, or in a fixed zone `default_offset` seconds east of
    /// UTC; `None` when the day does not exist in that month.
    fn instant(&self, default_offset: i32) -> Option<Instant> {
        let midnight = NaiveDate::from_ymd_opt(self.year, self.month, self.day)?
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp();
        let time_of_day = i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        let offset = i64::from(self.offset.unwrap_or(default_offset));
        Some(Instant {
            seconds: midnight + time_of_day - offset,
            nanos: self.nanos,
        })
    }
}

/// Go's `time.ParseInLocation(layout, value, FixedZone("", default_offset))` for the layouts
/// built from the elements above (`time.Parse` is `default_offset` 0): the instant, or Go's
/// `ParseError` text.
pub(crate) fn parse(layout: &str, value: &str, default_offset: i32) -> Result<Instant, String> {
    let error = ErrorText { layout, value };
    let mut fields = Fields::new();
    let mut layout_rest = layout;
    let mut rest = value;
    while let Some((prefix, text, element, suffix)) = next_chunk(layout_rest) {
        rest = skip(rest, prefix).map_err(|at| error.cannot_parse(at, prefix))?;
        layout_rest = suffix;
        rest = match element.parse(rest, suffix, &mut fields) {
            Ok(after) => after,
            Err(Failure::Bad) => return Err(error.cannot_parse(rest, text)),
            Err(Failure::Range(what)) => {
                return Err(error.message(&format!(": {what} out of range")));
            }
        };
    }
    rest = skip(rest, layout_rest).map_err(|at| error.cannot_parse(at, layout_rest))?;
    if !rest.is_empty() {
        return Err(error.message(&format!(": extra text: {}", quote(rest))));
    }
    fields
        .instant(default_offset)
        .ok_or_else(|| error.message(": day out of range"))
}

/// Go's `skip` for literal layout text (moby's layouts have no spaces): what follows `prefix`
/// in `value`, or the part of `value` where they differ.
fn skip<'a>(value: &'a str, prefix: &str) -> Result<&'a str, &'a str> {
    let matched = value
        .bytes()
        .zip(prefix.bytes())
        .take_while(|(v, p)| v == p)
        .count();
    if matched == prefix.len() {
        Ok(&value[matched..])
    } else {
        // Layout text is ASCII, so the bytes matched so far end on a character boundary.
        Err(&value[matched..])
    }
}

impl Element {
    /// Parses this element at the start of `value` into `fields`; `layout_rest` is the layout
    /// after it. Returns the rest of `value`.
    fn parse<'a>(
        self,
        value: &'a str,
        layout_rest: &str,
        fields: &mut Fields,
    ) -> Result<&'a str, Failure> {
        match self {
            Element::Year => {
                let digits = value.as_bytes().get(..4).ok_or(Failure::Bad)?;
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(Failure::Bad);
                }
                fields.year = digits
                    .iter()
                    .fold(0, |year, digit| year * 10 + i32::from(digit - b'0'));
                Ok(&value[4..])
            }
            Element::Month => {
                let (month, rest) = getnum(value, true).ok_or(Failure::Bad)?;
                fields.month = in_range(month, 1..=12, "month")?;
                Ok(rest)
            }
            Element::Day => {
                let (day, rest) = getnum(value, true).ok_or(Failure::Bad)?;
                fields.day = day;
                Ok(rest)
            }
            Element::Hour => {
                let (hour, rest) = getnum(value, false).ok_or(Failure::Bad)?;
                fields.hour = in_range(hour, 0..=23, "hour")?;
                Ok(rest)
            }
            Element::Minute => {
                let (minute, rest) = getnum(value, true).ok_or(Failure::Bad)?;
                fields.minute = in_range(minute, 0..=59, "minute")?;
                Ok(rest)
            }
            Element::Second => {
                let (second, rest) = getnum(value, true).ok_or(Failure::Bad)?;
                fields.second = in_range(second, 0..=59, "second")?;
                let layout_has_fraction = next_chunk(layout_rest)
                    .is_some_and(|(_, _, next, _)| next == Element::Fraction);
                if layout_has_fraction {
                    return Ok(rest);
                }
                Ok(parse_fraction(rest, fields))
            }
            Element::Fraction => Ok(parse_fraction(value, fields)),
            Element::Zone => parse_zone(value, fields),
        }
    }
}

/// `value` if it lies in `range`, else the range error for `what`.
fn in_range(
    value: u32,
    range: core::ops::RangeInclusive<u32>,
    what: &'static str,
) -> Result<u32, Failure> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Failure::Range(what))
    }
}

/// The decimal digit at byte `index` of `s`, if there is one.
fn digit_at(s: &str, index: usize) -> Option<u32> {
    s.as_bytes()
        .get(index)
        .filter(|byte| byte.is_ascii_digit())
        .map(|byte| u32::from(byte - b'0'))
}

/// Go's `getnum`: one or two leading digits (exactly two when `fixed`) and the rest.
fn getnum(s: &str, fixed: bool) -> Option<(u32, &str)> {
    let first = digit_at(s, 0)?;
    match digit_at(s, 1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// An optional fraction of a second at the start of `value`: `.` or `,` and at least one digit,
/// all digits taken and truncated to nanoseconds. Returns the rest of `value`.
fn parse_fraction<'a>(value: &'a str, fields: &mut Fields) -> &'a str {
    let separated = value.starts_with(['.', ',']);
    if !separated || digit_at(value, 1).is_none() {
        return value;
    }
    let digits = &value[1..];
    let end = digits
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(digits.len());
    let kept = &digits.as_bytes()[..end.min(9)];
    let scale = 10_u32.pow(9 - kept.len() as u32);
    fields.nanos = kept
        .iter()
        .fold(0, |nanos, digit| nanos * 10 + u32::from(digit - b'0'))
        * scale;
    &digits[end..]
}

/// The `Z07:00` element: `Z`, or a sign, two hour digits, `:` and two minute digits.
fn parse_zone<'a>(value: &'a str, fields: &mut Fields) -> Result<&'a str, Failure> {
    if let Some(rest) = value.strip_prefix('Z') {
        fields.offset = Some(0);
        return Ok(rest);
    }
    let bytes = value.as_bytes();
    if bytes.len() < 6 || bytes[3] != b':' {
        return Err(Failure::Bad);
    }
    let hours = two_digits(bytes[1], bytes[2]).ok_or(Failure::Bad)?;
    let minutes = two_digits(bytes[4], bytes[5]).ok_or(Failure::Bad)?;
    let offset = (hours * 60 + minutes) * 60;
    fields.offset = Some(match bytes[0] {
        b'+' => offset,
        b'-' => -offset,
        _ => return Err(Failure::Bad),
    });
    // The six bytes just read are ASCII, so this is a character boundary.
    Ok(&value[6..])
}

/// The number two ASCII digits spell.
fn two_digits(tens: u8, ones: u8) -> Option<i32> {
    (tens.is_ascii_digit() && ones.is_ascii_digit())
        .then(|| i32::from(tens - b'0') * 10 + i32::from(ones - b'0'))
}

/// Builds the texts of Go's `time.ParseError` for one call.
struct ErrorText<'a> {
    layout: &'a str,
    value: &'a str,
}

impl ErrorText<'_> {
    /// `parsing time "<value>" as "<layout>": cannot parse "<value_elem>" as "<layout_elem>"`.
    fn cannot_parse(&self, value_elem: &str, layout_elem: &str) -> String {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(self.value),
            quote(self.layout),
            quote(value_elem),
            quote(layout_elem)
        )
    }

    /// `parsing time "<value>"<message>`.
    fn message(&self, message: &str) -> String {
        format!("parsing time {}{message}", quote(self.value))
    }
}

/// The `quote` of Go's `time` package: double quotes, `"` and `\` backslashed, and every byte of
/// a non-ASCII or control character written as `\xNN`.
pub(crate) fn quote(s: &str) -> String {
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                quoted.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

    #[test]
    fn layouts_split_into_go_chunks() {
        let mut chunks = Vec::new();
        let mut layout = RFC3339_NANO;
        while let Some((prefix, text, element, suffix)) = next_chunk(layout) {
            chunks.push((prefix, text, element));
            layout = suffix;
        }
        assert_eq!(layout, "");
        assert_eq!(
            chunks,
            [
                ("", "2006", Element::Year),
                ("-", "01", Element::Month),
                ("-", "02", Element::Day),
                ("T", "15", Element::Hour),
                (":", "04", Element::Minute),
                (":", "05", Element::Second),
                ("", ".999999999", Element::Fraction),
                ("", "Z07:00", Element::Zone),
            ]
        );
    }

    #[test]
    fn parses_offsets_and_fractions() {
        let parsed = parse(RFC3339_NANO, "2006-01-02T15:04:05,5-07:00", 0);
        assert_eq!(
            parsed,
            Ok(Instant {
                seconds: 1_136_239_445,
                nanos: 500_000_000
            })
        );
        // go1.20 does not range-check offsets.
        let parsed = parse("2006-01-02Z07:00", "1970-01-01+99:99", 0);
        assert_eq!(parsed.map(|t| t.seconds), Ok(-(99 * 60 + 99) * 60));
        // A fraction the layout does not spell, of any length.
        let parsed = parse(
            "2006-01-02T15:04:05",
            "1970-01-01T00:00:00,1234567891",
            3600,
        );
        assert_eq!(
            parsed,
            Ok(Instant {
                seconds: -3600,
                nanos: 123_456_789
            })
        );
    }

    #[test]
    fn reports_the_element_from_its_start() {
        assert_eq!(
            parse("2006-01-02Z07:00", "2006-01-02+0a:00", 0),
            Err(r#"parsing time "2006-01-02+0a:00" as "2006-01-02Z07:00": cannot parse "+0a:00" as "Z07:00""#.to_owned())
        );
        assert_eq!(
            parse("2006-01-02", "2006-01-3", 0),
            Err(r#"parsing time "2006-01-3" as "2006-01-02": cannot parse "3" as "02""#.to_owned())
        );
        assert_eq!(
            parse("2006-01-02", "2006-01-32", 0),
            Err(r#"parsing time "2006-01-32": day out of range"#.to_owned())
        );
    }

    #[test]
    fn never_splits_a_character() {
        for value in [
            "2006-01-0é",
            "2006-01-02Té",
            "20é6",
            "2006-01-02+é:00",
            "2006-01-02+00:0é",
            "é",
        ] {
            assert!(parse(RFC3339_NANO, value, 0).is_err());
            assert!(parse("2006-01-02Z07:00", value, 0).is_err());
        }
    }

    #[test]
    fn quotes_like_go_time() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("µ\t\u{7f}"), "\"\\xc2\\xb5\\x09\u{7f}\"");
    }
}
