//! Getting events out of the process: a bounded queue, one background
//! worker, and a sink chosen by the endpoint URL.
//!
//! The app's threads only ever `submit`, which never blocks: a full queue
//! drops the event and counts it. Serialisation and I/O happen on the worker.

mod encoder;
mod pipeline;
mod queue;
mod retry;
mod sink;
mod spool;
#[cfg(test)]
pub(crate) mod test_events;
mod worker;

pub use pipeline::{
    lock_for_fork, queue_depth, request_flush, restart, shut_down, submit, unlock_after_fork,
};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::Event;
use crate::metrics::METRICS;
use crate::processor::Processor;

pub use retry::CircuitState;

/// `EzlogsRubyAgent.debug_mode`: each event is also printed to stderr, as
/// sent (or, in test mode, as captured).
pub static DEBUG: AtomicBool = AtomicBool::new(false);

/// Makes an event what would be sent (redacted, sampled, bounded) and, in
/// debug mode, prints it. False when the processor dropped it (counted).
/// For the worker, and for test mode, which captures events as they would
/// be sent.
pub fn prepare(processor: &Processor, event: &mut Event) -> bool {
    if let Err(reason) = processor.process(event) {
        METRICS.record_drop(reason, 1);
        return false;
    }
    if DEBUG.load(Ordering::Relaxed) {
        to_stderr(&format!("event: {}", event.to_json()));
    }
    true
}

/// One line to stderr. A stderr that cannot be written (a closed pipe) is
/// ignored, where `eprintln!` would panic.
fn to_stderr(message: &str) {
    let line = format!("[ezlogs_ruby_agent] {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}
