//! Lays a batch out as the sink wants it (JSON lines or a JSON array), in a
//! buffer reused from batch to batch, and gzips bodies for sinks that want
//! them compressed.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::sink::BodyFormat;
use crate::event::Event;

pub struct Encoder {
    format: BodyFormat,
    json: Vec<u8>,
    count: usize,
}

impl Encoder {
    pub fn new(format: BodyFormat) -> Self {
        Self {
            format,
            json: Vec::with_capacity(256 * 1024),
            count: 0,
        }
    }

    /// Appends one event; false (and nothing appended) if it cannot be
    /// serialised.
    pub fn push(&mut self, event: &Event) -> bool {
        let start = self.json.len();
        if self.format == BodyFormat::JsonArray {
            self.json.push(if self.count == 0 { b'[' } else { b',' });
        }
        if serde_json::to_writer(&mut self.json, event).is_err() {
            self.json.truncate(start);
            return false;
        }
        if self.format == BodyFormat::JsonLines {
            self.json.push(b'\n');
        }
        self.count += 1;
        true
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes of JSON so far.
    pub fn json_len(&self) -> usize {
        self.json.len()
    }

    /// The finished JSON. Call once per batch, then `clear`.
    pub fn finish(&mut self) -> &[u8] {
        if self.format == BodyFormat::JsonArray {
            self.json.push(b']');
        }
        &self.json
    }

    pub fn clear(&mut self) {
        self.json.clear();
        self.count = 0;
    }
}

/// `json` gzipped into `buffer` (cleared first).
pub fn gzip<'a>(json: &[u8], buffer: &'a mut Vec<u8>) -> &'a [u8] {
    buffer.clear();
    let mut encoder = GzEncoder::new(&mut *buffer, Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(json).and_then(|()| encoder.try_finish());
    drop(encoder);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::test_events::event;
    use std::io::Read;

    #[test]
    fn json_arrays_hold_every_event() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray);
        assert!(encoder.push(&event()));
        assert!(encoder.push(&event()));
        let parsed: serde_json::Value = serde_json::from_slice(encoder.finish()).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 2);
        encoder.clear();
        assert!(encoder.push(&event()));
        let parsed: serde_json::Value = serde_json::from_slice(encoder.finish()).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 1);
    }

    #[test]
    fn json_lines_end_each_event_with_a_newline() {
        let mut encoder = Encoder::new(BodyFormat::JsonLines);
        encoder.push(&event());
        encoder.push(&event());
        let body = String::from_utf8(encoder.finish().to_vec()).unwrap();
        assert_eq!(body.lines().count(), 2);
        assert!(body.ends_with('\n'));
    }

    #[test]
    fn gzip_bodies_decompress_to_the_json() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray);
        encoder.push(&event());
        let json = encoder.finish().to_vec();
        let mut buffer = Vec::new();
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(gzip(&json, &mut buffer))
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, json);
    }
}
