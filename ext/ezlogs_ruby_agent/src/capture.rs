//! The in-memory capture: in test mode, events land here synchronously
//! instead of being delivered; with the `memory://` endpoint, the worker
//! puts them here after processing; while `keeping` (0.1.19's debug mode),
//! a processed copy of each event lands here and the event is delivered
//! as well. Bounded, so a test that forgets to clear cannot exhaust memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::sync::lock;

pub const MAX_CAPTURED: usize = 100_000;
/// Copies kept while events are also delivered (`keep`) stop here: a
/// process left in debug mode holds at most this many.
pub const MAX_KEPT_COPIES: usize = 10_000;

#[derive(Clone)]
pub struct Captured {
    pub event: Event,
    pub captured_at: SystemTime,
    pub thread_id: u64,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static KEEPING: AtomicBool = AtomicBool::new(false);
static CAPTURED: Mutex<Vec<Captured>> = Mutex::new(Vec::new());
/// The captures of the `test_mode` blocks around the current one, each set
/// aside when a block inside it began.
static OUTER: Mutex<Vec<Vec<Captured>>> = Mutex::new(Vec::new());

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// Turns test mode on or off and returns the previous setting.
pub fn set_enabled(on: bool) -> bool {
    ENABLED.swap(on, Ordering::AcqRel)
}

/// Whether copies of delivered events are kept.
pub fn keeping() -> bool {
    KEEPING.load(Ordering::Acquire)
}

/// Turns the keeping of copies on or off.
pub fn set_keeping(on: bool) {
    KEEPING.store(on, Ordering::Release);
}

/// An event taken instead of delivered: counted as delivered, or as
/// dropped when the capture is full.
pub fn push(event: Event) {
    if add(event, MAX_CAPTURED) {
        METRICS.events_delivered.fetch_add(1, Ordering::Relaxed);
    } else {
        METRICS.record_drop(DropReason::QueueFull, 1);
    }
}

/// A copy of an event that is delivered too: not counted (the event
/// itself is), and not kept once the capture holds MAX_KEPT_COPIES.
pub fn keep(copy: Event) {
    add(copy, MAX_KEPT_COPIES);
}

fn add(event: Event, limit: usize) -> bool {
    let thread_id = event.platform.thread_id;
    let mut captured = lock(&CAPTURED);
    if captured.len() >= limit {
        return false;
    }
    captured.push(Captured {
        event,
        captured_at: SystemTime::now(),
        thread_id,
    });
    true
}

/// A copy of the captured events. Callers turn it into Ruby objects after
/// the lock is released: Ruby may switch threads during any call into it,
/// and a thread that then pushes an event would wait for this lock while
/// holding the GVL that the lock holder waits for.
pub fn snapshot() -> Vec<Captured> {
    lock(&CAPTURED).clone()
}

/// Before a fork: the worker may be inside the capture (`memory://`).
pub fn hold_for_fork() {
    crate::sync::hold_for_fork(&CAPTURED);
}

pub fn clear() {
    lock(&CAPTURED).clear();
}

/// A `test_mode` block begins: the capture so far is set aside, and the
/// block starts from an empty one.
pub fn begin_scope() {
    let current = std::mem::take(&mut *lock(&CAPTURED));
    lock(&OUTER).push(current);
}

/// The block ends: its capture goes, and the one set aside when it began
/// is back (empty when there was none).
pub fn end_scope() {
    let outer = lock(&OUTER).pop().unwrap_or_default();
    *lock(&CAPTURED) = outer;
}
