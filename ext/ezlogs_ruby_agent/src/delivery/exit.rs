//! The process's exit: what is still queued gets one bounded chance to go,
//! and whatever does not is counted and reported, never silently lost.
//!
//! From the moment an exit begins, the worker sends at once and never
//! sleeps; a collector that cannot be reached fails every batch at once
//! (written to the spool when there is one, else dropped as `exit`), and no
//! send runs past the deadline, `delivery.shutdown_timeout` after the exit
//! began:
//! - the gem's Ruby `at_exit` hook, `exit!` and `Process.daemon` (Ruby,
//!   through `EzlogsRubyAgent::Native.flush_before_exit`) wait here first;
//! - then, for a normal exit, this module's C `atexit` handler, which runs
//!   after every Ruby `at_exit` block: events logged by blocks that ran
//!   after the gem's hook (registered before the gem loaded, such as
//!   `minitest/autorun`'s) still go. It has a budget of its own when the
//!   first flush delivered everything, and none when that one found the
//!   collector failing (`ExitFlush::finish`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use super::flush_watches::FlushReport;
use super::pipeline;
use super::queue::Queue;
use super::sender;
use crate::metrics::{DropReason, METRICS};
use crate::settings::{self, Settings};
use crate::stdio;

/// The wait at exit for the events not yet reported on.
pub struct ExitFlush {
    queue: Arc<Queue>,
    watch: u64,
    deadline: Instant,
    budget: Duration,
    started: Instant,
    /// The wait was cut short (Ctrl-C, a signal).
    interrupted: bool,
}

/// Queue-full drops an exit's report has already counted: each report
/// gives only the ones since.
static QUEUE_FULL_REPORTED: AtomicU64 = AtomicU64::new(0);

pub(super) fn start_over_in_child() {
    QUEUE_FULL_REPORTED.store(0, Relaxed);
}

/// Begins the exit (or joins the one under way, keeping its deadline);
/// None when no worker runs in this process, so nothing is queued.
pub fn begin(budget: Duration) -> Option<ExitFlush> {
    let queue = pipeline::running_queue()?;
    let deadline = queue
        .exit_deadline()
        .unwrap_or_else(|| Instant::now() + budget);
    let watch = queue.request_exit_flush(deadline);
    Some(ExitFlush {
        queue,
        watch,
        deadline,
        budget,
        started: Instant::now(),
        interrupted: false,
    })
}

/// The process did not exit after all (`Process.daemon` failed): back to
/// normal delivery.
pub fn cancel() {
    if let Some(queue) = pipeline::running_queue() {
        queue.set_exit_deadline(None);
    }
}

impl ExitFlush {
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Waits until the events are dealt with or `until` (never past the
    /// deadline); true once there is nothing more to wait for.
    pub fn wait(&self, until: Instant) -> bool {
        let report = self
            .queue
            .wait_flushed(self.watch, until.min(self.deadline));
        report.pending == 0 || Instant::now() >= self.deadline
    }

    /// Stops waiting now (the user pressed Ctrl-C): what is not delivered
    /// yet is reported as lost, and the rest of the exit does not wait.
    pub fn give_up(&mut self) {
        self.interrupted = true;
        self.queue.set_exit_deadline(Some(Instant::now()));
    }

    /// Ends the wait. Returns what to tell the user when anything was not
    /// delivered, was dropped earlier because the queue was full, or waits
    /// in the spool. What is still pending is reported as lost but counted
    /// by the worker, as every event is, once: its send ends at the
    /// deadline and the batch is dropped as `exit` (spooled, with a spool),
    /// unless the process has ended first.
    ///
    /// When everything went, delivery goes back to normal: the process may
    /// run for long yet in later `at_exit` blocks (minitest runs the whole
    /// suite in one), and the next exit flush gets a budget of its own.
    /// When something did not, the collector failed its chance: the rest of
    /// the exit keeps this one's deadline, now past, and does not wait.
    pub fn finish(self, settings: &Settings) -> Option<String> {
        let report = self.queue.wait_flushed(self.watch, Instant::now());
        self.queue.exit_reported(self.watch, report.all_delivered());
        let queue_full_now = METRICS.dropped(DropReason::QueueFull);
        let queue_full =
            queue_full_now.saturating_sub(QUEUE_FULL_REPORTED.swap(queue_full_now, Relaxed));
        let queue_full = match queue_full {
            0 => String::new(),
            n => format!("{n} were dropped earlier, when the queue was full"),
        };
        if !report.all_delivered() {
            let and = if queue_full.is_empty() {
                queue_full
            } else {
                format!(" (and {queue_full})")
            };
            return Some(self.undelivered(&report, settings, &and));
        }
        let waiting = METRICS.spool_events.load(Relaxed);
        let spooled = match (waiting, &settings.delivery.spool_dir) {
            (1.., Some(dir)) => format!(
                "{waiting} events wait in the spool in {dir}, for the next process (which sends them once it logs an event)"
            ),
            _ => String::new(),
        };
        let notes: Vec<String> = [queue_full, spooled]
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect();
        (!notes.is_empty()).then(|| format!("exiting: {}", notes.join("; ")))
    }

    /// "exiting with 30 of 30 events not delivered (30 lost): <why>; <what
    /// to do>"
    fn undelivered(&self, report: &FlushReport, settings: &Settings, also: &str) -> String {
        let delivery = &settings.delivery;
        let lost = report.dropped + report.pending;
        let mut fates = Vec::new();
        if lost > 0 {
            fates.push(format!("{lost} lost"));
        }
        if report.spooled > 0 {
            let dir = delivery.spool_dir.as_deref().unwrap_or_default();
            fates.push(format!(
                "{} written to the spool in {dir} for the next process",
                report.spooled
            ));
        }
        let why = match METRICS.sending_for() {
            _ if self.interrupted && report.pending > 0 => format!(
                "the exit's wait was interrupted after {:.1} s",
                self.started.elapsed().as_secs_f64()
            ),
            Some(waited) if report.pending > 0 => {
                sender::exit_ran_out(&delivery.endpoint, waited, self.budget)
            }
            _ if report.pending > 0 => format!(
                "delivery.shutdown_timeout ({:.1} s) ran out",
                self.budget.as_secs_f64()
            ),
            _ => METRICS
                .last_error()
                .unwrap_or_else(|| "see EzlogsRubyAgent.metrics".into()),
        };
        // The spool keeps what fails to get through, not what the collector
        // refused (a 4xx).
        let failed_to_go = report.pending > 0 || METRICS.dropped(DropReason::Exit) > 0;
        let hint = if failed_to_go && delivery.spool_dir.is_none() {
            "; set delivery.spool_dir to keep undelivered events for the next process"
        } else {
            ""
        };
        format!(
            "exiting with {} of {} events not delivered ({}){also}: {why}{hint}",
            report.undelivered(),
            report.covered,
            fates.join(", ")
        )
    }
}

/// Registers `at_process_exit` with the C library, once per process.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `at_process_exit` is an `extern "C"` function that never
        // unwinds (it catches panics) and touches no Ruby object, so it may
        // run after the Ruby VM is gone, and on whichever thread calls
        // exit(3). Ruby never unloads extensions, so the function stays
        // mapped until the process ends. A forked child inherits the
        // registration; there it finds the child's own pipeline (none
        // until the child logs an event), as `process::forked` reset it.
        unsafe {
            libc::atexit(at_process_exit);
        }
    });
}

/// The C library runs this when the process exits normally (`exit`, or
/// `main` returning), after Ruby has run every `at_exit` block and torn
/// down its VM. Not after `exit!` or a death by signal: Ruby's own hooks
/// cover those where they can (see the module docs).
extern "C" fn at_process_exit() {
    let _ = std::panic::catch_unwind(|| {
        let active = settings::current();
        let Some(flush) = begin(active.settings.delivery.shutdown_timeout()) else {
            return;
        };
        while !flush.wait(flush.deadline()) {}
        if let Some(message) = flush.finish(&active.settings) {
            stdio::warn(&message);
        }
    });
}
