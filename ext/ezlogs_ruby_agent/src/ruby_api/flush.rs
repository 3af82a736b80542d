//! The `EzlogsRubyAgent::Native` functions that wait for delivery: `flush`,
//! `shutdown`, and the flush before the process exits. Each waits with the
//! GVL released, in slices, taking it back between them so that Ruby can
//! run this thread's interrupts (Ctrl-C, `Thread#raise`, `Timeout`), which
//! may raise.

use std::time::{Duration, Instant};

use magnus::{function, Error, RModule, Ruby};

use super::helpers::without_gvl;
use crate::delivery::{self, exit};
use crate::metrics::METRICS;
use crate::settings;
use crate::stdio;
use std::sync::atomic::Ordering::Relaxed;

/// How long a wait runs without looking for interrupts.
const INTERRUPT_CHECK: Duration = Duration::from_millis(50);

/// `timeout` seconds from now: none for a negative one or NaN, a year
/// (settings::LONGEST_WAIT) for a longer one or infinity.
fn deadline(timeout: f64) -> Instant {
    Instant::now() + settings::duration_secs(timeout).unwrap_or(Duration::ZERO)
}

/// Calls `wait(until)` in slices until it says it is done or `deadline`
/// passes.
fn wait_in_slices(
    ruby: &Ruby,
    deadline: Instant,
    wait: impl Fn(Instant) -> bool,
) -> Result<(), Error> {
    loop {
        let until = deadline.min(Instant::now() + INTERRUPT_CHECK);
        if without_gvl(ruby, || wait(until))?.unwrap_or(true) || Instant::now() >= deadline {
            return Ok(());
        }
        ruby.thread_check_ints()?;
    }
}

/// Waits until the events logged so far are delivered, or `timeout`
/// seconds pass. True only when every one of them was delivered: false
/// when any was dropped (rejected, too large, or refused by a full queue
/// or after `shutdown` since the previous flush in any thread), or is
/// still pending at the timeout, and while the spool holds any batch (this
/// process's or one an earlier process left). Events a worker retired by a
/// new configuration still had are waited for too.
fn flush(ruby: &Ruby, timeout: f64) -> Result<bool, Error> {
    let until = deadline(timeout);
    let mut delivered = true;
    for pending in delivery::take_retired()
        .into_iter()
        .chain(delivery::request_flush())
    {
        wait_in_slices(ruby, until, |until| pending.wait(until).pending == 0)?;
        delivered &= pending.wait(Instant::now()).all_delivered();
    }
    let refused = delivery::take_refused();
    Ok(delivered && refused == 0 && METRICS.spool_events.load(Relaxed) == 0)
}

/// Sends what is queued as the process's exit would (no retry waits; a
/// collector that cannot be reached fails at once), within `timeout`
/// seconds, and says on stderr what was not delivered. True when all was.
fn flush_before_exit(ruby: &Ruby, timeout: f64) -> Result<bool, Error> {
    let budget = deadline(timeout).saturating_duration_since(Instant::now());
    let Some(mut flush) = exit::begin(budget) else {
        return Ok(true);
    };
    if let Err(interrupt) = wait_in_slices(ruby, flush.deadline(), |until| flush.wait(until)) {
        flush.give_up();
        report(flush.finish(&settings::current().settings));
        return Err(interrupt);
    }
    let message = flush.finish(&settings::current().settings);
    let delivered = message.is_none();
    report(message);
    Ok(delivered)
}

fn report(message: Option<String>) {
    if let Some(message) = message {
        stdio::warn(&message);
    }
}

/// `flush_before_exit`, then stops delivery: events logged afterwards are
/// dropped and counted (`shutdown`).
fn shutdown(ruby: &Ruby, timeout: f64) -> Result<bool, Error> {
    let delivered = flush_before_exit(ruby, timeout)?;
    without_gvl(ruby, delivery::shut_down)?;
    Ok(delivered)
}

pub fn init(native: RModule) -> Result<(), Error> {
    native.define_module_function("flush", function!(flush, 1))?;
    native.define_module_function("flush_before_exit", function!(flush_before_exit, 1))?;
    native.define_module_function("exit_cancelled", function!(exit::cancel, 0))?;
    native.define_module_function("shutdown", function!(shutdown, 1))?;
    Ok(())
}
