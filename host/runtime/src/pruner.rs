//! A daemon's prune service: the compiled component behind the daemon-wide prune guard.

use wasmtime::Store;

use crate::backend::Backends;
use crate::bindings::{self, ContainerPruneReport, Filter, NetworkPruneReport};
use crate::cancel::{Cancellation, Interrupted};
use crate::component::PruneComponent;
use crate::error::PruneError;
use crate::fault::{self, PluginFault};
use crate::filters::Filters;
use crate::guard::PruneGuard;
use crate::host_state::HostState;
use crate::invariants::{Ledger, PruneKind};
use crate::limits::Limits;
use crate::policy::Policies;
use crate::preview::{PruneOptions, Pruned};
use crate::returned::{self, CallError};

/// Container prune and network prune for one daemon. Both share one guard, so at most one of
/// them runs at a time; each call runs in a fresh instance of the component, within the
/// [`Limits`] and the host's rules ([`invariants`](crate::invariants)). Whatever the component
/// does (trap, cross a limit, break a rule) the guard is released when the call returns or
/// unwinds, and the next prune runs as usual. Prune [`Policies`], if any, narrow every prune
/// first, within the same limits.
pub struct Pruner {
    component: PruneComponent,
    guard: PruneGuard,
    limits: Limits,
    policies: Policies,
}

impl Pruner {
    /// A prune service running `component` with the default limits ([`Limits::trusted`] for the
    /// built-in component).
    pub fn new(component: PruneComponent) -> Pruner {
        let limits = match component.is_builtin() {
            true => Limits::trusted(),
            false => Limits::default(),
        };
        Pruner {
            component,
            guard: PruneGuard::default(),
            limits,
            policies: Policies::default(),
        }
    }

    /// The same service with other limits.
    pub fn with_limits(self, limits: Limits) -> Pruner {
        Pruner { limits, ..self }
    }

    /// The same service with every prune narrowed by `policies`.
    pub fn with_policies(self, policies: Policies) -> Pruner {
        Pruner { policies, ..self }
    }

    /// The daemon-wide prune guard.
    pub fn guard(&self) -> &PruneGuard {
        &self.guard
    }

    /// `POST /containers/prune`: removes the stopped containers matching `filters`.
    pub fn prune_containers(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<ContainerPruneReport, PruneError> {
        let options = PruneOptions::default();
        self.prune_containers_with(backends, filters, cancel, &options)
            .map(|pruned| pruned.report)
    }

    /// Container prune with `options`: a dry run, a plan's apply, progress
    /// ([`preview`](crate::preview)).
    pub fn prune_containers_with(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
        options: &PruneOptions,
    ) -> Result<Pruned<ContainerPruneReport>, PruneError> {
        self.run(
            PruneKind::Containers,
            backends,
            cancel,
            options,
            |store, instance| returned::call_containers(store, instance, filters_to_wit(filters)),
            Ledger::container_report,
        )
    }

    /// `POST /networks/prune`: removes the unused networks matching `filters`.
    pub fn prune_networks(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<NetworkPruneReport, PruneError> {
        let options = PruneOptions::default();
        self.prune_networks_with(backends, filters, cancel, &options)
            .map(|pruned| pruned.report)
    }

    /// Network prune with `options`: a dry run, a plan's apply, progress
    /// ([`preview`](crate::preview)).
    pub fn prune_networks_with(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
        options: &PruneOptions,
    ) -> Result<Pruned<NetworkPruneReport>, PruneError> {
        self.run(
            PruneKind::Networks,
            backends,
            cancel,
            options,
            |store, instance| returned::call_networks(store, instance, filters_to_wit(filters)),
            Ledger::network_report,
        )
    }

    /// One prune under the guard: a fresh instance with `options`, `call`ed. A prune
    /// interrupted after its cancellation returns the `partial` report of what the ledger saw
    /// removed. The report comes with what was removed and, applying a plan, what was skipped.
    fn run<T>(
        &self,
        kind: PruneKind,
        backends: &Backends,
        cancel: &Cancellation,
        options: &PruneOptions,
        call: impl FnOnce(&mut Store<HostState>, &bindings::PruneInstance) -> Result<T, CallError>,
        partial: impl FnOnce(&Ledger) -> T,
    ) -> Result<Pruned<T>, PruneError> {
        let _held = self.guard.acquire()?;
        let backends = self.policies.narrow(kind, backends)?;
        let mut prune = self
            .component
            .prepare(kind, &backends, cancel, self.limits, options)?;
        let result = match prune.instantiate() {
            Ok(instance) => call(&mut prune.store, &instance),
            Err(err) => Err(CallError::Wasm(err)),
        };
        let report = outcome(prune.store.data(), result, partial)
            .map_err(|err| self.component.blame(err))?;
        Ok(prune.store.data_mut().pruned(report))
    }
}

/// What a finished call gives the caller: a broken host rule trumps everything (the plugin
/// may have carried on after the refusal), then the interruption of a cancelled prune (the
/// `partial` report), then the plugin's fault, then its own result.
fn outcome<T>(
    state: &HostState,
    result: Result<T, CallError>,
    partial: impl FnOnce(&Ledger) -> T,
) -> Result<T, PruneError> {
    if let Some(violation) = state.ledger().violation() {
        return Err(PruneError::Plugin(PluginFault::Violation(
            violation.clone(),
        )));
    }
    match result {
        Ok(report) => Ok(report),
        Err(CallError::Returned(err)) => Err(state.blame_returned(err)),
        Err(CallError::Fault(fault)) => Err(PruneError::Plugin(fault)),
        Err(CallError::Wasm(err)) if err.is::<Interrupted>() => Ok(partial(state.ledger())),
        Err(CallError::Wasm(err)) => Err(fault::classify(err, state)),
    }
}

/// Docker's filter model as the component receives it.
fn filters_to_wit(filters: &Filters) -> Vec<Filter> {
    filters
        .iter()
        .map(|(key, values)| Filter {
            key: key.clone(),
            values: values.iter().cloned().collect(),
        })
        .collect()
}
