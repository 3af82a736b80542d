//! Process-wide counters. Every event the agent accepts ends up either
//! delivered or dropped under exactly one reason from `DropReason`.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The closed list of reasons an accepted event may not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    QueueFull,
    SampledOut,
    TooLarge,
    Rejected,
    RetriesExhausted,
    Shutdown,
    /// The endpoint cannot be used: an unknown scheme, or a file that
    /// cannot be opened (see `delivery::sink`).
    EndpointUnavailable,
    /// Not delivered when the process exited: the collector could not be
    /// reached, or did not answer before `delivery.shutdown_timeout`.
    Exit,
}

impl DropReason {
    pub const ALL: [DropReason; 8] = [
        Self::QueueFull,
        Self::SampledOut,
        Self::TooLarge,
        Self::Rejected,
        Self::RetriesExhausted,
        Self::Shutdown,
        Self::EndpointUnavailable,
        Self::Exit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::QueueFull => "queue_full",
            Self::SampledOut => "sampled_out",
            Self::TooLarge => "too_large",
            Self::Rejected => "rejected",
            Self::RetriesExhausted => "retries_exhausted",
            Self::Shutdown => "shutdown",
            Self::EndpointUnavailable => "endpoint_unavailable",
            Self::Exit => "exit",
        }
    }
}

pub struct Metrics {
    pub events_captured: AtomicU64,
    pub events_delivered: AtomicU64,
    /// Calls that did not make an event (bad input); not part of `captured`.
    pub events_invalid: AtomicU64,
    dropped: [AtomicU64; DropReason::ALL.len()],
    pub batches_sent: AtomicU64,
    pub batches_failed: AtomicU64,
    /// The HTTP status of the collector's last answer (0 before any).
    pub last_http_status: AtomicU64,
    pub retries: AtomicU64,
    /// Requests made to the collector (each attempt of each batch), and
    /// the time they took, from sending to the answer, in microseconds.
    pub requests: AtomicU64,
    pub request_duration_us: AtomicU64,
    pub bytes_serialized: AtomicU64,
    /// Of the batches delivered: their JSON (`bytes_delivered`), and what
    /// went over the wire (`bytes_sent`, gzipped when compressed).
    pub bytes_delivered: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub spool_bytes: AtomicU64,
    pub spool_events: AtomicU64,
    pub connections_opened: AtomicU64,
    /// `retry::CircuitState` as its index: 0 closed, 1 open, 2 half open.
    pub circuit_state: AtomicU8,
    /// Batches failed in a row since the last delivery (the breaker opens
    /// at `delivery.circuit_breaker_threshold`).
    pub consecutive_failures: AtomicU64,
    /// Held across fork() by `lock_for_fork`, so the worker can never be
    /// holding it when the child starts.
    last_error: Mutex<Option<String>>,
    /// Milliseconds since the epoch; 0 before the first success.
    last_success_at_ms: AtomicU64,
    last_error_at_ms: AtomicU64,
    /// The order of the last error and the last success (from `OUTCOMES`),
    /// for `failing`: two times can fall in the same millisecond.
    last_error_seq: AtomicU64,
    last_success_seq: AtomicU64,
    /// When the send under way began, in milliseconds since the epoch; 0
    /// when none is.
    sending_since_ms: AtomicU64,
}

pub static METRICS: Metrics = Metrics {
    events_captured: AtomicU64::new(0),
    events_delivered: AtomicU64::new(0),
    events_invalid: AtomicU64::new(0),
    dropped: [const { AtomicU64::new(0) }; DropReason::ALL.len()],
    batches_sent: AtomicU64::new(0),
    batches_failed: AtomicU64::new(0),
    last_http_status: AtomicU64::new(0),
    retries: AtomicU64::new(0),
    requests: AtomicU64::new(0),
    request_duration_us: AtomicU64::new(0),
    bytes_serialized: AtomicU64::new(0),
    bytes_delivered: AtomicU64::new(0),
    bytes_sent: AtomicU64::new(0),
    spool_bytes: AtomicU64::new(0),
    spool_events: AtomicU64::new(0),
    connections_opened: AtomicU64::new(0),
    circuit_state: AtomicU8::new(0),
    consecutive_failures: AtomicU64::new(0),
    last_error: Mutex::new(None),
    last_success_at_ms: AtomicU64::new(0),
    last_error_at_ms: AtomicU64::new(0),
    last_error_seq: AtomicU64::new(0),
    last_success_seq: AtomicU64::new(0),
    sending_since_ms: AtomicU64::new(0),
};

/// Numbers errors and successes in the order they happen.
static OUTCOMES: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

impl Metrics {
    pub fn record_drop(&self, reason: DropReason, count: u64) {
        self.dropped[reason as usize].fetch_add(count, Relaxed);
    }

    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize].load(Relaxed)
    }

    pub fn dropped_total(&self) -> u64 {
        DropReason::ALL.iter().map(|r| self.dropped(*r)).sum()
    }

    fn last_error_slot(&self) -> MutexGuard<'_, Option<String>> {
        crate::sync::lock(&self.last_error)
    }

    pub fn set_last_error(&self, error: &str) {
        *self.last_error_slot() = Some(error.to_owned());
        self.last_error_at_ms.store(now_ms(), Relaxed);
        self.last_error_seq
            .store(OUTCOMES.fetch_add(1, Relaxed) + 1, Relaxed);
    }

    /// Whether an error came after the last success (or with none yet).
    pub fn failing(&self) -> bool {
        self.last_error_seq.load(Relaxed) > self.last_success_seq.load(Relaxed)
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error_slot().clone()
    }

    /// A batch of `events` delivered: `json` bytes, `sent` over the wire.
    pub fn record_success(&self, events: u64, json: u64, sent: u64) {
        self.events_delivered.fetch_add(events, Relaxed);
        self.batches_sent.fetch_add(1, Relaxed);
        self.bytes_delivered.fetch_add(json, Relaxed);
        self.bytes_sent.fetch_add(sent, Relaxed);
        self.last_success_at_ms.store(now_ms(), Relaxed);
        self.last_success_seq
            .store(OUTCOMES.fetch_add(1, Relaxed) + 1, Relaxed);
    }

    /// One request to the collector, answered or not after `took`.
    pub fn record_request(&self, took: Duration) {
        self.requests.fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.request_duration_us.fetch_add(micros, Relaxed);
    }

    /// A send begins (true) or ends (false).
    pub fn set_sending(&self, sending: bool) {
        let since = if sending { now_ms().max(1) } else { 0 };
        self.sending_since_ms.store(since, Relaxed);
    }

    /// How long the send under way has waited, if one is.
    pub fn sending_for(&self) -> Option<Duration> {
        match self.sending_since_ms.load(Relaxed) {
            0 => None,
            since => Some(Duration::from_millis(now_ms().saturating_sub(since))),
        }
    }

    pub fn last_success_at(&self) -> Option<SystemTime> {
        at(&self.last_success_at_ms)
    }

    /// When `last_error` was set.
    pub fn last_error_at(&self) -> Option<SystemTime> {
        at(&self.last_error_at_ms)
    }

    /// Before a fork: the worker may be setting `last_error`.
    pub fn hold_for_fork(&'static self) {
        crate::sync::hold_for_fork(&self.last_error);
    }

    /// In a forked child, once the locks are released: the counters start
    /// from zero and count the child's own events (the events queued at
    /// the fork stay the parent's to deliver and count).
    pub fn start_over_in_child(&self) {
        *self.last_error_slot() = None;
        let counters = [
            &self.events_captured,
            &self.events_delivered,
            &self.events_invalid,
            &self.batches_sent,
            &self.batches_failed,
            &self.last_http_status,
            &self.retries,
            &self.requests,
            &self.request_duration_us,
            &self.bytes_serialized,
            &self.bytes_delivered,
            &self.bytes_sent,
            &self.spool_bytes,
            &self.spool_events,
            &self.connections_opened,
            &self.consecutive_failures,
            &self.last_success_at_ms,
            &self.last_error_at_ms,
            &self.last_error_seq,
            &self.last_success_seq,
            &self.sending_since_ms,
        ];
        for counter in counters.into_iter().chain(&self.dropped) {
            counter.store(0, Relaxed);
        }
        self.circuit_state.store(0, Relaxed);
    }
}

/// A time kept as milliseconds since the epoch, 0 for never.
fn at(ms: &AtomicU64) -> Option<SystemTime> {
    match ms.load(Relaxed) {
        0 => None,
        ms => Some(UNIX_EPOCH + Duration::from_millis(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_counted_per_reason() {
        let before = METRICS.dropped(DropReason::TooLarge);
        let total_before = METRICS.dropped_total();
        METRICS.record_drop(DropReason::TooLarge, 3);
        assert_eq!(METRICS.dropped(DropReason::TooLarge), before + 3);
        assert!(METRICS.dropped_total() >= total_before + 3);
        let names: std::collections::HashSet<_> =
            DropReason::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), DropReason::ALL.len());
    }
}
