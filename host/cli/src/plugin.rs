//! The prune component of a run: `--plugin FILE.wasm`'s, read and compiled within the load
//! limits (which environment variables may change) by this binary as its own compile helper,
//! or else the built-in one.

use std::env::{self, VarError};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, anyhow};
use pruner_runtime::compile_helper::CompileHelper;
use pruner_runtime::load_error::plugin_load_error;
use pruner_runtime::{Allocation, Cancellation, Engines, LoadError, Loader, PruneComponent};

/// The variable setting [`pruner_runtime::LoadLimits::file_bytes`].
const MAX_BYTES: &str = "PRUNER_PLUGIN_MAX_BYTES";
/// The variable setting [`pruner_runtime::LoadLimits::compile_cpu_time`], in seconds.
const COMPILE_SECONDS: &str = "PRUNER_PLUGIN_COMPILE_SECONDS";
/// The variable setting [`pruner_runtime::LoadLimits::compile_memory_bytes`].
const COMPILE_MEMORY: &str = "PRUNER_PLUGIN_COMPILE_MEMORY";

/// The wasmtime engines of this process, built when the first component is loaded.
static ENGINES: OnceLock<Engines> = OnceLock::new();

/// The engines of this process: instances allocated on demand, as a prune command prunes
/// once and would pay a pool's setup (about a thousand `mprotect` calls) for one instance;
/// pooled for `pruner serve` ([`serving`]).
pub fn engines() -> &'static Engines {
    ENGINES.get_or_init(|| Engines::builder().allocation(Allocation::OnDemand).build())
}

/// Makes this process's engines pool their instances: `pruner serve` prunes for its whole
/// life. Call it before anything is loaded.
pub fn serving() {
    ENGINES.get_or_init(|| Engines::builder().allocation(Allocation::Pooling).build());
}

/// The prune component: `plugin`'s, or the built-in one. `cancel` stops the loading of a
/// plugin at once.
pub fn component(plugin: Option<&Path>, cancel: &Cancellation) -> anyhow::Result<PruneComponent> {
    let Some(path) = plugin else {
        return Ok(PruneComponent::builtin(engines())?);
    };
    let loader = loader()?;
    let bytes = loader
        .read(path, cancel)
        .map_err(explain)
        .with_context(|| format!("cannot read the plugin {}", path.display()))?;
    loader
        .load(&bytes, cancel)
        .map_err(|err| plugin_load_error(path, explain(err)))
}

/// The loader of plugins: this executable as the compile helper, the default limits but those
/// the variables set.
pub fn loader() -> anyhow::Result<Loader> {
    let helper = CompileHelper::current_exe().context("cannot find pruner's own executable")?;
    let mut loader = Loader::untrusted(engines(), helper);
    let limits = &mut loader.limits;
    if let Some(bytes) = number(MAX_BYTES, "bytes")? {
        limits.file_bytes = bytes;
    }
    if let Some(seconds) = number(COMPILE_SECONDS, "seconds")? {
        limits.compile_cpu_time = Duration::from_secs(seconds);
    }
    if let Some(bytes) = number(COMPILE_MEMORY, "bytes")? {
        limits.compile_memory_bytes = bytes;
    }
    Ok(loader)
}

/// The whole number of `unit` in the variable `name`, if it is set.
fn number(name: &str, unit: &str) -> anyhow::Result<Option<u64>> {
    let text = match env::var(name) {
        Ok(text) => text,
        Err(VarError::NotPresent) => return Ok(None),
        Err(VarError::NotUnicode(text)) => text.to_string_lossy().into_owned(),
    };
    text.parse()
        .map(Some)
        .map_err(|_| anyhow!("{name} must be a whole number of {unit}, not {text:?}"))
}

/// `err`, followed, for a load limit crossed, by the variable that raises the limit.
pub fn explain(err: impl Into<anyhow::Error>) -> anyhow::Error {
    let err = err.into();
    let variable = match err.downcast_ref::<LoadError>() {
        Some(LoadError::TooLarge { .. }) => MAX_BYTES,
        Some(LoadError::CompileTime(_)) => COMPILE_SECONDS,
        Some(LoadError::CompileMemory(_)) => COMPILE_MEMORY,
        _ => return err,
    };
    anyhow!("{err:#}; {variable} raises it")
}
