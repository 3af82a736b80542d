//! `file://path`: JSON lines appended to a file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::Outcome;

pub struct FileSink {
    file: File,
}

impl FileSink {
    pub fn open(path: &str) -> Result<FileSink, String> {
        let path = Path::new(path);
        let open = || -> std::io::Result<File> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            OpenOptions::new().create(true).append(true).open(path)
        };
        open()
            .map(|file| FileSink { file })
            .map_err(|error| format!("cannot open {} for appending: {error}", path.display()))
    }

    pub fn write(&mut self, lines: &[u8]) -> Outcome {
        match self.file.write_all(lines).and_then(|()| self.file.flush()) {
            Ok(()) => Outcome::Delivered,
            Err(error) => Outcome::Retry {
                error: format!("writing the events file failed: {error}"),
                after: None,
            },
        }
    }
}
