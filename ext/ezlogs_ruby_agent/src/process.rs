//! Which process this is: its pid and how many forks separate it from the
//! one that loaded the library. A leaf module: ids read the generation
//! (random number generators reseed on it, or parent and child would make
//! the same "random" ids), the pipeline reads the pid, and only the fork
//! handlers (`fork`) change them.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// This process's pid (0 until first asked), kept current by the child's
/// fork handler, so the hot path reads memory instead of making a system
/// call: glibc does not cache getpid(2), and every event asks twice.
static PID: AtomicU32 = AtomicU32::new(0);
/// How many forks separate this process from the one that loaded us.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// A thread that reads 0 stores the pid it gets; a fork in between cannot
/// make it wrong, as the child's copy is set by its fork handler and the
/// thread that stores is not in the child.
pub fn current_pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// In a forked child, before anything else runs there.
pub fn forked() {
    PID.store(std::process::id(), Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Relaxed);
}
