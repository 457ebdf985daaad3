//! The state-file backend component (WIT world `backend`): exports `container-store`,
//! `network-controller`, `cluster`, `events` and `daemon` over a JSON state file read and
//! rewritten through WASI filesystem, with the schema and the Docker behaviour of the host's
//! state-file backend (both are `pruner-state`), and `state-file` to choose the file and clock.
//!
//! The daemon it serves is a [`Session`](session::Session), plain Rust that also compiles
//! natively; the wit-bindgen glue (`component`) only exists in the `wasm32` build.

#[cfg(target_arch = "wasm32")]
mod component;
pub mod session;
