//! A daemon's prune service: the compiled component behind the daemon-wide prune guard.

use crate::backend::Backends;
use crate::bindings::{ContainerPruneReport, Filter, NetworkPruneReport};
use crate::cancel::Cancellation;
use crate::component::{Limits, PruneComponent};
use crate::error::PruneError;
use crate::filters::Filters;
use crate::guard::PruneGuard;

/// Container prune and network prune for one daemon. Both share one guard, so at most one of
/// them runs at a time; each call runs in a fresh instance of the component.
pub struct Pruner {
    component: PruneComponent,
    guard: PruneGuard,
    limits: Limits,
}

impl Pruner {
    /// A prune service running `component` with the default limits.
    pub fn new(component: PruneComponent) -> Pruner {
        Pruner {
            component,
            guard: PruneGuard::default(),
            limits: Limits::default(),
        }
    }

    /// The same service with other limits.
    pub fn with_limits(self, limits: Limits) -> Pruner {
        Pruner { limits, ..self }
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
        let (mut store, instance) = self
            .component
            .instantiate(backends, cancel, self.limits)
            .map_err(component_failed)?;
        let result = instance
            .pruner_api_prune()
            .call_containers(&mut store, &filters_to_wit(filters))
            .map_err(component_failed)?;
        Ok(result?)
    }

    /// `POST /networks/prune`: removes the unused networks matching `filters`.
    pub fn prune_networks(
        &self,
        backends: &Backends,
        filters: &Filters,
        cancel: &Cancellation,
    ) -> Result<NetworkPruneReport, PruneError> {
        let _held = self.guard.acquire()?;
        let (mut store, instance) = self
            .component
            .instantiate(backends, cancel, self.limits)
            .map_err(component_failed)?;
        let result = instance
            .pruner_api_prune()
            .call_networks(&mut store, &filters_to_wit(filters))
            .map_err(component_failed)?;
        Ok(result?)
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

/// A trap or a failed instantiation: the component's fault.
fn component_failed(err: wasmtime::Error) -> PruneError {
    PruneError::Component(format!("{err:#}"))
}
