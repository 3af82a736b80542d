//! Sending one batch: retries with backoff, the circuit breaker, batches a
//! receiver refuses as too large split in halves, and what happens to a
//! batch that fails: without a spool, held in memory, compressed, and tried
//! again when its backoff and the circuit breaker allow, while the worker
//! goes on taking events (later batches are held behind it, in order); with
//! a spool, retried in place, then written to disk and replayed later in
//! order. While the process exits, nothing waits: a collector that cannot
//! be reached fails every batch at once, and no attempt runs past the
//! exit's deadline.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use flate2::Compression;

use super::encoder;
use super::flush_watches::Undelivered;
use super::held::{Held, HeldBatch};
use super::queue::Queue;
use super::retry::{self, CircuitBreaker, CircuitState};
use super::sink::{self, BodyFormat, Outcome, Sink};
use super::spool::{Spool, SpoolError};
use crate::metrics::{DropReason, METRICS};
use crate::settings::{DeliverySettings, Settings};
use crate::stdio;
use crate::{ids, process};

/// The longest `Retry-After` a batch waits out in place. A collector asking
/// for longer (a rate limit, maintenance) fails the batch at once: it goes
/// to the spool when there is one, else it is held and tried again after
/// the Retry-After or `circuit_breaker_timeout`, whichever comes first; the
/// worker never sleeps for an hour.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// While exiting, a send must end this long before the deadline, so that
/// its batch can still be written to the spool.
const EXIT_MARGIN: Duration = Duration::from_millis(100);

/// How one attempt at a batch (with its retries) fared.
enum Sent {
    Delivered,
    /// Refused for good; already counted as dropped.
    Dropped,
    /// Taken, but this many of its events refused (an OTLP
    /// `partial_success`, which does not say which: taken as the last
    /// ones); already counted as dropped.
    PartlyDropped(u64),
    /// Refused as too large: smaller batches may pass.
    TooLarge(String),
    /// Still failing after every retry, or asked to wait too long.
    Failed(String),
}

/// How one attempt fared: done with, or to be tried again.
enum Tried {
    Done(Sent),
    Retry {
        error: String,
        /// The collector's `Retry-After`.
        after: Option<Duration>,
        /// Nothing answered: it is not worth waiting for at exit.
        unreachable: bool,
    },
}

/// How a batch is dealt with once a send fails: `deliver_holding` or
/// `deliver_with_spool`.
type Policy<'a> = fn(&mut Sender<'a>, &[u8], &[u64], &mut Vec<Undelivered>);

pub struct Sender<'a> {
    delivery: &'a DeliverySettings,
    queue: &'a Queue,
    sink: Sink,
    spool: Option<Spool>,
    /// Without a spool: batches that wait for the collector.
    held: Held,
    /// Attempts at the oldest held batch that failed since its last round
    /// of retries began, and when it may be tried next (None: now).
    held_attempts: u32,
    next_held_attempt: Option<Instant>,
    breaker: CircuitBreaker,
    compressed: Vec<u8>,
    /// Problems already printed; each is said once, the counters say how often.
    reported: HashSet<String>,
    /// During an exit or a shutdown: why a batch failed. The collector had
    /// its chance; the rest of the exit (or shutdown) does not try again.
    failed_while_ending: Option<String>,
    /// The last error of an attempt, which an open circuit's message gives.
    last_attempt_error: String,
    /// When the first attempt that failed since the collector last
    /// answered was made: the outage began then.
    failing_since: Option<Instant>,
    /// Whether the outage was said on stderr (the circuit opened): its end
    /// is said then too.
    said_failing: bool,
}

impl<'a> Sender<'a> {
    pub fn new(settings: &'a Settings, queue: &'a Queue) -> Self {
        let delivery = &settings.delivery;
        Sender {
            delivery,
            queue,
            sink: Sink::for_settings(settings),
            spool: open_spool(delivery),
            held: Held::default(),
            held_attempts: 0,
            next_held_attempt: None,
            breaker: CircuitBreaker::new(
                delivery.circuit_breaker_threshold,
                delivery.circuit_breaker_timeout(),
            ),
            compressed: Vec::new(),
            reported: HashSet::new(),
            failed_while_ending: None,
            last_attempt_error: String::new(),
            failing_since: None,
            said_failing: false,
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

    /// Without a spool: older held batches go first; a batch that cannot go
    /// now is held, and tried again when its backoff (`next_retry`) or the
    /// circuit breaker allows. While the agent shuts down (queue closed) or
    /// the process exits, nothing more is held: what fails is dropped and
    /// counted.
    fn deliver_holding(&mut self, json: &[u8], seqs: &[u64], undelivered: &mut Vec<Undelivered>) {
        let count = seqs.len() as u64;
        // An exit that began during a held batch's attempt: they all get
        // their last chance first.
        let older_gone = self.send_held() || (self.ending() && self.send_held());
        let ending = self.ending();
        let mut sent = if !older_gone {
            Sent::Failed("older held batches could not be sent first".into())
        } else if ending {
            self.send(json, count)
        } else if !self.may_try() {
            Sent::Failed("waiting to retry".into())
        } else {
            let tried = self.try_json(json, count);
            self.held_outcome(tried)
        };
        if matches!(sent, Sent::Failed(_)) && !ending && self.ending() {
            // An exit or shutdown that began meanwhile: its last chance, by
            // the ending's rules, after the older held batches have had theirs.
            self.send_held();
            sent = self.send(json, count);
        }
        if !matches!(sent, Sent::Failed(_)) || self.ending() {
            // Not held: no retry state is its.
            self.new_head();
        }
        match sent {
            Sent::Delivered => {}
            Sent::Dropped => dropped(seqs, undelivered),
            Sent::PartlyDropped(count) => dropped(last(seqs, count), undelivered),
            Sent::TooLarge(error) => {
                self.split(json, seqs, &error, undelivered, Self::deliver_holding)
            }
            Sent::Failed(error) if self.ending() => {
                self.give_up(count, &error);
                dropped(seqs, undelivered);
            }
            Sent::Failed(_) => {
                self.held
                    .push(HeldBatch::new(json, count, &mut self.compressed));
                self.queue.hold(seqs, self.held.bytes());
            }
        }
    }

    /// Sends held batches, oldest first, as far as their backoff and the
    /// circuit breaker allow (while ending: each gets its last chance, and
    /// what fails is dropped); true once none is left.
    fn send_held(&mut self) -> bool {
        while let Some(batch) = self.held.pop() {
            let ending = self.ending();
            if !ending && !self.may_try() {
                self.held.push_front(batch);
                return false;
            }
            let sent = if ending {
                self.send(&batch.json(), batch.events)
            } else {
                let json;
                let body = if self.sink.gzip() {
                    batch.gzip()
                } else {
                    json = batch.json();
                    &json
                };
                let tried = self.try_once(body, batch.json_len, batch.events);
                self.held_outcome(tried)
            };
            let dropped = match sent {
                Sent::Delivered => 0,
                Sent::Dropped => batch.events,
                Sent::PartlyDropped(count) => count,
                Sent::TooLarge(error) => match encoder::halves(&batch.json()) {
                    Some([(first, n1), (second, n2)]) => {
                        self.held
                            .push_front(HeldBatch::new(&second, n2, &mut self.compressed));
                        self.held
                            .push_front(HeldBatch::new(&first, n1, &mut self.compressed));
                        self.new_head();
                        // No more events, other bytes.
                        self.queue.hold(&[], self.held.bytes());
                        continue;
                    }
                    None => {
                        self.drop_too_large(batch.events, &error);
                        batch.events
                    }
                },
                Sent::Failed(error) if ending => {
                    self.give_up(batch.events, &error);
                    batch.events
                }
                Sent::Failed(_) => {
                    self.held.push_front(batch);
                    return false;
                }
            };
            self.new_head();
            self.queue
                .release_held(batch.events, dropped, self.held.bytes());
        }
        true
    }

    /// An attempt at the oldest held batch (or the one to be held), as a
    /// send's outcome: when it may go again, it is failed for now, and
    /// `held_failed` says when to try it next.
    fn held_outcome(&mut self, tried: Tried) -> Sent {
        match tried {
            Tried::Done(sent) => sent,
            Tried::Retry {
                error,
                after,
                unreachable,
            } => {
                self.held_failed(error.clone(), after, unreachable);
                Sent::Failed(error)
            }
        }
    }

    /// The oldest held batch is another now: its attempts start afresh.
    fn new_head(&mut self) {
        self.held_attempts = 0;
        self.next_held_attempt = None;
    }

    /// When the worker stops (the agent shut down, or restarted with new
    /// settings): what it holds gets its last chance, and what fails is
    /// dropped and counted.
    pub fn finish(&mut self) {
        self.send_held();
    }

    /// When the worker should take a turn to retry what it holds.
    pub fn next_retry(&self) -> Option<Instant> {
        if self.held.is_empty() {
            return None;
        }
        Some(self.next_held_attempt.unwrap_or_else(Instant::now))
    }

    /// Whether a held batch (or one that would be held) may be tried now:
    /// its backoff has passed and the circuit is not open.
    fn may_try(&mut self) -> bool {
        let now = Instant::now();
        if self.next_held_attempt.is_some_and(|at| now < at) {
            return false;
        }
        if self.breaker.state(now) == CircuitState::Open {
            self.next_held_attempt = Some(now + self.breaker.wait(now));
            return false;
        }
        self.next_held_attempt = None;
        true
    }

    /// An attempt at the oldest held batch failed: it is tried again after
    /// its backoff, or, when its retries are spent, it counts against the
    /// circuit breaker and a new round of retries begins (when the circuit
    /// is open, once it half-opens). A collector that asked for a longer
    /// wait than is waited out (`MAX_RETRY_AFTER`) gets it, up to
    /// `circuit_breaker_timeout`: the worker goes on meanwhile.
    fn held_failed(&mut self, error: String, after: Option<Duration>, unreachable: bool) {
        self.held_attempts += 1;
        self.next_held_attempt =
            match self.retry_wait(error, after, unreachable, self.held_attempts) {
                Ok(wait) => {
                    METRICS.retries.fetch_add(1, Relaxed);
                    Some(Instant::now() + wait)
                }
                Err(_) => {
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    self.held_attempts = 0;
                    self.batch_failed();
                    publish(&self.breaker);
                    let longest = self.delivery.circuit_breaker_timeout();
                    after.map(|after| Instant::now() + after.min(longest))
                }
            };
    }

    /// The agent is shutting down (the queue is closed) or the process
    /// exits: batches get their last chance now, and are not held.
    fn ending(&self) -> bool {
        self.queue.exit_deadline().is_some() || self.queue.is_closed()
    }

    /// Drops `count` events that failed while ending, counted as `exit`
    /// (the exit's own report says it, once, with the total) or, when the
    /// agent shut down, `retries_exhausted`.
    fn give_up(&mut self, count: u64, error: &str) {
        if self.queue.exit_deadline().is_some() {
            METRICS.record_drop(DropReason::Exit, count);
            METRICS.set_last_error(error);
        } else {
            METRICS.record_drop(DropReason::RetriesExhausted, count);
            self.report(DropReason::RetriesExhausted, error);
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
            self.send(json, seqs.len() as u64)
        } else {
            Sent::Failed("older spooled batches could not be sent first".into())
        };
        match sent {
            Sent::Delivered => {}
            Sent::Dropped => dropped(seqs, undelivered),
            Sent::PartlyDropped(count) => dropped(last(seqs, count), undelivered),
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

    /// With nothing else to send (a tick, a retry's time, a flush, the
    /// exit, the shutdown): held batches go as far as they may, and spooled
    /// ones, unless the circuit breaker holds them back (never at exit, the
    /// collector's last chance).
    pub fn send_waiting(&mut self) {
        self.send_held();
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
            match self.send(&json, entry.events) {
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
                Sent::Delivered | Sent::Dropped | Sent::PartlyDropped(_) => spool.remove(entry),
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

    /// One batch, with retries, failed at once while the circuit is open.
    /// While exiting, an open circuit still gets one attempt (the collector
    /// may be back, and this is its last chance), and once a batch has
    /// failed while exiting or shutting down, the rest fail at once.
    fn send(&mut self, json: &[u8], count: u64) -> Sent {
        if !self.ending() {
            self.failed_while_ending = None;
        } else if let Some(error) = &self.failed_while_ending {
            return Sent::Failed(error.clone());
        }
        if self.queue.exit_deadline().is_none()
            && self.breaker.state(Instant::now()) == CircuitState::Open
        {
            return Sent::Failed(self.circuit_open());
        }
        let mut attempt = 0;
        let sent = loop {
            let (error, after, unreachable) = match self.try_json(json, count) {
                Tried::Done(sent) => break sent,
                Tried::Retry {
                    error,
                    after,
                    unreachable,
                } => (error, after, unreachable),
            };
            attempt += 1;
            match self.retry_wait(error, after, unreachable, attempt) {
                Ok(wait) => {
                    METRICS.retries.fetch_add(1, Relaxed);
                    // Cut short when the process starts exiting: the next
                    // attempt then follows the exit's rules.
                    self.queue.pause(wait);
                }
                Err(error) => {
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    break Sent::Failed(error);
                }
            }
        };
        if let Sent::Failed(error) = &sent {
            self.batch_failed();
            if self.ending() {
                self.failed_while_ending = Some(error.clone());
            }
        }
        publish(&self.breaker);
        sent
    }

    /// `try_once` for a batch's JSON, gzipped first when the sink wants it.
    fn try_json(&mut self, json: &[u8], count: u64) -> Tried {
        if !self.sink.gzip() {
            return self.try_once(json, json.len(), count);
        }
        let mut compressed = std::mem::take(&mut self.compressed);
        let tried = self.try_once(
            encoder::gzip(json, &mut compressed, Compression::fast()),
            json.len(),
            count,
        );
        self.compressed = compressed;
        tried
    }

    /// One attempt at sending `body` (`json_len` bytes of JSON, `count`
    /// events). While exiting, it ends by the exit's deadline.
    fn try_once(&mut self, body: &[u8], json_len: usize, count: u64) -> Tried {
        publish(&self.breaker);
        let timeout = self.queue.exit_deadline().map(|deadline| {
            deadline
                .saturating_duration_since(Instant::now())
                .saturating_sub(EXIT_MARGIN)
        });
        if timeout == Some(Duration::ZERO) {
            return Tried::Done(Sent::Failed(
                "no time was left before the process exited".into(),
            ));
        }
        let started = Instant::now();
        METRICS.set_sending(true);
        let outcome = self.sink.send(body, timeout);
        METRICS.set_sending(false);
        METRICS.record_request(started.elapsed());
        let tried = match outcome {
            Outcome::Delivered => {
                let sent = self.sink.sent_bytes(body.len());
                METRICS.record_success(count, json_len as u64, sent as u64);
                self.collector_answered();
                Tried::Done(Sent::Delivered)
            }
            // The events refused are counted here, as dropped.
            Outcome::PartlyRejected { rejected, error } => {
                let rejected = rejected.min(count);
                let sent = self.sink.sent_bytes(body.len());
                METRICS.record_success(count - rejected, json_len as u64, sent as u64);
                METRICS.record_drop(DropReason::Rejected, rejected);
                self.report(DropReason::Rejected, &error);
                self.collector_answered();
                Tried::Done(Sent::PartlyDropped(rejected))
            }
            Outcome::Rejected { error, reason } => {
                METRICS.batches_failed.fetch_add(1, Relaxed);
                METRICS.record_drop(reason, count);
                self.report(reason, &error);
                self.collector_answered();
                Tried::Done(Sent::Dropped)
            }
            Outcome::TooLarge { error } => {
                self.collector_answered();
                Tried::Done(Sent::TooLarge(error))
            }
            Outcome::Retry {
                error,
                after,
                unreachable,
            } => Tried::Retry {
                error: match timeout {
                    Some(timeout) if started.elapsed() >= timeout => exit_ran_out(
                        &self.delivery.endpoint,
                        started.elapsed(),
                        self.delivery.shutdown_timeout(),
                    ),
                    _ => error,
                },
                after,
                unreachable,
            },
        };
        publish(&self.breaker);
        tried
    }

    /// After failed attempt number `attempt`: how long to wait before the
    /// next, or Err with why the batch fails now (its retries are spent, the
    /// collector asks for too long a wait, or the exit cannot wait).
    fn retry_wait(
        &mut self,
        error: String,
        after: Option<Duration>,
        unreachable: bool,
        attempt: u32,
    ) -> Result<Duration, String> {
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
        self.failing_since.get_or_insert_with(Instant::now);
        let wait = after.unwrap_or_else(|| {
            retry::backoff(
                self.delivery.retry_backoff(),
                attempt,
                ids::random_fraction(),
            )
        });
        let past_exit = self
            .queue
            .exit_deadline()
            .is_some_and(|deadline| unreachable || Instant::now() + wait + EXIT_MARGIN >= deadline);
        if attempt > self.delivery.retry_attempts || waits_too_long || past_exit {
            return Err(error);
        }
        Ok(wait)
    }

    /// A batch failed after its retries: it counts against the circuit
    /// breaker. The failure that opens it is said on stderr, once an
    /// outage (not while exiting: the exit's line says what was lost), so
    /// that an operator reading the logs sees it, not only health_status.
    fn batch_failed(&mut self) {
        if self.breaker.record_failure(Instant::now()) && !self.ending() {
            let kept = if self.spool.is_some() {
                "events wait in delivery.spool_dir"
            } else {
                "events are held, within performance.event_buffer_size"
            };
            stdio::warn(&format!(
                "delivery to {} is failing in process {}: {}; {kept}, and go once it answers",
                sink::shown_endpoint(&self.delivery.endpoint),
                process::current_pid(),
                self.circuit_open()
            ));
            self.said_failing = true;
        }
    }

    /// The collector answered (whether it took the batch or refused it):
    /// the circuit closes, and a failure said on stderr is followed by its
    /// end.
    fn collector_answered(&mut self) {
        self.breaker.record_success();
        let since = self.failing_since.take();
        if std::mem::take(&mut self.said_failing) {
            stdio::warn(&format!(
                "delivery to {} works again in process {}, after {:.1} s of failures",
                sink::shown_endpoint(&self.delivery.endpoint),
                process::current_pid(),
                since.map_or(0.0, |since| since.elapsed().as_secs_f64())
            ));
        }
    }

    fn circuit_open(&self) -> String {
        format!(
            "the circuit breaker is open after {} failed batches, for {} s (delivery.circuit_breaker_timeout); last error: {}",
            self.delivery.circuit_breaker_threshold,
            self.delivery.circuit_breaker_timeout().as_secs_f64(),
            self.last_attempt_error
        )
    }

    /// The drop in `last_error`, and printed once per distinct problem, up
    /// to `MAX_REPORTED` of them: a collector's messages may differ from
    /// batch to batch (a count in each), and the set must not grow for good.
    fn report(&mut self, reason: DropReason, error: &str) {
        METRICS.set_last_error(error);
        if self.reported.len() < MAX_REPORTED
            && self.reported.insert(format!("{}{error}", reason.name()))
        {
            stdio::warn(&format!("events dropped ({}): {error}", reason.name()));
        }
    }
}

/// Distinct drop problems printed per worker; later ones are in
/// `last_error` and the counters only.
const MAX_REPORTED: usize = 64;

/// Why a send at exit failed when the exit's time ran out.
pub fn exit_ran_out(endpoint: &str, waited: Duration, budget: Duration) -> String {
    format!(
        "a send to {} had waited {:.1} s for an answer when delivery.shutdown_timeout ({:.1} s) ran out",
        sink::shown_endpoint(endpoint),
        waited.as_secs_f64(),
        budget.as_secs_f64()
    )
}

/// The last `count` of `seqs` (all of them when `count` is more).
fn last(seqs: &[u64], count: u64) -> &[u64] {
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    &seqs[seqs.len().saturating_sub(count)..]
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
