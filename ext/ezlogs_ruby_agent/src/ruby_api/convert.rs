//! Ruby value -> owned JSON data, on the calling thread while it holds the
//! GVL. Never raises: whatever the app passes becomes something JSON-safe,
//! bounded by `Limits` in depth, size and item count.

use magnus::encoding::EncodingCapable;
use magnus::r_hash::ForEach;
use magnus::rb_sys::AsRawValue;
use magnus::value::ReprValue;
use magnus::{Float, Integer, RArray, RHash, RString, Ruby, Symbol, Time, Value};
use serde_json::{Map, Number, Value as Json};

use crate::settings::Limits;
use crate::{timestamp, truncate};

pub struct Converter<'r> {
    ruby: &'r Ruby,
    limits: Limits,
    /// Bytes of string data this conversion may still copy.
    budget: usize,
    /// Containers being converted, from the outermost in, to cut cycles.
    path: Vec<Value>,
}

impl<'r> Converter<'r> {
    pub fn new(ruby: &'r Ruby, limits: Limits) -> Self {
        Self {
            ruby,
            limits,
            budget: limits.max_event_bytes,
            path: Vec::new(),
        }
    }

    pub fn convert(&mut self, value: Value) -> Json {
        self.value(value, 0)
    }

    /// A key or id: strings and symbols as they are, anything else as text.
    pub fn text(&mut self, value: Value) -> String {
        match self.value(value, 0) {
            Json::String(text) => text,
            other => other.to_string(),
        }
    }

    fn value(&mut self, value: Value, depth: usize) -> Json {
        if value.is_nil() {
            return Json::Null;
        }
        if value.as_raw() == self.ruby.qtrue().as_raw() {
            return Json::Bool(true);
        }
        if value.as_raw() == self.ruby.qfalse().as_raw() {
            return Json::Bool(false);
        }
        if let Some(string) = RString::from_value(value) {
            return Json::String(self.string(string));
        }
        if let Some(symbol) = Symbol::from_value(value) {
            return Json::String(self.symbol(symbol));
        }
        if let Some(integer) = Integer::from_value(value) {
            return self.integer(integer);
        }
        if let Some(float) = Float::from_value(value) {
            return float_json(float.to_f64());
        }
        if depth >= self.limits.max_depth {
            return Json::String(truncate::DEPTH_EXCEEDED.into());
        }
        if self.path.iter().any(|seen| seen.as_raw() == value.as_raw()) {
            return Json::String(truncate::CYCLE.into());
        }
        if let Some(array) = RArray::from_value(value) {
            return self.nested(value, |me| me.array(array, depth + 1));
        }
        if let Some(hash) = RHash::from_value(value) {
            return self.nested(value, |me| me.hash(hash, depth + 1));
        }
        self.nested(value, |me| me.object(value, depth + 1))
    }

    fn nested(&mut self, value: Value, convert: impl FnOnce(&mut Self) -> Json) -> Json {
        self.path.push(value);
        let json = convert(self);
        self.path.pop();
        json
    }

    fn take_budget(&mut self, text: &str) -> Option<String> {
        if self.budget == 0 {
            return None;
        }
        let kept = truncate::string(text, self.limits.max_string_bytes.min(self.budget));
        self.budget = self.budget.saturating_sub(kept.len());
        Some(kept)
    }

    fn bounded(&mut self, text: &str) -> String {
        self.take_budget(text)
            .unwrap_or_else(|| truncate::BUDGET_EXHAUSTED.into())
    }

    fn string(&mut self, string: RString) -> String {
        let encoding = string.enc_get();
        let text =
            if encoding == self.ruby.utf8_encindex() || encoding == self.ruby.usascii_encindex() {
                // SAFETY: the slice is copied before any other Ruby call could
                // move or change the string.
                String::from_utf8_lossy(unsafe { string.as_slice() }).into_owned()
            } else if encoding == self.ruby.ascii8bit_encindex() {
                // SAFETY: as above; copied (or measured) before Ruby runs again.
                let bytes = unsafe { string.as_slice() };
                match std::str::from_utf8(bytes) {
                    Ok(text) => text.to_owned(),
                    Err(_) => return truncate::binary(bytes.len()),
                }
            } else {
                // Another encoding (Latin-1, Shift_JIS, ...): let Ruby transcode;
                // bytes it cannot map are scrubbed below.
                let utf8 = string.conv_enc(self.ruby.utf8_encoding()).unwrap_or(string);
                // SAFETY: as above.
                String::from_utf8_lossy(unsafe { utf8.as_slice() }).into_owned()
            };
        self.bounded(&text)
    }

    fn symbol(&mut self, symbol: Symbol) -> String {
        match symbol.name() {
            Ok(name) => self.bounded(&name),
            Err(_) => truncate::unrepresentable("Symbol"),
        }
    }

    fn integer(&mut self, integer: Integer) -> Json {
        if let Ok(n) = integer.to_i64() {
            return Json::from(n);
        }
        if let Ok(n) = integer.to_u64() {
            return Json::from(n);
        }
        // Beyond 64 bits JSON readers lose precision: send the digits.
        match integer.funcall::<_, _, RString>("to_s", ()) {
            Ok(digits) => Json::String(self.string(digits)),
            Err(_) => Json::String(truncate::unrepresentable("Integer")),
        }
    }

    fn array(&mut self, array: RArray, depth: usize) -> Json {
        let total = array.len();
        let kept = total.min(self.limits.max_collection_items);
        let mut items = Vec::with_capacity(kept + 1);
        let mut index = 0;
        // Index each time: converting an element may run app code that
        // changes the array.
        while index < kept.min(array.len()) {
            let item = array
                .entry::<Value>(index as isize)
                .unwrap_or_else(|_| self.ruby.qnil().as_value());
            items.push(self.value(item, depth));
            index += 1;
        }
        if total > kept {
            items.push(Json::String(truncate::array_marker(total, kept)));
        }
        Json::Array(items)
    }

    fn hash(&mut self, hash: RHash, depth: usize) -> Json {
        let total = hash.len();
        let max = self.limits.max_collection_items;
        let mut map = Map::with_capacity(total.min(max));
        // An error here means app code changed the hash while we walked it;
        // what was walked is kept and the marker below counts the rest.
        let _ = hash.foreach(|key: Value, value: Value| {
            if map.len() >= max {
                return Ok(ForEach::Stop);
            }
            let key = self.text(key);
            let value = self.value(value, depth);
            map.insert(key, value);
            Ok(ForEach::Continue)
        });
        if total > map.len() {
            let marker = truncate::hash_marker(total, map.len());
            map.insert(truncate::HASH_MARKER_KEY.into(), Json::String(marker));
        }
        Json::Object(map)
    }

    /// Anything else: times as timestamps, dates through `iso8601`,
    /// BigDecimal as its digits, then `as_json`, then `to_s`.
    fn object(&mut self, value: Value, depth: usize) -> Json {
        if let Some(time) = Time::from_value(value) {
            if let Some(text) = time
                .timespec()
                .ok()
                .and_then(|ts| timestamp::from_unix(ts.tv_sec, ts.tv_nsec as u32))
            {
                return Json::String(text);
            }
        }
        let class_name = value.class().inspect();
        let attempt = if class_name == "BigDecimal" {
            value
                .funcall::<_, _, Value>("to_s", ("F",))
                .map(|s| self.value(s, depth))
        } else if responds_to(value, "iso8601") {
            value
                .funcall::<_, _, Value>("iso8601", ())
                .map(|s| self.value(s, depth))
        } else if responds_to(value, "as_json") {
            value
                .funcall::<_, _, Value>("as_json", ())
                .map(|json| self.as_json_result(json, depth))
        } else {
            value
                .funcall::<_, _, Value>("to_s", ())
                .map(|s| self.as_json_result(s, depth))
        };
        attempt.unwrap_or_else(|_| Json::String(truncate::unrepresentable(&class_name)))
    }

    /// `as_json` and `to_s` should give plain data; if they give another
    /// object back, describe it rather than recurse into it forever.
    fn as_json_result(&mut self, result: Value, depth: usize) -> Json {
        let plain = result.is_nil()
            || RString::from_value(result).is_some()
            || RArray::from_value(result).is_some()
            || RHash::from_value(result).is_some()
            || Integer::from_value(result).is_some()
            || Float::from_value(result).is_some()
            || Symbol::from_value(result).is_some()
            || result.as_raw() == self.ruby.qtrue().as_raw()
            || result.as_raw() == self.ruby.qfalse().as_raw();
        if plain {
            self.value(result, depth)
        } else {
            Json::String(truncate::unrepresentable(&result.class().inspect()))
        }
    }
}

fn responds_to(value: Value, method: &str) -> bool {
    value.respond_to(method, false).unwrap_or(false)
}

/// JSON has no NaN or Infinity: they travel as their names.
fn float_json(f: f64) -> Json {
    match Number::from_f64(f) {
        Some(number) => Json::Number(number),
        None if f.is_nan() => Json::String("NaN".into()),
        None if f > 0.0 => Json::String("Infinity".into()),
        None => Json::String("-Infinity".into()),
    }
}
