//! Batches the collector did not take, held in memory until it does (when
//! there is no spool), oldest first. Each is kept gzipped: a batch of 100
//! typical events, about 55 KB of JSON, holds in a few KB. The queue counts
//! their events and these bytes against its bounds (`Queue::hold`), so what
//! waits for a collector that is down stays bounded by what RSS pays.

use std::collections::VecDeque;
use std::io::Read;

use flate2::read::GzDecoder;
use flate2::Compression;

use super::encoder;

pub struct HeldBatch {
    gzip: Box<[u8]>,
    pub json_len: usize,
    pub events: u64,
}

impl HeldBatch {
    /// Gzips `json` through `buffer`, then keeps an allocation of just its
    /// size (shrinking a grown buffer would leave its tail as a hole).
    pub fn new(json: &[u8], events: u64, buffer: &mut Vec<u8>) -> Self {
        Self {
            gzip: encoder::gzip(json, buffer, Compression::default()).into(),
            json_len: json.len(),
            events,
        }
    }

    /// The batch as sinks that take gzip send it.
    pub fn gzip(&self) -> &[u8] {
        &self.gzip
    }

    /// The batch's JSON, as it was held.
    pub fn json(&self) -> Vec<u8> {
        let mut json = Vec::with_capacity(self.json_len);
        // Inflating what `encoder::gzip` wrote into a Vec cannot fail.
        let _ = GzDecoder::new(&self.gzip[..]).read_to_end(&mut json);
        json
    }

    /// What holding it costs in memory.
    fn bytes(&self) -> usize {
        self.gzip.len() + std::mem::size_of::<Self>()
    }
}

#[derive(Default)]
pub struct Held {
    batches: VecDeque<HeldBatch>,
    bytes: usize,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Bytes held, all batches together.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds a batch after the others.
    pub fn push(&mut self, batch: HeldBatch) {
        self.bytes += batch.bytes();
        self.batches.push_back(batch);
    }

    /// Holds a batch before the others (one taken with `pop`, not sent).
    pub fn push_front(&mut self, batch: HeldBatch) {
        self.bytes += batch.bytes();
        self.batches.push_front(batch);
    }

    /// Takes the oldest batch.
    pub fn pop(&mut self) -> Option<HeldBatch> {
        let batch = self.batches.pop_front()?;
        self.bytes -= batch.bytes();
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_back_oldest_first_as_they_were_held() {
        let mut held = Held::default();
        let json = format!(
            "[{}]",
            vec![r#"{"event_type":"order.placed"}"#; 100].join(",")
        );
        let buffer = &mut Vec::new();
        held.push(HeldBatch::new(json.as_bytes(), 100, buffer));
        held.push(HeldBatch::new(b"[{}]", 1, buffer));
        assert!(held.bytes() < json.len() / 4, "held gzipped");
        let first = held.pop().unwrap();
        assert_eq!((first.json(), first.events), (json.into_bytes(), 100));
        held.push_front(first);
        assert_eq!(held.pop().unwrap().events, 100);
        assert_eq!(held.pop().unwrap().json(), b"[{}]");
        assert!(held.is_empty());
        assert_eq!(held.bytes(), 0);
    }
}
