//! `pruner serve`: the Engine API in front of a Docker Engine. `POST /containers/prune` and
//! `POST /networks/prune` are pruner's ([`prune`]); every other request goes to the engine and
//! its answer comes back unchanged ([`proxy`]), hijacked connections included, so the docker
//! CLI, Compose and scripts work against the endpoint as against the engine, with pruner's
//! policy deciding their prunes. SIGTERM or Ctrl-C stops it: it stops listening, cancels the
//! prunes under way and lets their answers go out, then closes what is left after
//! [`DRAIN`].

mod answer;
mod form;
mod in_flight;
mod listen;
mod proxy;
mod prune;
mod upstream;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use pruner_cli_core::Failure;
use pruner_docker::JsonLinesEvents;
use pruner_runtime::{Cancellation, Pruner};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::args::{NativeFlags, ServeArgs};
use crate::engine::Engine;
use crate::{plugin, policies};
use answer::Answer;
use in_flight::InFlight;
use listen::{Address, Connection, Listener};
use prune::Prunes;
use upstream::Upstream;

/// How long the connections still open (event streams, attached terminals) have to end once
/// the endpoint stops and its prunes are over.
const DRAIN: Duration = Duration::from_secs(5);

/// Runs `pruner serve` with `args` and the global `flags` until a signal stops it; the exit
/// code. What keeps it from starting is one line on stderr, exit 1.
pub fn run(args: &ServeArgs, flags: &NativeFlags) -> u8 {
    match serve(args, flags) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("{err:#}");
            1
        }
    }
}

/// What the endpoint serves with.
struct Endpoint {
    upstream: Upstream,
    prunes: Arc<Prunes>,
}

fn serve(args: &ServeArgs, flags: &NativeFlags) -> anyhow::Result<()> {
    let address = Address::parse(&args.listen, args.allow_remote)?;
    let options = flags.connect_options();
    let engine =
        Engine::new(options.clone(), flags.events.as_deref(), None).map_err(failure_error)?;
    let upstream = Upstream::new(&options.endpoint(|name| std::env::var(name).ok())?)?;
    // The engine is connected at the first prune (it may start after the endpoint), its events
    // file opened then: whether it can be is known now.
    if let Some(path) = &flags.events {
        JsonLinesEvents::open(path)
            .with_context(|| format!("cannot open the events file {}", path.display()))?;
    }
    plugin::serving();
    let component = plugin::component(flags.plugin.as_deref(), &Cancellation::default())?;
    let (containers, networks) = policies::by_kind(&args.policies).map_err(failure_error)?;
    let in_flight = InFlight::new();
    let endpoint = Arc::new(Endpoint {
        upstream,
        prunes: Arc::new(Prunes::new(
            Pruner::new(component.clone()).with_policies(containers),
            Pruner::new(component).with_policies(networks),
            engine,
            Arc::clone(&in_flight),
        )),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the I/O runtime")?;
    runtime.block_on(async {
        let listener = Listener::bind(&address)?;
        tracing::info!(
            "serving the Engine API on {} for the Docker Engine at {}",
            listener.address(),
            endpoint.upstream.host()
        );
        accept(listener, &endpoint, &in_flight).await
    })
}

/// What keeps the endpoint from starting, from a failure of the command line's.
fn failure_error(failure: Failure) -> anyhow::Error {
    match failure {
        Failure::Client(message) | Failure::Usage(message) | Failure::Daemon(message) => {
            anyhow::anyhow!(message)
        }
        Failure::Other(err) => err,
        Failure::Partial { message, .. } => anyhow::anyhow!(message),
    }
}

/// Serves the connections `listener` accepts until SIGTERM or SIGINT; then stops listening,
/// cancels the prunes `in_flight` and waits for them, and lets the open connections finish
/// what they are doing (the answers of those prunes), for [`DRAIN`] at most.
async fn accept(
    listener: Listener,
    endpoint: &Arc<Endpoint>,
    in_flight: &InFlight,
) -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?;
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => {
                    connections.spawn(serve_connection(connection, Arc::clone(endpoint), stopping.clone()));
                }
                Err(err) => tracing::warn!("cannot accept a connection: {err}"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    tracing::info!("stopping: cancelling the prunes under way");
    in_flight.cancel_and_wait().await;
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    });
    if drained.await.is_err() {
        tracing::info!("closing {} connections still open", connections.len());
    }
    Ok(())
}

/// One client's connection, HTTP/1.1 with upgrades, until it closes or the endpoint stops
/// (after the request under way).
async fn serve_connection(
    connection: Box<dyn Connection>,
    endpoint: Arc<Endpoint>,
    mut stopping: watch::Receiver<bool>,
) {
    let service = service_fn(move |request| {
        let endpoint = Arc::clone(&endpoint);
        async move { Ok::<_, std::convert::Infallible>(endpoint.answer(request).await) }
    });
    let served = http1::Builder::new()
        .serve_connection(TokioIo::new(connection), service)
        .with_upgrades();
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        _ = async { stopping.wait_for(|stop| *stop).await.map(|_| ()) } => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(err) = result {
        tracing::debug!("a client's connection failed: {err}");
    }
}

impl Endpoint {
    /// The answer to `request`: pruner's for a prune, else the engine's.
    async fn answer(&self, request: Request<Incoming>) -> Answer {
        match prune::route(request.method(), request.uri().path()) {
            Some(route) => self.prunes.answer(&self.upstream, route, request).await,
            None => proxy::pass_through(&self.upstream, request).await,
        }
    }
}
