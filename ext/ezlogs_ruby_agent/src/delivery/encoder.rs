//! Lays a batch out as the sink wants it (JSON lines or a JSON array) and
//! gzips it when asked, in buffers reused from batch to batch.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::sink::BodyFormat;
use crate::event::Event;

pub struct Encoder {
    format: BodyFormat,
    gzip: bool,
    json: Vec<u8>,
    compressed: Vec<u8>,
    count: usize,
}

impl Encoder {
    pub fn new(format: BodyFormat, gzip: bool) -> Self {
        Self {
            format,
            gzip,
            json: Vec::with_capacity(256 * 1024),
            compressed: Vec::new(),
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

    /// The finished body. Call once per batch, then `clear`.
    pub fn finish(&mut self) -> &[u8] {
        if self.format == BodyFormat::JsonArray {
            self.json.push(b']');
        }
        if !self.gzip {
            return &self.json;
        }
        self.compressed.clear();
        let mut gzip = GzEncoder::new(&mut self.compressed, Compression::fast());
        // Writing into a Vec cannot fail.
        let _ = gzip.write_all(&self.json).and_then(|()| gzip.try_finish());
        drop(gzip);
        &self.compressed
    }

    pub fn clear(&mut self) {
        self.json.clear();
        self.compressed.clear();
        self.count = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::test_events::event;
    use std::io::Read;

    #[test]
    fn json_arrays_hold_every_event() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray, false);
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
        let mut encoder = Encoder::new(BodyFormat::JsonLines, false);
        encoder.push(&event());
        encoder.push(&event());
        let body = String::from_utf8(encoder.finish().to_vec()).unwrap();
        assert_eq!(body.lines().count(), 2);
        assert!(body.ends_with('\n'));
    }

    #[test]
    fn gzip_bodies_decompress_to_the_json() {
        let mut plain = Encoder::new(BodyFormat::JsonArray, false);
        let mut gzipped = Encoder::new(BodyFormat::JsonArray, true);
        let event = event();
        plain.push(&event);
        gzipped.push(&event);
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(gzipped.finish())
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, plain.finish());
    }
}
