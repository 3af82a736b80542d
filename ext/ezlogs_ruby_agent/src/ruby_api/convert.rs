//! Ruby value -> owned `Data`, on the calling thread while it holds the GVL.
//! Never raises: whatever the app passes becomes something JSON-safe,
//! bounded by `Limits` in depth, size and item count.

use std::collections::{HashMap, HashSet};

use magnus::r_hash::ForEach;
use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::value::ReprValue;
use magnus::{Error, Float, Integer, RArray, RHash, RString, Ruby, Symbol, Value};
use rb_sys::ruby_value_type;
use smallvec::SmallVec;

use super::hash_entries::{self, SmallHashEntries, SMALL_HASH};
use super::{helpers, instants, symbol_names};
use crate::data::{Data, Object, Text};
use crate::settings::{self, Limits};
use crate::truncate;

pub struct Converter<'r> {
    ruby: &'r Ruby,
    encodings: Encodings,
    limits: Limits,
    /// Bytes of string data this conversion may still copy.
    budget: usize,
    /// Heap memory the converted data takes: strings too long to be stored
    /// inline, and the vectors of hashes and arrays.
    heap_bytes: usize,
    /// Containers being converted, from the outermost in, to cut cycles.
    path: SmallVec<[Value; 8]>,
    /// What interrupted the thread while app code ran for a value (a
    /// `throw`, `Thread#kill`, a timeout: `helpers::unless_failed`), kept
    /// for the caller to pass on. Once set, no more Ruby code is run: a
    /// jump's state lives in the thread until it is resumed. (On this
    /// stack, where Ruby's collector sees the exception it may hold.)
    interruption: Option<Error>,
}

impl<'r> Converter<'r> {
    pub fn new(ruby: &'r Ruby, limits: Limits) -> Self {
        Self {
            ruby,
            encodings: Encodings::of(ruby),
            limits,
            budget: limits.max_event_bytes,
            heap_bytes: 0,
            path: SmallVec::new(),
            interruption: None,
        }
    }

    /// What interrupted the thread during the conversion, to be passed on
    /// (returned to Ruby) before any other Ruby code runs; the data
    /// converted is then incomplete and must not be used.
    pub fn interruption(&mut self) -> Option<Error> {
        self.interruption.take()
    }

    /// The value of app code run for a value; None when it failed (the
    /// value is then shown in another way) or when the thread was
    /// interrupted, which is kept (`interruption`).
    pub(super) fn ran<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        match helpers::unless_failed(self.ruby, result) {
            Ok(value) => value,
            Err(interruption) => {
                self.interruption.get_or_insert(interruption);
                None
            }
        }
    }

    /// Whether app code may still be run: not once the thread was
    /// interrupted.
    pub(super) fn may_run_ruby(&self) -> bool {
        self.interruption.is_none()
    }

    /// Heap memory the data converted so far takes (for the queue's byte
    /// bound).
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes
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

    /// A request's text that Rack hands over as bytes (the path, a
    /// header: binary Strings): one whose bytes are not all UTF-8 (a
    /// scanner's request) is scrubbed rather than marked as binary, so
    /// that the rest can still be read; anything else as `convert` gives
    /// it.
    pub fn request_text(&mut self, value: Value) -> Data {
        match RString::from_value(value) {
            Some(string) => Data::Text(self.decoded(string, InvalidBinary::Scrubbed)),
            None => self.convert(value),
        }
    }

    /// Text the core made of app values (an action, a route): `parts`
    /// joined, bounded as a converted string is. Joined in place, so a
    /// result of up to 24 bytes takes no allocation.
    pub fn made_text(&mut self, parts: &[&str]) -> Text {
        let mut joined = Text::with_capacity(parts.iter().map(|part| part.len()).sum());
        parts.iter().for_each(|part| joined.push_str(part));
        if joined.len() > self.max_copy() {
            return self.bounded(&joined);
        }
        self.counted(joined)
    }

    /// A hash the core made of converted entries, its memory counted as a
    /// converted hash's is. (The core's hashes have a few entries, far
    /// below `max_collection_items`.)
    pub fn made_object(&mut self, object: Object) -> Data {
        self.heap_bytes += object.0.capacity() * std::mem::size_of::<(Text, Data)>();
        Data::Map(object)
    }

    fn value(&mut self, value: Value, depth: usize) -> Data {
        use ruby_value_type::*;
        // The `from_value`s below cannot fail for the type matched: they
        // only give the value its magnus type.
        // SAFETY: `value` is a live Ruby value; its type is read from its tag
        // bits or its object header.
        match unsafe { rb_sys::RB_TYPE(value.as_raw()) } {
            RUBY_T_NIL => Data::Null,
            RUBY_T_TRUE => Data::Bool(true),
            RUBY_T_FALSE => Data::Bool(false),
            RUBY_T_STRING => RString::from_value(value)
                .map_or_else(|| Data::Null, |string| Data::Text(self.string(string))),
            RUBY_T_SYMBOL => Symbol::from_value(value)
                .map_or_else(|| Data::Null, |symbol| Data::Text(self.symbol(symbol))),
            RUBY_T_FIXNUM | RUBY_T_BIGNUM => Integer::from_value(value)
                .map_or_else(|| Data::Null, |integer| self.integer(integer)),
            RUBY_T_FLOAT => Float::from_value(value)
                .map_or_else(|| Data::Null, |float| float_data(float.to_f64())),
            _ => self.container(value, depth),
        }
    }

    /// Arrays, hashes and other objects: bounded in depth, cycles cut.
    fn container(&mut self, value: Value, depth: usize) -> Data {
        if depth >= self.limits.max_depth {
            return Data::text(truncate::DEPTH_EXCEEDED);
        }
        if self.path.iter().any(|seen| seen.as_raw() == value.as_raw()) {
            return Data::text(truncate::CYCLE);
        }
        self.path.push(value);
        let data = if let Some(array) = RArray::from_value(value) {
            self.array(array, depth + 1)
        } else if let Some(hash) = RHash::from_value(value) {
            self.hash(hash, depth + 1)
        } else {
            self.object(value, depth + 1)
        };
        self.path.pop();
        data
    }

    /// The most of a string this conversion copies: the string limit, and
    /// what is left of the event's budget, but never less than
    /// `MIN_KEPT_BYTES`, so that short values after a large one survive
    /// (the size limit later cuts the longest strings evenly).
    fn max_copy(&self) -> usize {
        self.limits
            .max_string_bytes
            .min(self.budget.max(truncate::MIN_KEPT_BYTES))
    }

    fn bounded(&mut self, text: &str) -> Text {
        let max = self.max_copy();
        let kept: Text = if text.len() <= max {
            text.into()
        } else {
            truncate::string(text, max).into()
        };
        self.counted(kept)
    }

    /// `kept`, its bytes taken from the budget and its heap memory counted.
    fn counted(&mut self, kept: Text) -> Text {
        self.budget = self.budget.saturating_sub(kept.len());
        if kept.is_heap_allocated() {
            self.heap_bytes += kept.capacity();
        }
        kept
    }

    /// `bounded` for a remembered symbol name: cloned when it fits. A
    /// remembered name is inline or a leaked `str`, so its clone never
    /// allocates and takes no heap memory to count.
    fn bounded_static(&mut self, text: &'static Text) -> Text {
        let len = text.len();
        if len > self.max_copy() {
            return self.bounded(text);
        }
        self.budget = self.budget.saturating_sub(len);
        text.clone()
    }

    pub fn string(&mut self, string: RString) -> Text {
        self.decoded(string, InvalidBinary::Marked)
    }

    /// `string`'s text; a binary string's bytes that are not UTF-8 become
    /// what `invalid_binary` says.
    fn decoded(&mut self, string: RString, invalid_binary: InvalidBinary) -> Text {
        // SAFETY: a live String, with the GVL held; the index is read from
        // its flags (Ruby's `ENCODING_GET`), or asked of Ruby when it is
        // kept elsewhere.
        let encoding = unsafe { rb_sys::ENCODING_GET(string.as_raw()) };
        let utf8_bytes = encoding == self.encodings.utf8 || encoding == self.encodings.usascii;
        if utf8_bytes || encoding == self.encodings.binary {
            // SAFETY: the slice is copied (or measured) before any other Ruby
            // call could move or change the string.
            let bytes = unsafe { string.as_slice() };
            return match ascii_or_utf8(bytes) {
                Ok(text) => self.bounded(text),
                // Invalid UTF-8 in a text string is scrubbed; in a binary one
                // it is data we do not copy, unless it is a request's text.
                Err(_) if utf8_bytes || invalid_binary == InvalidBinary::Scrubbed => {
                    self.bounded(&String::from_utf8_lossy(bytes))
                }
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
        if let Some(name) = symbol_names::name(symbol) {
            return self.bounded_static(name);
        }
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
        if !self.may_run_ruby() {
            return Data::Null;
        }
        let digits = integer.funcall::<_, _, RString>("to_s", ());
        match self.ran(digits) {
            Some(digits) => Data::Text(self.string(digits)),
            None => Data::text(truncate::unrepresentable("Integer")),
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
        self.heap_bytes += items.capacity() * std::mem::size_of::<Data>();
        Data::List(items)
    }

    fn hash(&mut self, hash: RHash, depth: usize) -> Data {
        let total = hash.len();
        let max = self.limits.max_collection_items;
        let mut object = Object::with_capacity(total.min(max) + usize::from(total > max));
        // Where keys written as their JSON sit (`key_text`); most hashes have none.
        let mut written = Vec::new();
        if total <= SMALL_HASH {
            let mut entries = SmallHashEntries::new();
            hash_entries::copy_small(hash, &mut entries);
            for &(key, value) in &entries {
                if object.len() >= max {
                    break;
                }
                self.entry(&mut object, key, value, depth, &mut written);
            }
        } else {
            // An error here means app code changed the hash while we walked
            // it; what was walked is kept and the marker below counts the rest.
            let _ = hash.foreach(|key: Value, value: Value| {
                if object.len() >= max {
                    return Ok(ForEach::Stop);
                }
                self.entry(&mut object, key, value, depth, &mut written);
                Ok(ForEach::Continue)
            });
        }
        if !written.is_empty() {
            keep_apart(&mut object, &written);
        }
        if total > object.len() {
            let marker = truncate::hash_marker(total, object.len());
            object.push(truncate::HASH_MARKER_KEY, Data::text(marker));
        }
        self.heap_bytes += object.0.capacity() * std::mem::size_of::<(Text, Data)>();
        Data::Map(object)
    }

    // Inlined into `hash`, its only caller: a call per entry cost about 17
    // instructions of frame setup (callgrind).
    #[inline(always)]
    fn entry(
        &mut self,
        object: &mut Object,
        key: Value,
        value: Value,
        depth: usize,
        written: &mut Vec<usize>,
    ) {
        // Most keys are symbols: straight to `symbol` (which remembers their
        // names), without `text`'s detour through `value` (about 50
        // instructions a key, measured).
        let key = match Symbol::from_value(key) {
            Some(symbol) => self.symbol(symbol),
            None => {
                let (text, is_json) = self.key_text(key);
                if is_json {
                    written.push(object.len());
                }
                text
            }
        };
        let value = self.value(value, depth);
        object.push(key, value);
    }

    /// A key that is not a Symbol as text, as `text` gives it. One that
    /// converts to a Hash or holds one (a record, as `group(:user).count`'s
    /// keys are; a Struct, a Hash) is redacted first, as a value is:
    /// written as text, what it holds would be out of reach of every rule
    /// that redacts by key or finds PII (`{card => 1}` with the card's
    /// number). Also whether it is such a key, written as its JSON: two
    /// that redaction made alike are kept apart (`keep_apart`).
    fn key_text(&mut self, key: Value) -> (Text, bool) {
        let mut data = self.value(key, 0);
        if let Data::Text(text) = data {
            return (text, false);
        }
        let is_json = matches!(data, Data::Map(_) | Data::List(_));
        if is_json {
            settings::current().processor.redact_value(&mut data);
        }
        (
            serde_json::to_string(&data).unwrap_or_default().into(),
            is_json,
        )
    }

    /// Anything else: instants as timestamps, dates through `iso8601`,
    /// BigDecimal as its digits, then `as_json` (a record's filtered as its
    /// changes are: `as_json`, below), a Struct without one by its members,
    /// then `to_s`. Nothing once the thread was interrupted.
    fn object(&mut self, value: Value, depth: usize) -> Data {
        if !self.may_run_ruby() {
            return Data::Null;
        }
        let instant = instants::of_time(value)
            .map_or_else(|| instants::of_other(value), |text| Ok(Some(text)));
        if let Some(text) = self.ran(instant).flatten() {
            return Data::text(text);
        }
        if !self.may_run_ruby() {
            return Data::Null;
        }
        let class_name = class_name(value);
        // Whether the result must be plain data (`as_json_result`).
        let (attempt, plain) = if class_name == "BigDecimal" {
            (value.funcall::<_, _, Value>("to_s", ("F",)), false)
        } else if self.responds_to(value, "iso8601") {
            (value.funcall::<_, _, Value>("iso8601", ()), false)
        } else if self.responds_to(value, "as_json") {
            (as_json(self.ruby, value), true)
        } else if is_struct(value) && self.may_run_ruby() {
            // Its members, as ActiveSupport's as_json gives them: its `to_s`
            // would write them all as one text, out of reach of the rules
            // that redact by key.
            (value.funcall::<_, _, Value>("to_h", ()), true)
        } else if self.may_run_ruby() {
            (value.funcall::<_, _, Value>("to_s", ()), true)
        } else {
            // A `respond_to?` above was interrupted.
            return Data::Null;
        };
        match self.ran(attempt) {
            Some(result) if plain => self.as_json_result(result, depth),
            Some(result) => self.value(result, depth),
            None => Data::text(truncate::unrepresentable(&class_name)),
        }
    }

    /// Whether `value` has the public method `method` (which may run the
    /// app's `respond_to_missing?`).
    fn responds_to(&mut self, value: Value, method: &str) -> bool {
        self.may_run_ruby() && self.ran(value.respond_to(method, false)).unwrap_or(false)
    }

    /// `as_json` and `to_s` should give plain data; if they give another
    /// object back, describe it rather than recurse into it forever.
    fn as_json_result(&mut self, result: Value, depth: usize) -> Data {
        use ruby_value_type::*;
        // SAFETY: as in `value`.
        let kind = unsafe { rb_sys::RB_TYPE(result.as_raw()) };
        let plain = matches!(
            kind,
            RUBY_T_NIL
                | RUBY_T_TRUE
                | RUBY_T_FALSE
                | RUBY_T_STRING
                | RUBY_T_SYMBOL
                | RUBY_T_FIXNUM
                | RUBY_T_BIGNUM
                | RUBY_T_FLOAT
                | RUBY_T_ARRAY
                | RUBY_T_HASH
        );
        if plain {
            self.value(result, depth)
        } else {
            Data::text(truncate::unrepresentable(&class_name(result)))
        }
    }
}

/// The indexes of the encodings whose bytes are copied as they are, asked
/// of Ruby once per conversion rather than once per string.
struct Encodings {
    utf8: i32,
    usascii: i32,
    binary: i32,
}

impl Encodings {
    fn of(_ruby: &Ruby) -> Self {
        // SAFETY: the GVL is held (the caller has `Ruby`); these only
        // return the indexes of encodings Ruby registers as it starts.
        unsafe {
            Self {
                utf8: rb_sys::rb_utf8_encindex(),
                usascii: rb_sys::rb_usascii_encindex(),
                binary: rb_sys::rb_ascii8bit_encindex(),
            }
        }
    }
}

/// What a binary String whose bytes are not UTF-8 becomes: data we do not
/// copy (`[binary N bytes]`), or, for a request's text, scrubbed text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InvalidBinary {
    Marked,
    Scrubbed,
}

/// `bytes` as text if they are UTF-8. ASCII is checked first: nearly every
/// string an app logs is ASCII, and for short strings the check costs a
/// third of a full UTF-8 validation (about 85 instructions, callgrind).
fn ascii_or_utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes)
}

/// `value.as_json`, through CallbacksTracker::RecordJson: a record's with
/// what the model and the app's filters keep secret masked (its encrypted
/// attributes would otherwise be sent decrypted). Errs with what `as_json`
/// raised.
fn as_json(ruby: &Ruby, value: Value) -> Result<Value, magnus::Error> {
    helpers::agent_module(ruby, &["CallbacksTracker", "RecordJson"])?.funcall("of", (value,))
}

/// The keys of `object` at `written` (keys written as their JSON), each
/// followed by " (2)", " (3)", ... where it is a key `object` has already:
/// two objects that redaction made alike (`{Card("4111…") => 3,
/// Card("5555…") => 5}`, each number "[REDACTED]") would otherwise be one
/// key, and a decoder would keep one of their values. The app's own keys
/// are left as they are, and each number is one no key takes. Each text's
/// next number is remembered, so that 1,000 alike keys cost 1,000 tries,
/// not half a million.
fn keep_apart(object: &mut Object, written: &[usize]) {
    let mut taken: HashSet<Text> = object
        .0
        .iter()
        .enumerate()
        .filter(|(index, _)| written.binary_search(index).is_err())
        .map(|(_, (key, _))| key.clone())
        .collect();
    let mut next: HashMap<Text, usize> = HashMap::new();
    for &index in written {
        let key = &mut object.0[index].0;
        if taken.contains(key) {
            let n = next.entry(key.clone()).or_insert(2);
            while taken.contains(format!("{key} ({n})").as_str()) {
                *n += 1;
            }
            *key = format!("{key} ({n})").into();
            *n += 1;
        }
        taken.insert(key.clone());
    }
}

/// Whether `value` is a Struct (a `Data` too, on Ruby 3.2 and later).
fn is_struct(value: Value) -> bool {
    // SAFETY: as in `Converter::value`: called on the converter's Ruby
    // thread, which holds the GVL, with a live value, whose type is read
    // from its tag bits or its object header.
    unsafe { rb_sys::RB_TYPE(value.as_raw()) == ruby_value_type::RUBY_T_STRUCT }
}

/// The name of `value`'s class (its path, `Billing::Invoice`; an anonymous
/// class's `#<Class:0x...>`), not of its singleton class (an object with
/// methods of its own, by `extend` or `define_singleton_method`), nor its
/// `inspect` (a model's lists its columns).
fn class_name(value: Value) -> String {
    // SAFETY: called on a Ruby thread holding the GVL (the converter's
    // caller has `Ruby`), with a live VALUE. rb_obj_class only reads its
    // class pointer, skipping singleton classes; rb_class_name returns the
    // class's path as a new String and does not raise for a class.
    let name =
        unsafe { Value::from_raw(rb_sys::rb_class_name(rb_sys::rb_obj_class(value.as_raw()))) };
    RString::from_value(name)
        .and_then(|name| name.to_string().ok())
        .unwrap_or_default()
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
