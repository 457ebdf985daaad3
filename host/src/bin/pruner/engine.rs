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
use pruner_cli_core::Failure;

/// The engine a run prunes. It is contacted only when the prune starts, after the prompt, as
/// the docker CLI does: declining never needs the engine.
pub struct Engine {
    host: EngineHost,
    events: Option<PathBuf>,
    now: Option<DateTime<FixedOffset>>,
    backends: Option<Backends>,
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
            backends: None,
        }
    }

    /// The backends of a prune against the engine, connecting on first use. An engine that
    /// does not answer fails with docker's `Cannot connect to the Docker daemon at …` text, a
    /// bad address with docker's `Failed to initialize: …`.
    pub fn backends(&mut self) -> Result<&Backends, Failure> {
        if self.backends.is_none() {
            self.backends = Some(self.connect()?);
        }
        Ok(self.backends.as_ref().expect("connected just now"))
    }

    fn connect(&self) -> Result<Backends, Failure> {
        let events: Arc<dyn EventLog> = match &self.events {
            Some(path) => Arc::new(
                JsonLinesEvents::open(path)
                    .with_context(|| format!("cannot open the events file {}", path.display()))
                    .map_err(Failure::Other)?,
            ),
            None => Arc::new(TracingEvents),
        };
        let daemon = DockerDaemon::connect(&self.host).map_err(|err| match err {
            ConnectError::Refused(message) => Failure::Daemon(message),
            err => Failure::Client(err.to_string()),
        })?;
        let backends = Arc::new(daemon).backends(events);
        Ok(match self.now {
            Some(now) => backends.with_clock(Arc::new(FixedClock(now))),
            None => backends,
        })
    }
}
