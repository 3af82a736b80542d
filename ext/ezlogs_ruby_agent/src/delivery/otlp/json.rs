//! A batch's JSON read back for OTLP: the envelope into borrowed fields,
//! and the app's values (actor, subject, metadata, timing) straight into
//! OTLP `AnyValue`s, with no `serde_json::Value` tree between (parsing into
//! one took about half of the OTLP sink's work per event, measured).

use std::borrow::Cow;
use std::fmt;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// One event of the batch (DESIGN section 3); keys it does not name are
/// skipped, and those it names may be missing.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EventJson<'a> {
    #[serde(borrow)]
    pub event_id: Cow<'a, str>,
    #[serde(borrow)]
    pub event_type: Cow<'a, str>,
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(borrow)]
    pub timestamp: Cow<'a, str>,
    pub actor: Option<AnyJson>,
    pub subject: Option<AnyJson>,
    pub metadata: Option<AnyJson>,
    pub timing: Option<AnyJson>,
    #[serde(borrow)]
    pub correlation: CorrelationJson<'a>,
    #[serde(borrow)]
    pub platform: PlatformJson<'a>,
}

/// The correlation block: ids only.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrelationJson<'a> {
    #[serde(borrow)]
    pub flow_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub primary_correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub request_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub parent_event_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub trace_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub span_id: Option<Cow<'a, str>>,
}

impl CorrelationJson<'_> {
    /// The fields carried as attributes (`ezlogs.<name>`), in this order.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 6] {
        [
            ("flow_id", self.flow_id.as_deref()),
            ("correlation_id", self.correlation_id.as_deref()),
            (
                "primary_correlation_id",
                self.primary_correlation_id.as_deref(),
            ),
            ("request_id", self.request_id.as_deref()),
            ("session_id", self.session_id.as_deref()),
            ("parent_event_id", self.parent_event_id.as_deref()),
        ]
    }
}

/// The process an event came from; `thread_id` is the record's own.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlatformJson<'a> {
    #[serde(borrow)]
    pub service: Cow<'a, str>,
    #[serde(borrow)]
    pub environment: Cow<'a, str>,
    #[serde(borrow)]
    pub agent_version: Cow<'a, str>,
    #[serde(borrow)]
    pub ruby_version: Cow<'a, str>,
    #[serde(borrow)]
    pub hostname: Cow<'a, str>,
    pub process_id: Option<i64>,
    pub thread_id: Option<u64>,
}

impl PlatformJson<'_> {
    /// Whether two events came from the same process.
    pub fn same_process(&self, other: &PlatformJson<'_>) -> bool {
        self.service == other.service
            && self.environment == other.environment
            && self.agent_version == other.agent_version
            && self.ruby_version == other.ruby_version
            && self.hostname == other.hostname
            && self.process_id == other.process_id
    }
}

/// A JSON value as an OTLP AnyValue: objects as key/value lists, arrays as
/// arrays, nested as deep as they are; null as an empty AnyValue; an
/// integer beyond i64 as its digits (not a rounded double).
pub struct AnyJson(pub AnyValue);

/// The entry `key` of `value`, when it is a key/value list.
pub fn entry<'a>(value: &'a AnyValue, key: &str) -> Option<&'a AnyValue> {
    match &value.value {
        Some(Any::KvlistValue(list)) => list
            .values
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyVisitor)
    }
}

struct AnyVisitor;

/// `value` as an AnyValue.
pub fn of(value: Any) -> AnyValue {
    AnyValue { value: Some(value) }
}

/// An unsigned integer as OTLP's signed one, or its digits beyond i64 (not
/// a rounded double).
pub fn int(value: u64) -> Any {
    i64::try_from(value).map_or_else(|_| Any::StringValue(value.to_string()), Any::IntValue)
}

fn any(value: Any) -> AnyJson {
    AnyJson(of(value))
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = AnyJson;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<AnyJson, E> {
        Ok(any(Any::BoolValue(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<AnyJson, E> {
        Ok(any(Any::IntValue(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<AnyJson, E> {
        Ok(any(int(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<AnyJson, E> {
        Ok(any(Any::DoubleValue(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<AnyJson, E> {
        Ok(any(Any::StringValue(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<AnyJson, E> {
        Ok(any(Any::StringValue(v)))
    }

    fn visit_unit<E>(self) -> Result<AnyJson, E> {
        Ok(AnyJson(AnyValue { value: None }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyJson, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(AnyJson(item)) = seq.next_element()? {
            values.push(item);
        }
        Ok(any(Any::ArrayValue(ArrayValue { values })))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyJson, A::Error> {
        let mut values = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, AnyJson(value))) = map.next_entry::<String, AnyJson>()? {
            values.push(KeyValue {
                key,
                value: Some(value),
                ..Default::default()
            });
        }
        Ok(any(Any::KvlistValue(KeyValueList { values })))
    }
}
