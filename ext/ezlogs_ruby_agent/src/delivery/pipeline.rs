//! The process's one queue-and-worker pair, started lazily on the first
//! event (never while the app boots) and replaced after a fork.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::worker::{self, Command};
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::settings;

struct Pipeline {
    /// The process that started the worker. After a fork the child sees a
    /// different pid, and the inherited pipeline has no thread behind it.
    pid: u32,
    sender: SyncSender<Command>,
}

enum State {
    Idle,
    Running(Pipeline),
    ShutDown,
}

static STATE: Mutex<State> = Mutex::new(State::Idle);

fn start() -> Option<Pipeline> {
    let delivery = settings::current().settings.delivery.clone();
    let (sender, receiver): (SyncSender<Command>, Receiver<Command>) =
        mpsc::sync_channel(delivery.event_buffer_size.max(1));
    thread::Builder::new()
        .name("ezlogs-delivery".into())
        .spawn(move || worker::run(receiver, delivery))
        .ok()?;
    Some(Pipeline {
        pid: std::process::id(),
        sender,
    })
}

/// The sender of the running pipeline, starting one if needed.
fn sender(start_if_idle: bool) -> Result<Option<SyncSender<Command>>, DropReason> {
    let mut state = STATE.lock();
    let pid = std::process::id();
    if let State::Running(pipeline) = &*state {
        if pipeline.pid == pid {
            return Ok(Some(pipeline.sender.clone()));
        }
        // Forked: the events queued before the fork belong to the parent,
        // which delivers them. Leak the inherited queue rather than touch
        // state the parent's worker may have held mid-operation.
        let State::Running(inherited) = std::mem::replace(&mut *state, State::Idle) else {
            unreachable!()
        };
        std::mem::forget(inherited);
    }
    match &*state {
        State::ShutDown => Err(DropReason::Shutdown),
        State::Idle if !start_if_idle => Ok(None),
        _ => {
            let pipeline = start().ok_or(DropReason::Shutdown)?;
            let sender = pipeline.sender.clone();
            *state = State::Running(pipeline);
            Ok(Some(sender))
        }
    }
}

/// Hands an event to the worker without blocking; drops and counts it when
/// the queue is full or the agent has shut down.
pub fn submit(event: Event) {
    let outcome = match sender(true) {
        Ok(Some(sender)) => match sender.try_send(Command::Event(Box::new(event))) {
            Ok(()) => return,
            Err(TrySendError::Full(_)) => DropReason::QueueFull,
            Err(TrySendError::Disconnected(_)) => DropReason::Shutdown,
        },
        Ok(None) => DropReason::Shutdown,
        Err(reason) => reason,
    };
    METRICS.record_drop(outcome, 1);
}

/// Waits until everything submitted so far has been handed to the sink, or
/// `timeout` passes. True when it was all handed over in time.
pub fn flush(timeout: Duration) -> bool {
    let Ok(Some(sender)) = sender(false) else {
        return true;
    };
    let deadline = Instant::now() + timeout;
    let (ack, done) = mpsc::sync_channel(1);
    let mut command = Command::Flush(ack);
    loop {
        match sender.try_send(command) {
            Ok(()) => break,
            Err(TrySendError::Full(returned)) if Instant::now() < deadline => {
                command = returned;
                thread::sleep(Duration::from_millis(2));
            }
            Err(_) => return false,
        }
    }
    done.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .is_ok()
}

/// Flushes, then stops the worker. Events submitted afterwards are dropped
/// and counted under `shutdown`.
pub fn shutdown(timeout: Duration) -> bool {
    let flushed = flush(timeout);
    *STATE.lock() = State::ShutDown;
    flushed
}

/// Flushes and retires the current worker so that the next event starts
/// one with the settings now in force.
pub fn restart(timeout: Duration) -> bool {
    let flushed = flush(timeout);
    let mut state = STATE.lock();
    if !matches!(*state, State::ShutDown) {
        *state = State::Idle;
    }
    flushed
}
