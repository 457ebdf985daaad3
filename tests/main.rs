//! pruner's integration tests through the real component, as one test binary (linking wasmtime
//! once), one module per suite:
//! - `container_prune`, `network_prune`: Docker's prune rules on in-memory daemons, with exact
//!   reports, events and warnings; policies and previews;
//! - `conformance`: the vectors produced by running Docker's own Go code (`conformance/`);
//! - `guard`: one prune at a time, and what concurrent prunes see;
//! - `docker_differential`: pruner and dockerd side by side on a real engine (needs one; see
//!   the module).

mod conformance;
mod container_prune;
mod docker_differential;
mod guard;
mod network_prune;
