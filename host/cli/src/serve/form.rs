//! The `filters` parameter of a prune request as dockerd reads it: `httputils.ParseForm` (Go's
//! `Request.ParseForm`: a form-encoded body's values first, then the query's) and
//! `Form.Get("filters")`, with Go's `url.ParseQuery` errors, which dockerd answers with 400.

/// The most of a form-encoded body Go reads (10 MB).
pub const MAX_FORM_BYTES: usize = 10 << 20;

/// Go's error for a form-encoded body over [`MAX_FORM_BYTES`].
pub const TOO_LARGE: &str = "http: POST too large";

/// Whether a body of `content_type` is a form that Go reads for its values. `Err` when the
/// type does not parse (Go's `mime:` error, which dockerd ignores along with any error after).
pub fn is_form(content_type: Option<&str>) -> Result<bool, ()> {
    let given = content_type.unwrap_or("application/octet-stream");
    let media = given.split(';').next().unwrap_or_default().trim();
    let token = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    let valid = match media.split_once('/') {
        Some((kind, sub)) => token(kind) && token(sub),
        None => token(media),
    };
    if !valid {
        return Err(());
    }
    Ok(media.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// A request's form, as far as prune reads it.
#[derive(Debug, PartialEq, Eq)]
pub struct Form {
    /// The first `filters` value, as Go's `Form.Get` (empty when there is none).
    pub filters: String,
    /// The error Go's `ParseForm` reports, if any.
    pub error: Option<String>,
}

/// The form of `body` (when it is read as a form) and then of `query`.
pub fn parse(body: Option<&[u8]>, query: &str) -> Form {
    let (from_body, body_error) = match body {
        Some(body) => parse_query(&String::from_utf8_lossy(body)),
        None => (Vec::new(), None),
    };
    let (from_query, query_error) = parse_query(query);
    let filters = from_body
        .into_iter()
        .chain(from_query)
        .find(|(key, _)| key == "filters")
        .map(|(_, value)| value)
        .unwrap_or_default();
    Form {
        filters,
        error: body_error.or(query_error),
    }
}

/// Go's `url.ParseQuery`: the pairs in order, and the error it returns (a `;` anywhere makes
/// it the semicolon error, else the first bad escape's).
fn parse_query(query: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut pairs = Vec::new();
    let mut semicolon = false;
    let mut escape = None;
    for part in query.split('&') {
        if part.contains(';') {
            semicolon = true;
            continue;
        }
        if part.is_empty() {
            continue;
        }
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match (unescape(key), unescape(value)) {
            (Ok(key), Ok(value)) => pairs.push((key, value)),
            (Err(err), _) | (_, Err(err)) => {
                escape.get_or_insert(err);
            }
        }
    }
    let error = match semicolon {
        true => Some("invalid semicolon separator in query".to_string()),
        false => escape,
    };
    (pairs, error)
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; a bad `%` is
/// `invalid URL escape "%zz"`.
fn unescape(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' => {
                let hex = |i: usize| bytes.get(i).and_then(|b| (*b as char).to_digit(16));
                let (Some(high), Some(low)) = (hex(at + 1), hex(at + 2)) else {
                    let bad = String::from_utf8_lossy(&bytes[at..bytes.len().min(at + 3)]);
                    return Err(format!("invalid URL escape {bad:?}"));
                };
                out.push((high * 16 + low) as u8);
                at += 3;
            }
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filters of a form that parses.
    fn filters(body: Option<&[u8]>, query: &str) -> Result<String, String> {
        let form = parse(body, query);
        form.error.map_or(Ok(form.filters), Err)
    }

    #[test]
    fn the_first_filters_value_wins_the_bodys_before_the_querys() {
        assert_eq!(filters(None, ""), Ok(String::new()));
        assert_eq!(
            filters(None, "filters=%7B%22label%22%3A%5B%22a%22%5D%7D&filters=x"),
            Ok("{\"label\":[\"a\"]}".to_string())
        );
        assert_eq!(
            filters(Some(b"filters=from+body"), "filters=from-query"),
            Ok("from body".to_string())
        );
        assert_eq!(filters(Some(b"other=1"), "filters=q"), Ok("q".to_string()));
    }

    #[test]
    fn bad_queries_get_gos_errors_and_keep_the_values_that_parsed() {
        assert_eq!(
            filters(None, "filters=%zz"),
            Err("invalid URL escape \"%zz\"".to_string())
        );
        assert_eq!(
            filters(None, "a=%4"),
            Err("invalid URL escape \"%4\"".to_string())
        );
        assert_eq!(
            parse(None, "a=1;b=2&filters=x"),
            Form {
                filters: "x".to_string(),
                error: Some("invalid semicolon separator in query".to_string())
            }
        );
        assert_eq!(
            filters(Some(b"filters=%"), "filters=x"),
            Err("invalid URL escape \"%\"".to_string())
        );
    }

    #[test]
    fn only_form_encoded_bodies_are_read_and_bad_types_are_told_apart() {
        assert_eq!(is_form(None), Ok(false));
        assert_eq!(is_form(Some("application/json")), Ok(false));
        assert_eq!(
            is_form(Some("Application/X-WWW-Form-Urlencoded; charset=utf-8")),
            Ok(true)
        );
        assert_eq!(is_form(Some("text/")), Err(()));
        assert_eq!(is_form(Some("")), Err(()));
    }
}
