//! The endpoint's own answers, as dockerd writes them: a JSON document on one line, and errors
//! as `{"message": …}` (plain text for API versions before 1.24).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

use super::upstream::Body;

/// A response of the endpoint.
pub type Answer = Response<Body>;

/// The first API version whose errors are JSON.
const JSON_ERRORS: (u32, u32) = (1, 24);

/// `status` with `text`, of `content_type`.
fn answer(status: StatusCode, content_type: &'static str, text: String) -> Answer {
    let mut response = Response::new(
        Full::new(Bytes::from(text))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `200 OK` with `json` (one line, its newline included).
pub fn json(json: String) -> Answer {
    answer(StatusCode::OK, "application/json", json)
}

/// An error with `status` and `message`, for a request of API `version` (the path's, none for
/// an unversioned path): `{"message":"…"}`, or for versions before 1.24 the message as text.
pub fn error(version: Option<&str>, status: StatusCode, message: &str) -> Answer {
    if version.is_some_and(|version| parse_version(version) < Some(JSON_ERRORS)) {
        let mut response = answer(status, "text/plain; charset=utf-8", format!("{message}\n"));
        response.headers_mut().insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        return response;
    }
    let body = serde_json::json!({ "message": message });
    answer(status, "application/json", format!("{body}\n"))
}

/// The answer when the engine cannot be reached: `message` (the docker CLI's text for it),
/// `502 Bad Gateway`.
pub fn unreachable(message: &str) -> Answer {
    error(None, StatusCode::BAD_GATEWAY, message)
}

/// `major.minor` of an API version such as `1.41`.
fn parse_version(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(answer: Answer) -> String {
        let bytes = answer.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn errors_are_json_from_api_1_24_and_plain_text_before() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (version, content_type, text) in [
            (
                None,
                "application/json",
                "{\"message\":\"invalid filter\"}\n",
            ),
            (
                Some("1.41"),
                "application/json",
                "{\"message\":\"invalid filter\"}\n",
            ),
            (
                Some("1.24"),
                "application/json",
                "{\"message\":\"invalid filter\"}\n",
            ),
            (
                Some("1.23"),
                "text/plain; charset=utf-8",
                "invalid filter\n",
            ),
        ] {
            let answer = error(version, StatusCode::BAD_REQUEST, "invalid filter");
            assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
            assert_eq!(answer.headers()[CONTENT_TYPE], content_type, "{version:?}");
            assert_eq!(runtime.block_on(body(answer)), text, "{version:?}");
        }
    }
}
