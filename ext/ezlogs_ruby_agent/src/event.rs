//! The event envelope (DESIGN section 3): validation, construction, JSON.

use std::sync::Arc;
use std::time::SystemTime;

use serde::Serialize;

pub use crate::data::{Data, Object, Text};
use crate::{ids, timestamp};

/// An id shared between a context and every event logged in it: cloning
/// one into an event is a reference-count bump, not a copy.
pub type Id = Arc<str>;

/// Process-wide platform facts, fixed when the agent is configured.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProcessInfo {
    pub service: String,
    pub environment: String,
    pub agent_version: String,
    pub ruby_version: String,
    pub hostname: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Platform {
    #[serde(flatten)]
    pub process: Arc<ProcessInfo>,
    pub process_id: u32,
    pub thread_id: u64,
}

/// The correlation block of an event; see `correlation::Context`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Correlation {
    pub correlation_id: Id,
    pub primary_correlation_id: Id,
    pub flow_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_event_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<Id>,
}

impl Correlation {
    /// The correlation of an event logged outside any context: a flow of one.
    pub fn standalone() -> Self {
        let correlation_id: Id = ids::correlation_id();
        Self {
            primary_correlation_id: correlation_id.clone(),
            correlation_id,
            flow_id: ids::flow_id(),
            request_id: None,
            session_id: None,
            parent_event_id: None,
            trace_id: None,
            span_id: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub event_id: Text,
    pub event_type: Text,
    pub action: Text,
    pub actor: Object,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Object>,
    /// Shared with every other event of the same context.
    pub correlation: Arc<Correlation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Object>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub timestamp: SystemTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Object>,
    pub platform: Platform,
    /// Roughly how much memory the event holds, for the queue's byte bound.
    #[serde(skip)]
    pub approx_bytes: usize,
}

/// What an event holds beyond the app's strings: ids, the envelope, maps.
pub const ENVELOPE_BYTES: usize = 512;

/// What the caller gave, already converted to owned data. `event_type` and
/// `action` are None when the caller passed something other than a String.
#[derive(Debug)]
pub struct EventInput {
    pub event_type: Option<Text>,
    pub action: Option<Text>,
    pub actor: Data,
    pub subject: Option<Data>,
    pub metadata: Option<Data>,
    pub timing: Option<Data>,
}

/// Everything an event takes from its surroundings rather than its caller.
pub struct EventContext {
    pub event_id: Option<Text>,
    pub timestamp: Option<SystemTime>,
    pub correlation: Arc<Correlation>,
    pub platform: Platform,
}

/// Why an input is not an event. Displays as the message users match on:
/// `Event validation failed: <problems joined by ", ">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError(pub Vec<&'static str>);

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Event validation failed: {}", self.0.join(", "))
    }
}

/// The problems with an input, in the order the messages are documented.
pub fn validate(input: &EventInput) -> Result<(), ValidationError> {
    let mut problems = Vec::new();
    let pattern_ok = input.event_type.as_deref().is_some_and(is_valid_event_type);
    if !pattern_ok {
        problems.push("event_type must match pattern 'namespace.category' (e.g., 'user.action')");
    }
    if input.action.as_deref().is_none_or(str::is_empty) {
        problems.push("action must be a non-empty string");
    }
    match &input.actor {
        Data::Map(actor) => {
            if !actor.contains_key("type") {
                problems.push("actor must have type");
            }
            if !actor.contains_key("id") {
                problems.push("actor must have id");
            }
        }
        _ => problems.push("actor must be a hash"),
    }
    match &input.subject {
        Some(Data::Map(subject)) if !subject.contains_key("type") => {
            problems.push("subject must have type")
        }
        None | Some(Data::Map(_)) => {}
        Some(_) => problems.push("subject must be a hash when provided"),
    }
    if matches!(&input.metadata, Some(value) if value.as_object().is_none()) {
        problems.push("metadata must be a hash when provided");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ValidationError(problems))
    }
}

/// `/\A[a-z][a-z0-9]*\.[a-z][a-z0-9_]*\z/`
pub fn is_valid_event_type(event_type: &str) -> bool {
    let bytes = event_type.as_bytes();
    // Bytes rather than `split_once('.')`: its char searcher cost a third
    // of the whole check (about 100 instructions, callgrind).
    let Some(dot) = bytes.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (namespace, category) = (&bytes[..dot], &bytes[dot + 1..]);
    let starts_lower = |s: &[u8]| s.first().is_some_and(u8::is_ascii_lowercase);
    starts_lower(namespace)
        && starts_lower(category)
        && namespace
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && category
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Event {
    pub fn build(input: EventInput, context: EventContext) -> Result<Event, ValidationError> {
        validate(&input)?;
        Ok(Event {
            event_id: context.event_id.unwrap_or_else(ids::event_id),
            event_type: input.event_type.unwrap_or_default(),
            action: input.action.unwrap_or_default(),
            actor: input.actor.into_object().unwrap_or_default(),
            subject: input.subject.and_then(Data::into_object),
            correlation: context.correlation,
            metadata: input.metadata.and_then(Data::into_object),
            timestamp: context.timestamp.unwrap_or_else(SystemTime::now),
            timing: input.timing.and_then(Data::into_object),
            platform: context.platform,
            approx_bytes: ENVELOPE_BYTES,
        })
    }

    /// The event as it goes on the wire.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(json: serde_json::Value) -> Data {
        Data::from(json)
    }

    fn input(actor: Data) -> EventInput {
        EventInput {
            event_type: Some("user.action".into()),
            action: Some("signed_in".into()),
            actor,
            subject: None,
            metadata: None,
            timing: None,
        }
    }

    fn platform() -> Platform {
        Platform {
            process: Arc::new(ProcessInfo {
                service: "svc".into(),
                environment: "test".into(),
                agent_version: "0.1.0".into(),
                ruby_version: "3.1.2".into(),
                hostname: "host".into(),
            }),
            process_id: 42,
            thread_id: 7,
        }
    }

    fn context() -> EventContext {
        EventContext {
            event_id: None,
            timestamp: None,
            correlation: Arc::new(Correlation::standalone()),
            platform: platform(),
        }
    }

    #[test]
    fn event_type_pattern() {
        for ok in ["user.action", "http.request", "a1.b_2", "x.y"] {
            assert!(is_valid_event_type(ok), "{ok}");
        }
        for bad in [
            "user",
            "User.action",
            "user.Action",
            "1a.b",
            "a.b.c",
            "a._b",
            "a.",
            ".a",
            "a-b.c",
        ] {
            assert!(!is_valid_event_type(bad), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_in_documented_order() {
        let bad = EventInput {
            event_type: Some("nope".into()),
            action: Some(Text::default()),
            actor: data(json!({})),
            subject: Some(data(json!({"id": 1}))),
            metadata: Some(data(json!([1]))),
            timing: None,
        };
        assert_eq!(
            validate(&bad).unwrap_err().to_string(),
            "Event validation failed: event_type must match pattern 'namespace.category' (e.g., 'user.action'), \
             action must be a non-empty string, actor must have type, actor must have id, \
             subject must have type, metadata must be a hash when provided"
        );
        let not_hashes = EventInput {
            subject: Some(data(json!("x"))),
            ..input(data(json!("x")))
        };
        assert_eq!(
            validate(&not_hashes).unwrap_err().0,
            vec![
                "actor must be a hash",
                "subject must be a hash when provided"
            ]
        );
    }

    #[test]
    fn json_omits_absent_optional_keys() {
        let event = Event::build(input(data(json!({"type": "user", "id": 1}))), context()).unwrap();
        let value = event.to_value();
        let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "event_id",
                "event_type",
                "action",
                "actor",
                "correlation",
                "timestamp",
                "platform"
            ]
        );
        assert_eq!(value["platform"]["service"], "svc");
        assert_eq!(value["platform"]["process_id"], 42);
        assert!(value["correlation"].get("request_id").is_none());
    }
}
