//! RFC 3339 UTC timestamps with milliseconds, the envelope's only time format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Latest instant RFC 3339 can express: 9999-12-31T23:59:59Z.
const MAX_RFC3339_SECS: u64 = 253_402_300_799;

/// `2026-01-15T10:30:00.123Z` (UTC, the milliseconds truncated, as
/// humantime's `format_rfc3339_millis` writes it), or None when the instant
/// falls outside the years 1970..=9999.
pub fn format(time: SystemTime) -> Option<String> {
    Some(Rfc3339::of(time)?.as_str().to_owned())
}

/// Writes an event's timestamp; formatting waits until serialisation, off
/// the app's threads.
pub fn serialize<S: serde::Serializer>(
    time: &SystemTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match Rfc3339::of(*time) {
        Some(text) => serializer.serialize_str(text.as_str()),
        None => Err(serde::ser::Error::custom("timestamp outside 1970..=9999")),
    }
}

/// A timestamp written out, on the stack. Every event has one, and a
/// request's timing two more: through `core::fmt` (humantime) each took
/// about 700 instructions, written digit by digit about 300 (issue 15).
struct Rfc3339([u8; 24]);

impl Rfc3339 {
    fn of(time: SystemTime) -> Option<Self> {
        let since_epoch = time.duration_since(UNIX_EPOCH).ok()?;
        let secs = since_epoch.as_secs();
        if secs > MAX_RFC3339_SECS {
            return None;
        }
        let (year, month, day) = civil_from_days(secs / 86_400);
        let of_day = secs % 86_400;
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
        put(20, 3, u64::from(since_epoch.subsec_millis()));
        Some(Self(text))
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The proleptic Gregorian (year, month, day) of a day counted from
/// 1970-01-01: Howard Hinnant's `civil_from_days`
/// (https://howardhinnant.github.io/date_algorithms.html), for days on or
/// after the epoch.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
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
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    fn writes_what_humantime_writes() {
        let humantime = |time| humantime::format_rfc3339_millis(time).to_string();
        let mut secs: u64 = 0;
        // Every day from 1970 to 9999 at a moving time of day, leap days
        // and century years among them, and the last instant there is.
        while secs <= MAX_RFC3339_SECS {
            let time =
                UNIX_EPOCH + Duration::new(secs, (secs % 1_000_000_007) as u32 % 1_000_000_000);
            assert_eq!(format(time).unwrap(), humantime(time), "at {secs} s");
            secs += 86_400 + 3_607;
        }
        let last = UNIX_EPOCH + Duration::new(MAX_RFC3339_SECS, 999_999_999);
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
