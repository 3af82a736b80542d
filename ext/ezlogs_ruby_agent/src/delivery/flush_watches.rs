//! What became of the events a flush waits for, so that `flush` can say
//! whether everything was delivered and the exit how many were not.
//!
//! The queue numbers events in the order it accepts them (from 1), and the
//! worker deals with them in that order, so "dealt with" is always a prefix:
//! a flush watches the events after those dealt with when it was asked for,
//! up to the last accepted then, and the worker tells it which of them it
//! did not deliver.
//!
//! Without a spool, a batch the collector did not take is held in memory
//! (`super::held`) and the worker goes on; its events are dealt with but
//! not settled. Held batches go oldest first, so the held events are always
//! the oldest unsettled ones: a flush asked for while some are held watches
//! them too, and they count as pending until they are delivered or dropped.

use std::collections::VecDeque;

/// What became of the events one flush watched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub covered: u64,
    /// Written to the spool instead of delivered.
    pub spooled: u64,
    /// Dropped, and counted under their reason. Sampled-out events are not
    /// here: the app asked for that.
    pub dropped: u64,
    /// Still queued, being sent, or held in memory when the wait ended.
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
    /// The held events' numbers, oldest first, as runs `(first, last)`,
    /// and how many they are.
    held: VecDeque<(u64, u64)>,
    held_events: usize,
}

impl FlushWatches {
    /// Watches the held events and events `finished + 1 ..= accepted`;
    /// returns its id.
    pub fn start(&mut self, finished: u64, accepted: u64) -> u64 {
        let from = self
            .held
            .front()
            .map_or(finished, |&(first, _)| finished.min(first - 1));
        let id = self.next_id;
        self.next_id += 1;
        self.watches.push(Watch {
            id,
            from,
            target: accepted,
            report: FlushReport {
                covered: accepted.saturating_sub(from),
                ..FlushReport::default()
            },
        });
        id
    }

    /// The worker held events `seqs` (taken in order, after any held).
    pub fn hold(&mut self, seqs: &[u64]) {
        self.held_events += seqs.len();
        for &seq in seqs {
            match self.held.back_mut() {
                Some((_, last)) if *last + 1 == seq => *last = seq,
                _ => self.held.push_back((seq, seq)),
            }
        }
    }

    /// The oldest `count` held events are settled: delivered, or `dropped`
    /// (counted under their reason already).
    pub fn release(&mut self, mut count: u64, dropped: bool) {
        while count > 0 {
            let Some((first, last)) = self.held.front_mut() else {
                return;
            };
            let settled = count.min(*last - *first + 1);
            if dropped {
                for watch in &mut self.watches {
                    watch.report.dropped += watch.overlap(*first, *first + settled - 1);
                }
            }
            *first += settled;
            count -= settled;
            self.held_events -= settled as usize;
            if *first > *last {
                self.held.pop_front();
            }
        }
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

    /// Events held now.
    pub fn held_events(&self) -> usize {
        self.held_events
    }

    /// What became of watch `id`'s events, the first `finished` of all
    /// being dealt with; None for a watch forgotten.
    pub fn report(&self, id: u64, finished: u64) -> Option<FlushReport> {
        let watch = self.watches.iter().find(|w| w.id == id)?;
        let taken = finished.max(watch.from);
        let held: u64 = self
            .held
            .iter()
            .map(|&(first, last)| watch.overlap(first, last.min(taken)))
            .sum();
        Some(FlushReport {
            pending: watch.target.saturating_sub(taken) + held,
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

    /// How many of events `first ..= last` it watches.
    fn overlap(&self, first: u64, last: u64) -> u64 {
        let (first, last) = (first.max(self.from + 1), last.min(self.target));
        (last + 1).saturating_sub(first)
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
    fn held_events_are_pending_for_every_flush_until_settled() {
        let mut watches = FlushWatches::default();
        // Events 1-4 are dealt with: 2-4 held, then 5-6 dealt with, held.
        watches.hold(&[2, 3, 4]);
        let early = watches.start(4, 6);
        watches.hold(&[5, 6]);
        let late = watches.start(6, 7);
        assert_eq!(watches.report(early, 6).unwrap().pending, 5);
        let report = watches.report(late, 6).unwrap();
        assert_eq!((report.covered, report.pending), (6, 6));
        // 2-3 delivered, 4-5 dropped, 7 dealt with.
        watches.release(2, false);
        watches.release(2, true);
        let report = watches.report(late, 7).unwrap();
        assert_eq!((report.dropped, report.pending), (2, 1));
        assert_eq!(watches.report(early, 7).unwrap().dropped, 2);
        assert_eq!(watches.held_events(), 1);
        watches.release(1, false);
        assert!(watches.held.is_empty());
        assert_eq!(watches.held_events(), 0);
        assert_eq!(watches.report(late, 7).unwrap().pending, 0);
        assert_eq!(watches.start(7, 7), 2);
        assert_eq!(watches.report(2, 7).unwrap().covered, 0);
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
