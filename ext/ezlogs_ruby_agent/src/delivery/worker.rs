//! The background worker: takes batches from the queue, processes and
//! encodes them into reused buffers, and sends them, retrying as `retry`
//! says. A batch that still fails is held (the queue fills behind it) until
//! the collector answers, or, with a spool, written to disk and replayed
//! later in order. The worker never touches a Ruby object.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;
use std::time::{Duration, Instant};

use super::encoder::{self, Encoder};
use super::queue::Queue;
use super::retry::{self, CircuitBreaker, CircuitState};
use super::sink::{Outcome, Sink};
use super::spool::{Spool, SpoolError};
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::settings::{Active, DeliverySettings};
use crate::{capture, ids};

/// The longest `Retry-After` a batch waits out in place. A collector asking
/// for longer (a rate limit, maintenance) fails the batch at once: it goes
/// to the spool when there is one, else it is counted as dropped, and the
/// circuit breaker spaces out the next attempts; the worker never sleeps
/// for an hour holding it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How one batch fared.
enum Sent {
    Delivered,
    /// Refused for good; already counted as dropped.
    Dropped,
    /// Still failing after every retry, or asked to wait too long.
    Failed(String),
}

struct Sender<'a> {
    delivery: &'a DeliverySettings,
    sink: Sink,
    breaker: CircuitBreaker,
    compressed: Vec<u8>,
    /// Problems already printed; each is said once, the counters say how often.
    reported: HashSet<String>,
}

pub fn run(queue: &Queue, active: &Active) {
    let delivery = &active.settings.delivery;
    let sink = Sink::for_settings(&active.settings);
    let mut encoder = Encoder::new(sink.format());
    let mut spool = open_spool(delivery);
    let mut sender = Sender {
        delivery,
        sink,
        breaker: CircuitBreaker::new(
            delivery.circuit_breaker_threshold,
            delivery.circuit_breaker_timeout(),
        ),
        compressed: Vec::new(),
        reported: HashSet::new(),
    };
    let mut batch: Vec<Event> = Vec::with_capacity(delivery.batch_size);
    let mut next_tick = Instant::now() + delivery.flush_interval();
    while queue.next_batch(&mut batch, &mut next_tick) {
        let taken = batch.len();
        for mut event in batch.drain(..) {
            if !super::prepare(&active.processor, &mut event) {
                continue;
            }
            if matches!(sender.sink, Sink::Memory) {
                capture::push(event);
                continue;
            }
            if !encoder.push(&event) {
                METRICS.record_drop(DropReason::TooLarge, 1);
            }
            if encoder.json_len() >= delivery.max_batch_bytes {
                sender.deliver(&mut encoder, spool.as_mut(), queue);
            }
        }
        if encoder.count() > 0 {
            sender.deliver(&mut encoder, spool.as_mut(), queue);
        }
        queue.finished(taken);
    }
}

fn open_spool(delivery: &DeliverySettings) -> Option<Spool> {
    let dir = delivery.spool_dir.as_deref().filter(|d| !d.is_empty())?;
    match Spool::open(Path::new(dir), delivery.spool_max_bytes) {
        Ok(spool) => {
            METRICS.spool_bytes.store(spool.bytes(), Relaxed);
            Some(spool)
        }
        Err(error) => {
            let message = format!("cannot use delivery.spool_dir {dir:?}: {error}; batches are held in memory instead");
            METRICS.set_last_error(&message);
            super::to_stderr(&message);
            None
        }
    }
}

impl Sender<'_> {
    fn deliver(&mut self, encoder: &mut Encoder, spool: Option<&mut Spool>, queue: &Queue) {
        let count = encoder.count() as u64;
        METRICS
            .bytes_serialized
            .fetch_add(encoder.json_len() as u64, Relaxed);
        let json = encoder.finish();
        match spool {
            Some(spool) => self.deliver_with_spool(json, count, spool),
            None => self.deliver_holding(json, count, queue),
        }
        encoder.clear();
    }

    /// Without a spool: hold the batch until it goes, unless the queue has
    /// closed (the agent is shutting down), when it is dropped and counted.
    fn deliver_holding(&mut self, json: &[u8], count: u64, queue: &Queue) {
        loop {
            let Sent::Failed(error) = self.send(json, count, true) else {
                return;
            };
            if queue.is_closed() {
                METRICS.record_drop(DropReason::RetriesExhausted, count);
                self.report(DropReason::RetriesExhausted, &error);
                return;
            }
        }
    }

    /// With a spool: older spooled batches go first; while they cannot, and
    /// whenever this one cannot, it joins them on disk.
    fn deliver_with_spool(&mut self, json: &[u8], count: u64, spool: &mut Spool) {
        let sent = if self.replay(spool) {
            self.send(json, count, false)
        } else {
            Sent::Failed("older spooled batches could not be sent first".into())
        };
        if let Sent::Failed(error) = sent {
            if let Err(problem) = spool.push(json, count) {
                METRICS.record_drop(DropReason::RetriesExhausted, count);
                let why = match problem {
                    SpoolError::Full => "delivery.spool_max_bytes reached".to_owned(),
                    SpoolError::Io(io) => format!("cannot write to the spool: {io}"),
                };
                self.report(DropReason::RetriesExhausted, &format!("{why} ({error})"));
            }
        }
        METRICS.spool_bytes.store(spool.bytes(), Relaxed);
    }

    /// Sends spooled batches, oldest first; true once none is left.
    fn replay(&mut self, spool: &Spool) -> bool {
        while let Some((entry, json)) = spool.claim_oldest() {
            match self.send(&json, entry.events, false) {
                Sent::Failed(_) => {
                    spool.release(entry);
                    return false;
                }
                Sent::Delivered | Sent::Dropped => spool.remove(entry),
            }
        }
        true
    }

    /// One batch, with retries. `wait_while_open`: sleep out an open
    /// circuit rather than fail at once.
    fn send(&mut self, json: &[u8], count: u64, wait_while_open: bool) -> Sent {
        let now = Instant::now();
        if self.breaker.state(now) == CircuitState::Open {
            if !wait_while_open {
                return Sent::Failed("circuit open".into());
            }
            thread::sleep(self.breaker.wait(now));
        }
        let body = if self.sink.gzip() {
            encoder::gzip(json, &mut self.compressed)
        } else {
            json
        };
        let mut attempt = 0;
        let sent = loop {
            publish(&self.breaker);
            match self.sink.send(body) {
                Outcome::Delivered => {
                    METRICS.record_success(count, body.len() as u64);
                    break Sent::Delivered;
                }
                Outcome::Rejected { error, reason } => {
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    METRICS.record_drop(reason, count);
                    self.report(reason, &error);
                    break Sent::Dropped;
                }
                Outcome::Retry { error, after } => {
                    attempt += 1;
                    let waits_too_long = after.is_some_and(|after| after > MAX_RETRY_AFTER);
                    let error = match after {
                        Some(after) if waits_too_long => format!(
                            "{error} (Retry-After {} s, longer than the {} s waited out in place)",
                            after.as_secs(),
                            MAX_RETRY_AFTER.as_secs()
                        ),
                        _ => error,
                    };
                    METRICS.set_last_error(&error);
                    if attempt > self.delivery.retry_attempts || waits_too_long {
                        METRICS.batches_failed.fetch_add(1, Relaxed);
                        break Sent::Failed(error);
                    }
                    METRICS.retries.fetch_add(1, Relaxed);
                    let random = ids::random_fraction();
                    thread::sleep(after.unwrap_or_else(|| {
                        retry::backoff(self.delivery.retry_backoff(), attempt, random)
                    }));
                }
            }
        };
        match sent {
            Sent::Failed(_) => self.breaker.record_failure(Instant::now()),
            _ => self.breaker.record_success(),
        }
        publish(&self.breaker);
        sent
    }

    fn report(&mut self, reason: DropReason, error: &str) {
        METRICS.set_last_error(error);
        if self.reported.insert(format!("{}{error}", reason.name())) {
            super::to_stderr(&format!("events dropped ({}): {error}", reason.name()));
        }
    }
}

fn publish(breaker: &CircuitBreaker) {
    METRICS
        .circuit_state
        .store(breaker.state(Instant::now()) as u8, Relaxed);
}
