//! `stdout://`: JSON lines on standard output.

use super::Outcome;
use crate::stdio;

/// Written straight to file descriptor 1, not through Rust's `stdout()`:
/// that one is buffered and locked, and a fork taken while the worker held
/// its lock would leave it locked forever in the child.
pub fn write(lines: &[u8]) -> Outcome {
    match stdio::write_all(stdio::STDOUT, lines) {
        Ok(()) => Outcome::Delivered,
        Err(error) => Outcome::retry(format!("writing to stdout failed: {error}")),
    }
}
