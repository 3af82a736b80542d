//! Owned JSON data -> Ruby values, with symbol keys (DESIGN section 3).

use std::time::SystemTime;

use magnus::{prelude::*, IntoValue, Ruby, Value};
use serde_json::Value as Json;

pub fn value(ruby: &Ruby, json: &Json) -> Value {
    match json {
        Json::Null => ruby.qnil().into_value_with(ruby),
        Json::Bool(b) => b.into_value_with(ruby),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_value_with(ruby)
            } else if let Some(u) = n.as_u64() {
                u.into_value_with(ruby)
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_value_with(ruby)
            }
        }
        Json::String(s) => ruby.str_new(s).into_value_with(ruby),
        Json::Array(items) => ruby
            .ary_from_iter(items.iter().map(|item| value(ruby, item)))
            .into_value_with(ruby),
        Json::Object(map) => {
            let hash = ruby.hash_new();
            for (key, item) in map {
                // Inserting a fresh symbol and value cannot raise.
                let _ = hash.aset(ruby.to_symbol(key), value(ruby, item));
            }
            hash.into_value_with(ruby)
        }
    }
}

/// A Ruby Time for a SystemTime (UTC).
pub fn time(ruby: &Ruby, at: SystemTime) -> Value {
    let since_epoch = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    match ruby.time_nano_new(
        since_epoch.as_secs() as i64,
        since_epoch.subsec_nanos() as i64,
    ) {
        Ok(time) => time
            .funcall::<_, _, Value>("utc", ())
            .unwrap_or(time.into_value_with(ruby)),
        Err(_) => ruby.qnil().into_value_with(ruby),
    }
}
