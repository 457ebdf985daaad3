//! The store data of one prune: the backends behind the component's imports, with every call
//! metered ([`Meter`]) and checked against the host's rules ([`Ledger`]), its warnings escaped
//! and bounded ([`Warnings`]), plus the empty WASI context of the sandbox.
//!
//! An import that crosses a limit returns the [`PluginFault`] as its trap, which ends the prune.
//! The time an import spends in the host (the backends' work, waiting for a remote daemon) is
//! not charged to the component's CPU time, but counts against the prune's wall-clock limit,
//! checked before and after it.
//!
//! The prune's `prune` event is held until its report passes the host's rules
//! ([`HostState::release_prune_event`]): a prune that fails logs none.
//!
//! [`PluginFault`]: crate::fault::PluginFault

use wasmtime::component::ResourceTable;

use crate::backend::Backends;
use crate::bindings::pruner::api::container_store::ContainerListing;
use crate::bindings::pruner::api::{
    cluster, container_store, daemon, events, network_controller, types,
};
use crate::bindings::{
    ClockReading, ClusterNetwork, Container, Error, Event, Filter, Label, Network,
};
use crate::cancel::{CancelGate, Cancellation};
use crate::clock;
use crate::error::PruneError;
use crate::events::{Actor, EventMessage};
use crate::invariants::{Ledger, PruneKind};
use crate::limiter::Limiter;
use crate::limits::Limits;
use crate::meter::Meter;
use crate::packed;
use crate::preview::Pruned;
use crate::removals::Removals;
use crate::stderr::CapturedStderr;
use crate::warnings::Warnings;
use crate::wasi::{HasWasi, WasiCtx, WasiView};

/// Docker's text for work refused once the request is cancelled (Go's `context.Canceled`).
const CANCELED: &str = "context canceled";

/// What the component's imports act on during one prune.
pub struct HostState {
    backends: Backends,
    cancel: CancelGate,
    limiter: Limiter,
    meter: Meter,
    ledger: Ledger,
    warnings: Warnings,
    /// The `prune` event the plugin logged, held until its report is checked.
    prune_event: Option<EventMessage>,
    /// What the prune does with the removals the host rules allow (see [`Removals`]).
    removals: Removals,
    /// The last error the daemon answered an import with, to tell it apart from the
    /// component's own.
    raised: Option<Error>,
    /// The sandbox's WASI context, and the resources its handles index.
    wasi: WasiCtx,
    table: ResourceTable,
}

/// The result of an import: a trap (the plugin's fault) or the import's own result.
type Import<T> = wasmtime::Result<T>;

impl HostState {
    /// The state of a `kind` prune against `backends` within `limits`, cancelled through
    /// `cancel`, its removals carried out by `removals`, the sandbox's WASI giving the plugin
    /// these `environment` variables.
    pub fn new(
        kind: PruneKind,
        backends: Backends,
        cancel: Cancellation,
        limits: Limits,
        removals: Removals,
        environment: Vec<(String, String)>,
    ) -> HostState {
        HostState {
            wasi: WasiCtx::new(environment, CapturedStderr::default(), limits.wall_time),
            warnings: Warnings::new(backends.log.clone(), &limits),
            backends,
            cancel: CancelGate::new(cancel),
            limiter: Limiter::new(&limits),
            meter: Meter::start(limits),
            ledger: Ledger::new(kind),
            prune_event: None,
            removals,
            raised: None,
            table: ResourceTable::new(),
        }
    }

    /// The error the component returned, blamed: on the daemon if it is the daemon's last
    /// error passed on unchanged, else on the component.
    pub fn blame_returned(&self, err: Error) -> PruneError {
        if self.raised.as_ref() == Some(&err) {
            PruneError::Daemon(err.into())
        } else {
            PruneError::Returned(err.into())
        }
    }

    /// The store's resource limiter.
    pub fn limiter_mut(&mut self) -> &mut Limiter {
        &mut self.limiter
    }

    /// The prune's consumption so far.
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// What the prune listed and removed, and the first rule the plugin broke.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Logs the prune's `prune` event, if the plugin logged one and broke no rule: called once
    /// its report passed the checks.
    pub fn release_prune_event(&mut self) {
        if let Some(event) = self.prune_event.take()
            && self.ledger.violation().is_none()
        {
            self.backends.events.log(event);
        }
    }

    /// The prune's `report` with what it removed and what it skipped.
    pub fn pruned<R>(&mut self, report: R) -> Pruned<R> {
        let cancelled = self.cancel.is_cancelled();
        self.removals.finish(report, cancelled)
    }

    /// The plugin's standard error so far.
    pub fn stderr(&self) -> &CapturedStderr {
        self.wasi.stderr()
    }

    /// At an epoch tick: charges the component for its time and checks the time limits, and
    /// interrupts a prune cancelled [`GRACE`](crate::cancel::GRACE) ago that did not return.
    pub fn tick(&mut self) -> wasmtime::Result<()> {
        self.meter.check_time()?;
        let meter = &self.meter;
        self.cancel
            .interrupt(|| meter.own_time())
            .map_err(wasmtime::Error::new)
    }

    /// Notes the filters the prune is called with: the plugin may quote them.
    pub fn called_with(&mut self, filters: &[Filter]) {
        for filter in filters {
            self.meter.supplied(filter.key.len());
            for value in &filter.values {
                self.meter.supplied(value.len());
            }
        }
    }

    /// Runs `work`, an import's host side: its time is not the component's, but counts
    /// against the prune's wall-clock limit, checked before and after. The texts it hands the
    /// component may be quoted back ([`Meter::supplied`]).
    fn host<T: Answer>(&mut self, work: impl FnOnce(&mut Self) -> Import<T>) -> Import<T> {
        let entered = self.meter.enter_host()?;
        let result = work(self);
        let left = self.meter.leave_host(entered);
        let value = result?;
        left?;
        self.meter.supplied(value.longest());
        if let Some(err) = value.raised() {
            self.raised = Some(err.clone());
        }
        Ok(value)
    }

    /// `container-store.list`, and the listing `list-packed` packs.
    fn list_containers(&mut self) -> Import<Result<Vec<Container>, Error>> {
        self.call()?;
        let result = self.backends.containers.list();
        self.listed(&result)?;
        if let Ok(containers) = &result {
            self.ledger.listed_containers(containers);
            self.removals.listed_containers(containers);
            self.progressed();
        }
        Ok(result)
    }

    /// Counts one backend call.
    fn call(&mut self) -> Import<()> {
        Ok(self.meter.charge_calls(1)?)
    }

    /// Counts one backend call on an object the plugin names, after checking the name's size.
    fn call_on(&mut self, text: &str) -> Import<()> {
        self.meter.check_message(text)?;
        self.call()
    }

    /// Counts the objects a `list` returned, one call each.
    fn listed<T>(&mut self, result: &Result<Vec<T>, Error>) -> Import<()> {
        let objects = result.as_ref().map_or(0, Vec::len);
        Ok(self
            .meter
            .charge_calls(u64::try_from(objects).unwrap_or(u64::MAX))?)
    }

    /// Tells the progress callback, if any, how far the prune got.
    fn progressed(&mut self) {
        self.removals.progressed(self.ledger.reclaimable());
    }

    /// Docker's error for a removal asked after the prune was cancelled; the host stops
    /// removing at cancellation whether or not the plugin checks for it ([`CancelGate`]).
    fn refuse_if_cancelled(&mut self) -> Result<(), Error> {
        if !self.cancel.admit_removal() {
            return Err(Error::System(CANCELED.to_string()));
        }
        Ok(())
    }
}

impl HasWasi for HostState {
    fn wasi(&mut self) -> WasiView<'_> {
        WasiView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl container_store::Host for HostState {
    fn list(&mut self) -> Import<Result<Vec<Container>, Error>> {
        self.host(Self::list_containers)
    }

    fn list_packed(&mut self) -> Import<Result<ContainerListing, Error>> {
        self.host(|state| {
            let containers = state.list_containers()?;
            // The longest text of the listing, which the packed text hides.
            state.meter.supplied(containers.longest());
            Ok(containers.and_then(|containers| {
                packed::pack(&containers).ok_or_else(|| {
                    Error::System("the container listing is too large to pack".to_string())
                })
            }))
        })
    }

    fn layer_size(&mut self, id: String) -> Import<Result<i64, Error>> {
        self.host(|state| {
            state.call_on(&id)?;
            if let Some(measured) = state.ledger.measured(&id) {
                return Ok(measured);
            }
            let result = state.backends.containers.layer_size(&id);
            state.ledger.measured_layer(&id, &result);
            Ok(result)
        })
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.host(|state| {
            state.call_on(&id)?;
            let result = state
                .ledger
                .check_container_removal(&id)
                .and_then(|()| state.refuse_if_cancelled())
                .and_then(|()| {
                    state
                        .removals
                        .remove("container", &id, || state.backends.containers.remove(&id))
                });
            if result.is_ok() {
                state.ledger.removed_container(&id);
            }
            state.progressed();
            Ok(result)
        })
    }
}

impl network_controller::Host for HostState {
    fn list(&mut self) -> Import<Result<Vec<Network>, Error>> {
        self.host(|state| {
            state.call()?;
            let result = state.backends.networks.list();
            state.listed(&result)?;
            if let Ok(networks) = &result {
                state.ledger.listed_networks(networks);
                state.removals.listed_networks(networks);
                state.progressed();
            }
            Ok(result)
        })
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.host(|state| {
            state.call_on(&id)?;
            let result = state.ledger.check_network_removal(&id).and_then(|name| {
                state.refuse_if_cancelled()?;
                state
                    .removals
                    .remove("network", &id, || state.backends.networks.remove(&id))
                    .map(|()| name)
            });
            let result = result.map(|name| state.ledger.removed_network(name));
            state.progressed();
            Ok(result)
        })
    }
}

impl cluster::Host for HostState {
    fn is_manager(&mut self) -> Import<bool> {
        self.host(|state| {
            state.call()?;
            Ok(state.backends.cluster.is_manager())
        })
    }

    fn list(&mut self) -> Import<Result<Vec<ClusterNetwork>, Error>> {
        self.host(|state| {
            state.call()?;
            let result = state.backends.cluster.list();
            state.listed(&result)?;
            if let Ok(networks) = &result {
                state.ledger.listed_cluster_networks(networks);
                state.removals.listed_cluster_networks(networks);
                state.progressed();
            }
            Ok(result)
        })
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.host(|state| {
            state.call_on(&id)?;
            let result = state
                .ledger
                .check_cluster_network_removal(&id)
                .and_then(|name| {
                    state.refuse_if_cancelled()?;
                    state
                        .removals
                        .remove("network", &id, || state.backends.cluster.remove(&id))
                        .map(|()| name)
                });
            let result = result.map(|name| state.ledger.removed_network(name));
            state.progressed();
            Ok(result)
        })
    }
}

impl events::Host for HostState {
    fn log(&mut self, event: Event) -> Import<()> {
        self.host(|state| {
            state.call()?;
            for text in [&event.kind, &event.action, &event.actor_id] {
                state.meter.check_message(text)?;
            }
            for label in &event.attributes {
                state.meter.check_message(&label.key)?;
                state.meter.check_message(&label.value)?;
            }
            if !state.ledger.check_event(&event) || state.removals.withholds_events() {
                return Ok(());
            }
            let actor = Actor {
                id: event.actor_id,
                attributes: event
                    .attributes
                    .into_iter()
                    .map(|label| (label.key, label.value))
                    .collect(),
            };
            state.prune_event = Some(EventMessage::local(
                &event.kind,
                &event.action,
                actor,
                state.backends.clock.now(),
            ));
            Ok(())
        })
    }
}

impl daemon::Host for HostState {
    fn now(&mut self) -> Import<ClockReading> {
        self.host(|state| {
            state.call()?;
            Ok(clock::reading(state.backends.clock.now()))
        })
    }

    /// Not timed as the host's: the rules call it once per object, and it only reads a flag.
    fn cancelled(&mut self) -> Import<bool> {
        self.call()?;
        Ok(self.cancel.check())
    }

    fn warn(&mut self, message: String) -> Import<()> {
        self.host(|state| {
            state.call_on(&message)?;
            state.warnings.warn(&message);
            Ok(())
        })
    }
}

/// What the host hands the component through an import: the length of its longest text, which
/// the plugin may quote back, and the daemon's error in it, if any.
trait Answer {
    /// The length of the longest text, 0 if there is none.
    fn longest(&self) -> usize;

    /// The error the daemon (a backend, or the host for it) answered with.
    fn raised(&self) -> Option<&Error> {
        None
    }
}

impl Answer for () {
    fn longest(&self) -> usize {
        0
    }
}

impl Answer for bool {
    fn longest(&self) -> usize {
        0
    }
}

impl Answer for i64 {
    fn longest(&self) -> usize {
        0
    }
}

impl Answer for ClockReading {
    fn longest(&self) -> usize {
        0
    }
}

impl Answer for ContainerListing {
    /// Its texts were noted before packing.
    fn longest(&self) -> usize {
        0
    }
}

impl Answer for Error {
    fn longest(&self) -> usize {
        message(self).len()
    }
}

/// The text of an error, whatever its class.
pub(crate) fn message(err: &Error) -> &str {
    match err {
        Error::InvalidParameter(m)
        | Error::Conflict(m)
        | Error::NotFound(m)
        | Error::Forbidden(m)
        | Error::System(m) => m,
    }
}

impl<T: Answer> Answer for Result<T, Error> {
    fn longest(&self) -> usize {
        match self {
            Ok(value) => value.longest(),
            Err(err) => err.longest(),
        }
    }

    fn raised(&self) -> Option<&Error> {
        self.as_ref().err()
    }
}

impl<T: Answer> Answer for Vec<T> {
    fn longest(&self) -> usize {
        self.iter().map(Answer::longest).max().unwrap_or(0)
    }
}

impl Answer for Label {
    fn longest(&self) -> usize {
        self.key.len().max(self.value.len())
    }
}

impl Answer for Container {
    fn longest(&self) -> usize {
        let names = self.names.iter().map(String::len).max().unwrap_or(0);
        self.id.len().max(names).max(self.labels.longest())
    }
}

impl Answer for Network {
    fn longest(&self) -> usize {
        self.id
            .len()
            .max(self.name.len())
            .max(self.labels.longest())
    }
}

impl Answer for ClusterNetwork {
    fn longest(&self) -> usize {
        self.id
            .len()
            .max(self.name.len())
            .max(self.labels.longest())
    }
}
