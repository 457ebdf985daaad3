//! Docker's event message (`api/types/events.Message`), the JSON shape `docker events` prints;
//! defined in `pruner-state`, shared with the backend component.

pub use pruner_state::events::{Actor, EventMessage};
