//! A batch as OTLP logs: the JSON array the pipeline made (after redaction
//! and the size limit, as for every sink) read back (`json`) and laid out
//! as an `ExportLogsServiceRequest`, one LogRecord per event, encoded by
//! the official message types (`opentelemetry-proto`, `prost`). The
//! mapping follows OpenTelemetry's semantic conventions where one exists;
//! the README's OTLP section has it as a table.
//!
//! Working from the JSON keeps one batch format through the queue, the held
//! batches, the spool and the splitting of refused batches: the OTLP sink
//! translates at the last step, on the worker.

mod json;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

use json::{entry, int, of, AnyJson, EventJson, PlatformJson};

/// The instrumentation scope and `telemetry.sdk.name`.
pub const SCOPE_NAME: &str = "ezlogs_ruby_agent";

/// `json`, a JSON array of events, as an encoded `ExportLogsServiceRequest`;
/// Err when it is not such an array (a fault of the pipeline, not of the
/// app). Events of one process share a Resource; a batch replayed from the
/// spool may hold another process's, and gets a ResourceLogs of its own.
/// `extra`: Resource attributes to add where the agent sets none of the
/// same key (OTEL_RESOURCE_ATTRIBUTES).
pub fn encode(json: &[u8], extra: &[(String, String)]) -> Result<Vec<u8>, String> {
    let events: Vec<EventJson> = serde_json::from_slice(json)
        .map_err(|e| format!("a batch for OTLP is not a JSON array of events: {e}"))?;
    let mut resource_logs: Vec<ResourceLogs> = Vec::new();
    let mut last_platform: Option<PlatformJson> = None;
    for event in events {
        if !last_platform
            .as_ref()
            .is_some_and(|last| last.same_process(&event.platform))
        {
            resource_logs.push(resource_logs_for(&event.platform, extra));
            last_platform = Some(event.platform.clone());
        }
        let scope_logs = resource_logs
            .last_mut()
            .and_then(|last| last.scope_logs.first_mut());
        if let Some(scope_logs) = scope_logs {
            scope_logs.log_records.push(log_record(event));
        }
    }
    Ok(ExportLogsServiceRequest { resource_logs }.encode_to_vec())
}

/// `google.rpc.Status`, which an OTLP/HTTP receiver's refusal carries in
/// protobuf; only its message (field 2) is read.
#[derive(Clone, PartialEq, prost::Message)]
struct Status {
    #[prost(string, tag = "2")]
    message: String,
}

/// The message of a refusal's `google.rpc.Status` body, when it has one.
pub fn refusal_message(body: &[u8]) -> Option<String> {
    Status::decode(body)
        .ok()
        .map(|status| status.message)
        .filter(|message| !message.is_empty())
}

fn resource_logs_for(platform: &PlatformJson, extra: &[(String, String)]) -> ResourceLogs {
    // What the platform lacks is left out, for `extra` to give.
    let mut attributes: Vec<KeyValue> = [
        ("service.name", &*platform.service),
        ("deployment.environment.name", &platform.environment),
        ("host.name", &platform.hostname),
        ("process.runtime.name", "ruby"),
        ("process.runtime.version", &platform.ruby_version),
        ("telemetry.sdk.name", SCOPE_NAME),
        ("telemetry.sdk.language", "ruby"),
        ("telemetry.sdk.version", &platform.agent_version),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(key, value)| string_kv(key, value))
    .collect();
    if let Some(pid) = platform.process_id {
        attributes.push(kv("process.pid", of(Any::IntValue(pid))));
    }
    for (key, value) in extra {
        if !attributes.iter().any(|kv| kv.key == *key) {
            attributes.push(string_kv(key, value));
        }
    }
    ResourceLogs {
        resource: Some(Resource {
            attributes,
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs {
            scope: Some(InstrumentationScope {
                name: SCOPE_NAME.to_owned(),
                version: platform.agent_version.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn log_record(event: EventJson) -> LogRecord {
    let time_unix_nano = humantime::parse_rfc3339(&event.timestamp)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos() as u64);
    // W3C ids of the right length, not all zeros; anything else (a context
    // restored from a job payload can hold any string) is left out: a
    // Collector refuses the whole request over one malformed id.
    let id_bytes = |hex: Option<&str>, len: usize| {
        hex.and_then(|hex| const_hex::decode(hex).ok())
            .filter(|bytes| bytes.len() == len && bytes.iter().any(|&b| b != 0))
            .unwrap_or_default()
    };
    let (severity_number, severity_text) = if failed(&event) {
        (SeverityNumber::Error, "ERROR")
    } else {
        (SeverityNumber::Info, "INFO")
    };
    let mut attributes = vec![
        string_kv("event.name", &event.event_type),
        string_kv("ezlogs.event_id", &event.event_id),
    ];
    if let Some(metadata) = &event.metadata {
        conventions(&event.event_type, &metadata.0, &mut attributes);
    }
    for (field, value) in event.correlation.fields() {
        if let Some(value) = value {
            attributes.push(string_kv(&format!("ezlogs.{field}"), value));
        }
    }
    for (key, value) in [
        ("ezlogs.actor", event.actor),
        ("ezlogs.subject", event.subject),
        ("ezlogs.metadata", event.metadata),
        ("ezlogs.timing", event.timing),
    ] {
        if let Some(AnyJson(value)) = value {
            attributes.push(kv(key, value));
        }
    }
    if let Some(thread) = event.platform.thread_id {
        attributes.push(kv("thread.id", of(int(thread))));
    }
    LogRecord {
        time_unix_nano,
        // The agent observes an event when it is logged, which is its
        // timestamp (OpenTelemetry: "typically set at the generation time
        // and is equal to Timestamp").
        observed_time_unix_nano: time_unix_nano,
        severity_number: severity_number as i32,
        severity_text: severity_text.to_owned(),
        event_name: event.event_type.into_owned(),
        body: Some(string(&event.action)),
        attributes,
        trace_id: id_bytes(event.correlation.trace_id.as_deref(), 16),
        span_id: id_bytes(event.correlation.span_id.as_deref(), 8),
        ..Default::default()
    }
}

/// HTTP request metadata under the HTTP server conventions' names; an
/// error (`{class, message, backtrace}`) under the exception conventions'.
/// (opentelemetry.io/docs/specs/semconv: http/http-spans, exceptions.)
fn conventions(event_type: &str, metadata: &AnyValue, attributes: &mut Vec<KeyValue>) {
    if event_type == "http.request" {
        for (name, key) in [
            ("http.request.method", "method"),
            ("http.response.status_code", "status"),
            ("url.path", "path"),
            ("client.address", "ip"),
            ("user_agent.original", "user_agent"),
        ] {
            if let Some(value) = entry(metadata, key).filter(|v| v.value.is_some()) {
                attributes.push(kv(name, value.clone()));
            }
        }
    }
    let Some(error) = entry(metadata, "error") else {
        return;
    };
    for (name, key) in [
        ("exception.type", "class"),
        ("exception.message", "message"),
    ] {
        if let Some(Any::StringValue(text)) = entry(error, key).and_then(|v| v.value.as_ref()) {
            attributes.push(string_kv(name, text));
        }
    }
    if let Some(Any::ArrayValue(lines)) = entry(error, "backtrace").and_then(|v| v.value.as_ref()) {
        let lines: Vec<&str> = lines
            .values
            .iter()
            .filter_map(|line| match &line.value {
                Some(Any::StringValue(text)) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        attributes.push(string_kv("exception.stacktrace", &lines.join("\n")));
    }
}

/// A failed job, or a request the app raised in or answered with a 5xx.
fn failed(event: &EventJson) -> bool {
    let metadata = event.metadata.as_ref().map(|m| &m.0);
    let raised = metadata
        .and_then(|m| entry(m, "error"))
        .is_some_and(|error| error.value.is_some());
    let status = metadata.and_then(|m| match entry(m, "status")?.value {
        Some(Any::IntValue(status)) => Some(status),
        _ => None,
    });
    match &*event.event_type {
        "job.execution" => raised,
        "http.request" => raised || status.is_some_and(|s| s >= 500),
        _ => false,
    }
}

fn string(text: &str) -> AnyValue {
    of(Any::StringValue(text.to_owned()))
}

fn string_kv(key: &str, value: &str) -> KeyValue {
    kv(key, string(value))
}

fn kv(key: &str, value: AnyValue) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(value),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Data, Object};
    use crate::delivery::test_events::event;
    use opentelemetry_proto::tonic::logs::v1::LogRecord;

    fn decoded(json: &serde_json::Value) -> ExportLogsServiceRequest {
        let bytes = encode(json.to_string().as_bytes(), &[]).unwrap();
        ExportLogsServiceRequest::decode(bytes.as_slice()).unwrap()
    }

    fn attribute<'a>(record: &'a LogRecord, key: &str) -> Option<&'a Any> {
        let found = record.attributes.iter().find(|kv| kv.key == key)?;
        found.value.as_ref()?.value.as_ref()
    }

    #[test]
    fn an_event_becomes_a_log_record_with_its_correlation_and_nested_metadata() {
        let mut event = event();
        let mut correlation = (*event.correlation).clone();
        correlation.trace_id = Some("4bf92f3577b34da6a3ce929d0e0e4736".into());
        correlation.span_id = Some("00f067aa0ba902b7".into());
        event.correlation = std::sync::Arc::new(correlation);
        let mut metadata = Object::default();
        metadata.push("status", Data::Int(503));
        metadata.push("tags", Data::List(vec![Data::text("a"), Data::Float(1.5)]));
        event.metadata = Some(metadata);
        event.event_type = "http.request".into();
        let json = serde_json::json!([event]);
        let request = decoded(&json);

        assert_eq!(request.resource_logs.len(), 1);
        let resource = request.resource_logs[0].resource.as_ref().unwrap();
        let service = resource
            .attributes
            .iter()
            .find(|kv| kv.key == "service.name")
            .unwrap();
        assert_eq!(
            service.value.as_ref().unwrap().value,
            Some(Any::StringValue("s".into()))
        );
        let scope_logs = &request.resource_logs[0].scope_logs[0];
        assert_eq!(scope_logs.scope.as_ref().unwrap().name, SCOPE_NAME);
        let record = &scope_logs.log_records[0];
        assert_eq!(
            record.trace_id,
            const_hex::decode("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
        );
        assert_eq!(
            record.span_id,
            const_hex::decode("00f067aa0ba902b7").unwrap()
        );
        assert_eq!(record.severity_text, "ERROR", "a 503 is an error");
        assert_eq!(record.event_name, "http.request");
        assert_eq!(
            record.body.as_ref().unwrap().value,
            Some(Any::StringValue("x".into()))
        );
        let expected_time =
            humantime::parse_rfc3339(json[0]["timestamp"].as_str().unwrap()).unwrap();
        let since = expected_time.duration_since(std::time::UNIX_EPOCH).unwrap();
        assert_eq!(record.time_unix_nano, since.as_nanos() as u64);
        assert_eq!(
            attribute(record, "ezlogs.flow_id"),
            Some(&Any::StringValue(event.correlation.flow_id.to_string()))
        );
        let Some(Any::KvlistValue(metadata)) = attribute(record, "ezlogs.metadata") else {
            panic!("metadata is a key/value list")
        };
        let tags = metadata.values.iter().find(|kv| kv.key == "tags").unwrap();
        let Some(Any::ArrayValue(tags)) = &tags.value.as_ref().unwrap().value else {
            panic!("an array stays an array")
        };
        assert_eq!(tags.values[1].value, Some(Any::DoubleValue(1.5)));
        assert_eq!(
            attribute(record, "http.response.status_code"),
            Some(&Any::IntValue(503))
        );
    }

    #[test]
    fn an_error_is_named_as_the_exception_conventions_say() {
        let mut event = serde_json::to_value(event()).unwrap();
        event["event_type"] = "job.execution".into();
        event["metadata"] = serde_json::json!({"error": {
            "class": "Timeout::Error", "message": "took too long",
            "backtrace": ["app/jobs/a.rb:3:in `perform'", "app/jobs/b.rb:9"]}});
        let request = decoded(&serde_json::json!([event]));
        let record = &request.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!(record.severity_text, "ERROR");
        let text = |key| match attribute(record, key) {
            Some(Any::StringValue(text)) => text.clone(),
            other => panic!("{key}: {other:?}"),
        };
        assert_eq!(text("exception.type"), "Timeout::Error");
        assert_eq!(text("exception.message"), "took too long");
        assert_eq!(
            text("exception.stacktrace"),
            "app/jobs/a.rb:3:in `perform'\napp/jobs/b.rb:9"
        );
        assert!(attribute(record, "http.request.method").is_none());
    }

    #[test]
    fn events_of_another_process_get_a_resource_of_their_own() {
        let first = serde_json::to_value(event()).unwrap();
        let mut other = first.clone();
        other["platform"]["process_id"] = 2.into();
        let mut same_process_other_thread = first.clone();
        same_process_other_thread["platform"]["thread_id"] = 9.into();
        let request = decoded(&serde_json::json!([
            first,
            same_process_other_thread,
            other
        ]));
        let counts: Vec<usize> = request
            .resource_logs
            .iter()
            .map(|r| r.scope_logs[0].log_records.len())
            .collect();
        assert_eq!(counts, [2, 1]);
    }

    #[test]
    fn malformed_trace_and_span_ids_are_left_out() {
        let mut event = serde_json::to_value(event()).unwrap();
        for (trace, span) in [
            ("abc", "00f067aa0ba902b7"),
            ("00000000000000000000000000000000", "zz"),
            ("4bf92f3577b34da6a3ce929d0e0e4736ff", "00f067aa0ba902"),
        ] {
            event["correlation"]["trace_id"] = trace.into();
            event["correlation"]["span_id"] = span.into();
            let request = decoded(&serde_json::json!([event]));
            let record = &request.resource_logs[0].scope_logs[0].log_records[0];
            assert!(record.trace_id.is_empty(), "{trace}");
            assert_eq!(
                record.span_id.is_empty(),
                span != "00f067aa0ba902b7",
                "{span}"
            );
        }
    }

    #[test]
    fn a_refusal_says_its_status_message() {
        let body = Status {
            message: "log record too old".into(),
        }
        .encode_to_vec();
        assert_eq!(
            refusal_message(&body).as_deref(),
            Some("log record too old")
        );
        assert_eq!(refusal_message(b"\xff\xff not protobuf"), None);
    }

    #[test]
    fn what_is_not_an_array_of_events_is_refused() {
        assert!(encode(b"{}", &[]).is_err());
        assert!(encode(b"[1]", &[]).is_err());
    }
}
