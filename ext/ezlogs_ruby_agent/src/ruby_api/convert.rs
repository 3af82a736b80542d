//! Ruby value -> owned `Data`, on the calling thread while it holds the GVL.
//! Never raises: whatever the app passes becomes something JSON-safe,
//! bounded by `Limits` in depth, size and item count.

use magnus::encoding::EncodingCapable;
use magnus::r_hash::ForEach;
use magnus::rb_sys::AsRawValue;
use magnus::value::ReprValue;
use magnus::{Float, Integer, RArray, RHash, RString, Ruby, Symbol, Time, Value};

use crate::data::{Data, Object, Text};
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

    /// Bytes of string data copied so far.
    pub fn bytes_copied(&self) -> usize {
        self.limits.max_event_bytes - self.budget
    }

    pub fn convert(&mut self, value: Value) -> Data {
        self.value(value, 0)
    }

    /// A key or id: strings and symbols as they are, anything else as text.
    pub fn text(&mut self, value: Value) -> Text {
        match self.value(value, 0) {
            Data::Text(text) => text,
            other => serde_json::to_string(&other).unwrap_or_default().into(),
        }
    }

    fn value(&mut self, value: Value, depth: usize) -> Data {
        if value.is_nil() {
            return Data::Null;
        }
        if value.as_raw() == self.ruby.qtrue().as_raw() {
            return Data::Bool(true);
        }
        if value.as_raw() == self.ruby.qfalse().as_raw() {
            return Data::Bool(false);
        }
        if let Some(string) = RString::from_value(value) {
            return Data::Text(self.string(string));
        }
        if let Some(symbol) = Symbol::from_value(value) {
            return Data::Text(self.symbol(symbol));
        }
        if let Some(integer) = Integer::from_value(value) {
            return self.integer(integer);
        }
        if let Some(float) = Float::from_value(value) {
            return float_data(float.to_f64());
        }
        if depth >= self.limits.max_depth {
            return Data::text(truncate::DEPTH_EXCEEDED);
        }
        if self.path.iter().any(|seen| seen.as_raw() == value.as_raw()) {
            return Data::text(truncate::CYCLE);
        }
        if let Some(array) = RArray::from_value(value) {
            return self.nested(value, |me| me.array(array, depth + 1));
        }
        if let Some(hash) = RHash::from_value(value) {
            return self.nested(value, |me| me.hash(hash, depth + 1));
        }
        self.nested(value, |me| me.object(value, depth + 1))
    }

    fn nested(&mut self, value: Value, convert: impl FnOnce(&mut Self) -> Data) -> Data {
        self.path.push(value);
        let data = convert(self);
        self.path.pop();
        data
    }

    /// Copies `text` within the string limit and what is left of the event's
    /// budget.
    fn bounded(&mut self, text: &str) -> Text {
        if self.budget == 0 {
            return truncate::BUDGET_EXHAUSTED.into();
        }
        let max = self.limits.max_string_bytes.min(self.budget);
        let kept: Text = if text.len() <= max {
            text.into()
        } else {
            truncate::string(text, max).into()
        };
        self.budget = self.budget.saturating_sub(kept.len());
        kept
    }

    fn string(&mut self, string: RString) -> Text {
        let encoding = string.enc_get();
        let utf8_bytes =
            encoding == self.ruby.utf8_encindex() || encoding == self.ruby.usascii_encindex();
        if utf8_bytes || encoding == self.ruby.ascii8bit_encindex() {
            // SAFETY: the slice is copied (or measured) before any other Ruby
            // call could move or change the string.
            let bytes = unsafe { string.as_slice() };
            return match std::str::from_utf8(bytes) {
                Ok(text) => self.bounded(text),
                // Invalid UTF-8 in a text string is scrubbed; in a binary one
                // it is data we do not copy.
                Err(_) if utf8_bytes => self.bounded(&String::from_utf8_lossy(bytes)),
                Err(_) => truncate::binary(bytes.len()).into(),
            };
        }
        // Another encoding (Latin-1, Shift_JIS, ...): let Ruby transcode;
        // bytes it cannot map are scrubbed.
        let utf8 = string.conv_enc(self.ruby.utf8_encoding()).unwrap_or(string);
        // SAFETY: as above.
        let text = String::from_utf8_lossy(unsafe { utf8.as_slice() }).into_owned();
        self.bounded(&text)
    }

    fn symbol(&mut self, symbol: Symbol) -> Text {
        match symbol.name() {
            Ok(name) => self.bounded(&name),
            Err(_) => truncate::unrepresentable("Symbol").into(),
        }
    }

    fn integer(&mut self, integer: Integer) -> Data {
        if let Ok(n) = integer.to_i64() {
            return Data::Int(n);
        }
        if let Ok(n) = integer.to_u64() {
            return Data::UInt(n);
        }
        // Beyond 64 bits JSON readers lose precision: send the digits.
        match integer.funcall::<_, _, RString>("to_s", ()) {
            Ok(digits) => Data::Text(self.string(digits)),
            Err(_) => Data::text(truncate::unrepresentable("Integer")),
        }
    }

    fn array(&mut self, array: RArray, depth: usize) -> Data {
        let total = array.len();
        let kept = total.min(self.limits.max_collection_items);
        let mut items = Vec::with_capacity(kept + usize::from(total > kept));
        // Index each time: converting an element may run app code that
        // changes the array.
        let mut index = 0;
        while index < kept.min(array.len()) {
            let item = array
                .entry::<Value>(index as isize)
                .unwrap_or_else(|_| self.ruby.qnil().as_value());
            items.push(self.value(item, depth));
            index += 1;
        }
        if total > kept {
            items.push(Data::text(truncate::array_marker(total, kept)));
        }
        Data::List(items)
    }

    fn hash(&mut self, hash: RHash, depth: usize) -> Data {
        let total = hash.len();
        let max = self.limits.max_collection_items;
        let mut object = Object::with_capacity(total.min(max) + usize::from(total > max));
        // An error here means app code changed the hash while we walked it;
        // what was walked is kept and the marker below counts the rest.
        let _ = hash.foreach(|key: Value, value: Value| {
            if object.len() >= max {
                return Ok(ForEach::Stop);
            }
            let key = self.text(key);
            let value = self.value(value, depth);
            object.push(key, value);
            Ok(ForEach::Continue)
        });
        if total > object.len() {
            let marker = truncate::hash_marker(total, object.len());
            object.push(truncate::HASH_MARKER_KEY, Data::text(marker));
        }
        Data::Map(object)
    }

    /// Anything else: times as timestamps, dates through `iso8601`,
    /// BigDecimal as its digits, then `as_json`, then `to_s`.
    fn object(&mut self, value: Value, depth: usize) -> Data {
        if let Some(time) = Time::from_value(value) {
            if let Some(text) = time
                .timespec()
                .ok()
                .and_then(|ts| timestamp::from_unix(ts.tv_sec, ts.tv_nsec as u32))
            {
                return Data::text(text);
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
        attempt.unwrap_or_else(|_| Data::text(truncate::unrepresentable(&class_name)))
    }

    /// `as_json` and `to_s` should give plain data; if they give another
    /// object back, describe it rather than recurse into it forever.
    fn as_json_result(&mut self, result: Value, depth: usize) -> Data {
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
            Data::text(truncate::unrepresentable(&result.class().inspect()))
        }
    }
}

fn responds_to(value: Value, method: &str) -> bool {
    value.respond_to(method, false).unwrap_or(false)
}

/// JSON has no NaN or Infinity: they travel as their names.
fn float_data(f: f64) -> Data {
    match f {
        f if f.is_finite() => Data::Float(f),
        f if f.is_nan() => Data::text("NaN"),
        f if f > 0.0 => Data::text("Infinity"),
        _ => Data::text("-Infinity"),
    }
}
