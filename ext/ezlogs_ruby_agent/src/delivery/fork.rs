//! Fork safety for every way a process can fork (Ruby's `fork`, Puma and
//! Unicorn workers, a C extension calling fork(2)): `pthread_atfork` handlers
//! keep our locks free across the fork and tell the child its new pid.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use super::pipeline;

/// This process's pid, kept current by the child handler so the hot path
/// reads memory instead of making a system call.
static PID: AtomicU32 = AtomicU32::new(0);
static INSTALL: Once = Once::new();

pub fn current_pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => {
            install();
            std::process::id()
        }
        pid => pid,
    }
}

fn install() {
    INSTALL.call_once(|| {
        PID.store(std::process::id(), Ordering::Relaxed);
        // SAFETY: the handlers are plain `extern "C"` functions that neither
        // unwind nor allocate; registering them has no other precondition.
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
    pipeline::lock_for_fork();
}

extern "C" fn after_fork_in_parent() {
    // SAFETY: `before_fork` took the locks in this same fork.
    unsafe { pipeline::unlock_after_fork() };
}

extern "C" fn after_fork_in_child() {
    PID.store(std::process::id(), Ordering::Relaxed);
    // SAFETY: `before_fork` took the locks in the parent before the fork;
    // the child inherited them held, and nothing else in it holds them.
    unsafe { pipeline::unlock_after_fork() };
}
