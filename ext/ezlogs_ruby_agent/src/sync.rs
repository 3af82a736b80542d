//! Locking for the agent's shared state. These are std's locks, whose whole
//! state is a futex word inside each lock, not parking_lot's: parking_lot
//! parks threads through one process-wide table, and a fork taken while
//! another thread holds a bucket of it leaves that bucket locked forever in
//! the child, which then hangs on its first contended lock or condvar
//! (parking_lot issue #515; seen here as a forked child spinning at exit).
//!
//! A panic while a lock is held poisons it; the data stays usable (each
//! holder leaves it consistent between statements), so poisoning is ignored.

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
