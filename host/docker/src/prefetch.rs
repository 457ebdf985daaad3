//! The next candidate's layer size, asked for while the current candidate is being removed.
//!
//! Docker's prune sizes a candidate and removes it, then sizes the next: two Engine API round
//! trips per candidate for pruner, where dockerd works in process. Prune asks for the sizes of
//! the stopped containers it lists, newest first, so once it asks for one container's size the
//! next it will ask for is most likely the next stopped container in that order. Its inspect
//! (`size=1`) is started then, and runs on the engine while the current one is removed. Only
//! reads are sent ahead: removals, the report, the events and the warnings keep Docker's order.
//! A guess that prune skips (filtered out, or kept by a policy) costs one inspect, and prune
//! then asks for that size itself, as without the guess.

use std::collections::HashMap;

use tokio::task::JoinHandle;

use pruner_runtime::bindings::{Container, Error};

/// The layer size of one container, as an inspect with `size=1` gives it.
pub(super) type SizeResult = Result<i64, Error>;

/// The order prune sizes the listed containers in, and the size inspect started ahead.
#[derive(Default)]
pub(super) struct SizePrefetch {
    /// The stopped containers of the last listing, newest first, as prune goes through them.
    order: Vec<String>,
    /// Each one's place in `order`.
    place: HashMap<String, usize>,
    /// The size inspect started for the container expected next.
    ahead: Option<(String, JoinHandle<SizeResult>)>,
}

impl SizePrefetch {
    /// Starts over with the `stopped` containers of a new listing; an inspect still running
    /// ahead is dropped.
    pub(super) fn listed(&mut self, mut stopped: Vec<&Container>) {
        self.cancel();
        // The prune rules' order: newest first, ties in listing order (a stable sort).
        stopped.sort_by_key(|c| std::cmp::Reverse((c.created.seconds, c.created.nanoseconds)));
        self.order = stopped.into_iter().map(|c| c.id.clone()).collect();
        self.place = (self.order.iter().enumerate())
            .map(|(place, id)| (id.clone(), place))
            .collect();
    }

    /// The inspect started ahead for `id`, if that was the guess; any other is dropped.
    pub(super) fn take(&mut self, id: &str) -> Option<JoinHandle<SizeResult>> {
        match self.ahead.take() {
            Some((guess, handle)) if guess == id => Some(handle),
            Some((_, handle)) => {
                handle.abort();
                None
            }
            None => None,
        }
    }

    /// The container prune will most likely size after `id`: the next stopped one in its order.
    pub(super) fn after(&self, id: &str) -> Option<&str> {
        let place = *self.place.get(id)?;
        self.order.get(place + 1).map(String::as_str)
    }

    /// Remembers the inspect started ahead for `id`.
    pub(super) fn started(&mut self, id: &str, handle: JoinHandle<SizeResult>) {
        self.cancel();
        self.ahead = Some((id.to_string(), handle));
    }

    /// Drops the inspect running ahead, if any.
    fn cancel(&mut self) {
        if let Some((_, handle)) = self.ahead.take() {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use pruner_runtime::bindings::{ContainerState, Timestamp};

    use super::*;

    fn container(id: &str, seconds: i64, state: ContainerState) -> Container {
        Container {
            id: id.to_string(),
            names: vec![],
            created: Timestamp {
                seconds,
                nanoseconds: 0,
            },
            state,
            labels: vec![],
        }
    }

    #[test]
    fn the_guess_follows_the_rules_order_newest_first_among_the_stopped_containers() {
        let mut prefetch = SizePrefetch::default();
        let listed = [
            container("old", 100, ContainerState::Exited),
            container("running", 300, ContainerState::Running),
            container("new", 400, ContainerState::Created),
            container("middle", 200, ContainerState::Dead),
            container("tie", 200, ContainerState::Exited),
        ];
        let stopped = listed.iter().filter(|c| c.state != ContainerState::Running);
        prefetch.listed(stopped.collect());
        assert_eq!(prefetch.after("new"), Some("middle"));
        assert_eq!(prefetch.after("middle"), Some("tie"));
        assert_eq!(prefetch.after("tie"), Some("old"));
        assert_eq!(prefetch.after("old"), None);
        assert_eq!(prefetch.after("running"), None);
        assert_eq!(prefetch.after("unknown"), None);
    }

    #[test]
    fn only_the_guessed_container_gets_the_inspect_started_ahead() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut prefetch = SizePrefetch::default();
        prefetch.started("b", runtime.spawn(async { Ok(7) }));
        assert!(prefetch.take("c").is_none(), "another guess is dropped");
        assert!(prefetch.take("b").is_none(), "and is gone");

        prefetch.started("b", runtime.spawn(async { Ok(7) }));
        let handle = prefetch.take("b").expect("the guess");
        assert_eq!(runtime.block_on(handle).unwrap(), Ok(7));
    }
}
