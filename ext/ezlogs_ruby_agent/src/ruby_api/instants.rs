//! Instants other than a Time (ActiveSupport::TimeWithZone, DateTime),
//! written like a Time: their own `iso8601` drops the milliseconds. A Date
//! is a day, not an instant.
//!
//! How a class's values are read is worked out once per named class and
//! remembered on the thread: asking a TimeWithZone whether it answers
//! `to_time` and `iso8601` goes through its own `respond_to?` in Ruby
//! (some 7,000 instructions a value, measured), and Rails hands one over
//! for every `updated_at`. A TimeWithZone gives the UTC Time it keeps
//! through `getutc` (its `to_time` looks the zone's offset up first);
//! `getutc` leaves the receiver as it is, unlike `utc`; once that Time is
//! made (Rails makes it as it casts a column), it is read from where
//! `getutc` keeps it, `@utc`, without calling into Ruby (about 1,500
//! instructions a value, two for every update's `updated_at`). A
//! DateTime's `getutc` gives a DateTime, so it is read through `to_time`.

use std::cell::RefCell;

use magnus::rb_sys::AsRawValue;
use magnus::value::{LazyId, ReprValue};
use magnus::Object as _;
use magnus::{Error, RObject, Ruby, Time, Value};
use rb_sys::VALUE;

use super::helpers;
use crate::data::Text;
use crate::timestamp;

#[derive(Clone, Copy, PartialEq)]
enum Read {
    /// Not an instant: converted as any other object.
    Not,
    /// Through this method, which gives a Time.
    Through(&'static str),
    /// An ActiveSupport::TimeWithZone: the UTC Time it keeps, else through
    /// `getutc`.
    KeptUtc,
}

/// Where a TimeWithZone keeps its UTC Time (ActiveSupport 6.1 to 8.0:
/// `def utc = @utc ||= ...`, aliased as `getutc`).
static KEPT_UTC: LazyId = LazyId::new("@utc");

/// Classes remembered per thread, at most this many (few classes are
/// instants, and each thread meets few classes here).
const MAX_CLASSES: usize = 32;

thread_local! {
    static CLASSES: RefCell<Vec<(VALUE, Read)>> = const { RefCell::new(Vec::new()) };
}

/// A Time as an RFC 3339 timestamp; one outside RFC 3339's years
/// (0000..=9999) as Ruby writes it in UTC ("10000-01-01T00:00:00.000Z");
/// None for anything else. (In the years 0000..=9999 its 24 bytes are kept
/// inline: a record's timestamps take no allocation.)
pub fn of_time(value: Value) -> Option<Text> {
    let time = Time::from_value(value)?;
    time.timespec()
        .ok()
        .and_then(|ts| timestamp::from_unix(ts.tv_sec, ts.tv_nsec as u32))
        .or_else(|| beyond_rfc3339(time))
}

/// An instant RFC 3339 has no year for (or beyond `time_t`), through
/// `strftime`, which plain Ruby has (`iso8601` needs `require "time"`).
fn beyond_rfc3339(time: Time) -> Option<Text> {
    time.funcall::<_, _, Value>("getutc", ())
        .and_then(|utc| utc.funcall::<_, _, String>("strftime", ("%Y-%m-%dT%H:%M:%S.%LZ",)))
        .ok()
        .map(Text::from)
}

/// `value` (not a Time) as a timestamp when its class is an instant's.
/// Errs only with what interrupted the thread while its methods ran
/// (`helpers::unless_failed`); a method that fails gives None.
pub fn of_other(value: Value) -> Result<Option<Text>, Error> {
    let class = value.class();
    let key = class.as_raw();
    let remembered = CLASSES.with(|classes| {
        let classes = classes.borrow();
        classes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, read)| read)
    });
    let read = match remembered {
        Some(read) => read,
        None => {
            let name = class.inspect();
            let read = read_of(value, &name)?;
            // An anonymous class ("#<Class:0x...>") can be collected, and its
            // address given to another class: only named classes are kept.
            // (GC.compact could still move one and put another at its address;
            // that costs no more than how its values are read: a method that
            // fails or gives no Time leaves them to the general conversion.)
            if !name.starts_with("#<") {
                CLASSES.with(|classes| {
                    let mut classes = classes.borrow_mut();
                    if classes.len() < MAX_CLASSES {
                        classes.push((key, read));
                    }
                });
            }
            read
        }
    };
    match read {
        Read::Not => Ok(None),
        Read::Through(method) => through(value, method),
        Read::KeptUtc => match RObject::from_value(value)
            .and_then(|instant| instant.ivar_get::<_, Value>(*KEPT_UTC).ok())
            .filter(|kept| Time::from_value(*kept).is_some())
        {
            Some(utc) => Ok(of_time(utc)),
            None => through(value, "getutc"),
        },
    }
}

fn through(value: Value, method: &str) -> Result<Option<Text>, Error> {
    let time = helpers::unless_failed(&Ruby::get_with(value), value.funcall(method, ()))?;
    Ok(time.and_then(of_time))
}

/// How values of a class named `name` are read, decided from `value`.
/// Errs as `of_other` does.
fn read_of(value: Value, name: &str) -> Result<Read, Error> {
    let ruby = Ruby::get_with(value);
    let responds = |method| -> Result<bool, Error> {
        Ok(helpers::unless_failed(&ruby, value.respond_to(method, false))?.unwrap_or(false))
    };
    if name == "Date" || !responds("to_time")? || !responds("iso8601")? {
        return Ok(Read::Not);
    }
    for method in ["getutc", "to_time"] {
        if responds(method)?
            && helpers::unless_failed(&ruby, value.funcall(method, ()))?
                .and_then(Time::from_value)
                .is_some()
        {
            return Ok(match method {
                "getutc" if name == "ActiveSupport::TimeWithZone" => Read::KeptUtc,
                method => Read::Through(method),
            });
        }
    }
    Ok(Read::Not)
}
