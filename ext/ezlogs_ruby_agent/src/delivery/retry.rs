//! When to try a failed batch again: exponential backoff with jitter, and a
//! circuit breaker that stops hammering a collector that keeps failing.

use std::time::{Duration, Instant};

/// Backoff never waits longer than this between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The wait before retry number `attempt` (1-based): `base * 2^(attempt-1)`,
/// capped, then scaled by a random factor in [0.5, 1.0) so that many
/// processes do not retry in step.
pub fn backoff(base: Duration, attempt: u32, random: f64) -> Duration {
    let exponential = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exponential
        .min(MAX_BACKOFF)
        .mul_f64(0.5 + random.clamp(0.0, 1.0) / 2.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    /// Failing: no sends until `timeout` has passed.
    Open,
    /// The timeout passed: the next send is a probe.
    HalfOpen,
}

impl CircuitState {
    /// The inverse of `state as u8`, as kept in `METRICS.circuit_state`.
    pub fn from_index(index: u8) -> Self {
        match index {
            1 => Self::Open,
            2 => Self::HalfOpen,
            _ => Self::Closed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

pub struct CircuitBreaker {
    threshold: u32,
    timeout: Duration,
    consecutive_failures: u32,
    opened_at: Option<Instant>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, timeout: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            timeout,
            consecutive_failures: 0,
            opened_at: None,
        }
    }

    pub fn state(&self, now: Instant) -> CircuitState {
        match self.opened_at {
            None => CircuitState::Closed,
            Some(opened) if now < opened + self.timeout => CircuitState::Open,
            Some(_) => CircuitState::HalfOpen,
        }
    }

    /// How long to hold off before the next send (zero unless open).
    pub fn wait(&self, now: Instant) -> Duration {
        match self.opened_at {
            Some(opened) => (opened + self.timeout).saturating_duration_since(now),
            None => Duration::ZERO,
        }
    }

    /// Batches failed in a row since the last success.
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    pub fn record_success(&mut self) {
        self.consecutive_failures = 0;
        self.opened_at = None;
    }

    /// A batch failed after all its retries. A failed probe reopens at once.
    /// True when this failure opened a closed circuit: delivery has just
    /// started failing.
    pub fn record_failure(&mut self, now: Instant) -> bool {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let was_closed = self.opened_at.is_none();
        if !was_closed || self.consecutive_failures >= self.threshold {
            self.opened_at = Some(now);
        }
        was_closed && self.opened_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(base, 1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(base, 3, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(base, 30, 1.0), MAX_BACKOFF);
    }

    #[test]
    fn opens_after_the_threshold_probes_after_the_timeout_and_closes_on_success() {
        let start = Instant::now();
        let mut breaker = CircuitBreaker::new(3, Duration::from_secs(60));
        assert!(!breaker.record_failure(start));
        assert!(!breaker.record_failure(start));
        assert_eq!(breaker.state(start), CircuitState::Closed);
        assert!(
            breaker.record_failure(start),
            "the failure that opens it says so"
        );
        assert_eq!(breaker.state(start), CircuitState::Open);
        assert_eq!(
            breaker.wait(start + Duration::from_secs(20)),
            Duration::from_secs(40)
        );
        let later = start + Duration::from_secs(61);
        assert_eq!(breaker.state(later), CircuitState::HalfOpen);
        assert!(
            !breaker.record_failure(later),
            "a failed probe reopens, without opening anew"
        );
        assert_eq!(breaker.state(later), CircuitState::Open);
        breaker.record_success();
        assert_eq!(breaker.state(later), CircuitState::Closed);
    }
}
