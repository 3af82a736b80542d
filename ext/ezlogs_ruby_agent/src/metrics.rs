//! Process-wide counters. Every event the agent accepts ends up either
//! delivered or dropped under exactly one reason from `DropReason`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The closed list of reasons an accepted event may not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    QueueFull,
    SampledOut,
    TooLarge,
    Rejected,
    RetriesExhausted,
    Shutdown,
    /// The endpoint's scheme has no sink in this build (see `delivery::sink`).
    UnsupportedEndpoint,
    /// The sink failed to write (for example a file that cannot be opened).
    SinkError,
}

impl DropReason {
    pub const ALL: [DropReason; 8] = [
        Self::QueueFull,
        Self::SampledOut,
        Self::TooLarge,
        Self::Rejected,
        Self::RetriesExhausted,
        Self::Shutdown,
        Self::UnsupportedEndpoint,
        Self::SinkError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::QueueFull => "queue_full",
            Self::SampledOut => "sampled_out",
            Self::TooLarge => "too_large",
            Self::Rejected => "rejected",
            Self::RetriesExhausted => "retries_exhausted",
            Self::Shutdown => "shutdown",
            Self::UnsupportedEndpoint => "unsupported_endpoint",
            Self::SinkError => "sink_error",
        }
    }
}

pub struct Metrics {
    pub events_captured: AtomicU64,
    pub events_delivered: AtomicU64,
    /// Calls that did not make an event (bad input); not part of `captured`.
    pub events_invalid: AtomicU64,
    dropped: [AtomicU64; DropReason::ALL.len()],
}

pub static METRICS: Metrics = Metrics {
    events_captured: AtomicU64::new(0),
    events_delivered: AtomicU64::new(0),
    events_invalid: AtomicU64::new(0),
    dropped: [const { AtomicU64::new(0) }; DropReason::ALL.len()],
};

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
