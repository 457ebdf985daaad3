//! Calling the prune export and checking what it returns before the caller sees it: the
//! report's length and size against the limits, its entries against the ledger, an error's
//! message against the message limit; only a report that passes has its `prune` event logged.
//! (wasmtime copies the result out before the checks, as the component frees it right after
//! the call; the copy cannot exceed what the plugin's memory limit let it build.)

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{
    ComponentExportIndex, ComponentNamedList, Instance, InstancePre, Lift, Lower, TypedFunc,
};
use wasmtime::error::Context as _;
use wasmtime::{Store, format_err};

use crate::bindings::{ContainerPruneReport, Error, Filter, NetworkPruneReport};
use crate::fault::PluginFault;
use crate::host_state::{self, HostState};

/// The parameters of `prune.containers`.
type ContainersParams = (Vec<Filter>,);
/// The results of `prune.containers`, as the host reads them.
type ContainersResults = (Result<ContainerPruneReport, Error>,);
/// `prune.containers` as the host calls it.
type ContainersFunc = TypedFunc<ContainersParams, ContainersResults>;
/// The parameters of `prune.networks`.
type NetworksParams = (Vec<Filter>,);
/// The results of `prune.networks`, as the host reads them.
type NetworksResults = (Result<NetworkPruneReport, Error>,);
/// `prune.networks` as the host calls it.
type NetworksFunc = TypedFunc<NetworksParams, NetworksResults>;

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

/// The exported interface every plugin has.
const PRUNE_INTERFACE: &str = "pruner:api/prune@0.1.0";

/// The two prune functions of a component, found and type-checked before it is instantiated.
#[derive(Clone, Debug)]
pub struct PruneExports {
    containers: ComponentExportIndex,
    networks: ComponentExportIndex,
}

impl PruneExports {
    /// Finds the prune functions and checks their types against the ones the host calls.
    pub fn new(pre: &InstancePre<HostState>) -> wasmtime::Result<PruneExports> {
        let (_, prune) = pre
            .component()
            .get_export(None, PRUNE_INTERFACE)
            .ok_or_else(|| format_err!("the prune plugin does not export `{PRUNE_INTERFACE}`"))?;
        let export = Export {
            owner: "the prune plugin's",
            interface: PRUNE_INTERFACE,
            index: prune,
        };
        Ok(PruneExports {
            containers: export.find::<ContainersParams, ContainersResults>(pre, "containers")?,
            networks: export.find::<NetworksParams, NetworksResults>(pre, "networks")?,
        })
    }
}

/// An exported interface of a component, to find its functions in.
pub(crate) struct Export<'a> {
    /// Whose it is, as errors say it, e.g. `the prune plugin's`.
    pub owner: &'a str,
    /// The interface's name.
    pub interface: &'a str,
    /// Where it is.
    pub index: ComponentExportIndex,
}

impl Export<'_> {
    /// The interface's function `name`, type-checked as `Params -> Results`.
    pub(crate) fn find<Params, Results>(
        &self,
        pre: &InstancePre<HostState>,
        name: &str,
    ) -> wasmtime::Result<ComponentExportIndex>
    where
        Params: ComponentNamedList + Lower,
        Results: ComponentNamedList + Lift,
    {
        let Export {
            owner, interface, ..
        } = self;
        let missing = || format_err!("{owner} `{interface}` has no function `{name}`");
        let (item, index) = pre
            .component()
            .get_export(Some(&self.index), name)
            .ok_or_else(missing)?;
        let ComponentItem::ComponentFunc(func) = item else {
            return Err(missing());
        };
        // What bindgen's generated code does to check an export before instantiation.
        func.typecheck::<Params, Results>(&pre.instance_type())
            .with_context(|| format!("{owner} `{interface}.{name}` has the wrong type"))?;
        Ok(index)
    }
}

/// Calls `prune.containers` and reads its result.
pub fn call_containers(
    store: &mut Store<HostState>,
    instance: &Instance,
    exports: &PruneExports,
    filters: Vec<Filter>,
) -> Result<ContainerPruneReport, CallError> {
    let func: ContainersFunc = instance.get_typed_func(&mut *store, exports.containers)?;
    store.data_mut().called_with(&filters);
    let (result,) = func.call(&mut *store, (filters,))?;
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
    instance: &Instance,
    exports: &PruneExports,
    filters: Vec<Filter>,
) -> Result<NetworkPruneReport, CallError> {
    let func: NetworksFunc = instance.get_typed_func(&mut *store, exports.networks)?;
    store.data_mut().called_with(&filters);
    let (result,) = func.call(&mut *store, (filters,))?;
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
