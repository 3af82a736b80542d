//! `stdout://`: JSON lines on standard output.

use std::io::{self, Write};

use super::Outcome;

pub fn write(lines: &[u8]) -> Outcome {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(lines).and_then(|()| stdout.flush()) {
        Ok(()) => Outcome::Delivered,
        Err(error) => Outcome::Retry {
            error: format!("writing to stdout failed: {error}"),
            after: None,
        },
    }
}
