//! The store data of one prune: the backends behind the component's imports, with every call
//! metered ([`Meter`]) and checked against the host's rules ([`Ledger`]), plus the empty WASI
//! context of the sandbox.
//!
//! An import that crosses a limit returns the [`PluginFault`] as its trap, which ends the prune.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::backend::Backends;
use crate::bindings::pruner::api::container_store::ContainerListing;
use crate::bindings::pruner::api::{
    cluster, container_store, daemon, events, network_controller, types,
};
use crate::bindings::{ClockReading, ClusterNetwork, Container, Error, Event, Network};
use crate::cancel::{CancelGate, Cancellation};
use crate::clock;
use crate::events::{Actor, EventMessage};
use crate::invariants::{Ledger, PruneKind};
use crate::limiter::Limiter;
use crate::limits::Limits;
use crate::meter::Meter;
use crate::packed;
use crate::preview::Pruned;
use crate::removals::Removals;
use crate::stderr::CapturedStderr;

/// Docker's text for work refused once the request is cancelled (Go's `context.Canceled`).
const CANCELED: &str = "context canceled";

/// What the component's imports act on during one prune.
pub struct HostState {
    backends: Backends,
    cancel: CancelGate,
    limiter: Limiter,
    meter: Meter,
    ledger: Ledger,
    /// What the prune does with the removals the host rules allow (see [`Removals`]).
    removals: Removals,
    stderr: CapturedStderr,
    /// The sandbox's WASI context; none for a component that imports no WASI.
    wasi: Option<WasiCtx>,
    table: ResourceTable,
}

/// The result of an import: a trap (the plugin's fault) or the import's own result.
type Import<T> = wasmtime::Result<T>;

impl HostState {
    /// The state of a `kind` prune against `backends` within `limits`, cancelled through
    /// `cancel`, its removals carried out by `removals`, with the sandbox's `wasi` context
    /// writing stderr to `stderr`.
    pub fn new(
        kind: PruneKind,
        backends: Backends,
        cancel: Cancellation,
        limits: Limits,
        removals: Removals,
        wasi: Option<WasiCtx>,
        stderr: CapturedStderr,
    ) -> HostState {
        HostState {
            backends,
            cancel: CancelGate::new(cancel),
            limiter: Limiter::new(&limits),
            meter: Meter::start(limits),
            ledger: Ledger::new(kind),
            removals,
            stderr,
            wasi,
            table: ResourceTable::new(),
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

    /// The prune's `report` with what it removed and what it skipped.
    pub fn pruned<R>(&mut self, report: R) -> Pruned<R> {
        let cancelled = self.cancel.is_cancelled();
        self.removals.finish(report, cancelled)
    }

    /// The plugin's standard error so far.
    pub fn stderr(&self) -> &CapturedStderr {
        &self.stderr
    }

    /// The WASI resource table.
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
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

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            // Only a component that imports WASI calls into it, and it has a context; an empty
            // one stands in for any other.
            ctx: self
                .wasi
                .get_or_insert_with(|| WasiCtxBuilder::new().build()),
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl container_store::Host for HostState {
    fn list(&mut self) -> Import<Result<Vec<Container>, Error>> {
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

    fn list_packed(&mut self) -> Import<Result<ContainerListing, Error>> {
        let containers = container_store::Host::list(self)?;
        Ok(containers.and_then(|containers| {
            packed::pack(&containers).ok_or_else(|| {
                Error::System("the container listing is too large to pack".to_string())
            })
        }))
    }

    fn layer_size(&mut self, id: String) -> Import<Result<i64, Error>> {
        self.call_on(&id)?;
        let result = self.backends.containers.layer_size(&id);
        if let Ok(size) = result {
            self.ledger.measured_layer(&id, size);
        }
        Ok(result)
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.call_on(&id)?;
        let result = self
            .ledger
            .check_container_removal(&id)
            .and_then(|()| self.refuse_if_cancelled())
            .and_then(|()| {
                self.removals
                    .remove("container", &id, || self.backends.containers.remove(&id))
            });
        if result.is_ok() {
            self.ledger.removed_container(&id);
        }
        self.progressed();
        Ok(result)
    }
}

impl network_controller::Host for HostState {
    fn list(&mut self) -> Import<Result<Vec<Network>, Error>> {
        self.call()?;
        let result = self.backends.networks.list();
        self.listed(&result)?;
        if let Ok(networks) = &result {
            self.ledger.listed_networks(networks);
            self.removals.listed_networks(networks);
            self.progressed();
        }
        Ok(result)
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.call_on(&id)?;
        let result = self.ledger.check_network_removal(&id).and_then(|name| {
            self.refuse_if_cancelled()?;
            self.removals
                .remove("network", &id, || self.backends.networks.remove(&id))
                .map(|()| name)
        });
        let result = result.map(|name| self.ledger.removed_network(name));
        self.progressed();
        Ok(result)
    }
}

impl cluster::Host for HostState {
    fn is_manager(&mut self) -> Import<bool> {
        self.call()?;
        Ok(self.backends.cluster.is_manager())
    }

    fn list(&mut self) -> Import<Result<Vec<ClusterNetwork>, Error>> {
        self.call()?;
        let result = self.backends.cluster.list();
        self.listed(&result)?;
        if let Ok(networks) = &result {
            self.ledger.listed_cluster_networks(networks);
            self.removals.listed_cluster_networks(networks);
            self.progressed();
        }
        Ok(result)
    }

    fn remove(&mut self, id: String) -> Import<Result<(), Error>> {
        self.call_on(&id)?;
        let result = self
            .ledger
            .check_cluster_network_removal(&id)
            .and_then(|name| {
                self.refuse_if_cancelled()?;
                self.removals
                    .remove("network", &id, || self.backends.cluster.remove(&id))
                    .map(|()| name)
            });
        let result = result.map(|name| self.ledger.removed_network(name));
        self.progressed();
        Ok(result)
    }
}

impl events::Host for HostState {
    fn log(&mut self, event: Event) -> Import<()> {
        self.call()?;
        for text in [&event.kind, &event.action, &event.actor_id] {
            self.meter.check_message(text)?;
        }
        for label in &event.attributes {
            self.meter.check_message(&label.key)?;
            self.meter.check_message(&label.value)?;
        }
        if !self.ledger.check_event(&event) || self.removals.withholds_events() {
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
        let message =
            EventMessage::local(&event.kind, &event.action, actor, self.backends.clock.now());
        self.backends.events.log(message);
        Ok(())
    }
}

impl daemon::Host for HostState {
    fn now(&mut self) -> Import<ClockReading> {
        self.call()?;
        Ok(clock::reading(self.backends.clock.now()))
    }

    fn cancelled(&mut self) -> Import<bool> {
        self.call()?;
        Ok(self.cancel.check())
    }

    fn warn(&mut self, message: String) -> Import<()> {
        self.call_on(&message)?;
        self.backends.log.warn(&message);
        Ok(())
    }
}
