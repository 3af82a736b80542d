//! `file://path`: JSON lines appended to a file. A file moved away (log
//! rotation) or deleted is noticed before the next write, which goes to a
//! new file at the path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::Outcome;

pub struct FileSink {
    path: PathBuf,
    file: File,
}

impl FileSink {
    pub fn open(path: &str) -> Result<FileSink, String> {
        let path = PathBuf::from(path);
        let file = open(&path)?;
        Ok(FileSink { path, file })
    }

    pub fn write(&mut self, lines: &[u8]) -> Outcome {
        if let Err(error) = self.reopen_if_moved() {
            return Outcome::retry(error);
        }
        match self.file.write_all(lines).and_then(|()| self.file.flush()) {
            Ok(()) => Outcome::Delivered,
            Err(error) => Outcome::retry(format!("writing the events file failed: {error}")),
        }
    }

    /// Opens the path anew when it no longer names the file we hold (same
    /// device and inode).
    fn reopen_if_moved(&mut self) -> Result<(), String> {
        let same = |held: std::fs::Metadata, at_path: std::fs::Metadata| {
            held.dev() == at_path.dev() && held.ino() == at_path.ino()
        };
        let still_ours = match (self.file.metadata(), std::fs::metadata(&self.path)) {
            (Ok(held), Ok(at_path)) => same(held, at_path),
            _ => false,
        };
        if !still_ours {
            self.file = open(&self.path)?;
        }
        Ok(())
    }
}

fn open(path: &Path) -> Result<File, String> {
    let open = || -> std::io::Result<File> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new().create(true).append(true).open(path)
    };
    open().map_err(|error| format!("cannot open {} for appending: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_file_is_followed_by_a_new_one_at_the_path() {
        let dir = std::env::temp_dir().join(format!("ezlogs-file-sink-{}", std::process::id()));
        let path = dir.join("events.jsonl");
        let mut sink = FileSink::open(path.to_str().unwrap()).unwrap();
        assert!(matches!(sink.write(b"one\n"), Outcome::Delivered));
        std::fs::rename(&path, dir.join("events.jsonl.1")).unwrap();
        assert!(matches!(sink.write(b"two\n"), Outcome::Delivered));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(sink.write(b"three\n"), Outcome::Delivered));
        assert_eq!(
            std::fs::read_to_string(dir.join("events.jsonl.1")).unwrap(),
            "one\n"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
