//! Calling the prune export and checking what it returns before the caller sees it: the
//! report's length and size against the limits, its entries against the ledger, an error's
//! message against the message limit; only a report that passes has its `prune` event logged.
//! (wasmtime copies the result out before the checks, as the component frees it right after
//! the call; the copy cannot exceed what the plugin's memory limit let it build.)

use wasmtime::Store;

use crate::bindings::{ContainerPruneReport, Error, Filter, NetworkPruneReport, PruneInstance};
use crate::fault::PluginFault;
use crate::host_state::{self, HostState};

/// Why a call did not give a report: the plugin's fault, a trap, or the plugin's own error.
pub enum CallError {
    /// wasmtime failed: a trap, a limit, or a bad return value.
    Wasm(wasmtime::Error),
    /// What the plugin returned crossed a limit or broke a rule.
    Fault(PluginFault),
    /// The plugin returned this error.
    Returned(Error),
}

impl From<wasmtime::Error> for CallError {
    fn from(err: wasmtime::Error) -> Self {
        CallError::Wasm(err)
    }
}

impl From<PluginFault> for CallError {
    fn from(fault: PluginFault) -> Self {
        CallError::Fault(fault)
    }
}

/// Calls `prune.containers` and reads its result.
pub fn call_containers(
    store: &mut Store<HostState>,
    instance: &PruneInstance,
    filters: Vec<Filter>,
) -> Result<ContainerPruneReport, CallError> {
    store.data_mut().called_with(&filters);
    let result = (instance.pruner_api_prune()).call_containers(&mut *store, &filters)?;
    let state = store.data();
    let report = result.map_err(|err| returned_error(state, err))?;
    check_entries(state, &report.containers_deleted)?;
    state
        .ledger()
        .check_container_report(
            report.containers_deleted.iter().map(String::as_str),
            report.space_reclaimed,
        )
        .map_err(PluginFault::Violation)?;
    store.data_mut().release_prune_event();
    Ok(report)
}

/// Calls `prune.networks` and reads its result.
pub fn call_networks(
    store: &mut Store<HostState>,
    instance: &PruneInstance,
    filters: Vec<Filter>,
) -> Result<NetworkPruneReport, CallError> {
    store.data_mut().called_with(&filters);
    let result = (instance.pruner_api_prune()).call_networks(&mut *store, &filters)?;
    let state = store.data();
    let report = result.map_err(|err| returned_error(state, err))?;
    check_entries(state, &report.networks_deleted)?;
    state
        .ledger()
        .check_network_report(report.networks_deleted.iter().map(String::as_str))
        .map_err(PluginFault::Violation)?;
    store.data_mut().release_prune_event();
    Ok(report)
}

/// The plugin's error, if its message is within the message limit.
fn returned_error(state: &HostState, err: Error) -> CallError {
    match state.meter().check_message(host_state::message(&err)) {
        Ok(()) => CallError::Returned(err),
        Err(fault) => fault.into(),
    }
}

/// Checks a report's entries against the size limits.
fn check_entries(state: &HostState, entries: &[String]) -> Result<(), PluginFault> {
    let limits = state.meter().limits();
    if entries.len() > limits.report_entries {
        return Err(PluginFault::ReportEntries {
            limit: limits.report_entries,
            returned: entries.len(),
        });
    }
    let bytes = entries
        .iter()
        .map(String::len)
        .fold(0_usize, usize::saturating_add);
    if bytes > limits.report_bytes {
        return Err(PluginFault::ReportBytes(limits.report_bytes));
    }
    Ok(())
}
