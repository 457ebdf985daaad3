//! Engine API errors as Docker's error classes, keeping Docker's message text.

use std::fmt;

use bollard::errors::Error as BollardError;

use super::engine::EngineHost;
use crate::bindings::Error;

/// Why pruner could not start talking to the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// Nothing answers at the address; `Display` is the docker CLI's text,
    /// `Cannot connect to the Docker daemon at <host>. Is the docker daemon running?`.
    Unreachable(EngineHost),
    /// Anything else (a bad address, an answer that is not the Engine API's).
    Other(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Unreachable(host) => write!(
                f,
                "Cannot connect to the Docker daemon at {host}. Is the docker daemon running?"
            ),
            ConnectError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ConnectError {}

/// A failed first exchange with the engine at `host`: unreachable unless the engine answered.
pub(super) fn connect_error(host: &EngineHost, err: BollardError) -> ConnectError {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => ConnectError::Other(format!(
            "the Docker daemon at {host} answered {status_code}: {message}"
        )),
        BollardError::JsonDataError { .. }
        | BollardError::JsonSerdeError { .. }
        | BollardError::APIVersionParseError {} => ConnectError::Other(format!(
            "the Docker daemon at {host} does not speak the Engine API: {err}"
        )),
        _ => ConnectError::Unreachable(host.clone()),
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
    fn an_unreachable_engine_gets_the_docker_clis_text() {
        let host = EngineHost::resolve(Some("unix:///nowhere.sock"), None);
        let err = connect_error(&host, BollardError::RequestTimeoutError);
        assert_eq!(
            err.to_string(),
            "Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon \
             running?"
        );
    }
}
