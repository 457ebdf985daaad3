//! Why a plugin did not load, in one line: bytes that are not a WebAssembly component are told
//! apart from their first eight bytes before anything compiles them, so an empty file, a text
//! file or a core module gets one sentence instead of the parser's dump of the bytes it
//! expected.

use std::fmt;
use std::path::Path;

use crate::load::LoadError;

/// The preamble every WebAssembly binary starts with.
const MAGIC: &[u8] = b"\0asm";
/// The layer field after the version (bytes 6 and 7): 0 for a core module, 1 for a component.
const COMPONENT_LAYER: [u8; 2] = [1, 0];
/// A core module's layer field.
const MODULE_LAYER: [u8; 2] = [0, 0];

/// Bytes that are not a WebAssembly component; the plugin is never compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAComponent {
    /// A core WebAssembly module: a component has to be made of it.
    CoreModule,
    /// Anything else: empty, text, random bytes.
    Other,
}

impl fmt::Display for NotAComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the prune plugin {}", self.predicate())
    }
}

impl std::error::Error for NotAComponent {}

impl NotAComponent {
    /// What the bytes are, and what to do: completes "<the plugin> …".
    fn predicate(self) -> &'static str {
        match self {
            NotAComponent::CoreModule => {
                "is a core WebAssembly module, not a component: build it for wasm32-wasip2, or \
                 make it a component with `wasm-tools component new`"
            }
            NotAComponent::Other => {
                "is not a WebAssembly component: a prune plugin is a component of pruner's WIT \
                 world (wit/pruner.wit), built for wasm32-wasip2"
            }
        }
    }
}

/// Refuses `bytes` unless they start as a WebAssembly component does.
pub fn check_component(bytes: &[u8]) -> Result<(), NotAComponent> {
    match (bytes.starts_with(MAGIC), bytes.get(6..8)) {
        (true, Some(layer)) if layer == COMPONENT_LAYER => Ok(()),
        (true, Some(layer)) if layer == MODULE_LAYER => Err(NotAComponent::CoreModule),
        _ => Err(NotAComponent::Other),
    }
}

/// The error of the plugin file at `path` that failed to load with `err` (a [`LoadError`], with
/// context or without): `<path> is not a WebAssembly component: …` for bytes that are not one,
/// else `cannot load the plugin <path>: <err>`.
pub fn plugin_load_error(path: &Path, err: anyhow::Error) -> anyhow::Error {
    match err.downcast_ref::<LoadError>() {
        Some(LoadError::NotAComponent(not)) => {
            anyhow::anyhow!("{} {}", path.display(), not.predicate())
        }
        _ => err.context(format!("cannot load the plugin {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bytes_with_the_component_preamble_pass() {
        assert_eq!(check_component(b"\0asm\x0d\0\x01\0rest"), Ok(()));
        assert_eq!(
            check_component(b"\0asm\x01\0\0\0"),
            Err(NotAComponent::CoreModule)
        );
        for bytes in [&b""[..], b"\0asm", b"(component)", b"\0asm\x0d\0\x02\0"] {
            assert_eq!(
                check_component(bytes),
                Err(NotAComponent::Other),
                "{bytes:?}"
            );
        }
    }
}
