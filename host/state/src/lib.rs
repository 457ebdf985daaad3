//! The daemon state that pruner's state-file backends serve: the state file's JSON schema
//! ([`State`]), the state indexed by ID as the backends serve it ([`IndexedState`]), Docker's
//! behaviour over it ([`rules`]: what removal refuses, with Docker's texts, and the `destroy`
//! events), Docker's event message ([`EventMessage`]), the file itself ([`file`](mod@file)): locked
//! against other prunes ([`lock`]), read, and rewritten atomically, and the escaping of what the
//! daemon's objects and plugins say before it reaches a log line or a terminal ([`escape`]).
//!
//! Plain Rust that compiles natively, for the wasmtime host's in-memory and state-file backends,
//! and for `wasm32-wasip2`, for the backend component; so both serve the same file the same way.

pub mod clock;
pub mod escape;
pub mod events;
pub mod file;
pub mod indexed;
pub mod lock;
pub mod refusals;
pub mod removals;
pub mod rules;
pub mod state;
pub mod status;

pub use clock::{Clock, FixedClock, SystemClock};
pub use events::{Actor, EventMessage};
pub use indexed::{DuplicateId, IndexedState};
pub use pruner_guest::error::DockerError;
pub use removals::Removals;
pub use state::{
    ClusterNetworkRecord, ClusterRecord, ContainerRecord, Failures, NetworkRecord, State,
};
pub use status::{ContainerState, StatusWord};
