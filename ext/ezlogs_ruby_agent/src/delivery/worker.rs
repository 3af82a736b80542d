//! The background worker: serialises batches of events into reused buffers
//! and writes them to the sink. It never touches a Ruby object.

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use super::queue::Queue;
use super::sink::Sink;
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::settings::DeliverySettings;

pub fn run(queue: &Queue, delivery: &DeliverySettings) {
    let mut sink = Sink::for_endpoint(&delivery.endpoint);
    let mut batch: Vec<Event> = Vec::with_capacity(delivery.batch_size);
    let mut lines: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut reported = HashSet::new();
    let mut next_tick = Instant::now() + delivery.flush_interval();
    while queue.next_batch(&mut batch, &mut next_tick) {
        let taken = batch.len();
        let mut serialised = 0;
        lines.clear();
        for event in batch.drain(..) {
            let start = lines.len();
            if serde_json::to_writer(&mut lines, &event).is_ok() {
                lines.push(b'\n');
                serialised += 1;
            } else {
                lines.truncate(start);
            }
        }
        METRICS.record_drop(DropReason::SinkError, (taken - serialised) as u64);
        if serialised > 0 {
            deliver(&mut sink, &lines, serialised as u64, &mut reported);
        }
        queue.finished(taken);
    }
}

fn deliver(sink: &mut Sink, lines: &[u8], count: u64, reported: &mut HashSet<String>) {
    match sink.write(lines) {
        Ok(()) => {
            METRICS.events_delivered.fetch_add(count, Relaxed);
        }
        Err(error) => {
            let reason = if sink.is_supported() {
                DropReason::SinkError
            } else {
                DropReason::UnsupportedEndpoint
            };
            METRICS.record_drop(reason, count);
            let message = error.to_string();
            // Say it once per distinct problem; the counters say how often.
            if reported.insert(message.clone()) {
                eprintln!("[ezlogs] events dropped ({}): {message}", reason.name());
            }
        }
    }
}
