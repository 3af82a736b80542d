//! Sending one batch: retries with backoff, the circuit breaker, batches a
//! receiver refuses as too large split in halves, and what happens to a
//! batch that still fails: held (the queue fills behind it) until the
//! collector answers, or, with a spool, written to disk and replayed later
//! in order. While the process exits, nothing waits: a collector that
//! cannot be reached fails every batch at once, and no attempt runs past
//! the exit's deadline.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::encoder;
use super::flush_watches::Undelivered;
use super::queue::Queue;
use super::retry::{self, CircuitBreaker, CircuitState};
use super::sink::{self, BodyFormat, Outcome, Sink};
use super::spool::{Spool, SpoolError};
use crate::ids;
use crate::metrics::{DropReason, METRICS};
use crate::settings::{DeliverySettings, Settings};
use crate::stdio;

/// The longest `Retry-After` a batch waits out in place. A collector asking
/// for longer (a rate limit, maintenance) fails the batch at once: it goes
/// to the spool when there is one, else it is held, and the circuit breaker
/// spaces out the next attempts; the worker never sleeps for an hour.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// While exiting, a send must end this long before the deadline, so that
/// its batch can still be written to the spool.
const EXIT_MARGIN: Duration = Duration::from_millis(100);

/// How one attempt at a batch (with its retries) fared.
enum Sent {
    Delivered,
    /// Refused for good; already counted as dropped.
    Dropped,
    /// Refused as too large: smaller batches may pass.
    TooLarge(String),
    /// Still failing after every retry, or asked to wait too long.
    Failed(String),
}

/// How a batch is dealt with once a send fails: `deliver_holding` or
/// `deliver_with_spool`.
type Policy<'a> = fn(&mut Sender<'a>, &[u8], &[u64], &mut Vec<Undelivered>);

pub struct Sender<'a> {
    delivery: &'a DeliverySettings,
    queue: &'a Queue,
    sink: Sink,
    spool: Option<Spool>,
    breaker: CircuitBreaker,
    compressed: Vec<u8>,
    /// Problems already printed; each is said once, the counters say how often.
    reported: HashSet<String>,
    /// During an exit: why a batch failed. The collector had its chance;
    /// the rest of the exit does not try again.
    failed_at_exit: Option<String>,
    /// The last error of an attempt, which an open circuit's message gives.
    last_attempt_error: String,
}

impl<'a> Sender<'a> {
    pub fn new(settings: &'a Settings, queue: &'a Queue) -> Self {
        let delivery = &settings.delivery;
        Sender {
            delivery,
            queue,
            sink: Sink::for_settings(settings),
            spool: open_spool(delivery),
            breaker: CircuitBreaker::new(
                delivery.circuit_breaker_threshold,
                delivery.circuit_breaker_timeout(),
            ),
            compressed: Vec::new(),
            reported: HashSet::new(),
            failed_at_exit: None,
            last_attempt_error: String::new(),
        }
    }

    pub fn format(&self) -> BodyFormat {
        self.sink.format()
    }

    /// `memory://`: the worker hands events to the capture itself.
    pub fn is_memory(&self) -> bool {
        matches!(self.sink, Sink::Memory)
    }

    /// Sends one batch: `json`, holding the events `seqs` (the queue's
    /// sequence numbers). Those not delivered are added to `undelivered`.
    pub fn deliver(&mut self, json: &[u8], seqs: &[u64], undelivered: &mut Vec<Undelivered>) {
        METRICS
            .bytes_serialized
            .fetch_add(json.len() as u64, Relaxed);
        if self.spool.is_some() {
            self.deliver_with_spool(json, seqs, undelivered);
        } else {
            self.deliver_holding(json, seqs, undelivered);
        }
    }

    /// Without a spool: hold the batch until it goes, unless the agent is
    /// shutting down (queue closed) or the process exits; then it is
    /// dropped and counted.
    fn deliver_holding(&mut self, json: &[u8], seqs: &[u64], undelivered: &mut Vec<Undelivered>) {
        loop {
            let error = match self.send(json, seqs.len() as u64, true) {
                Sent::Delivered => return,
                Sent::Dropped => return dropped(seqs, undelivered),
                Sent::TooLarge(error) => {
                    return self.split(json, seqs, &error, undelivered, Self::deliver_holding)
                }
                Sent::Failed(error) => error,
            };
            let reason = if self.queue.exit_deadline().is_some() {
                DropReason::Exit
            } else if self.queue.is_closed() {
                DropReason::RetriesExhausted
            } else {
                continue;
            };
            METRICS.record_drop(reason, seqs.len() as u64);
            if reason == DropReason::Exit {
                // The exit's own report says it, once, with the total.
                METRICS.set_last_error(&error);
            } else {
                self.report(reason, &error);
            }
            return dropped(seqs, undelivered);
        }
    }

    /// With a spool: older spooled batches go first; while they cannot, and
    /// whenever this one cannot, it joins them on disk.
    fn deliver_with_spool(
        &mut self,
        json: &[u8],
        seqs: &[u64],
        undelivered: &mut Vec<Undelivered>,
    ) {
        let sent = if self.replay() {
            self.send(json, seqs.len() as u64, false)
        } else {
            Sent::Failed("older spooled batches could not be sent first".into())
        };
        match sent {
            Sent::Delivered => {}
            Sent::Dropped => dropped(seqs, undelivered),
            Sent::TooLarge(error) => {
                self.split(json, seqs, &error, undelivered, Self::deliver_with_spool)
            }
            Sent::Failed(error) => self.spool_batch(json, seqs, &error, undelivered),
        }
        self.publish_spool();
    }

    fn spool_batch(
        &mut self,
        json: &[u8],
        seqs: &[u64],
        error: &str,
        undelivered: &mut Vec<Undelivered>,
    ) {
        let Some(spool) = self.spool.as_mut() else {
            return;
        };
        match spool.push(json, seqs.len() as u64) {
            Ok(()) => undelivered.extend(seqs.iter().map(|&seq| Undelivered::Spooled(seq))),
            Err(problem) => {
                METRICS.record_drop(DropReason::RetriesExhausted, seqs.len() as u64);
                let why = match problem {
                    SpoolError::Full => "delivery.spool_max_bytes reached".to_owned(),
                    SpoolError::Io(io) => format!("cannot write to the spool: {io}"),
                };
                self.report(DropReason::RetriesExhausted, &format!("{why} ({error})"));
                dropped(seqs, undelivered);
            }
        }
    }

    /// With nothing else to send (a tick, a flush, the exit): spooled
    /// batches go, unless the circuit breaker holds them back (never at
    /// exit, the collector's last chance).
    pub fn replay_spool(&mut self) {
        let exiting = self.queue.exit_deadline().is_some();
        let open = self.breaker.state(Instant::now()) == CircuitState::Open;
        if self.spool.is_none() || (open && !exiting) {
            return;
        }
        self.replay();
        self.publish_spool();
    }

    fn publish_spool(&self) {
        if let Some(spool) = &self.spool {
            let (bytes, events) = spool.contents();
            METRICS.spool_bytes.store(bytes, Relaxed);
            METRICS.spool_events.store(events, Relaxed);
        }
    }

    /// Sends spooled batches, oldest first; true once none is left.
    fn replay(&mut self) -> bool {
        let Some(spool) = self.spool.take() else {
            return true;
        };
        let mut cleared = true;
        while let Some((entry, json)) = spool.claim_oldest() {
            match self.send(&json, entry.events, false) {
                Sent::Failed(_) => {
                    spool.release(entry);
                    cleared = false;
                    break;
                }
                Sent::TooLarge(error) => match encoder::halves(&json) {
                    Some([(first, n1), (second, n2)]) => {
                        if spool.split(entry, [(&first, n1), (&second, n2)]).is_err() {
                            cleared = false;
                            break;
                        }
                    }
                    None => {
                        self.drop_too_large(entry.events, &error);
                        spool.remove(entry);
                    }
                },
                Sent::Delivered | Sent::Dropped => spool.remove(entry),
            }
        }
        self.spool = Some(spool);
        cleared
    }

    /// A batch refused as too large goes again in two halves, each dealt
    /// with by `policy`; a single event refused so is dropped (`too_large`).
    fn split(
        &mut self,
        json: &[u8],
        seqs: &[u64],
        error: &str,
        undelivered: &mut Vec<Undelivered>,
        policy: Policy<'a>,
    ) {
        let Some([(first, n1), (second, _)]) = encoder::halves(json) else {
            self.drop_too_large(seqs.len() as u64, error);
            return dropped(seqs, undelivered);
        };
        let (first_seqs, second_seqs) = seqs.split_at((n1 as usize).min(seqs.len()));
        policy(self, &first, first_seqs, undelivered);
        policy(self, &second, second_seqs, undelivered);
    }

    fn drop_too_large(&mut self, events: u64, error: &str) {
        METRICS.record_drop(DropReason::TooLarge, events);
        self.report(DropReason::TooLarge, error);
    }

    /// One batch, with retries. `wait_while_open`: wait out an open
    /// circuit rather than fail at once. While exiting, an open circuit
    /// still gets one attempt (the collector may be back, and this is its
    /// last chance), and once a batch has failed the rest fail at once.
    fn send(&mut self, json: &[u8], count: u64, wait_while_open: bool) -> Sent {
        let delivery = self.delivery;
        if self.queue.exit_deadline().is_none() {
            self.failed_at_exit = None;
        } else if let Some(error) = &self.failed_at_exit {
            return Sent::Failed(error.clone());
        }
        if self.queue.exit_deadline().is_none()
            && self.breaker.state(Instant::now()) == CircuitState::Open
        {
            let waited = wait_while_open && self.queue.pause(self.breaker.wait(Instant::now()));
            // Woken early by the exit: on to its one attempt.
            if !waited && self.queue.exit_deadline().is_none() {
                return Sent::Failed(self.circuit_open());
            }
        }
        let body = if self.sink.gzip() {
            encoder::gzip(json, &mut self.compressed)
        } else {
            json
        };
        let mut attempt = 0;
        let sent = loop {
            publish(&self.breaker);
            let exit_deadline = self.queue.exit_deadline();
            let timeout = exit_deadline.map(|deadline| {
                deadline
                    .saturating_duration_since(Instant::now())
                    .saturating_sub(EXIT_MARGIN)
            });
            if timeout == Some(Duration::ZERO) {
                break Sent::Failed("no time was left before the process exited".into());
            }
            let started = Instant::now();
            METRICS.set_sending(true);
            let outcome = self.sink.send(body, timeout);
            METRICS.set_sending(false);
            METRICS.record_request(started.elapsed());
            let (error, after, unreachable) = match outcome {
                Outcome::Delivered => {
                    METRICS.record_success(count, json.len() as u64, body.len() as u64);
                    break Sent::Delivered;
                }
                Outcome::Rejected { error, reason } => {
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    METRICS.record_drop(reason, count);
                    self.report(reason, &error);
                    break Sent::Dropped;
                }
                Outcome::TooLarge { error } => break Sent::TooLarge(error),
                Outcome::Retry {
                    error,
                    after,
                    unreachable,
                } => match timeout {
                    Some(timeout) if started.elapsed() >= timeout => (
                        exit_ran_out(
                            &delivery.endpoint,
                            started.elapsed(),
                            delivery.shutdown_timeout(),
                        ),
                        after,
                        unreachable,
                    ),
                    _ => (error, after, unreachable),
                },
            };
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
            self.last_attempt_error.clone_from(&error);
            let wait = after.unwrap_or_else(|| {
                retry::backoff(delivery.retry_backoff(), attempt, ids::random_fraction())
            });
            let past_exit = exit_deadline.is_some_and(|deadline| {
                unreachable || Instant::now() + wait + EXIT_MARGIN >= deadline
            });
            if attempt > delivery.retry_attempts || waits_too_long || past_exit {
                METRICS.batches_failed.fetch_add(1, Relaxed);
                break Sent::Failed(error);
            }
            METRICS.retries.fetch_add(1, Relaxed);
            // Cut short when the process starts exiting: the next attempt
            // then follows the exit's rules.
            self.queue.pause(wait);
        };
        match &sent {
            Sent::Failed(error) => {
                self.breaker.record_failure(Instant::now());
                if self.queue.exit_deadline().is_some() {
                    self.failed_at_exit = Some(error.clone());
                }
            }
            _ => self.breaker.record_success(),
        }
        publish(&self.breaker);
        sent
    }

    fn circuit_open(&self) -> String {
        format!(
            "the circuit breaker is open after {} failed batches, for {} s (delivery.circuit_breaker_timeout); last error: {}",
            self.delivery.circuit_breaker_threshold,
            self.delivery.circuit_breaker_timeout().as_secs_f64(),
            self.last_attempt_error
        )
    }

    fn report(&mut self, reason: DropReason, error: &str) {
        METRICS.set_last_error(error);
        if self.reported.insert(format!("{}{error}", reason.name())) {
            stdio::warn(&format!("events dropped ({}): {error}", reason.name()));
        }
    }
}

/// Why a send at exit failed when the exit's time ran out.
pub fn exit_ran_out(endpoint: &str, waited: Duration, budget: Duration) -> String {
    format!(
        "a send to {} had waited {:.1} s for an answer when delivery.shutdown_timeout ({:.1} s) ran out",
        sink::shown_endpoint(endpoint),
        waited.as_secs_f64(),
        budget.as_secs_f64()
    )
}

fn dropped(seqs: &[u64], undelivered: &mut Vec<Undelivered>) {
    undelivered.extend(seqs.iter().map(|&seq| Undelivered::Dropped(seq)));
}

fn open_spool(delivery: &DeliverySettings) -> Option<Spool> {
    let dir = delivery.spool_dir.as_deref().filter(|d| !d.is_empty())?;
    match Spool::open(Path::new(dir), delivery.spool_max_bytes) {
        Ok(spool) => {
            let (bytes, events) = spool.contents();
            METRICS.spool_bytes.store(bytes, Relaxed);
            METRICS.spool_events.store(events, Relaxed);
            Some(spool)
        }
        Err(error) => {
            let message = format!(
                "cannot use delivery.spool_dir {dir:?}: {error}; batches are held in memory instead"
            );
            METRICS.set_last_error(&message);
            stdio::warn(&message);
            None
        }
    }
}

fn publish(breaker: &CircuitBreaker) {
    METRICS
        .circuit_state
        .store(breaker.state(Instant::now()) as u8, Relaxed);
    METRICS
        .consecutive_failures
        .store(breaker.consecutive_failures().into(), Relaxed);
}
