//! Text that a plugin or a backend supplies, made safe for one log line or a terminal: every
//! character that could end the line, move the cursor, ring the bell, start an escape sequence
//! or reorder what is shown is written as an escape, in the form of Rust's `escape_debug`
//! (`\n`, `\r`, `\t`, `\u{1b}`).
//!
//! Escaped are the C0 controls (U+0000–U+001F), DEL (U+007F), the C1 controls
//! (U+0080–U+009F, among them NEL and the one-byte CSI), the Unicode line and paragraph
//! separators (U+2028, U+2029) and the bidirectional controls (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069). Everything else, the backslash included, is kept: a text
//! without those characters comes back unchanged (Docker's messages, Windows paths), and
//! escaping is idempotent, so a text escaped where it enters and again where it is printed
//! reads the same.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with its control, separator and bidirectional characters escaped; borrowed when
/// there are none.
pub fn escape(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(needs_escape) else {
        return Cow::Borrowed(text);
    };
    let mut escaped = String::with_capacity(text.len() + 8);
    escaped.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// At most `max_chars` characters of `text`, escaped, for quoting what may be long in an error
/// line; a cut text ends in `…` and says how many bytes the whole had.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => escape(text).into_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", escape(&text[..cut]), text.len()),
    }
}

/// Whether `c` is written as an escape.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_separator_and_bidi_characters_are_escaped_in_rust_s_form() {
        assert_eq!(
            escape("a\nb\r\tc\u{1b}[31md\u{7}e\u{0}\u{7f}\u{9b}\u{85}"),
            "a\\nb\\r\\tc\\u{1b}[31md\\u{7}e\\u{0}\\u{7f}\\u{9b}\\u{85}"
        );
        assert_eq!(
            escape("x\u{2028}y\u{2029}\u{202e}z\u{2066}\u{61c}\u{200f}"),
            "x\\u{2028}y\\u{2029}\\u{202e}z\\u{2066}\\u{61c}\\u{200f}"
        );
    }

    #[test]
    fn other_text_is_borrowed_unchanged_and_escaping_twice_changes_nothing() {
        let plain = "No such container: 5741b9b1 \\ C:\\temp é ✓ \u{a0}";
        assert!(matches!(escape(plain), Cow::Borrowed(text) if text == plain));
        let once = escape("line\none\u{1b}");
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn an_excerpt_is_cut_at_a_character_and_names_the_whole_length() {
        assert_eq!(excerpt("0123", 4), "0123");
        assert_eq!(excerpt("01234", 4), "0123… (5 bytes)");
        assert_eq!(excerpt("é\né\n", 2), "é\\n… (6 bytes)");
    }
}
