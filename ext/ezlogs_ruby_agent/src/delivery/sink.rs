//! Where batches go, chosen by the endpoint's scheme.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub enum Sink {
    /// `file://path`: one JSON object per line, appended.
    JsonLinesFile(File),
    /// `stdout://`: one JSON object per line.
    Stdout,
    /// A scheme this build cannot deliver to; `reason` says which and why.
    Unsupported { reason: String },
}

impl Sink {
    pub fn for_endpoint(endpoint: &str) -> Sink {
        if let Some(path) = endpoint.strip_prefix("file://") {
            return match open_append(Path::new(path)) {
                Ok(file) => Sink::JsonLinesFile(file),
                Err(error) => Sink::Unsupported {
                    reason: format!("cannot open {path} for appending: {error}"),
                },
            };
        }
        if endpoint.starts_with("stdout://") {
            return Sink::Stdout;
        }
        Sink::Unsupported {
            reason: format!(
                "no sink for endpoint {endpoint:?} in this version; use file://PATH or stdout://"
            ),
        }
    }

    /// Writes one batch of already-serialised JSON lines.
    pub fn write(&mut self, lines: &[u8]) -> io::Result<()> {
        match self {
            Sink::JsonLinesFile(file) => file.write_all(lines).and_then(|()| file.flush()),
            Sink::Stdout => {
                let mut stdout = io::stdout().lock();
                stdout.write_all(lines).and_then(|()| stdout.flush())
            }
            Sink::Unsupported { reason } => {
                Err(io::Error::new(io::ErrorKind::Unsupported, reason.clone()))
            }
        }
    }

    pub fn is_supported(&self) -> bool {
        !matches!(self, Sink::Unsupported { .. })
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sink_appends_lines() {
        let dir = std::env::temp_dir().join(format!("ezlogs-sink-{}", std::process::id()));
        let path = dir.join("nested/events.jsonl");
        let mut sink = Sink::for_endpoint(&format!("file://{}", path.display()));
        sink.write(b"{\"a\":1}\n").unwrap();
        sink.write(b"{\"a\":2}\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_schemes_say_what_to_use() {
        let mut sink = Sink::for_endpoint("ftp://example");
        assert!(!sink.is_supported());
        let error = sink.write(b"x").unwrap_err().to_string();
        assert!(error.contains("file://PATH"), "{error}");
    }
}
