//! The worker thread's place in the kernel's scheduling: behind the app's
//! threads when it wakes.
//!
//! The app's thread wakes the worker when a batch fills. Under Linux's
//! default policy a thread that wakes may preempt the one running, and the
//! worker, having slept, often does: the app's thread then waits, often
//! holding Ruby's GVL, so that none of the app's Ruby threads runs while
//! the worker deals with a batch. benches/gvl.rb (a thread logging 20,000
//! events a second) counted 16 to 24 preemptions of the logging thread a
//! round (a quarter of a second), against none with a no-op logger; under
//! `SCHED_BATCH`, 2 or 3, and half the wait for a CPU (benches/README.md).
//!
//! `SCHED_BATCH` is the kernel's policy for such work: sched(7) gives it to
//! noninteractive work that does not want to lower its nice value. A
//! thread under it never preempts the running thread on waking, and
//! otherwise keeps its fair share of the CPU (nice 0), so the worker still
//! keeps up on a busy machine. It runs when a CPU is free or at the
//! running thread's next scheduling point, milliseconds later at most;
//! delivery has seconds.

/// Puts the calling thread (and the threads it starts) under
/// `SCHED_BATCH`. Where that fails (a sandbox that forbids the call) or
/// does not exist (not Linux), the thread keeps its policy: the app only
/// loses the benefit.
pub fn use_batch_policy() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` is a valid sched_param for the call's duration;
        // on Linux pid 0 names the calling thread alone, and SCHED_BATCH
        // with priority 0 needs no privilege. The result is not needed (see
        // above).
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
        }
    }
}
