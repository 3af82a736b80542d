//! The bounded hand-off between the app's threads and the worker.
//!
//! Pushing takes one uncontended lock and never blocks or waits. The worker
//! wakes on its own every `flush_interval`, and is woken early only when a
//! batch fills or a flush asks for it, never once per event: the app's
//! threads make no system call here in the common case.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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

/// What became of the events one flush waited for: those accepted and not
/// yet dealt with when it was asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub covered: u64,
    /// Written to the spool instead of delivered.
    pub spooled: u64,
    /// Dropped, and counted under their reason. Sampled-out events are not
    /// here: the app asked for that.
    pub dropped: u64,
    /// Still queued or being sent when the wait ended.
    pub pending: u64,
}

impl FlushReport {
    pub fn undelivered(&self) -> u64 {
        self.spooled + self.dropped + self.pending
    }

    pub fn all_delivered(&self) -> bool {
        self.undelivered() == 0
    }
}

/// An event the worker took but did not deliver, by its sequence number
/// (the order in which the queue accepted it, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivered {
    Spooled(u64),
    Dropped(u64),
}

/// A flush being waited for: events `from + 1 ..= target`.
struct Watch {
    id: u64,
    from: u64,
    target: u64,
    report: FlushReport,
}

struct State {
    events: VecDeque<Event>,
    /// The sum of the queued events' `approx_bytes`.
    bytes: usize,
    /// Events ever accepted, taken by the worker, and dealt with (in that
    /// order, so each is a prefix of the one before).
    accepted: u64,
    taken: u64,
    finished: u64,
    /// The worker sends at once while a flush waits for this count.
    flush_target: u64,
    watches: Vec<Watch>,
    next_watch: u64,
    /// The process is exiting: the worker sends what it has at once, never
    /// sleeps, and gives up on a batch rather than wait past this.
    exit_deadline: Option<Instant>,
    /// The exit's own flush: it stays, open-ended, once an exit flush has
    /// reported what it could not deliver, so that what later exit flushes
    /// report includes the events that failed in between.
    exit_watch: Option<u64>,
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
                accepted: 0,
                taken: 0,
                finished: 0,
                flush_target: 0,
                watches: Vec::new(),
                next_watch: 0,
                exit_deadline: None,
                exit_watch: None,
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
        if state.events.len() >= self.config.capacity
            || state.bytes + event.approx_bytes > self.config.max_bytes
        {
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
    /// `flush_interval` apart, so no event waits longer than that. Returns
    /// None once the queue is closed and empty.
    pub fn next_batch(&self, batch: &mut Vec<Event>, next_tick: &mut Instant) -> Option<u64> {
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
            if Instant::now() >= *next_tick {
                *next_tick = Instant::now() + self.config.flush_interval;
                if waiting > 0 {
                    break;
                }
            }
            state = wait_until(&self.work, state, *next_tick).0;
        }
        let take = state.events.len().min(self.config.batch_size);
        let taken: usize = state.events.range(..take).map(|e| e.approx_bytes).sum();
        state.bytes -= taken;
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
        for watch in &mut state.watches {
            for event in undelivered {
                let (Undelivered::Spooled(seq) | Undelivered::Dropped(seq)) = *event;
                if seq > watch.from && seq <= watch.target {
                    match event {
                        Undelivered::Spooled(_) => watch.report.spooled += 1,
                        Undelivered::Dropped(_) => watch.report.dropped += 1,
                    }
                }
            }
        }
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
        let id = self.watch(&mut lock(&self.state));
        self.work.notify_one();
        id
    }

    /// `request_flush` for the process's exit, which from now on ends by
    /// `deadline`. It covers what the exit has not yet reported on.
    pub fn request_exit_flush(&self, deadline: Instant) -> u64 {
        let mut state = lock(&self.state);
        state.exit_deadline = Some(deadline);
        let accepted = state.accepted;
        let standing = state.exit_watch;
        let watch = match standing.and_then(|id| state.watches.iter_mut().find(|w| w.id == id)) {
            Some(watch) => {
                watch.target = accepted;
                watch.report.covered = accepted.saturating_sub(watch.from);
                let id = watch.id;
                state.flush_target = state.flush_target.max(accepted);
                id
            }
            None => {
                let id = self.watch(&mut state);
                state.exit_watch = Some(id);
                id
            }
        };
        self.work.notify_all();
        watch
    }

    /// The exit flush `watch` has been reported on. When all was delivered,
    /// the exit is over for now (delivery goes back to normal); else it goes
    /// on, watching every event from here on for the next report.
    pub fn exit_reported(&self, watch: u64, all_delivered: bool) {
        let mut state = lock(&self.state);
        if all_delivered {
            state.watches.retain(|w| w.id != watch);
            state.exit_watch = None;
            state.exit_deadline = None;
        } else if let Some(watch) = state.watches.iter_mut().find(|w| w.id == watch) {
            watch.from = watch.target;
            watch.target = u64::MAX;
            watch.report = FlushReport::default();
        }
    }

    /// Starts watching the events accepted and not yet dealt with.
    fn watch(&self, state: &mut State) -> u64 {
        let (from, target) = (state.finished, state.accepted);
        state.flush_target = state.flush_target.max(target);
        let id = state.next_watch;
        state.next_watch += 1;
        state.watches.push(Watch {
            id,
            from,
            target,
            report: FlushReport {
                covered: target - from,
                ..FlushReport::default()
            },
        });
        id
    }

    /// Waits until the flush `watch` covers is dealt with, or `deadline`;
    /// then what became of its events. The flush stays known until
    /// `forget`, so it can be waited for again.
    pub fn wait_flushed(&self, watch: u64, deadline: Instant) -> FlushReport {
        let mut state = lock(&self.state);
        loop {
            let Some(current) = state.watches.iter().find(|w| w.id == watch) else {
                return FlushReport::default();
            };
            let pending = current
                .target
                .saturating_sub(state.finished.max(current.from));
            if pending == 0 || Instant::now() >= deadline {
                return FlushReport {
                    pending,
                    ..current.report
                };
            }
            state = wait_until(&self.progress, state, deadline).0;
        }
    }

    pub fn forget(&self, watch: u64) {
        lock(&self.state).watches.retain(|w| w.id != watch);
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

    /// Events and bytes waiting.
    pub fn depth(&self) -> (usize, usize) {
        let state = lock(&self.state);
        (state.events.len(), state.bytes)
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
            while queue.next_batch(&mut batch, &mut next_tick).is_some() {
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
    fn a_flush_reports_what_became_of_its_own_events_only() {
        let queue = queue(100, 10, Duration::from_secs(60));
        let mut batch = Vec::new();
        let mut tick = Instant::now();
        for _ in 0..3 {
            queue.push(event()).unwrap();
        }
        // Events 1-3 are taken; 2 is dropped, before any flush asked.
        assert_eq!(queue.next_batch(&mut batch, &mut tick), Some(1));
        queue.finished(3, &[Undelivered::Dropped(2)]);
        for _ in 0..4 {
            queue.push(event()).unwrap();
        }
        let watch = queue.request_flush();
        batch.clear();
        assert_eq!(queue.next_batch(&mut batch, &mut tick), Some(4));
        queue.push(event()).unwrap(); // after the flush: not its business
        queue.finished(4, &[Undelivered::Spooled(5), Undelivered::Dropped(7)]);
        queue.finished(0, &[Undelivered::Dropped(8)]);
        let report = queue.wait_flushed(watch, Instant::now());
        assert_eq!(
            report,
            FlushReport {
                covered: 4,
                spooled: 1,
                dropped: 1,
                pending: 0
            }
        );
        assert!(!report.all_delivered());
        queue.forget(watch);
        assert_eq!(
            queue.wait_flushed(watch, Instant::now()),
            FlushReport::default()
        );
    }

    #[test]
    fn an_exit_that_failed_keeps_counting_what_fails_until_its_next_report() {
        let queue = queue(100, 10, Duration::from_secs(60));
        let mut batch = Vec::new();
        let mut tick = Instant::now();
        queue.push(event()).unwrap();
        let exit = queue.request_exit_flush(Instant::now());
        queue.next_batch(&mut batch, &mut tick);
        queue.finished(1, &[Undelivered::Dropped(1)]);
        assert_eq!(queue.wait_flushed(exit, Instant::now()).dropped, 1);
        queue.exit_reported(exit, false);
        // A later at_exit block logs an event, which fails before the next
        // exit flush asks.
        queue.push(event()).unwrap();
        batch.clear();
        queue.next_batch(&mut batch, &mut tick);
        queue.finished(1, &[Undelivered::Dropped(2)]);
        let again = queue.request_exit_flush(Instant::now());
        let report = queue.wait_flushed(again, Instant::now());
        assert_eq!((again, report.covered, report.dropped), (exit, 1, 1));
        queue.exit_reported(again, true);
        assert_eq!(queue.exit_deadline(), None);
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
        assert_eq!(queue.next_batch(&mut batch, &mut tick), Some(1));
        assert_eq!(batch.len(), 1);
    }

    #[test]
    fn closing_refuses_new_events() {
        let queue = queue(10, 10, Duration::from_secs(60));
        queue.close();
        assert_eq!(queue.push(event()), Err(DropReason::Shutdown));
    }
}
