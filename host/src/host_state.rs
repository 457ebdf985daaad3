//! The store data of one prune: the backends behind the component's imports, plus WASI.

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::backend::Backends;
use crate::bindings::pruner::api::{
    cluster, container_store, daemon, events, network_controller, types,
};
use crate::bindings::{ClockReading, ClusterNetwork, Container, Error, Event, Network};
use crate::cancel::Cancellation;
use crate::clock;
use crate::events::{Actor, EventMessage};

/// What the component's imports act on during one prune.
pub struct HostState {
    backends: Backends,
    cancel: Cancellation,
    limits: StoreLimits,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    /// The state of a prune against `backends`, cancelled through `cancel`.
    pub fn new(backends: Backends, cancel: Cancellation, limits: StoreLimits) -> HostState {
        HostState {
            backends,
            cancel,
            limits,
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        }
    }

    /// The store's resource limits.
    pub fn limits_mut(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl container_store::Host for HostState {
    fn list(&mut self) -> Result<Vec<Container>, Error> {
        self.backends.containers.list()
    }

    fn layer_size(&mut self, id: String) -> Result<i64, Error> {
        self.backends.containers.layer_size(&id)
    }

    fn remove(&mut self, id: String) -> Result<(), Error> {
        self.backends.containers.remove(&id)
    }
}

impl network_controller::Host for HostState {
    fn list(&mut self) -> Result<Vec<Network>, Error> {
        self.backends.networks.list()
    }

    fn remove(&mut self, id: String) -> Result<(), Error> {
        self.backends.networks.remove(&id)
    }
}

impl cluster::Host for HostState {
    fn is_manager(&mut self) -> bool {
        self.backends.cluster.is_manager()
    }

    fn list(&mut self) -> Result<Vec<ClusterNetwork>, Error> {
        self.backends.cluster.list()
    }

    fn remove(&mut self, id: String) -> Result<(), Error> {
        self.backends.cluster.remove(&id)
    }
}

impl events::Host for HostState {
    fn log(&mut self, event: Event) {
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
    }
}

impl daemon::Host for HostState {
    fn now(&mut self) -> ClockReading {
        clock::reading(self.backends.clock.now())
    }

    fn cancelled(&mut self) -> bool {
        self.cancel.is_cancelled()
    }

    fn warn(&mut self, message: String) {
        self.backends.log.warn(&message);
    }
}
