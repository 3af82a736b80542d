//! RFC 3339 UTC timestamps with milliseconds, the envelope's only time format.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::data::Text;

/// Latest instant RFC 3339 can express: 9999-12-31T23:59:59Z.
const MAX_RFC3339_SECS: i64 = 253_402_300_799;
/// Earliest: 0000-01-01T00:00:00Z.
const MIN_RFC3339_SECS: i64 = -62_167_219_200;

/// `2026-01-15T10:30:00.123Z` (UTC, the milliseconds truncated, as
/// humantime's `format_rfc3339_millis` writes it), or None when the instant
/// falls outside the years 1970..=9999 (the agent's own clock readings).
/// Its 24 bytes are kept inline in the `Text`, with no allocation (a
/// request's timing has two).
pub fn format(time: SystemTime) -> Option<Text> {
    let since_epoch = time.duration_since(UNIX_EPOCH).ok()?;
    let secs = i64::try_from(since_epoch.as_secs()).ok()?;
    Some(
        Rfc3339::at(secs, since_epoch.subsec_millis())?
            .as_str()
            .into(),
    )
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

/// A timestamp written out, on the stack. Every event has one, and a
/// request's timing two more: through `core::fmt` (humantime) each took
/// about 700 instructions, written digit by digit about 300 (issue 15).
struct Rfc3339([u8; 24]);

impl Rfc3339 {
    /// `secs` from the Unix epoch (negative before it) and the
    /// milliseconds after them; None outside the years 0000..=9999.
    fn at(secs: i64, millis: u32) -> Option<Self> {
        if !(MIN_RFC3339_SECS..=MAX_RFC3339_SECS).contains(&secs) {
            return None;
        }
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let of_day = secs.rem_euclid(86_400).unsigned_abs();
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut value: u64| {
            for digit in text[at..at + width].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, month);
        put(8, 2, day);
        put(11, 2, of_day / 3_600);
        put(14, 2, of_day / 60 % 60);
        put(17, 2, of_day % 60);
        put(20, 3, u64::from(millis.min(999)));
        Some(Self(text))
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The proleptic Gregorian (year, month, day) of a day counted from
/// 1970-01-01 (negative before it): Howard Hinnant's `civil_from_days`
/// (https://howardhinnant.github.io/date_algorithms.html), for the years
/// 0000..=9999.
fn civil_from_days(days: i64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097).unsigned_abs();
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    // Not negative for the years 0000..=9999 (era -1 holds the year 0's
    // January and February, as the March-based year -1).
    let year = i64::try_from(year_of_era).unwrap_or_default() + era * 400 + i64::from(month <= 2);
    debug_assert!(year >= 0, "a day before the year 0000");
    (year.unsigned_abs(), month, day)
}

/// A Unix time given as seconds (negative before 1970) and nanoseconds
/// after them, as Ruby's Time holds it: an instant in an app's data, such
/// as a birth date, may be in any year RFC 3339 writes (0000..=9999);
/// None outside them.
pub fn from_unix(secs: i64, nanos: u32) -> Option<Text> {
    Some(Rfc3339::at(secs, nanos / 1_000_000)?.as_str().into())
}

/// Reads a timestamp back (RFC 3339, with or without fractions).
pub fn parse(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(text).ok())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let time = UNIX_EPOCH + Duration::from_millis(1_768_473_000_123);
        assert_eq!(format(time).unwrap(), "2026-01-15T10:30:00.123Z");
        assert!(!format(time).unwrap().is_heap_allocated(), "kept inline");
    }

    #[test]
    fn out_of_range_instants_are_refused_not_panicked_on() {
        assert_eq!(from_unix(MIN_RFC3339_SECS - 1, 999_999_999), None);
        assert_eq!(from_unix(MAX_RFC3339_SECS + 1, 0), None);
        assert_eq!(from_unix(i64::MIN, 0), None);
        assert_eq!(from_unix(i64::MAX, 0), None);
        assert!(format(UNIX_EPOCH - Duration::from_secs(1)).is_none());
    }

    #[test]
    fn writes_instants_before_1970_as_ruby_does_in_utc() {
        // Ruby: Time.at(secs, nsec, :nsec).utc.iso8601(3); a Time before
        // the epoch holds its seconds floored and the nanoseconds after them.
        for (secs, nanos, text) in [
            (-1, 0, "1969-12-31T23:59:59.000Z"),
            (-2, 999_999_000, "1969-12-31T23:59:58.999Z"),
            (-303_786_000, 250_000_000, "1960-05-16T23:00:00.250Z"),
            (-3_786_815_939, 0, "1850-01-01T02:41:01.000Z"),
            (-2_208_988_800, 0, "1900-01-01T00:00:00.000Z"),
            (-11_676_096_000, 0, "1600-01-01T00:00:00.000Z"),
            (-62_162_035_200, 1, "0000-03-01T00:00:00.000Z"),
            (MIN_RFC3339_SECS, 0, "0000-01-01T00:00:00.000Z"),
            (MAX_RFC3339_SECS, 999_999_999, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(from_unix(secs, nanos).as_deref(), Some(text), "at {secs} s");
        }
    }

    #[test]
    fn writes_what_humantime_writes() {
        let humantime = |time| humantime::format_rfc3339_millis(time).to_string();
        let mut secs = 0;
        // Every day from 1970 to 9999 at a moving time of day, leap days
        // and century years among them, and the last instant there is.
        while secs <= MAX_RFC3339_SECS {
            let secs_u = secs.unsigned_abs();
            let time =
                UNIX_EPOCH + Duration::new(secs_u, (secs_u % 1_000_000_007) as u32 % 1_000_000_000);
            assert_eq!(format(time).unwrap(), humantime(time), "at {secs} s");
            secs += 86_400 + 3_607;
        }
        let last = UNIX_EPOCH + Duration::new(MAX_RFC3339_SECS.unsigned_abs(), 999_999_999);
        assert_eq!(format(last).unwrap(), "9999-12-31T23:59:59.999Z");
        for date in [
            "2000-02-29T00:00:00.000Z",
            "2100-03-01T23:59:59.999Z",
            "2024-12-31T12:00:00.001Z",
        ] {
            assert_eq!(format(parse(date).unwrap()).unwrap(), date);
        }
    }

    #[test]
    fn round_trips_through_parse() {
        let text = "2026-01-15T10:30:00.123Z";
        assert_eq!(format(parse(text).unwrap()).unwrap(), text);
    }
}
