//! Finding a function of a component's exported interface before the component is
//! instantiated, type-checked as the host will call it: what the generated bindings do for a
//! world's exports, for a policy's, whose calls the host makes itself.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, ComponentNamedList, InstancePre, Lift, Lower};
use wasmtime::error::Context as _;
use wasmtime::format_err;

use crate::host_state::HostState;

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
