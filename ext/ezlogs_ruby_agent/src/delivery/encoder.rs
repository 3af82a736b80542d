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
    /// The queue's sequence numbers of the events encoded, in order.
    seqs: Vec<u64>,
    /// Where the last event pushed begins (with its separator).
    last_start: usize,
}

impl Encoder {
    pub fn new(format: BodyFormat) -> Self {
        Self {
            format,
            json: Vec::with_capacity(256 * 1024),
            seqs: Vec::new(),
            last_start: 0,
        }
    }

    /// Appends one event (`seq` in the queue's order) and returns the size
    /// of its JSON; None (and nothing appended) if it cannot be serialised.
    pub fn push(&mut self, event: &Event, seq: u64) -> Option<usize> {
        let start = self.json.len();
        if self.format == BodyFormat::JsonArray {
            self.json
                .push(if self.seqs.is_empty() { b'[' } else { b',' });
        }
        let event_start = self.json.len();
        if serde_json::to_writer(&mut self.json, event).is_err() {
            self.json.truncate(start);
            return None;
        }
        let size = self.json.len() - event_start;
        if self.format == BodyFormat::JsonLines {
            self.json.push(b'\n');
        }
        self.seqs.push(seq);
        self.last_start = start;
        Some(size)
    }

    /// Takes back the event just pushed.
    pub fn pop(&mut self) {
        self.json.truncate(self.last_start);
        self.seqs.pop();
    }

    pub fn count(&self) -> usize {
        self.seqs.len()
    }

    /// Bytes of JSON so far.
    pub fn json_len(&self) -> usize {
        self.json.len()
    }

    /// The finished JSON and the events' sequence numbers. Call once per
    /// batch, then `clear`.
    pub fn finish(&mut self) -> (&[u8], &[u64]) {
        if self.format == BodyFormat::JsonArray {
            self.json.push(b']');
        }
        (&self.json, &self.seqs)
    }

    pub fn clear(&mut self) {
        self.json.clear();
        self.seqs.clear();
    }
}

/// A JSON array body cut into two arrays of about half its events each,
/// the events copied as they are, each with its count; None when it holds
/// fewer than two.
pub fn halves(json: &[u8]) -> Option<[(Vec<u8>, u64); 2]> {
    let events: Vec<&serde_json::value::RawValue> = serde_json::from_slice(json).ok()?;
    if events.len() < 2 {
        return None;
    }
    let (first, second) = events.split_at(events.len() / 2);
    let array = |events: &[&serde_json::value::RawValue]| {
        let mut body = Vec::with_capacity(json.len() / 2 + 2);
        body.push(b'[');
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(event.get().as_bytes());
        }
        body.push(b']');
        body
    };
    Some([
        (array(first), first.len() as u64),
        (array(second), second.len() as u64),
    ])
}

/// `json` gzipped into `buffer` (cleared first), at `level`: `fast()` for
/// what goes out at once, more for what is held.
pub fn gzip<'a>(json: &[u8], buffer: &'a mut Vec<u8>, level: Compression) -> &'a [u8] {
    buffer.clear();
    let mut encoder = GzEncoder::new(&mut *buffer, level);
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
        assert!(encoder.push(&event(), 1).is_some());
        assert!(encoder.push(&event(), 2).is_some());
        let (json, seqs) = encoder.finish();
        let parsed: serde_json::Value = serde_json::from_slice(json).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 2);
        assert_eq!(seqs, [1, 2]);
        encoder.clear();
        assert!(encoder.push(&event(), 3).is_some());
        let parsed: serde_json::Value = serde_json::from_slice(encoder.finish().0).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 1);
    }

    #[test]
    fn pop_takes_back_the_event_just_pushed() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray);
        let size = encoder.push(&event(), 1).unwrap();
        assert_eq!(size, serde_json::to_vec(&event()).unwrap().len());
        encoder.push(&event(), 2);
        encoder.pop();
        let (json, seqs) = encoder.finish();
        assert_eq!(
            serde_json::from_slice::<Vec<serde_json::Value>>(json)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(seqs, [1]);
    }

    #[test]
    fn halves_split_an_array_into_two_arrays_of_the_same_events() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray);
        for seq in 1..=5 {
            encoder.push(&event(), seq);
        }
        let json = encoder.finish().0.to_vec();
        let [(first, n1), (second, n2)] = halves(&json).unwrap();
        let parse = |body: &[u8]| serde_json::from_slice::<Vec<serde_json::Value>>(body).unwrap();
        let mut rejoined = parse(&first);
        assert_eq!((rejoined.len(), n1, n2), (2, 2, 3));
        rejoined.extend(parse(&second));
        assert_eq!(rejoined, parse(&json));
        let [(_, a), (_, b)] = halves(&first).unwrap();
        assert_eq!((a, b), (1, 1));
        assert!(halves(b"[{}]").is_none());
    }

    #[test]
    fn json_lines_end_each_event_with_a_newline() {
        let mut encoder = Encoder::new(BodyFormat::JsonLines);
        encoder.push(&event(), 1);
        encoder.push(&event(), 2);
        let body = String::from_utf8(encoder.finish().0.to_vec()).unwrap();
        assert_eq!(body.lines().count(), 2);
        assert!(body.ends_with('\n'));
    }

    #[test]
    fn gzip_bodies_decompress_to_the_json() {
        let mut encoder = Encoder::new(BodyFormat::JsonArray);
        encoder.push(&event(), 1);
        let json = encoder.finish().0.to_vec();
        let mut buffer = Vec::new();
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(gzip(&json, &mut buffer, Compression::fast()))
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, json);
    }
}
