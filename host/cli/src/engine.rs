//! Pruning a real Docker Engine (no `--state`): the engine the docker CLI would pick (`-H`,
//! `--context`, `$DOCKER_HOST`, `$DOCKER_CONTEXT`, the current context, TLS flags); pruner's own
//! prune events go to a debug log line, or to `--events FILE` as JSON lines.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner_cli_core::Failure;
use pruner_docker::{ConnectError, ConnectOptions, DockerDaemon, JsonLinesEvents, TracingEvents};
use pruner_runtime::Backends;
use pruner_runtime::backend::EventLog;
use pruner_runtime::clock::FixedClock;
use pruner_runtime::plan::BackendIdentity;

/// The engine a run prunes. It is contacted only when the prune starts, after the prompt, as
/// the docker CLI does: declining never needs the engine.
pub struct Engine {
    options: ConnectOptions,
    events: Option<PathBuf>,
    now: Option<DateTime<FixedOffset>>,
    /// Once connected: the backends, and the engine's identity in plans.
    connected: Option<(Backends, BackendIdentity)>,
}

impl Engine {
    /// The engine `options` choose with the environment; events to `events` (`--events`) when
    /// given; the daemon's clock, or `now` (`--now`) when given. Flags that conflict are refused
    /// here, before the prompt; the engine is only chosen when the prune starts.
    pub fn new(
        options: ConnectOptions,
        events: Option<&Path>,
        now: Option<DateTime<FixedOffset>>,
    ) -> Result<Engine, Failure> {
        options.check().map_err(Failure::Client)?;
        Ok(Engine {
            options,
            events: events.map(Path::to_path_buf),
            now,
            connected: None,
        })
    }

    /// The backends of a prune against the engine, connecting on first use. An engine that
    /// does not answer fails with docker's `Cannot connect to the Docker daemon at …` text, a
    /// bad address with docker's `Failed to initialize: …`.
    pub fn backends(&mut self) -> Result<&Backends, Failure> {
        Ok(&self.connected()?.0)
    }

    /// The engine in a plan: `docker-engine` and its ID (`GET /info`), connecting on first use.
    pub fn identity(&mut self) -> Result<&BackendIdentity, Failure> {
        Ok(&self.connected()?.1)
    }

    fn connected(&mut self) -> Result<&(Backends, BackendIdentity), Failure> {
        if self.connected.is_none() {
            self.connected = Some(self.connect()?);
        }
        Ok(self.connected.as_ref().expect("connected just now"))
    }

    fn connect(&self) -> Result<(Backends, BackendIdentity), Failure> {
        let events: Arc<dyn EventLog> = match &self.events {
            Some(path) => Arc::new(
                JsonLinesEvents::open(path)
                    .with_context(|| format!("cannot open the events file {}", path.display()))
                    .map_err(Failure::Other)?,
            ),
            None => Arc::new(TracingEvents),
        };
        let endpoint = self
            .options
            .endpoint(|name| std::env::var(name).ok())
            .map_err(|err| Failure::Client(err.to_string()))?;
        let daemon = DockerDaemon::connect_to(&endpoint).map_err(|err| match err {
            ConnectError::Refused(message) => Failure::Daemon(message),
            err => Failure::Client(err.to_string()),
        })?;
        let identity = BackendIdentity {
            kind: "docker-engine".to_string(),
            id: daemon.id().to_string(),
        };
        let backends = Arc::new(daemon).backends(events);
        let backends = match self.now {
            Some(now) => backends.with_clock(Arc::new(FixedClock(now))),
            None => backends,
        };
        Ok((backends, identity))
    }
}
