//! The bounded hand-off between the app's threads and the worker.
//!
//! Pushing takes one uncontended lock and never blocks or waits. The worker
//! wakes on its own every `flush_interval`, and is woken early only when a
//! batch fills or a flush asks for it, never once per event: the app's
//! threads make no system call here in the common case.
//!
//! The bounds count what the worker holds in memory for a collector that is
//! down (`super::held`) as well: its events, and its compressed bytes.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::flush_watches::{FlushReport, FlushWatches, Undelivered};
use crate::event::Event;
use crate::metrics::DropReason;
use crate::sync::lock;

/// Queue slots allocated up front; beyond this the deque grows as needed.
const PREALLOCATED_EVENTS: usize = 16_384;

#[derive(Debug, Clone, Copy)]
pub struct QueueConfig {
    pub capacity: usize,
    pub max_bytes: usize,
    pub batch_size: usize,
    pub flush_interval: Duration,
}

struct State {
    events: VecDeque<Event>,
    /// The sum of the queued events' `approx_bytes`.
    bytes: usize,
    /// The bytes of the events the worker holds in memory (which events:
    /// `watches`).
    held_bytes: usize,
    /// The batch the worker has taken and not yet dealt with (its events,
    /// their `approx_bytes`): still in memory, so still within the bounds.
    in_flight: usize,
    in_flight_bytes: usize,
    /// Events ever accepted, taken by the worker, and dealt with (in that
    /// order, so each is a prefix of the one before).
    accepted: u64,
    taken: u64,
    finished: u64,
    /// The worker sends at once while a flush waits for this count.
    flush_target: u64,
    watches: FlushWatches,
    /// The process is exiting: the worker sends what it has at once, never
    /// sleeps, and gives up on a batch rather than wait past this.
    exit_deadline: Option<Instant>,
    /// A flush or the exit asked: the worker takes a turn even with nothing
    /// queued (see `next_batch`).
    idle_turn: bool,
    closed: bool,
}

pub struct Queue {
    config: QueueConfig,
    state: Mutex<State>,
    /// Wakes the worker.
    work: Condvar,
    /// Wakes flushers.
    progress: Condvar,
}

impl Queue {
    pub fn new(config: QueueConfig) -> Self {
        Self {
            config: QueueConfig {
                capacity: config.capacity.max(1),
                batch_size: config.batch_size.max(1),
                ..config
            },
            state: Mutex::new(State {
                // Allocated once (up to a point) so that pushes on the app's
                // threads do not pay for the deque doubling.
                events: VecDeque::with_capacity(config.capacity.min(PREALLOCATED_EVENTS)),
                bytes: 0,
                held_bytes: 0,
                in_flight: 0,
                in_flight_bytes: 0,
                accepted: 0,
                taken: 0,
                finished: 0,
                flush_target: 0,
                watches: FlushWatches::default(),
                exit_deadline: None,
                idle_turn: false,
                closed: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
        }
    }

    pub fn push(&self, event: Event) -> Result<(), DropReason> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(DropReason::Shutdown);
        }
        let (events, bytes) = state.depth();
        if events >= self.config.capacity || bytes + event.approx_bytes > self.config.max_bytes {
            return Err(DropReason::QueueFull);
        }
        state.bytes += event.approx_bytes;
        state.events.push_back(event);
        state.accepted += 1;
        let batch_full = state.events.len() == self.config.batch_size;
        let exiting = state.exit_deadline.is_some();
        drop(state);
        if batch_full || exiting {
            self.work.notify_one();
        }
        Ok(())
    }

    /// For the worker: blocks until a batch is due, then moves up to
    /// `batch_size` events into `batch` and returns the sequence number of
    /// the first. A batch is due when it is full, when a flush, shutdown or
    /// exit asks, or at `next_tick`, which the worker's clock sets one
    /// `flush_interval` apart, so no event waits longer than that. The batch
    /// is empty at a tick with nothing queued, and when a flush or the exit
    /// asks with nothing queued, and at `retry_at`: the worker's turn to
    /// retry what it holds or spooled. Returns None once the queue is closed
    /// and empty.
    pub fn next_batch(
        &self,
        batch: &mut Vec<Event>,
        next_tick: &mut Instant,
        retry_at: Option<Instant>,
    ) -> Option<u64> {
        let mut state = lock(&self.state);
        loop {
            let waiting = state.events.len();
            let asked = state.closed
                || state.exit_deadline.is_some()
                || state.flush_target > state.finished;
            if waiting >= self.config.batch_size || (waiting > 0 && asked) {
                break;
            }
            if state.closed {
                return None;
            }
            if std::mem::take(&mut state.idle_turn) {
                break;
            }
            if retry_at.is_some_and(|at| Instant::now() >= at) {
                break;
            }
            if Instant::now() >= *next_tick {
                *next_tick = Instant::now() + self.config.flush_interval;
                break;
            }
            let wake = retry_at.map_or(*next_tick, |at| at.min(*next_tick));
            state = wait_until(&self.work, state, wake).0;
        }
        let take = state.events.len().min(self.config.batch_size);
        let taken: usize = state.events.range(..take).map(|e| e.approx_bytes).sum();
        state.bytes -= taken;
        state.in_flight = take;
        state.in_flight_bytes = taken;
        batch.extend(state.events.drain(..take));
        let first = state.taken + 1;
        state.taken += take as u64;
        Some(first)
    }

    /// For the worker: `count` events taken by `next_batch` are dealt with;
    /// `undelivered` says which of them were not delivered.
    pub fn finished(&self, count: usize, undelivered: &[Undelivered]) {
        let mut state = lock(&self.state);
        state.finished += count as u64;
        state.in_flight = 0;
        state.in_flight_bytes = 0;
        state.watches.record(undelivered);
        drop(state);
        self.progress.notify_all();
    }

    /// For the worker: it holds events `seqs` in memory until the collector
    /// takes them; `held_bytes` is what it holds now, all batches together.
    pub fn hold(&self, seqs: &[u64], held_bytes: usize) {
        let mut state = lock(&self.state);
        // Held, they leave the batch in flight, with their share of its bytes.
        let leaving = seqs.len().min(state.in_flight);
        state.in_flight_bytes -= state.in_flight_bytes * leaving / state.in_flight.max(1);
        state.in_flight -= leaving;
        state.held_bytes = held_bytes;
        state.watches.hold(seqs);
    }

    /// For the worker: the oldest `events` it held are dealt with, the last
    /// `dropped` of them dropped (and counted), the rest delivered; it holds
    /// `held_bytes` now.
    pub fn release_held(&self, events: u64, dropped: u64, held_bytes: usize) {
        let mut state = lock(&self.state);
        state.held_bytes = held_bytes;
        let dropped = dropped.min(events);
        state.watches.release(events - dropped, false);
        state.watches.release(dropped, true);
        drop(state);
        self.progress.notify_all();
    }

    /// Waits until every event accepted so far is dealt with, or `timeout`
    /// passes.
    #[cfg(test)]
    pub fn flush(&self, timeout: Duration) -> FlushReport {
        let watch = self.request_flush();
        self.wait_flushed(watch, Instant::now() + timeout)
    }

    /// Asks the worker to send everything accepted so far, now; returns the
    /// flush to wait for with `wait_flushed` (and to `forget` if the wait is
    /// abandoned).
    pub fn request_flush(&self) -> u64 {
        let mut state = lock(&self.state);
        let (finished, accepted) = (state.finished, state.accepted);
        state.flush_target = state.flush_target.max(accepted);
        let id = state.watches.start(finished, accepted);
        state.idle_turn = true;
        self.work.notify_one();
        id
    }

    /// `request_flush` for the process's exit, which from now on ends by
    /// `deadline`. It covers what the exit has not yet reported on.
    pub fn request_exit_flush(&self, deadline: Instant) -> u64 {
        let mut state = lock(&self.state);
        state.exit_deadline = Some(deadline);
        let (finished, accepted) = (state.finished, state.accepted);
        state.flush_target = state.flush_target.max(accepted);
        let id = state.watches.start_exit(finished, accepted);
        state.idle_turn = true;
        self.work.notify_all();
        id
    }

    /// The exit flush `watch` has been reported on. When all was delivered,
    /// the exit is over for now: delivery goes back to normal.
    pub fn exit_reported(&self, watch: u64, all_delivered: bool) {
        let mut state = lock(&self.state);
        state.watches.exit_reported(watch, all_delivered);
        if all_delivered {
            state.exit_deadline = None;
        }
    }

    /// Waits until the flush `watch` covers is dealt with, or `deadline`;
    /// then what became of its events (nothing, for a flush forgotten).
    pub fn wait_flushed(&self, watch: u64, deadline: Instant) -> FlushReport {
        let mut state = lock(&self.state);
        loop {
            let Some(report) = state.watches.report(watch, state.finished) else {
                return FlushReport::default();
            };
            if report.pending == 0 || Instant::now() >= deadline {
                return report;
            }
            state = wait_until(&self.progress, state, deadline).0;
        }
    }

    pub fn forget(&self, watch: u64) {
        lock(&self.state).watches.forget(watch);
    }

    /// Moves the exit's deadline (to now: stop waiting), or ends the exit
    /// (None: the process did not exit after all).
    pub fn set_exit_deadline(&self, deadline: Option<Instant>) {
        lock(&self.state).exit_deadline = deadline;
        self.work.notify_all();
        self.progress.notify_all();
    }

    pub fn exit_deadline(&self) -> Option<Instant> {
        lock(&self.state).exit_deadline
    }

    /// For the worker: waits `duration` (a retry's backoff, an open
    /// circuit), unless the process starts exiting or the queue closes
    /// first. True when it waited the whole time.
    pub fn pause(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        let mut state = lock(&self.state);
        while state.exit_deadline.is_none() && !state.closed {
            let timed_out;
            (state, timed_out) = wait_until(&self.work, state, until);
            if timed_out {
                return true;
            }
        }
        false
    }

    /// Refuses new events; the worker sends what is queued, then stops.
    pub fn close(&self) {
        lock(&self.state).closed = true;
        self.work.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Events and bytes waiting: queued, being sent, and held.
    pub fn depth(&self) -> (usize, usize) {
        lock(&self.state).depth()
    }
}

impl State {
    /// Events and bytes the bounds count: queued, taken by the worker and
    /// not yet dealt with, and held.
    fn depth(&self) -> (usize, usize) {
        (
            self.events.len() + self.in_flight + self.watches.held_events(),
            self.bytes + self.in_flight_bytes + self.held_bytes,
        )
    }
}

/// Waits on `condvar` until woken or `deadline`; true when the deadline
/// passed.
fn wait_until<'a>(
    condvar: &Condvar,
    state: MutexGuard<'a, State>,
    deadline: Instant,
) -> (MutexGuard<'a, State>, bool) {
    let timeout = deadline.saturating_duration_since(Instant::now());
    let (state, result) = condvar
        .wait_timeout(state, timeout)
        .unwrap_or_else(PoisonError::into_inner);
    (state, result.timed_out())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::test_events::event;
    use std::sync::Arc;
    use std::thread;

    fn queue(capacity: usize, batch_size: usize, flush_interval: Duration) -> Arc<Queue> {
        Arc::new(Queue::new(QueueConfig {
            capacity,
            max_bytes: usize::MAX,
            batch_size,
            flush_interval,
        }))
    }

    /// A worker that counts what it takes.
    fn spawn_worker(queue: Arc<Queue>) -> thread::JoinHandle<Vec<usize>> {
        thread::spawn(move || {
            let mut sizes = Vec::new();
            let mut batch = Vec::new();
            let mut next_tick = Instant::now() + queue.config.flush_interval;
            while queue.next_batch(&mut batch, &mut next_tick, None).is_some() {
                if batch.is_empty() {
                    continue;
                }
                sizes.push(batch.len());
                let n = batch.len();
                batch.clear();
                queue.finished(n, &[]);
            }
            sizes
        })
    }

    #[test]
    fn a_full_queue_refuses_without_blocking() {
        let queue = queue(3, 10, Duration::from_secs(60));
        for _ in 0..3 {
            queue.push(event()).unwrap();
        }
        assert_eq!(queue.push(event()), Err(DropReason::QueueFull));
        assert_eq!(queue.depth().0, 3);
    }

    #[test]
    fn the_queue_is_bounded_by_bytes_too() {
        let one = event().approx_bytes;
        let queue = Queue::new(QueueConfig {
            capacity: 1_000,
            max_bytes: one * 2,
            batch_size: 10,
            flush_interval: Duration::from_secs(60),
        });
        queue.push(event()).unwrap();
        queue.push(event()).unwrap();
        assert_eq!(queue.push(event()), Err(DropReason::QueueFull));
        assert_eq!(queue.depth(), (2, one * 2));
    }

    #[test]
    fn the_bound_counts_the_batch_being_sent_and_held_events() {
        let queue = queue(4, 2, Duration::from_secs(60));
        for _ in 0..4 {
            queue.push(event()).unwrap();
        }
        let mut batch = Vec::new();
        let mut tick = Instant::now() + Duration::from_secs(60);
        assert_eq!(queue.next_batch(&mut batch, &mut tick, None), Some(1));
        assert_eq!(
            queue.push(event()),
            Err(DropReason::QueueFull),
            "taken, not sent"
        );
        queue.hold(&[1, 2], 100);
        queue.finished(2, &[]);
        assert_eq!(queue.push(event()), Err(DropReason::QueueFull), "held");
        assert_eq!(queue.depth().0, 4);
        queue.release_held(2, 0, 0);
        queue.push(event()).unwrap();
        assert_eq!(queue.depth().0, 3);
    }

    #[test]
    fn batches_fill_to_batch_size_and_flush_takes_the_rest() {
        let queue = queue(1_000, 10, Duration::from_secs(60));
        let worker = spawn_worker(queue.clone());
        for _ in 0..25 {
            queue.push(event()).unwrap();
        }
        assert!(queue.flush(Duration::from_secs(5)).all_delivered());
        queue.close();
        let sizes = worker.join().unwrap();
        assert_eq!(sizes.iter().sum::<usize>(), 25);
        assert!(sizes.iter().all(|&n| n <= 10));
    }

    #[test]
    fn a_partial_batch_goes_after_the_flush_interval() {
        let queue = queue(1_000, 100, Duration::from_millis(50));
        let worker = spawn_worker(queue.clone());
        queue.push(event()).unwrap();
        thread::sleep(Duration::from_millis(300));
        assert_eq!(queue.depth(), (0, 0));
        queue.close();
        assert_eq!(worker.join().unwrap(), vec![1]);
    }

    #[test]
    fn flush_gives_up_at_its_deadline_when_no_worker_runs() {
        let queue = queue(10, 10, Duration::from_secs(60));
        queue.push(event()).unwrap();
        let started = Instant::now();
        let report = queue.flush(Duration::from_millis(100));
        assert_eq!((report.covered, report.pending), (1, 1));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn exiting_wakes_a_paused_worker_and_sends_partial_batches_at_once() {
        let queue = queue(100, 10, Duration::from_secs(60));
        let pauser = {
            let queue = queue.clone();
            thread::spawn(move || queue.pause(Duration::from_secs(60)))
        };
        thread::sleep(Duration::from_millis(50));
        queue.request_exit_flush(Instant::now() + Duration::from_secs(5));
        assert!(
            !pauser.join().unwrap(),
            "the pause ends when the exit begins"
        );
        assert!(!queue.pause(Duration::from_secs(60)));
        queue.push(event()).unwrap();
        let mut batch = Vec::new();
        let mut tick = Instant::now() + Duration::from_secs(60);
        assert_eq!(queue.next_batch(&mut batch, &mut tick, None), Some(1));
        assert_eq!(batch.len(), 1);
    }

    #[test]
    fn closing_refuses_new_events() {
        let queue = queue(10, 10, Duration::from_secs(60));
        queue.close();
        assert_eq!(queue.push(event()), Err(DropReason::Shutdown));
    }
}
