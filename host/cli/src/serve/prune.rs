//! `POST /containers/prune` and `POST /networks/prune` (also under `/v{version}/`), answered by
//! the prune component against the engine, as dockerd answers them: the engine's version check
//! first (its middleware's), then the form and the filters, then the prune under the one guard,
//! on a thread of its own (the component and the engine backend block). A client that goes
//! away cancels its prune, which keeps what it removed and logs no event.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use pruner_cli_core::humansize::human_size;
use pruner_cli_core::{Failure, Kind, Report};
use pruner_runtime::guard::{PRUNE_RUNNING, PruneGuard};
use pruner_runtime::{Cancellation, DockerError, Filters, PruneError, Pruner};

use super::answer::{self, Answer};
use super::form;
use super::in_flight::InFlight;
use super::proxy;
use super::upstream::Upstream;
use crate::engine::Engine;

/// The headers dockerd's middlewares put on every answer, copied from the engine's.
const ENGINE_HEADERS: [&str; 4] = ["api-version", "docker-experimental", "ostype", "server"];

/// A prune request: what it prunes and the API version of its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    kind: Kind,
    version: Option<String>,
}

/// The prune a request of `method` for `path` asks for, if it asks for one.
pub fn route(method: &Method, path: &str) -> Option<Route> {
    if method != Method::POST {
        return None;
    }
    let (version, rest) = match path.strip_prefix("/v") {
        Some(rest) => {
            let (version, rest) = rest.split_at(rest.find('/')?);
            let numeric = version.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if version.is_empty() || !numeric {
                return None;
            }
            (Some(version.to_string()), rest)
        }
        None => (None, path),
    };
    let kind = match rest {
        "/containers/prune" => Kind::Containers,
        "/networks/prune" => Kind::Networks,
        _ => return None,
    };
    Some(Route { kind, version })
}

/// The prunes of the endpoint: the component with each kind's policies, behind the one guard,
/// and the engine it prunes.
pub struct Prunes {
    /// The guard of both prunes (each pruner's own is only ever taken under it).
    guard: PruneGuard,
    containers: Pruner,
    networks: Pruner,
    engine: Mutex<Engine>,
    in_flight: Arc<InFlight>,
}

impl Prunes {
    /// Prunes of `engine` by `containers` and `networks` (the component, with the policies of
    /// each kind), tracked in `in_flight`.
    pub fn new(
        containers: Pruner,
        networks: Pruner,
        engine: Engine,
        in_flight: Arc<InFlight>,
    ) -> Prunes {
        Prunes {
            guard: PruneGuard::default(),
            containers,
            networks,
            engine: Mutex::new(engine),
            in_flight,
        }
    }

    /// Answers the prune `route` asks for with `request`.
    pub async fn answer(
        self: &Arc<Self>,
        upstream: &Upstream,
        route: Route,
        request: Request<Incoming>,
    ) -> Answer {
        let version = route.version.as_deref();
        let headers = match engine_check(upstream, version).await {
            Ok(headers) => headers,
            Err(answer) => return answer,
        };
        let mut answer = match filters(request, version).await {
            Ok(filters) => match self.run(route.kind, filters).await {
                Ok(report) => answer::json(report.json()),
                Err((status, message)) => answer::error(version, status, &message),
            },
            Err(answer) => answer,
        };
        answer.headers_mut().extend(headers);
        answer
    }

    /// Runs the prune on a thread of its own; cancelled if this future is dropped (the client
    /// went away) or the endpoint stops.
    async fn run(self: &Arc<Self>, kind: Kind, filters: Filters) -> Result<Report, Failed> {
        // While a prune runs, another is refused at once, without a thread of its own (when two
        // start together, the guard itself decides).
        if self.guard.is_held() {
            let result = Err(failed(PruneError::Daemon(DockerError::Conflict(
                PRUNE_RUNNING.to_string(),
            ))));
            log(kind, Duration::ZERO, &result, false);
            return result;
        }
        let (ticket, cancel) = self.in_flight.start();
        let cancel_on_drop = CancelOnDrop(Some(cancel.clone()));
        let (send, receive) = tokio::sync::oneshot::channel();
        let prunes = Arc::clone(self);
        std::thread::Builder::new()
            .name("prune".to_string())
            .spawn(move || {
                let result = prunes.prune(kind, &filters, &cancel);
                drop(ticket);
                let _ = send.send(result);
            })
            .map_err(|err| internal(format!("cannot start the prune: {err}")))?;
        let result = receive
            .await
            .unwrap_or_else(|_| Err(internal("the prune thread failed".to_string())));
        cancel_on_drop.disarm();
        result
    }

    /// One prune against the engine (connected on first use), logged with its outcome and
    /// duration.
    fn prune(
        &self,
        kind: Kind,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<Report, Failed> {
        let started = Instant::now();
        let result = self.guard.acquire().map_err(failed).and_then(|_held| {
            let backends = self.backends()?;
            let pruned = match kind {
                Kind::Containers => self
                    .containers
                    .prune_containers(&backends, filters, cancel)
                    .map(Report::from),
                Kind::Networks => self
                    .networks
                    .prune_networks(&backends, filters, cancel)
                    .map(Report::from),
            };
            pruned.map_err(failed)
        });
        log(kind, started.elapsed(), &result, cancel.is_cancelled());
        result
    }

    /// The engine's backends, connecting on first use.
    fn backends(&self) -> Result<pruner_runtime::Backends, Failed> {
        let mut engine = self.engine.lock().unwrap_or_else(PoisonError::into_inner);
        engine.backends().cloned().map_err(|failure| match failure {
            Failure::Client(message) => (StatusCode::BAD_GATEWAY, message),
            Failure::Daemon(message) => internal(message),
            Failure::Other(err) => internal(format!("{err:#}")),
            Failure::Usage(message) | Failure::Partial { message, .. } => internal(message),
        })
    }
}

/// A prune's failure: the status and the message of its answer.
type Failed = (StatusCode, String);

/// A failure of the endpoint itself: `500` with `message`.
fn internal(message: String) -> Failed {
    (StatusCode::INTERNAL_SERVER_ERROR, message)
}

/// The Engine API's answer to `err`: the status of its class and its message.
fn failed(err: PruneError) -> Failed {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, err.to_string())
}

/// The log line of a `kind` prune that took `elapsed` and ended in `result`, `cancelled` or not.
fn log(kind: Kind, elapsed: Duration, result: &Result<Report, Failed>, cancelled: bool) {
    let command = kind.command();
    match result {
        Ok(report) if cancelled => tracing::info!(
            "{command} prune cancelled after {elapsed:?}: {}",
            summary(report)
        ),
        Ok(report) => tracing::info!("{command} prune in {elapsed:?}: {}", summary(report)),
        Err((status, message)) => tracing::info!(
            "{command} prune failed in {elapsed:?}: {} {message}",
            status.as_u16()
        ),
    }
}

/// What a log line says of a report.
fn summary(report: &Report) -> String {
    match report {
        Report::Containers(report) => format!(
            "{} deleted, {} reclaimed",
            report.containers_deleted.len(),
            human_size(report.space_reclaimed)
        ),
        Report::Networks(report) => {
            format!("{} deleted", report.networks_deleted.len())
        }
    }
}

/// Asks the engine for `/_ping` under the request's `version`, as dockerd's version middleware
/// judges the version before any handler runs: the headers the engine puts on its answers, or
/// its refusal (a version it does not support) as it sent it.
async fn engine_check(
    upstream: &Upstream,
    version: Option<&str>,
) -> Result<hyper::HeaderMap, Answer> {
    let path = match version {
        Some(version) => format!("/v{version}/_ping"),
        None => "/_ping".to_string(),
    };
    let mut ping = Request::new(Empty::new().map_err(|never| match never {}).boxed());
    *ping.uri_mut() = path
        .parse()
        .map_err(|_| answer::error(version, StatusCode::BAD_REQUEST, "invalid API version"))?;
    ping.headers_mut()
        .insert(HOST, HeaderValue::from_static("docker"));
    let response = upstream
        .send(ping)
        .await
        .map_err(|message| answer::unreachable(&message))?;
    if !response.status().is_success() {
        return Err(proxy::boxed(response));
    }
    Ok(response
        .headers()
        .iter()
        .filter(|(name, _)| ENGINE_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect())
}

/// The filters of `request`, read as dockerd reads them; Docker's `400` when they are wrong.
async fn filters(request: Request<Incoming>, version: Option<&str>) -> Result<Filters, Answer> {
    let bad = |message: &str| answer::error(version, StatusCode::BAD_REQUEST, message);
    let query = request.uri().query().unwrap_or_default().to_string();
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let parsed = match form::is_form(content_type.as_deref()) {
        Ok(true) => {
            let body = Limited::new(request.into_body(), form::MAX_FORM_BYTES)
                .collect()
                .await
                .map_err(|err| match err.is::<http_body_util::LengthLimitError>() {
                    true => bad(form::TOO_LARGE),
                    false => bad(&err.to_string()),
                })?
                .to_bytes();
            form::parse(Some(&body), &query)
        }
        Ok(false) => form::parse(None, &query),
        // Go's `mime:` error, which dockerd ignores, hides any error after it.
        Err(()) => form::Form {
            error: None,
            ..form::parse(None, &query)
        },
    };
    if let Some(error) = parsed.error {
        return Err(bad(&error));
    }
    Filters::from_json(&parsed.filters).map_err(|err| bad(&err.to_string()))
}

/// Cancels a prune unless disarmed: dropped with the request's future when the client goes
/// away, as dockerd's request context is cancelled.
struct CancelOnDrop(Option<Cancellation>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = &self.0 {
            cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_posts_to_the_two_prune_paths_are_prunes() {
        let route = |method: Method, path: &str| route(&method, path);
        let prune = |kind, version: Option<&str>| {
            Some(Route {
                kind,
                version: version.map(str::to_string),
            })
        };
        assert_eq!(
            route(Method::POST, "/containers/prune"),
            prune(Kind::Containers, None)
        );
        assert_eq!(
            route(Method::POST, "/v1.41/networks/prune"),
            prune(Kind::Networks, Some("1.41"))
        );
        assert_eq!(
            route(Method::POST, "/v1.99/containers/prune"),
            prune(Kind::Containers, Some("1.99"))
        );
        for (method, path) in [
            (Method::GET, "/containers/prune"),
            (Method::POST, "/containers/prune/"),
            (Method::POST, "/vx/containers/prune"),
            (Method::POST, "/v/containers/prune"),
            (Method::POST, "/v1.41"),
            (Method::POST, "/images/prune"),
            (Method::POST, "/v1.41/v1.41/containers/prune"),
        ] {
            assert_eq!(route(method.clone(), path), None, "{method} {path}");
        }
    }
}
