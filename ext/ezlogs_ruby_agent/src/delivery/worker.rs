//! The background worker: takes batches from the queue, processes and
//! encodes them into a reused buffer, and hands them to the `Sender`. It
//! tells the queue which events it could not deliver, so that a flush can
//! say so. When there is nothing to send, it gives the batches it holds or
//! spooled their turn. The worker never touches a Ruby object.

use std::time::Instant;

use super::encoder::Encoder;
use super::flush_watches::Undelivered;
use super::queue::Queue;
use super::sender::Sender;
use crate::capture;
use crate::event::Event;
use crate::metrics::{DropReason, METRICS};
use crate::processor::Processor;
use crate::settings::Active;

/// Never inlined: profiles (benches/worker_instructions.rb) find the
/// worker's thread by this function's name.
#[inline(never)]
pub fn run(queue: &Queue, active: &Active) {
    let delivery = &active.settings.delivery;
    let mut sender = Sender::new(&active.settings, queue);
    let mut encoder = Encoder::new(sender.format());
    // Grows to the batch size when batches are that large; a huge
    // `batch_size` must not be allocated up front.
    let mut batch: Vec<Event> = Vec::with_capacity(delivery.batch_size.min(1024));
    let mut undelivered = Vec::new();
    let mut next_tick = Instant::now() + delivery.flush_interval();
    while let Some(first) = queue.next_batch(&mut batch, &mut next_tick, sender.next_retry()) {
        if batch.is_empty() {
            // A quiet moment: batches a collector refused earlier may go now.
            sender.send_waiting();
            continue;
        }
        let taken = batch.len();
        for (seq, mut event) in (first..).zip(batch.drain(..)) {
            let prepared = if sender.is_memory() {
                super::prepare(&active.processor, &mut event).map(|()| capture::push(event))
            } else {
                encode(&mut encoder, &active.processor, &mut event, seq)
            };
            match prepared {
                Ok(()) => {}
                // The app asked for that: not a failure to deliver.
                Err(DropReason::SampledOut) => continue,
                Err(_) => {
                    undelivered.push(Undelivered::Dropped(seq));
                    continue;
                }
            }
            if encoder.json_len() >= delivery.max_batch_bytes {
                send(&mut sender, &mut encoder, &mut undelivered);
            }
        }
        if encoder.count() > 0 {
            send(&mut sender, &mut encoder, &mut undelivered);
        }
        queue.finished(taken, &undelivered);
        undelivered.clear();
    }
    sender.finish();
}

/// Processes the event (`super::prepare`) into the batch: serialised once,
/// which measures it, and again only when the size limit had to cut it.
/// Err (counted) when it is dropped.
fn encode(
    encoder: &mut Encoder,
    processor: &Processor,
    event: &mut Event,
    seq: u64,
) -> Result<(), DropReason> {
    let encoded =
        processor
            .sample_and_redact(event)
            .and_then(|()| match encoder.push(event, seq) {
                Some(size) if size <= processor.max_event_size() => Ok(()),
                Some(_) => {
                    encoder.pop();
                    processor.fit(event)?;
                    encoder
                        .push(event, seq)
                        .map(drop)
                        .ok_or(DropReason::TooLarge)
                }
                None => Err(DropReason::TooLarge),
            });
    encoded.inspect_err(|reason| METRICS.record_drop(*reason, 1))
}

fn send(sender: &mut Sender, encoder: &mut Encoder, undelivered: &mut Vec<Undelivered>) {
    let (json, seqs) = encoder.finish();
    sender.deliver(json, seqs, undelivered);
    encoder.clear();
}
