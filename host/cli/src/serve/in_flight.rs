//! The prunes under way, so that the endpoint can cancel them and wait for them when it stops.

use std::collections::BTreeMap;
use std::sync::Arc;

use pruner_runtime::Cancellation;
use tokio::sync::watch;

/// The cancellations of the prunes under way, by number.
pub struct InFlight {
    prunes: watch::Sender<Prunes>,
}

#[derive(Default)]
struct Prunes {
    next: u64,
    running: BTreeMap<u64, Cancellation>,
    /// Set once the endpoint stops: a prune that starts after is cancelled at once.
    stopping: bool,
}

/// A prune under way; dropping it says that the prune is over.
pub struct Ticket {
    number: u64,
    in_flight: Arc<InFlight>,
}

impl InFlight {
    /// No prune under way.
    pub fn new() -> Arc<InFlight> {
        Arc::new(InFlight {
            prunes: watch::Sender::new(Prunes::default()),
        })
    }

    /// A prune starts: its ticket and its cancellation.
    pub fn start(self: &Arc<Self>) -> (Ticket, Cancellation) {
        let cancel = Cancellation::default();
        let mut number = 0;
        self.prunes.send_modify(|prunes| {
            number = prunes.next;
            prunes.next += 1;
            if prunes.stopping {
                cancel.cancel();
            }
            prunes.running.insert(number, cancel.clone());
        });
        let ticket = Ticket {
            number,
            in_flight: Arc::clone(self),
        };
        (ticket, cancel)
    }

    /// Cancels every prune under way (and any that starts from now on) and waits until they
    /// are all over.
    pub async fn cancel_and_wait(&self) {
        self.prunes.send_modify(|prunes| {
            prunes.stopping = true;
            prunes.running.values().for_each(Cancellation::cancel);
        });
        let mut watching = self.prunes.subscribe();
        let _ = watching.wait_for(|prunes| prunes.running.is_empty()).await;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.in_flight.prunes.send_modify(|prunes| {
            prunes.running.remove(&self.number);
        });
    }
}
