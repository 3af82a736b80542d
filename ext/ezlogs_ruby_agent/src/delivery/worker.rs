//! The background worker: serialises events into batches and writes them to
//! the sink. It never touches a Ruby object.

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use super::sink::Sink;
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::settings::DeliverySettings;

pub enum Command {
    Event(Box<Event>),
    /// Write what is pending, then answer on the channel.
    Flush(SyncSender<()>),
}

/// The batch being filled: JSON lines, reused from batch to batch.
struct Batch {
    lines: Vec<u8>,
    count: u64,
    deadline: Option<Instant>,
}

pub fn run(receiver: Receiver<Command>, delivery: DeliverySettings) {
    let mut sink = Sink::for_endpoint(&delivery.endpoint);
    let mut batch = Batch {
        lines: Vec::with_capacity(64 * 1024),
        count: 0,
        deadline: None,
    };
    let mut reported = HashSet::new();
    let idle_wait = delivery.flush_interval();
    loop {
        let wait = batch
            .deadline
            .map_or(idle_wait, |d| d.saturating_duration_since(Instant::now()));
        match receiver.recv_timeout(wait) {
            Ok(Command::Event(event)) => {
                append(&mut batch, &event, delivery.flush_interval());
                if batch.count >= delivery.batch_size.max(1) as u64 {
                    write(&mut sink, &mut batch, &mut reported);
                }
            }
            Ok(Command::Flush(ack)) => {
                write(&mut sink, &mut batch, &mut reported);
                let _ = ack.try_send(());
            }
            Err(RecvTimeoutError::Timeout) => write(&mut sink, &mut batch, &mut reported),
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut sink, &mut batch, &mut reported);
                return;
            }
        }
    }
}

fn append(batch: &mut Batch, event: &Event, flush_interval: Duration) {
    if serde_json::to_writer(&mut batch.lines, event).is_err() {
        return;
    }
    batch.lines.push(b'\n');
    batch.count += 1;
    batch
        .deadline
        .get_or_insert_with(|| Instant::now() + flush_interval);
}

fn write(sink: &mut Sink, batch: &mut Batch, reported: &mut HashSet<String>) {
    if batch.count == 0 {
        return;
    }
    match sink.write(&batch.lines) {
        Ok(()) => {
            METRICS.events_delivered.fetch_add(batch.count, Relaxed);
        }
        Err(error) => {
            let reason = if sink.is_supported() {
                DropReason::SinkError
            } else {
                DropReason::UnsupportedEndpoint
            };
            METRICS.record_drop(reason, batch.count);
            let message = error.to_string();
            // Say it once per distinct problem; the counters say how often.
            if reported.insert(message.clone()) {
                eprintln!("[ezlogs] events dropped ({}): {message}", reason.name());
            }
        }
    }
    batch.lines.clear();
    batch.count = 0;
    batch.deadline = None;
}
