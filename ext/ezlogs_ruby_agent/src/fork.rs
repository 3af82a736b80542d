//! Fork safety for every way a process can fork (Ruby's `fork`, Puma and
//! Unicorn workers, `Process.daemon`, a C extension calling fork(2)):
//! `pthread_atfork` handlers hold the locks the worker thread can take (the
//! delivery pipeline's, the capture's, `last_error`'s) across the fork, so
//! no other thread is inside them, and tell the child who it is
//! (`process::forked`). They are taken in one order, the pipeline's state,
//! then the capture, then `last_error`, and no thread holds one of them
//! while it takes one before it in that order, so holding all three cannot
//! deadlock. Every other lock either belongs to the parent's pipeline (its
//! queue, its spool), which the child never touches (it starts its own),
//! or is taken only by Ruby threads holding the GVL, which the forking
//! thread holds.

use std::panic::catch_unwind;
use std::sync::Once;

use crate::metrics::METRICS;
use crate::{capture, delivery, process, sync};

static INSTALL: Once = Once::new();

/// Registers the handlers; called once when the extension loads.
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: the handlers are plain `extern "C"` functions that do not
        // unwind (they catch panics); the child's only allocation is to
        // release its guards and clear `last_error`, through mimalloc, which
        // takes no lock another thread could have held; registering them
        // has no other precondition.
        unsafe {
            libc::pthread_atfork(
                Some(before_fork),
                Some(after_fork_in_parent),
                Some(after_fork_in_child),
            );
        }
    });
}

// The handlers run in the forking thread; a panic must not unwind out of
// them into the C library (it would abort the process).

extern "C" fn before_fork() {
    let _ = catch_unwind(|| {
        delivery::hold_for_fork();
        capture::hold_for_fork();
        METRICS.hold_for_fork();
    });
}

extern "C" fn after_fork_in_parent() {
    let _ = catch_unwind(sync::release_after_fork);
}

extern "C" fn after_fork_in_child() {
    let _ = catch_unwind(|| {
        process::forked();
        sync::release_after_fork();
        METRICS.start_over_in_child();
        delivery::start_over_in_child();
    });
}
