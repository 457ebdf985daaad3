//! Engine API errors as Docker's error classes, keeping Docker's message text.

use std::fmt;

use bollard::errors::Error as BollardError;

use super::engine::EngineHost;
use pruner_runtime::bindings::Error;

/// Why pruner could not start talking to the engine; `Display` is the docker CLI's text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// Nothing answers at the address:
    /// `Cannot connect to the Docker daemon at <host>. Is the docker daemon running?`.
    Unreachable(EngineHost),
    /// The address is not one the docker CLI accepts:
    /// `Failed to initialize: unable to resolve docker endpoint: <why>`.
    Endpoint(String),
    /// Something answered with an error and a message: `Error response from daemon: <message>`.
    Refused(String),
    /// Anything else (an answer without a message, or that is not the Engine API's).
    Other(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Unreachable(host) => write!(
                f,
                "Cannot connect to the Docker daemon at {host}. Is the docker daemon running?"
            ),
            ConnectError::Endpoint(why) => write!(
                f,
                "Failed to initialize: unable to resolve docker endpoint: {why}"
            ),
            ConnectError::Refused(message) => write!(f, "Error response from daemon: {message}"),
            ConnectError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ConnectError {}

/// A failed exchange of `route` (`/_ping` first, as the docker CLI's) with the engine at `host`
/// before the prune: unreachable unless something answered, then the docker CLI's text for
/// that answer (docker/cli `checkResponseErr`).
pub(super) fn connect_error(
    host: &EngineHost,
    tls: bool,
    route: &str,
    err: BollardError,
) -> ConnectError {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            if message.trim().is_empty() {
                let reason = http::StatusCode::from_u16(status_code)
                    .ok()
                    .and_then(|status| status.canonical_reason())
                    .unwrap_or_default();
                ConnectError::Other(format!(
                    "request returned {status_code} {reason} for API route and version {}{route}, \
                     check if the server supports the requested API version",
                    request_base(host, tls)
                ))
            } else {
                ConnectError::Refused(message.trim().to_string())
            }
        }
        BollardError::JsonDataError { .. }
        | BollardError::JsonSerdeError { .. }
        | BollardError::APIVersionParseError {} => ConnectError::Other(format!(
            "the Docker daemon at {host} does not speak the Engine API: {err}"
        )),
        err => match innermost_io_error(&err) {
            Some(io) if !UNREACHABLE.contains(&io.kind()) => {
                // docker's hint for an engine that wants a client certificate.
                let hint = if io.to_string().contains("BadCertificate") {
                    "the server probably has client authentication (--tlsverify) enabled; check \
                     your TLS client certification settings: "
                } else {
                    ""
                };
                ConnectError::Other(format!(
                    "{hint}error during connect: {}{route}: {}",
                    request_base(host, tls),
                    innermost_text(&err)
                ))
            }
            _ => ConnectError::Unreachable(host.clone()),
        },
    }
}

/// The failures that mean nothing listens at the address.
const UNREACHABLE: [std::io::ErrorKind; 5] = [
    std::io::ErrorKind::ConnectionRefused,
    std::io::ErrorKind::NotFound,
    std::io::ErrorKind::TimedOut,
    std::io::ErrorKind::ConnectionReset,
    std::io::ErrorKind::AddrNotAvailable,
];

/// The last I/O error in `err`'s chain of causes.
fn innermost_io_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a std::io::Error> {
    let mut found = None;
    let mut current = Some(err);
    while let Some(cause) = current {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            found = Some(io);
        }
        current = cause.source();
    }
    found
}

/// The text of the last cause in `err`'s chain (e.g. `invalid peer certificate: UnknownIssuer`).
fn innermost_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(cause) = current.source() {
        current = cause;
    }
    current.to_string()
}

/// The start of the URLs the docker CLI requests from `host`, as its errors show them:
/// `http://10.0.0.2:2375` (`https://` over TLS), the socket's path escaped,
/// `http://%2Fvar%2Frun%2Fdocker.sock`, or `http://docker.example.com` over ssh.
fn request_base(host: &EngineHost, tls: bool) -> String {
    let url = host.url();
    let scheme = if tls { "https" } else { "http" };
    match url.split_once("://") {
        Some(("unix", path)) => format!("http://{}", path.replace('/', "%2F")),
        // docker/cli's connection helpers' placeholder.
        Some(("ssh", _)) => "http://docker.example.com".to_string(),
        Some((_, address)) => format!("{scheme}://{}", address.trim_end_matches('/')),
        None => format!("{scheme}://{url}"),
    }
}

/// An Engine API error as Docker's class, chosen by the HTTP status the engine answered (400
/// invalid parameter, 403 forbidden, 404 not found, 409 conflict, anything else system), with
/// the engine's message unchanged. Failures without an answer are system errors.
pub(super) fn to_error(err: BollardError) -> Error {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => match status_code {
            400 => Error::InvalidParameter(message),
            403 => Error::Forbidden(message),
            404 => Error::NotFound(message),
            409 => Error::Conflict(message),
            _ => Error::System(message),
        },
        other => Error::System(format!("error during connect: {other}")),
    }
}

/// Whether the engine answered 404 (the object is gone).
pub(super) fn is_not_found(err: &BollardError) -> bool {
    matches!(
        err,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status_code: u16) -> BollardError {
        BollardError::DockerResponseServerError {
            status_code,
            message: "the engine's text".to_string(),
        }
    }

    #[test]
    fn each_status_maps_to_dockers_class_with_the_text_kept() {
        let text = || "the engine's text".to_string();
        assert_eq!(to_error(answered(400)), Error::InvalidParameter(text()));
        assert_eq!(to_error(answered(403)), Error::Forbidden(text()));
        assert_eq!(to_error(answered(404)), Error::NotFound(text()));
        assert_eq!(to_error(answered(409)), Error::Conflict(text()));
        assert_eq!(to_error(answered(500)), Error::System(text()));
        assert_eq!(to_error(answered(503)), Error::System(text()));
    }

    #[test]
    fn an_answer_with_an_error_gets_the_docker_clis_text() {
        let host = EngineHost::resolve(Some("tcp://127.0.0.1:9"), None);
        let answered = |message: &str| BollardError::DockerResponseServerError {
            status_code: 404,
            message: message.to_string(),
        };
        assert_eq!(
            connect_error(&host, false, "/_ping", answered("404 page not found\n")).to_string(),
            "Error response from daemon: 404 page not found"
        );
        assert_eq!(
            connect_error(&host, false, "/_ping", answered("")).to_string(),
            "request returned 404 Not Found for API route and version \
             http://127.0.0.1:9/_ping, check if the server supports the requested API version"
        );
        let socket = EngineHost::resolve(Some("unix:///run/d.sock"), None);
        assert_eq!(
            connect_error(&socket, false, "/_ping", answered(" ")).to_string(),
            "request returned 404 Not Found for API route and version \
             http://%2Frun%2Fd.sock/_ping, check if the server supports the requested API version"
        );
    }

    #[test]
    fn an_unreachable_engine_gets_the_docker_clis_text() {
        let host = EngineHost::resolve(Some("unix:///nowhere.sock"), None);
        let err = connect_error(&host, false, "/_ping", BollardError::RequestTimeoutError);
        assert_eq!(
            err.to_string(),
            "Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon \
             running?"
        );
    }
}
