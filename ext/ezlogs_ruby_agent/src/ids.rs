//! Random identifiers: event, correlation and flow ids, W3C trace and span ids.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// `prefix` followed by 22 url-safe characters (128 random bits).
pub fn prefixed(prefix: &str) -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut encoded = [0u8; 22];
    let written = URL_SAFE_NO_PAD
        .encode_slice(bytes, &mut encoded)
        .unwrap_or_default();
    let mut id = String::with_capacity(prefix.len() + written);
    id.push_str(prefix);
    // The base64 alphabet is ASCII, so this is always valid UTF-8.
    id.push_str(std::str::from_utf8(&encoded[..written]).unwrap_or_default());
    id
}

pub fn event_id() -> String {
    prefixed("evt_")
}

pub fn correlation_id() -> String {
    prefixed("corr_")
}

pub fn flow_id() -> String {
    prefixed("flow_")
}

/// A W3C trace id: 32 lowercase hex digits, never all zeros.
pub fn trace_id() -> String {
    // A v4 UUID has version bits set, so it is never zero.
    format!("{:032x}", uuid::Uuid::new_v4().as_u128())
}

/// A W3C span (parent) id: 16 lowercase hex digits, never all zeros.
pub fn span_id() -> String {
    loop {
        let half = (uuid::Uuid::new_v4().as_u128() >> 64) as u64;
        if half != 0 {
            return format!("{half:016x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_have_prefix_and_22_url_safe_chars() {
        let id = event_id();
        assert!(id.starts_with("evt_"));
        let tail = &id[4..];
        assert_eq!(tail.len(), 22);
        assert!(tail
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
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
