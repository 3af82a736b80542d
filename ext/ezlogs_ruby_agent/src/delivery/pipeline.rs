//! The process's one queue-and-worker pair, started lazily on the first
//! event (never while the app boots) and replaced in a forked child.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::flush_watches::FlushReport;
use super::queue::{Queue, QueueConfig};
use super::{scheduling, worker};
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::process::current_pid;
use crate::{settings, stdio, sync};

struct Pipeline {
    /// The process that started the worker. In a forked child the worker
    /// thread does not exist, and the queued events are the parent's.
    pid: u32,
    queue: Arc<Queue>,
}

enum State {
    Idle,
    Running(Pipeline),
    /// `shutdown` was called in process `pid`; a forked child starts anew.
    ShutDown {
        pid: u32,
    },
}

/// Held across a fork (see `crate::sync` for why it is std's mutex).
static STATE: Mutex<State> = Mutex::new(State::Idle);

fn state() -> MutexGuard<'static, State> {
    sync::lock(&STATE)
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
        .spawn(move || {
            scheduling::use_batch_policy();
            worker::run(&worker_queue, &active);
        })
        .ok()?;
    Some(Pipeline {
        pid: current_pid(),
        queue,
    })
}

/// The running pipeline's queue for this process, if any; with `start`,
/// starting one when idle.
fn queue(state: &mut State, start_if_idle: bool) -> Result<Option<&Arc<Queue>>, DropReason> {
    match state {
        State::Running(pipeline) if pipeline.pid != current_pid() => {
            // Forked: the parent delivers what was queued before the fork.
            // The child leaves that queue untouched (its lock may have been
            // held by the parent's worker) and starts its own.
            std::mem::forget(std::mem::replace(state, State::Idle));
        }
        State::ShutDown { pid } if *pid != current_pid() => *state = State::Idle,
        _ => {}
    }
    if matches!(state, State::Idle) && start_if_idle {
        *state = State::Running(start().ok_or(DropReason::Shutdown)?);
    }
    match state {
        State::Running(pipeline) => Ok(Some(&pipeline.queue)),
        State::Idle => Ok(None),
        State::ShutDown { .. } => Err(DropReason::Shutdown),
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
        REFUSED.fetch_add(1, Relaxed);
        if reason == DropReason::QueueFull && !QUEUE_FULL_SAID.swap(true, Relaxed) {
            let delivery = &settings::current().settings.delivery;
            stdio::warn(&format!(
                "events dropped (queue_full): the queue holds at most performance.event_buffer_size ({}) events and performance.event_buffer_bytes ({}) bytes, and the collector takes them more slowly than the app logs them, or not at all; counted in metrics[:events_dropped][:queue_full]",
                delivery.event_buffer_size, delivery.event_buffer_bytes
            ));
        }
    }
}

/// Events refused by `submit` (a full queue, after `shutdown`) since the
/// last `take_refused` (the previous `flush`, in whichever thread): never
/// queued, so no flush watches them, but a flush must not say they were
/// delivered.
static REFUSED: AtomicU64 = AtomicU64::new(0);

pub fn take_refused() -> u64 {
    REFUSED.swap(0, Relaxed)
}

/// The first full queue is said on stderr (once per process: the counter
/// says how often).
static QUEUE_FULL_SAID: AtomicBool = AtomicBool::new(false);

pub(super) fn start_over_in_child() {
    REFUSED.store(0, Relaxed);
    QUEUE_FULL_SAID.store(false, Relaxed);
}

/// This process's running queue, if any.
pub(super) fn running_queue() -> Option<Arc<Queue>> {
    queue(&mut state(), false).ok().flatten().cloned()
}

/// A flush asked for, to wait for in steps (between which the caller may
/// do other work, such as letting Ruby handle a signal).
pub struct PendingFlush {
    pub(super) queue: Arc<Queue>,
    pub(super) watch: u64,
}

impl PendingFlush {
    /// Waits until everything the flush covers is dealt with, or `until`;
    /// then what became of it (`pending` > 0 when not all was dealt with).
    pub fn wait(&self, until: Instant) -> FlushReport {
        self.queue.wait_flushed(self.watch, until)
    }
}

impl Drop for PendingFlush {
    fn drop(&mut self) {
        self.queue.forget(self.watch);
    }
}

/// Asks for a flush of everything submitted so far; None when no worker
/// runs, so there is nothing to wait for.
pub fn request_flush() -> Option<PendingFlush> {
    let queue = running_queue()?;
    let watch = queue.request_flush();
    Some(PendingFlush { queue, watch })
}

/// Stops the worker, which sends what is queued and ends (the caller
/// flushes first, to wait for that). Events submitted afterwards are
/// dropped and counted under `shutdown`.
pub fn shut_down() {
    let pid = current_pid();
    let previous = std::mem::replace(&mut *state(), State::ShutDown { pid });
    if let State::Running(pipeline) = previous {
        pipeline.queue.close();
    }
}

/// Flushes and retires the current worker so that the next event starts
/// one with the settings now in force. True when all was delivered. What
/// was not, the retired worker still sends (its last chance) or drops and
/// counts; the next `flush` waits for that too (`take_retired`).
pub fn restart(timeout: Duration) -> bool {
    let pending = request_flush();
    let flushed = pending
        .as_ref()
        .is_none_or(|pending| pending.wait(Instant::now() + timeout).all_delivered());
    {
        let mut state = state();
        if let State::Running(pipeline) = &*state {
            pipeline.queue.close();
            *state = State::Idle;
        }
    }
    if let Some(pending) = pending.filter(|_| !flushed) {
        sync::lock(&RETIRED).push((current_pid(), pending));
    }
    flushed
}

/// The flushes `restart` left unfinished, with the process that asked: the
/// events a retired worker still has, which no running queue holds.
static RETIRED: Mutex<Vec<(u32, PendingFlush)>> = Mutex::new(Vec::new());

/// The unfinished flushes of workers `restart` retired in this process,
/// for the next `flush` to wait for. A forked child's are its parent's:
/// forgotten, not dropped (dropping one locks the parent's queue, whose
/// lock the fork may have left held).
pub fn take_retired() -> Vec<PendingFlush> {
    let pid = current_pid();
    let (own, parents): (Vec<_>, Vec<_>) = std::mem::take(&mut *sync::lock(&RETIRED))
        .into_iter()
        .partition(|(asked_in, _)| *asked_in == pid);
    std::mem::forget(parents);
    own.into_iter().map(|(_, pending)| pending).collect()
}

/// Events and bytes waiting to be sent.
pub fn queue_depth() -> (usize, usize) {
    running_queue().map_or((0, 0), |queue| queue.depth())
}

/// Before a fork: no other thread may be inside the pipeline's state.
pub fn hold_for_fork() {
    sync::hold_for_fork(&STATE);
    sync::hold_for_fork(&RETIRED);
}
