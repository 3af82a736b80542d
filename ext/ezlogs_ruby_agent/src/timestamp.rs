//! RFC 3339 UTC timestamps with milliseconds, the envelope's only time format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Latest instant RFC 3339 can express: 9999-12-31T23:59:59Z.
const MAX_RFC3339_SECS: u64 = 253_402_300_799;

/// `2026-01-15T10:30:00.123Z`, or None when the instant falls outside the
/// years 1970..=9999 that the formatter handles.
pub fn format(time: SystemTime) -> Option<String> {
    let since_epoch = time.duration_since(UNIX_EPOCH).ok()?;
    if since_epoch.as_secs() > MAX_RFC3339_SECS {
        return None;
    }
    Some(humantime::format_rfc3339_millis(time).to_string())
}

/// Writes an event's timestamp; formatting waits until serialisation, off
/// the app's threads.
pub fn serialize<S: serde::Serializer>(
    time: &SystemTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match format(*time) {
        Some(text) => serializer.serialize_str(&text),
        None => Err(serde::ser::Error::custom("timestamp outside 1970..=9999")),
    }
}

/// A Unix time given as seconds and nanoseconds (as Ruby's Time holds it).
pub fn from_unix(secs: i64, nanos: u32) -> Option<String> {
    let secs = u64::try_from(secs).ok()?;
    format(UNIX_EPOCH + Duration::new(secs, nanos.min(999_999_999)))
}

/// Reads a timestamp back (RFC 3339, with or without fractions).
pub fn parse(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let time = UNIX_EPOCH + Duration::from_millis(1_768_473_000_123);
        assert_eq!(format(time).unwrap(), "2026-01-15T10:30:00.123Z");
    }

    #[test]
    fn out_of_range_instants_are_refused_not_panicked_on() {
        assert_eq!(from_unix(-1, 0), None);
        assert_eq!(from_unix(MAX_RFC3339_SECS as i64 + 1, 0), None);
        assert!(from_unix(0, 0).is_some());
    }

    #[test]
    fn round_trips_through_parse() {
        let text = "2026-01-15T10:30:00.123Z";
        assert_eq!(format(parse(text).unwrap()).unwrap(), text);
    }
}
