//! What became of the events a flush waits for, so that `flush` can say
//! whether everything was delivered and the exit how many were not.
//!
//! The queue numbers events in the order it accepts them (from 1), and the
//! worker deals with them in that order, so "dealt with" is always a prefix:
//! a flush watches the events after those dealt with when it was asked for,
//! up to the last accepted then, and the worker tells it which of them it
//! did not deliver.

/// What became of the events one flush watched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub covered: u64,
    /// Written to the spool instead of delivered.
    pub spooled: u64,
    /// Dropped, and counted under their reason. Sampled-out events are not
    /// here: the app asked for that.
    pub dropped: u64,
    /// Still queued or being sent when the wait ended.
    pub pending: u64,
}

impl FlushReport {
    pub fn undelivered(&self) -> u64 {
        self.spooled + self.dropped + self.pending
    }

    pub fn all_delivered(&self) -> bool {
        self.undelivered() == 0
    }
}

/// An event the worker took but did not deliver, by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivered {
    Spooled(u64),
    Dropped(u64),
}

/// A flush being waited for: events `from + 1 ..= target`.
struct Watch {
    id: u64,
    from: u64,
    target: u64,
    report: FlushReport,
}

#[derive(Default)]
pub struct FlushWatches {
    watches: Vec<Watch>,
    next_id: u64,
    /// The exit's own watch. Once an exit flush has reported what it could
    /// not deliver, it stays, open-ended, so that the next exit flush's
    /// report includes the events that failed in between (a later `at_exit`
    /// block's).
    exit: Option<u64>,
}

impl FlushWatches {
    /// Watches events `finished + 1 ..= accepted`; returns its id.
    pub fn start(&mut self, finished: u64, accepted: u64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.watches.push(Watch {
            id,
            from: finished,
            target: accepted,
            report: FlushReport {
                covered: accepted.saturating_sub(finished),
                ..FlushReport::default()
            },
        });
        id
    }

    /// The exit's watch, up to `accepted`: the standing one, else a new one.
    pub fn start_exit(&mut self, finished: u64, accepted: u64) -> u64 {
        let standing = self.exit.and_then(|id| self.find(id));
        if let Some(watch) = standing {
            watch.target = accepted;
            watch.report.covered = accepted.saturating_sub(watch.from);
            return watch.id;
        }
        let id = self.start(finished, accepted);
        self.exit = Some(id);
        id
    }

    /// The exit flush `id` has been reported on. When all was delivered its
    /// watch goes; else it watches every event from here on, until the
    /// next report.
    pub fn exit_reported(&mut self, id: u64, all_delivered: bool) {
        if all_delivered {
            self.forget(id);
            self.exit = None;
        } else if let Some(watch) = self.find(id) {
            watch.from = watch.target;
            watch.target = u64::MAX;
            watch.report = FlushReport::default();
        }
    }

    /// The worker did not deliver `undelivered`.
    pub fn record(&mut self, undelivered: &[Undelivered]) {
        for watch in &mut self.watches {
            for event in undelivered {
                match *event {
                    Undelivered::Spooled(seq) if watch.covers(seq) => watch.report.spooled += 1,
                    Undelivered::Dropped(seq) if watch.covers(seq) => watch.report.dropped += 1,
                    _ => {}
                }
            }
        }
    }

    /// What became of watch `id`'s events, the first `finished` of all
    /// being dealt with; None for a watch forgotten.
    pub fn report(&self, id: u64, finished: u64) -> Option<FlushReport> {
        let watch = self.watches.iter().find(|w| w.id == id)?;
        Some(FlushReport {
            pending: watch.target.saturating_sub(finished.max(watch.from)),
            ..watch.report
        })
    }

    pub fn forget(&mut self, id: u64) {
        self.watches.retain(|w| w.id != id);
    }

    fn find(&mut self, id: u64) -> Option<&mut Watch> {
        self.watches.iter_mut().find(|w| w.id == id)
    }
}

impl Watch {
    fn covers(&self, seq: u64) -> bool {
        seq > self.from && seq <= self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_reports_what_became_of_its_own_events_only() {
        let mut watches = FlushWatches::default();
        // Events 1-3 are dealt with, 2 dropped, before the flush asks for 4-7.
        watches.record(&[Undelivered::Dropped(2)]);
        let flush = watches.start(3, 7);
        watches.record(&[Undelivered::Spooled(5), Undelivered::Dropped(7)]);
        watches.record(&[Undelivered::Dropped(8)]); // accepted after it asked
        let expected = |pending| FlushReport {
            covered: 4,
            spooled: 1,
            dropped: 1,
            pending,
        };
        assert_eq!(watches.report(flush, 5), Some(expected(2)));
        let report = watches.report(flush, 8).unwrap();
        assert_eq!(report, expected(0));
        assert!(!report.all_delivered());
        watches.forget(flush);
        assert_eq!(watches.report(flush, 8), None);
    }

    #[test]
    fn an_exit_that_failed_keeps_counting_what_fails_until_its_next_report() {
        let mut watches = FlushWatches::default();
        let exit = watches.start_exit(0, 1);
        watches.record(&[Undelivered::Dropped(1)]);
        assert_eq!(watches.report(exit, 1).unwrap().dropped, 1);
        watches.exit_reported(exit, false);
        // A later at_exit block logs event 2, which fails before the next
        // exit flush asks.
        watches.record(&[Undelivered::Dropped(2)]);
        let again = watches.start_exit(2, 2);
        let report = watches.report(again, 2).unwrap();
        assert_eq!((again, report.covered, report.dropped), (exit, 1, 1));
        watches.exit_reported(again, true);
        assert_eq!(watches.report(exit, 2), None);
    }
}
