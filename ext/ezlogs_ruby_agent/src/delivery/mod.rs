//! Getting events out of the process: a bounded queue, one background
//! worker, and a sink chosen by the endpoint URL.
//!
//! The app's threads only ever `submit`, which never blocks: a full queue
//! drops the event and counts it. Serialisation and I/O happen on the worker.

mod encoder;
pub mod exit;
mod flush_watches;
mod pipeline;
mod queue;
mod retry;
mod sender;
mod sink;
mod spool;
#[cfg(test)]
pub(crate) mod test_events;
mod worker;

pub use pipeline::{
    hold_for_fork, queue_depth, request_flush, restart, shut_down, submit, take_refused,
};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::processor::Processor;
use crate::stdio;

pub use retry::CircuitState;
pub use sink::shown_endpoint;

/// In a forked child: what the parent refused, reported and said is the
/// parent's, as its counters are (`METRICS.start_over_in_child`).
pub fn start_over_in_child() {
    pipeline::start_over_in_child();
    exit::start_over_in_child();
}

/// `EzlogsRubyAgent.debug_mode`: each event is also printed to stderr, as
/// sent (or, in test mode, as captured).
pub static DEBUG: AtomicBool = AtomicBool::new(false);

/// Makes an event what would be sent (redacted, sampled, bounded) and, in
/// debug mode, prints it. Err when the processor dropped it (counted).
/// For the worker, and for test mode, which captures events as they would
/// be sent.
pub fn prepare(processor: &Processor, event: &mut Event) -> Result<(), DropReason> {
    if let Err(reason) = processor.process(event) {
        METRICS.record_drop(reason, 1);
        return Err(reason);
    }
    if DEBUG.load(Ordering::Relaxed) {
        stdio::warn(&format!("event: {}", event.to_json()));
    }
    Ok(())
}
