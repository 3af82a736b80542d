//! Locking for the agent's shared state. These are std's locks, whose whole
//! state is a futex word inside each lock, not parking_lot's: parking_lot
//! parks threads through one process-wide table, and a fork taken while
//! another thread holds a bucket of it leaves that bucket locked forever in
//! the child, which then hangs on its first contended lock or condvar
//! (parking_lot issue #515; seen here as a forked child spinning at exit).
//!
//! A panic while a lock is held poisons it; the data stays usable (each
//! holder leaves it consistent between statements), so poisoning is ignored.

use std::any::Any;
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The guards `hold_for_fork` took, released by `release_after_fork`
    /// in the same thread (the one that forks), in the parent and the child.
    static HELD_FOR_FORK: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// Before a fork: takes `mutex` and keeps it until `release_after_fork`,
/// so that no other thread is inside it when the process forks (a child
/// would inherit it locked, by a thread that does not exist there).
pub fn hold_for_fork<T: 'static>(mutex: &'static Mutex<T>) {
    let guard = lock(mutex);
    let _ = HELD_FOR_FORK.try_with(|held| held.borrow_mut().push(Box::new(guard)));
}

/// After a fork, in the parent and in the child.
pub fn release_after_fork() {
    let _ = HELD_FOR_FORK.try_with(|held| held.borrow_mut().clear());
}
