//! The background worker: takes batches from the queue, encodes them into
//! reused buffers and sends them, retrying as `retry` says. It never
//! touches a Ruby object.

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;
use std::time::Instant;

use super::encoder::Encoder;
use super::queue::Queue;
use super::retry::{self, CircuitBreaker};
use super::sink::{Outcome, Sink};
use crate::event::Event;
use crate::ids;
use crate::metrics::{DropReason, METRICS};
use crate::processor::Processor;
use crate::settings::{Active, DeliverySettings};

struct Worker<'a> {
    queue: &'a Queue,
    delivery: &'a DeliverySettings,
    sink: Sink,
    encoder: Encoder,
    breaker: CircuitBreaker,
    /// Problems already printed; each is said once, the counters say how often.
    reported: HashSet<String>,
}

pub fn run(queue: &Queue, active: &Active) {
    let sink = Sink::for_settings(&active.settings);
    let delivery = &active.settings.delivery;
    let processor: &Processor = &active.processor;
    let mut worker = Worker {
        queue,
        delivery,
        encoder: Encoder::new(sink.format(), sink.gzip()),
        sink,
        breaker: CircuitBreaker::new(
            delivery.circuit_breaker_threshold,
            delivery.circuit_breaker_timeout(),
        ),
        reported: HashSet::new(),
    };
    let mut batch: Vec<Event> = Vec::with_capacity(delivery.batch_size);
    let mut next_tick = Instant::now() + delivery.flush_interval();
    while queue.next_batch(&mut batch, &mut next_tick) {
        let taken = batch.len();
        for mut event in batch.drain(..) {
            if let Err(reason) = processor.process(&mut event) {
                METRICS.record_drop(reason, 1);
                continue;
            }
            if !worker.encoder.push(&event) {
                METRICS.record_drop(DropReason::TooLarge, 1);
            }
            if worker.encoder.json_len() >= delivery.max_batch_bytes {
                worker.deliver();
            }
        }
        if worker.encoder.count() > 0 {
            worker.deliver();
        }
        queue.finished(taken);
    }
}

impl Worker<'_> {
    /// Sends what the encoder holds. Transient failures are retried with
    /// backoff; a batch that still fails counts against the circuit breaker
    /// and is held (the queue fills behind it) until the collector answers,
    /// unless the queue has been closed, when it is dropped.
    fn deliver(&mut self) {
        let Worker {
            queue,
            delivery,
            sink,
            encoder,
            breaker,
            reported,
        } = self;
        let count = encoder.count() as u64;
        METRICS
            .bytes_serialized
            .fetch_add(encoder.json_len() as u64, Relaxed);
        let body = encoder.finish();
        let mut attempt = 0;
        loop {
            let wait = breaker.wait(Instant::now());
            if !wait.is_zero() {
                thread::sleep(wait);
            }
            publish(breaker);
            match sink.send(body) {
                Outcome::Delivered => {
                    breaker.record_success();
                    METRICS.record_success(count, body.len() as u64);
                    break;
                }
                Outcome::Rejected { error, reason } => {
                    breaker.record_success();
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    METRICS.record_drop(reason, count);
                    report(reported, reason.name(), &error);
                    break;
                }
                Outcome::Retry { error, after } => {
                    METRICS.set_last_error(&error);
                    attempt += 1;
                    if attempt <= delivery.retry_attempts {
                        METRICS.retries.fetch_add(1, Relaxed);
                        let pause = after.unwrap_or_else(|| {
                            retry::backoff(
                                delivery.retry_backoff(),
                                attempt,
                                ids::random_fraction(),
                            )
                        });
                        thread::sleep(pause);
                        continue;
                    }
                    METRICS.batches_failed.fetch_add(1, Relaxed);
                    breaker.record_failure(Instant::now());
                    if queue.is_closed() {
                        METRICS.record_drop(DropReason::RetriesExhausted, count);
                        report(reported, DropReason::RetriesExhausted.name(), &error);
                        break;
                    }
                    attempt = 0;
                }
            }
        }
        publish(breaker);
        encoder.clear();
    }
}

fn publish(breaker: &CircuitBreaker) {
    METRICS
        .circuit_state
        .store(breaker.state(Instant::now()) as u8, Relaxed);
}

fn report(reported: &mut HashSet<String>, reason: &str, error: &str) {
    METRICS.set_last_error(error);
    if reported.insert(format!("{reason}{error}")) {
        eprintln!("[ezlogs_ruby_agent] events dropped ({reason}): {error}");
    }
}
