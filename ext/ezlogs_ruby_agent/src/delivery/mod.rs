//! Getting events out of the process: a bounded queue, one background
//! worker, and a sink chosen by the endpoint URL.
//!
//! The app's threads only ever `submit`, which never blocks: a full queue
//! drops the event and counts it. Serialisation and I/O happen on the worker.

mod encoder;
pub mod exit;
mod flush_watches;
mod held;
mod otlp;
mod pipeline;
mod queue;
mod retry;
mod scheduling;
mod sender;
mod sink;
mod spool;
#[cfg(test)]
pub(crate) mod test_events;
mod worker;

pub use pipeline::{
    hold_for_fork, queue_depth, request_flush, restart, shut_down, submit, take_refused,
    take_retired,
};

use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::processor::Processor;

pub use retry::CircuitState;
pub use sink::{shown_endpoint, LOG_ENDPOINT};

/// In a forked child: what the parent refused, reported and said is the
/// parent's, as its counters are (`METRICS.start_over_in_child`).
pub fn start_over_in_child() {
    pipeline::start_over_in_child();
    exit::start_over_in_child();
}

/// Makes an event what would be sent (redacted, sampled, bounded). Err
/// when the processor dropped it (counted). For the worker, and for the
/// events test mode captures and `log://` prints, as they would be sent.
pub fn prepare(processor: &Processor, event: &mut Event) -> Result<(), DropReason> {
    processor.process(event).inspect_err(|reason| {
        METRICS.record_drop(*reason, 1);
    })
}
