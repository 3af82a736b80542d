//! The process's one queue-and-worker pair, started lazily on the first
//! event (never while the app boots) and replaced in a forked child.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::queue::{Queue, QueueConfig};
use super::worker;
use crate::event::Event;
use crate::fork::current_pid;
use crate::metrics::{DropReason, METRICS};
use crate::{settings, sync};

struct Pipeline {
    /// The process that started the worker. In a forked child the worker
    /// thread does not exist, and the queued events are the parent's.
    pid: u32,
    queue: Arc<Queue>,
}

enum State {
    Idle,
    Running(Pipeline),
    ShutDown,
}

/// Held across a fork (see `crate::sync` for why it is std's mutex).
static STATE: Mutex<State> = Mutex::new(State::Idle);

fn state() -> MutexGuard<'static, State> {
    sync::lock(&STATE)
}

thread_local! {
    /// The guard `lock_for_fork` takes, released by `unlock_after_fork` in
    /// the same thread (the one that forks) in the parent and the child.
    static HELD_FOR_FORK: RefCell<Option<MutexGuard<'static, State>>> = const { RefCell::new(None) };
}

fn start() -> Option<Pipeline> {
    let active = settings::current();
    let delivery = &active.settings.delivery;
    let queue = Arc::new(Queue::new(QueueConfig {
        capacity: delivery.event_buffer_size,
        max_bytes: delivery.event_buffer_bytes,
        batch_size: delivery.batch_size,
        flush_interval: delivery.flush_interval(),
    }));
    let worker_queue = queue.clone();
    thread::Builder::new()
        .name("ezlogs-delivery".into())
        .spawn(move || worker::run(&worker_queue, &active))
        .ok()?;
    Some(Pipeline {
        pid: current_pid(),
        queue,
    })
}

/// The running pipeline's queue for this process, if any; with `start`,
/// starting one when idle.
fn queue(state: &mut State, start_if_idle: bool) -> Result<Option<&Arc<Queue>>, DropReason> {
    if matches!(state, State::Running(pipeline) if pipeline.pid != current_pid()) {
        // Forked: the parent delivers what was queued before the fork. The
        // child leaves that queue untouched (its lock may have been held by
        // the parent's worker) and starts its own.
        std::mem::forget(std::mem::replace(state, State::Idle));
    }
    if matches!(state, State::Idle) && start_if_idle {
        *state = State::Running(start().ok_or(DropReason::Shutdown)?);
    }
    match state {
        State::Running(pipeline) => Ok(Some(&pipeline.queue)),
        State::Idle => Ok(None),
        State::ShutDown => Err(DropReason::Shutdown),
    }
}

/// Hands an event to the worker without blocking; drops and counts it when
/// the queue is full or the agent has shut down.
pub fn submit(event: Event) {
    let mut state = state();
    let outcome = match queue(&mut state, true) {
        Ok(Some(queue)) => queue.push(event),
        Ok(None) => Err(DropReason::Shutdown),
        Err(reason) => Err(reason),
    };
    drop(state);
    if let Err(reason) = outcome {
        METRICS.record_drop(reason, 1);
    }
}

fn running_queue() -> Option<Arc<Queue>> {
    queue(&mut state(), false).ok().flatten().cloned()
}

/// Waits until everything submitted so far has been handed to the sink, or
/// `timeout` passes. True when it all was.
pub fn flush(timeout: Duration) -> bool {
    running_queue().is_none_or(|queue| queue.flush(timeout))
}

/// A flush asked for, to wait for in steps (between which the caller may
/// do other work, such as letting Ruby handle a signal).
pub struct PendingFlush {
    queue: Arc<Queue>,
    target: u64,
}

impl PendingFlush {
    /// True once everything the flush covers is handed to the sink; waits
    /// until then or `until`.
    pub fn wait(&self, until: Instant) -> bool {
        self.queue.wait_flushed(self.target, until)
    }
}

/// Asks for a flush of everything submitted so far; None when no worker
/// runs, so there is nothing to wait for.
pub fn request_flush() -> Option<PendingFlush> {
    let queue = running_queue()?;
    let target = queue.request_flush();
    Some(PendingFlush { queue, target })
}

/// Stops the worker, which sends what is queued and ends (the caller
/// flushes first, to wait for that). Events submitted afterwards are
/// dropped and counted under `shutdown`.
pub fn shut_down() {
    let previous = std::mem::replace(&mut *state(), State::ShutDown);
    if let State::Running(pipeline) = previous {
        pipeline.queue.close();
    }
}

/// Flushes and retires the current worker so that the next event starts
/// one with the settings now in force.
pub fn restart(timeout: Duration) -> bool {
    let flushed = flush(timeout);
    let mut state = state();
    if let State::Running(pipeline) = &*state {
        pipeline.queue.close();
        *state = State::Idle;
    }
    flushed
}

/// Events and bytes waiting to be sent.
pub fn queue_depth() -> (usize, usize) {
    running_queue().map_or((0, 0), |queue| queue.depth())
}

pub fn lock_for_fork() {
    HELD_FOR_FORK.with(|held| *held.borrow_mut() = Some(state()));
}

pub fn unlock_after_fork() {
    HELD_FOR_FORK.with(|held| drop(held.borrow_mut().take()));
}
