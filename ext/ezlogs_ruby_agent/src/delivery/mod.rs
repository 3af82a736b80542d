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
    flush, lock_for_fork, queue_depth, restart, shutdown, submit, unlock_after_fork,
};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::Event;

pub use retry::CircuitState;

/// `EzlogsRubyAgent.debug_mode`: each event is also printed to stderr, as
/// sent (or, in test mode, as captured).
pub static DEBUG: AtomicBool = AtomicBool::new(false);

/// Prints a processed event to stderr when debug mode is on.
pub fn print_if_debug(event: &Event) {
    if DEBUG.load(Ordering::Relaxed) {
        to_stderr(&format!("event: {}", event.to_json()));
    }
}

/// One line to stderr. A stderr that cannot be written (a closed pipe) is
/// ignored, where `eprintln!` would panic.
fn to_stderr(message: &str) {
    let line = format!("[ezlogs_ruby_agent] {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}
