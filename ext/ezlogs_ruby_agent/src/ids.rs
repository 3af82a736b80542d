//! Random identifiers: event, correlation and flow ids, W3C trace and span ids.

use std::cell::RefCell;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::{StdRng, SysRng};
use rand::{RngExt, SeedableRng};

use crate::data::Text;
use crate::process;

thread_local! {
    /// A per-thread generator, seeded from the OS, with the fork generation
    /// it was seeded in: a forked child reseeds, so it never repeats the
    /// parent's ids.
    static GENERATOR: RefCell<Option<(u64, StdRng)>> = const { RefCell::new(None) };
}

fn random_u128() -> u128 {
    GENERATOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let generation = process::generation();
        let rng = match &mut *cell {
            Some((seeded_in, rng)) if *seeded_in == generation => rng,
            slot => {
                let rng = StdRng::try_from_rng(&mut SysRng)
                    .unwrap_or_else(|_| StdRng::seed_from_u64(seed_fallback()));
                &mut slot.insert((generation, rng)).1
            }
        };
        rng.random()
    })
}

/// A random number in [0, 1), for jitter.
pub fn random_fraction() -> f64 {
    (random_u128() >> 75) as f64 / (1u64 << 53) as f64
}

/// Only if the OS refuses randomness: time and pid still differ per process.
fn seed_fallback() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// `prefix` (at most 10 bytes) followed by the url-safe base64 of
/// `random_bytes` (at most 16) random bytes, written on the stack and
/// handed to `make`, which makes the one allocation the id keeps, if any (a
/// tracked request makes five ids, and each allocation the app's thread
/// makes is one the worker may free).
fn prefixed<T>(prefix: &str, random_bytes: usize, make: impl FnOnce(&str) -> T) -> T {
    let mut id = [0u8; 32];
    id[..prefix.len()].copy_from_slice(prefix.as_bytes());
    let written = URL_SAFE_NO_PAD
        .encode_slice(
            &random_u128().to_le_bytes()[..random_bytes],
            &mut id[prefix.len()..],
        )
        .unwrap_or_default();
    // The prefixes and the base64 alphabet are ASCII: always valid UTF-8.
    let id = &id[..prefix.len() + written];
    debug_assert!(id.is_ascii());
    // SAFETY: the prefix (the callers' literals), the base64 alphabet and
    // the zeros the buffer starts with are all ASCII. (Checking it cost
    // about 80 instructions an event id, callgrind.)
    make(unsafe { std::str::from_utf8_unchecked(id) })
}

/// An event id: `evt_` and 19 url-safe characters (112 random bits; 0.1.19
/// wrote 22, and DESIGN keeps only the prefix). At 23 bytes it is stored
/// inline, with no allocation, both in the event (`Text` keeps up to 24
/// bytes inline) and in the Ruby String `log_event` returns (Ruby 3.1
/// embeds up to 23 bytes; a longer one is a `malloc` on every call and a
/// `free` when the GC sweeps it).
pub fn event_id() -> Text {
    prefixed("evt_", 14, |id| Text::from(id))
}

/// `corr_` and 22 url-safe characters (128 random bits), shared by every
/// event of a context.
pub fn correlation_id() -> Arc<str> {
    prefixed("corr_", 16, |id| Arc::from(id))
}

/// `flow_` and 22 url-safe characters (128 random bits).
pub fn flow_id() -> Arc<str> {
    prefixed("flow_", 16, |id| Arc::from(id))
}

/// A request id for requests that came without one: a UUID (version 4),
/// the form Rails and most proxies use.
pub fn request_id() -> String {
    uuid::Builder::from_random_bytes(random_u128().to_le_bytes())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A W3C trace id: 32 lowercase hex digits, never all zeros.
pub fn trace_id() -> Arc<str> {
    loop {
        let id = random_u128();
        if id != 0 {
            return Arc::from(&*const_hex::Buffer::<16>::new().format(&id.to_be_bytes()));
        }
    }
}

/// A W3C span (parent) id: 16 lowercase hex digits, never all zeros.
pub fn span_id() -> Arc<str> {
    loop {
        let id = random_u128() as u64;
        if id != 0 {
            return Arc::from(&*const_hex::Buffer::<8>::new().format(&id.to_be_bytes()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_correlation_and_flow_ids_have_prefix_and_url_safe_chars() {
        for (prefix, id, length) in [
            ("evt_", event_id().to_string(), 19),
            ("corr_", correlation_id().to_string(), 22),
            ("flow_", flow_id().to_string(), 22),
        ] {
            let tail = id.strip_prefix(prefix).expect("the prefix");
            assert_eq!(tail.len(), length, "{id}");
            assert!(tail
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        }
    }

    #[test]
    fn request_ids_are_version_4_uuids() {
        let id = request_id();
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(id, parsed.hyphenated().to_string());
        assert_ne!(request_id(), id);
    }

    #[test]
    fn event_ids_are_kept_inline() {
        assert!(!event_id().is_heap_allocated());
    }

    #[test]
    fn ids_are_unique() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| event_id()).collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn trace_and_span_ids_are_lowercase_hex_of_w3c_length() {
        let trace = trace_id();
        let span = span_id();
        assert_eq!(trace.len(), 32);
        assert_eq!(span.len(), 16);
        for id in [&trace, &span] {
            assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
            assert!(id.chars().any(|c| c != '0'));
        }
    }
}
