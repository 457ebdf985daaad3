//! A daemon's prune service: the compiled component behind the daemon-wide prune guard.

use crate::backend::Backends;
use crate::bindings::{ContainerPruneReport, Filter, NetworkPruneReport};
use crate::cancel::Cancellation;
use crate::component::{Prune, PruneComponent};
use crate::error::PruneError;
use crate::fault::{self, PluginFault};
use crate::filters::Filters;
use crate::guard::PruneGuard;
use crate::invariants::PruneKind;
use crate::limits::Limits;
use crate::policy::Policies;
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
    /// A prune service running `component` with the default limits.
    pub fn new(component: PruneComponent) -> Pruner {
        Pruner {
            component,
            guard: PruneGuard::default(),
            limits: Limits::default(),
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
        let _held = self.guard.acquire()?;
        let backends = self
            .policies
            .narrow(PruneKind::Containers, backends, self.limits)?;
        let mut prune =
            self.component
                .instantiate(PruneKind::Containers, &backends, cancel, self.limits)?;
        let result = returned::call_containers(
            &mut prune.store,
            &prune.instance,
            &prune.exports,
            filters_to_wit(filters),
        );
        outcome(&prune, result)
    }

    /// `POST /networks/prune`: removes the unused networks matching `filters`.
    pub fn prune_networks(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<NetworkPruneReport, PruneError> {
        let _held = self.guard.acquire()?;
        let backends = self
            .policies
            .narrow(PruneKind::Networks, backends, self.limits)?;
        let mut prune =
            self.component
                .instantiate(PruneKind::Networks, &backends, cancel, self.limits)?;
        let result = returned::call_networks(
            &mut prune.store,
            &prune.instance,
            &prune.exports,
            filters_to_wit(filters),
        );
        outcome(&prune, result)
    }
}

/// What a finished call gives the caller: a broken host rule trumps everything (the plugin
/// may have carried on after the refusal), then the plugin's fault, then its own result.
fn outcome<T>(prune: &Prune, result: Result<T, CallError>) -> Result<T, PruneError> {
    let state = prune.store.data();
    if let Some(violation) = state.ledger().violation() {
        return Err(PruneError::Plugin(PluginFault::Violation(
            violation.clone(),
        )));
    }
    match result {
        Ok(report) => Ok(report),
        Err(CallError::Returned(err)) => Err(err.into()),
        Err(CallError::Fault(fault)) => Err(PruneError::Plugin(fault)),
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
