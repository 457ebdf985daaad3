//! What a prune removed, as its backends saw it: the state-file backend component reports it
//! at the end of a prune, and the command line prints it when a prune fails part-way.

/// What a prune removed, in order, as its backends saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removals {
    /// The removed containers' IDs.
    pub containers: Vec<String>,
    /// The bytes of their read-write layers (of those of known size).
    pub space_reclaimed: u64,
    /// The removed networks' names.
    pub networks: Vec<String>,
}
