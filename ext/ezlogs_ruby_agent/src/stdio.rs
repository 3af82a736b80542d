//! The process's standard output and error, written by file descriptor,
//! with no lock and no buffer. Rust's `stdout()` and `stderr()` take a
//! process-wide lock: a fork taken while the worker held it would leave it
//! held forever in the child, whose first message would then hang.

use std::io;
use std::os::raw::c_int;

pub const STDOUT: c_int = 1;
pub const STDERR: c_int = 2;

/// Writes all of `bytes` to `fd`.
pub fn write_all(fd: c_int, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: write(2) reads at most `bytes.len()` bytes from a live
        // slice; a closed or invalid descriptor only makes it fail (EBADF).
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        bytes = &bytes[written as usize..];
    }
    Ok(())
}

/// One line to stderr, prefixed with the gem's name. A stderr that cannot
/// be written (closed, a broken pipe) is ignored: the message is lost, the
/// app is not disturbed.
pub fn warn(message: &str) {
    let line = format!("[ezlogs_ruby_agent] {message}\n");
    let _ = write_all(STDERR, line.as_bytes());
}
