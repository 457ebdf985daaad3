//! Pruning a real Docker Engine (no `--state`): the engine at `-H/--host`, else `$DOCKER_HOST`,
//! else the default socket, as the docker CLI picks it; pruner's own prune events go to a log
//! line, or to `--events FILE` as JSON lines.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner::Backends;
use pruner::backend::EventLog;
use pruner::clock::FixedClock;
use pruner::docker::{ConnectError, DockerDaemon, EngineHost, JsonLinesEvents, TracingEvents};
use pruner::plan::BackendIdentity;
use pruner_cli_core::Failure;

/// The engine a run prunes. It is contacted only when the prune starts, after the prompt, as
/// the docker CLI does: declining never needs the engine.
pub struct Engine {
    host: EngineHost,
    events: Option<PathBuf>,
    now: Option<DateTime<FixedOffset>>,
    /// Once connected: the backends, and the engine's identity in plans.
    connected: Option<(Backends, BackendIdentity)>,
}

impl Engine {
    /// The engine at `host` (`-H/--host`), else `$DOCKER_HOST`, else the default socket; events
    /// to `events` (`--events`) when given; the daemon's clock, or `now` (`--now`) when given.
    pub fn new(
        host: Option<&str>,
        events: Option<&Path>,
        now: Option<DateTime<FixedOffset>>,
    ) -> Engine {
        let env = std::env::var("DOCKER_HOST").ok();
        Engine {
            host: EngineHost::resolve(host, env.as_deref()),
            events: events.map(Path::to_path_buf),
            now,
            connected: None,
        }
    }

    /// The backends of a prune against the engine, connecting on first use. An engine that
    /// does not answer fails with docker's `Cannot connect to the Docker daemon at …` text.
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
        let daemon = DockerDaemon::connect(&self.host).map_err(|err| match err {
            ConnectError::Unreachable(_) => Failure::Unreachable(err.to_string()),
            ConnectError::Other(_) => Failure::Other(anyhow::Error::new(err)),
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
