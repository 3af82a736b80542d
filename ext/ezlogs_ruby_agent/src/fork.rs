//! Fork safety for every way a process can fork (Ruby's `fork`, Puma and
//! Unicorn workers, a C extension calling fork(2)): `pthread_atfork` handlers
//! hold the delivery pipeline's lock across the fork, so no other thread can
//! be inside it, and tell the child its new pid and a new fork generation
//! (random number generators reseed on it, or parent and child would make
//! the same "random" ids).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Once;

use crate::delivery;
use crate::metrics::METRICS;

/// This process's pid, kept current by the child handler so the hot path
/// reads memory instead of making a system call.
static PID: AtomicU32 = AtomicU32::new(0);
/// How many forks separate this process from the one that loaded us.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

pub fn current_pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// Registers the handlers; called once when the extension loads.
pub fn install() {
    INSTALL.call_once(|| {
        PID.store(std::process::id(), Ordering::Relaxed);
        // SAFETY: the handlers are plain `extern "C"` functions that do not
        // unwind and do not allocate (the child's only frees a string,
        // which glibc's malloc allows once its own fork handlers ran);
        // registering them has no other precondition.
        unsafe {
            libc::pthread_atfork(
                Some(before_fork),
                Some(after_fork_in_parent),
                Some(after_fork_in_child),
            );
        }
    });
}

extern "C" fn before_fork() {
    delivery::lock_for_fork();
    METRICS.lock_for_fork();
}

extern "C" fn after_fork_in_parent() {
    METRICS.unlock_after_fork();
    delivery::unlock_after_fork();
}

extern "C" fn after_fork_in_child() {
    PID.store(std::process::id(), Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Relaxed);
    METRICS.start_over_in_child();
    delivery::unlock_after_fork();
}
