//! The Docker Engine backend: the four backend interfaces served by a real dockerd over its API
//! socket, through bollard.
//!
//! bollard is asynchronous and the host's backend traits are synchronous (the component runs
//! with wasmtime's sync bindings), so a [`DockerDaemon`] owns a current-thread tokio runtime and
//! drives each Engine API call with `block_on` from the thread that runs the prune. That thread
//! must be outside any tokio runtime's context: a prune started from async code belongs on a
//! thread of its own (`std::thread::spawn`), not on `tokio::task::spawn_blocking`, whose
//! threads are inside the runtime's context. A call made from inside a runtime's context fails
//! with a system error instead of panicking.
//!
//! What each import maps to:
//! - `container-store`: `GET /containers/json?all=1`, plus `GET /containers/{id}/json` for the
//!   containers that are not running (the only ones prune can pick), whose `Created` carries
//!   nanoseconds where the list has seconds; `GET /containers/{id}/json?size=1` (`SizeRw`) for a
//!   candidate's layer size; `DELETE /containers/{id}` (no force, no volumes, no links).
//! - `network-controller`: the networks of the daemon's own store (libnetwork's walk): every
//!   local-scope network, and every swarm network instantiated on this node, each with its
//!   attached endpoints (`GET /networks/{id}`'s `Containers`); `DELETE /networks/{id}`.
//! - `cluster`: `docker info`'s `Swarm.ControlAvailable`; the swarm-scoped networks of
//!   `GET /networks` (the cluster's view: swarm creation time, `Ingress`) without the swarm's
//!   predefined ones; `DELETE /networks/{id}`, which removes a swarm network from the cluster.
//! - events: the Engine API cannot receive events, so pruner's `prune` events go to an
//!   [`EventLog`] of the caller's choice ([`TracingEvents`], [`JsonLinesEvents`]).
//! - the clock: the daemon's zone offset and clock, from `docker info`'s `SystemTime`
//!   ([`DaemonClock`]).

mod clock;
mod containers;
mod endpoint;
mod engine;
mod errors;
mod events;
mod networks;
mod prefetch;
mod ssh;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bollard::Docker;

use pruner_runtime::backend::{Backends, EventLog, TracingLog};
use pruner_runtime::bindings::Error;

pub use clock::DaemonClock;
pub use endpoint::{ConnectOptions, Endpoint, TlsFiles};
pub use engine::{DEFAULT_HOST, EngineHost};
pub use errors::ConnectError;
pub use events::{JsonLinesEvents, TracingEvents};

use networks::SwarmLocal;
use prefetch::SizePrefetch;

/// How long one Engine API request may take (bollard's default).
const REQUEST_TIMEOUT_SECONDS: u64 = 120;

/// A Docker Engine reached over its API, serving the container store, the local networks and the
/// swarm cluster to the prune component.
pub struct DockerDaemon {
    host: EngineHost,
    client: Docker,
    runtime: tokio::runtime::Runtime,
    id: String,
    server_version: String,
    api_version: String,
    clock: DaemonClock,
    /// Swarm networks the last local list found instantiated on this node.
    swarm_local: SwarmLocal,
    /// The next candidate's size inspect, started while the current one is removed.
    sizes: Mutex<SizePrefetch>,
}

impl DockerDaemon {
    /// Connects to the engine at `host` and negotiates the API version (the engine's own when it
    /// is older than bollard's, e.g. 1.41 for dockerd 20.10), then reads the engine's version and
    /// clock. `host` is read as the docker CLI reads it ([`EngineHost::normalized`]). An engine
    /// that does not answer gives [`ConnectError::Unreachable`]; every error's text is the
    /// docker CLI's.
    pub fn connect(host: &EngineHost) -> Result<DockerDaemon, ConnectError> {
        DockerDaemon::connect_to(&Endpoint {
            host: host.clone(),
            tls: None,
        })
    }

    /// Connects to `endpoint` as [`DockerDaemon::connect`] does, over TLS with its files when it
    /// has them (the engine's certificate is always verified against the CA; the client's
    /// certificate and key are presented when both files exist). TLS applies to TCP addresses.
    pub fn connect_to(endpoint: &Endpoint) -> Result<DockerDaemon, ConnectError> {
        let host = &endpoint.host.normalized().map_err(ConnectError::Endpoint)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| ConnectError::Other(format!("cannot start the I/O runtime: {err}")))?;
        let client = match &endpoint.tls {
            Some(files) if host.url().starts_with("tcp://") => Docker::connect_with_ssl(
                host.url(),
                &files.key,
                &files.cert,
                &files.ca,
                REQUEST_TIMEOUT_SECONDS,
                bollard::API_DEFAULT_VERSION,
            ),
            _ if host.url().starts_with("ssh://") => Ok(ssh::connect(
                host.url(),
                REQUEST_TIMEOUT_SECONDS,
            )
            .map_err(|why| {
                ConnectError::Other(format!(
                    "Failed to initialize: ssh host connection is not valid: invalid SSH URL: \
                         {why}"
                ))
            })?),
            _ => Docker::connect_with_host(host.url()),
        };
        let client = client.map_err(|err| match err {
            // bollard looks for the socket file before any exchange.
            bollard::errors::Error::SocketNotFoundError(_) => {
                ConnectError::Unreachable(host.clone())
            }
            err => ConnectError::Other(format!("cannot use the Docker host {host}: {err}")),
        })?;
        let tls = endpoint.tls.is_some();
        let failed = |route| move |err| errors::connect_error(host, tls, route, err);
        let (client, info, before, after) = runtime.block_on(async {
            // The docker CLI's first request, so that a server that is not an engine gets the
            // same answer.
            client.ping().await.map_err(failed("/_ping"))?;
            let client = client
                .negotiate_version()
                .await
                .map_err(failed("/version"))?;
            let before = chrono::Utc::now();
            let info = client.info().await.map_err(failed("/info"))?;
            let after = chrono::Utc::now();
            Ok::<_, ConnectError>((client, info, before, after))
        })?;
        let clock = DaemonClock::from_system_time(
            info.system_time.as_deref().unwrap_or_default(),
            before,
            after,
            host.is_local(),
        )
        .map_err(ConnectError::Other)?;
        let api_version = client.client_version().to_string();
        Ok(DockerDaemon {
            host: host.clone(),
            client,
            runtime,
            id: info.id.unwrap_or_default(),
            server_version: info.server_version.unwrap_or_default(),
            api_version,
            clock,
            swarm_local: SwarmLocal::default(),
            sizes: Mutex::default(),
        })
    }

    /// The engine's address.
    pub fn host(&self) -> &EngineHost {
        &self.host
    }

    /// The engine's ID (`GET /info`'s `ID`), which names it in a plan.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The engine's version, e.g. `20.10.24+dfsg1`.
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The Engine API version in use after negotiation, e.g. `1.41`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The daemon's clock and zone, as read when connecting.
    pub fn clock(&self) -> DaemonClock {
        self.clock
    }

    /// The bollard client, for callers that need more of the Engine API than prune does.
    pub fn client(&self) -> &Docker {
        &self.client
    }

    /// The backends of a prune against this engine: its containers, networks and swarm, prune
    /// events to `events`, warnings to `tracing`, and the daemon's clock.
    pub fn backends(self: &Arc<Self>, events: Arc<dyn EventLog>) -> Backends {
        Backends {
            containers: self.clone(),
            networks: self.clone(),
            cluster: self.clone(),
            events,
            log: Arc::new(TracingLog),
            clock: Arc::new(self.clock),
        }
    }

    /// Runs one Engine API exchange to completion on the backend's runtime. Refuses (rather than
    /// panics) when called from a thread inside a runtime's context (running async code, or a
    /// `spawn_blocking` task).
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::System(
                "the Docker backend blocks: run the prune on a thread outside the async \
                 runtime (std::thread::spawn; tokio's spawn_blocking threads are inside it)"
                    .to_string(),
            ));
        }
        Ok(self.runtime.block_on(future))
    }

    /// The size inspects started ahead. Each use is one short, complete update, so a panic
    /// elsewhere cannot leave it half made.
    fn sizes(&self) -> MutexGuard<'_, SizePrefetch> {
        self.sizes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for DockerDaemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerDaemon")
            .field("host", &self.host)
            .field("server_version", &self.server_version)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pruner_runtime::backend::ContainerStore;

    /// A backend for an address nothing listens on (bollard connects lazily over TCP).
    fn unconnected() -> DockerDaemon {
        let host = EngineHost::resolve(Some("tcp://127.0.0.1:1"), None);
        let now = chrono::Utc::now();
        DockerDaemon {
            client: Docker::connect_with_host(host.url()).unwrap(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            id: String::new(),
            server_version: String::new(),
            api_version: "1.41".to_string(),
            clock: DaemonClock::from_system_time("2026-11-27T12:00:00Z", now, now, false).unwrap(),
            swarm_local: SwarmLocal::default(),
            sizes: Mutex::default(),
            host,
        }
    }

    #[test]
    fn a_call_from_inside_an_async_runtime_or_its_blocking_threads_is_refused_not_a_panic() {
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let refused = Err(Error::System(
            "the Docker backend blocks: run the prune on a thread outside the async runtime \
             (std::thread::spawn; tokio's spawn_blocking threads are inside it)"
                .to_string(),
        ));
        let daemon = unconnected();
        assert_eq!(outer.block_on(async { daemon.list() }), refused);
        let blocking = outer.block_on(async move {
            tokio::task::spawn_blocking(move || daemon.list())
                .await
                .expect("the blocking task ends")
        });
        assert_eq!(blocking, refused);
    }

    #[test]
    fn a_failed_exchange_is_a_system_error() {
        let daemon = unconnected();
        match daemon.remove("c1") {
            Err(Error::System(message)) => {
                assert!(message.starts_with("error during connect: "), "{message}")
            }
            other => panic!("not a system error: {other:?}"),
        }
    }
}
