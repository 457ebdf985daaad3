//! The engine behind the endpoint, reached with one HTTP/1.1 connection per request (over its
//! Unix socket or TCP), upgrades included.

use std::path::PathBuf;

use anyhow::bail;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use pruner_docker::{ConnectError, Endpoint, EngineHost};
use tokio::net::{TcpStream, UnixStream};

use super::listen::Connection;

/// A request's body on its way to the engine.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// Where the engine listens.
#[derive(Clone, Debug)]
pub struct Upstream {
    /// The engine's address, as the docker CLI names it in errors.
    host: EngineHost,
    socket: Socket,
}

#[derive(Clone, Debug)]
enum Socket {
    Unix(PathBuf),
    /// `host:port`.
    Tcp(String),
}

impl Upstream {
    /// The engine at `endpoint`. An engine reached over TLS or ssh is refused: the endpoint
    /// passes requests through as they are, on a socket, and speaks neither to the engine.
    pub fn new(endpoint: &Endpoint) -> anyhow::Result<Upstream> {
        let host = endpoint.host.normalized().map_err(ConnectError::Endpoint)?;
        if endpoint.tls.is_some() {
            bail!(
                "pruner serve cannot reach an engine over TLS ({host}): run it on the engine's \
                 machine against its Unix socket"
            );
        }
        let socket = match host.url().split_once("://") {
            Some(("unix", path)) => Socket::Unix(PathBuf::from(path)),
            Some(("tcp", address)) => Socket::Tcp(
                address
                    .split_once('/')
                    .map_or(address, |(authority, _)| authority)
                    .to_string(),
            ),
            Some(("ssh", _)) => bail!(
                "pruner serve cannot reach an engine over ssh ({host}): run it on the engine's \
                 machine against its Unix socket"
            ),
            _ => bail!("pruner serve cannot reach the engine at {host}"),
        };
        Ok(Upstream { host, socket })
    }

    /// The engine's address.
    pub fn host(&self) -> &EngineHost {
        &self.host
    }

    /// Sends `request` on a connection of its own and returns the engine's response (whose
    /// upgrade, for a `101`, is the engine's side of a hijacked connection). An engine that
    /// cannot be reached fails with the docker CLI's text for it.
    pub async fn send(&self, request: Request<Body>) -> Result<Response<Incoming>, String> {
        let connection: Box<dyn Connection> = match &self.socket {
            Socket::Unix(path) => UnixStream::connect(path)
                .await
                .map(|stream| Box::new(stream) as Box<dyn Connection>),
            Socket::Tcp(address) => TcpStream::connect(address.as_str())
                .await
                .map(|stream| Box::new(stream) as Box<dyn Connection>),
        }
        .map_err(|_| ConnectError::Unreachable(self.host.clone()).to_string())?;
        let failed = |err: hyper::Error| format!("error during connect: {err}");
        let (mut sender, exchange) =
            hyper::client::conn::http1::handshake(TokioIo::new(connection))
                .await
                .map_err(failed)?;
        tokio::spawn(async move {
            if let Err(err) = exchange.with_upgrades().await {
                tracing::debug!("the connection to the engine failed: {err}");
            }
        });
        sender.send_request(request).await.map_err(failed)
    }
}
