//! Correlation contexts (DESIGN section 4): what links events into flows.
//!
//! A context is immutable. Starting a request or flow, inheriting into a job
//! or making a child for an event each build a new one.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::baggage::FlowBaggage;
use super::traceparent::TraceParent;
use crate::event::{Correlation, Id};

/// Context metadata and the JSON form of a context.
pub type Object = serde_json::Map<String, Value>;
use crate::{ids, timestamp};

/// Ids read back from outside (job payloads, headers) longer than this are
/// ignored: a correlation id is never legitimately kilobytes long.
const MAX_ID_LEN: usize = 256;

/// Membership of a W3C trace: ours is `span_id`, the caller's `parent_span_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub trace_id: Id,
    pub span_id: Id,
    pub parent_span_id: Option<Id>,
    pub flags: u8,
}

impl Trace {
    /// Joins the caller's trace when its header is valid, else starts one.
    pub fn join_or_start(traceparent: Option<&str>) -> Self {
        match traceparent.map(TraceParent::parse) {
            Some(Ok(parent)) => Self {
                trace_id: parent.trace_id.into(),
                span_id: ids::span_id(),
                parent_span_id: Some(parent.parent_id.into()),
                flags: parent.flags,
            },
            _ => Self {
                trace_id: ids::trace_id(),
                span_id: ids::span_id(),
                parent_span_id: None,
                flags: 0x01,
            },
        }
    }

    fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id.clone(),
            span_id: ids::span_id(),
            parent_span_id: Some(self.span_id.clone()),
            flags: self.flags,
        }
    }

    /// The header to send onward: our span becomes the callee's parent.
    pub fn traceparent(&self) -> String {
        TraceParent {
            trace_id: self.trace_id.to_string(),
            parent_id: self.span_id.to_string(),
            flags: self.flags,
        }
        .to_string()
    }
}

#[derive(Debug, Clone)]
pub struct Context {
    pub correlation_id: Id,
    /// The correlation id of the root context of this chain.
    pub primary_correlation_id: Id,
    pub flow_id: Id,
    pub session_id: Option<Id>,
    pub request_id: Option<Id>,
    pub parent_event_id: Option<Id>,
    /// The flow this one was started from, when a flow starts inside another.
    pub parent_flow_id: Option<Id>,
    pub started_at: SystemTime,
    pub metadata: Object,
    /// 0 for a root; each child is one deeper.
    pub depth: u32,
    /// Correlation ids from the root down to this context, newest last,
    /// keeping at most `max_depth + 1` entries.
    pub chain: Vec<Id>,
    pub trace: Option<Trace>,
}

impl Context {
    fn root(flow_id: Id, metadata: Object) -> Self {
        let correlation_id: Id = ids::correlation_id();
        Self {
            primary_correlation_id: correlation_id.clone(),
            chain: vec![correlation_id.clone()],
            correlation_id,
            flow_id,
            session_id: None,
            request_id: None,
            parent_event_id: None,
            parent_flow_id: None,
            started_at: SystemTime::now(),
            metadata,
            depth: 0,
            trace: None,
        }
    }

    /// A request entering the process: in the caller's trace when it sent a
    /// valid `traceparent`, else in a new trace; in the caller's flow, under
    /// the caller's event, when its `baggage` names them, else a new flow.
    pub fn for_request(
        request_id: Id,
        session_id: Option<Id>,
        metadata: Object,
        traceparent: Option<&str>,
        baggage: Option<&str>,
    ) -> Self {
        let caller = baggage.map(FlowBaggage::parse).unwrap_or_default();
        let flow_id = caller.flow_id.map_or_else(ids::flow_id, Id::from);
        Self {
            request_id: Some(request_id),
            session_id,
            parent_event_id: caller.parent_event_id.map(Id::from),
            trace: Some(Trace::join_or_start(traceparent)),
            ..Self::root(flow_id, metadata)
        }
    }

    /// A named business flow, `flow_<type>_<entity_id>`. Started inside
    /// another context, it keeps that context's request, session and trace
    /// and records the outer flow as `parent_flow_id`.
    pub fn for_flow(
        flow_type: &str,
        entity_id: &str,
        mut metadata: Object,
        outer: Option<&Context>,
        max_depth: u32,
    ) -> Self {
        let flow_id: Id = format!("flow_{flow_type}_{entity_id}").into();
        metadata.insert("flow_type".into(), json!(flow_type));
        metadata.insert("entity_id".into(), json!(entity_id));
        match outer {
            None => Self::root(flow_id, metadata),
            Some(outer) => Self {
                parent_flow_id: Some(outer.flow_id.clone()),
                flow_id,
                ..outer.child(None, metadata, max_depth)
            },
        }
    }

    /// A context caused by this one: same flow, one level deeper. The child
    /// names `parent_event_id`, or keeps ours when None.
    pub fn child(&self, parent_event_id: Option<Id>, metadata: Object, max_depth: u32) -> Self {
        let correlation_id: Id = ids::correlation_id();
        // The newest `max_depth + 1` ids, this one last, in one allocation
        // (not a copy, then a second allocation to grow it).
        let keep = max_depth as usize + 1;
        let from = (self.chain.len() + 1).saturating_sub(keep);
        let mut chain = Vec::with_capacity(self.chain.len() + 1 - from);
        chain.extend_from_slice(&self.chain[from..]);
        chain.push(correlation_id.clone());
        let mut merged = self.metadata.clone();
        merged.extend(metadata);
        Self {
            correlation_id,
            primary_correlation_id: self.primary_correlation_id.clone(),
            flow_id: self.flow_id.clone(),
            session_id: self.session_id.clone(),
            request_id: self.request_id.clone(),
            parent_event_id: parent_event_id.or_else(|| self.parent_event_id.clone()),
            parent_flow_id: self.parent_flow_id.clone(),
            started_at: SystemTime::now(),
            metadata: merged,
            depth: self.depth.saturating_add(1),
            chain,
            trace: self.trace.as_ref().map(Trace::child),
        }
    }

    pub fn traceparent(&self) -> Option<String> {
        self.trace.as_ref().map(Trace::traceparent)
    }

    /// The `baggage` members that let a downstream service continue this
    /// flow under the current event.
    pub fn baggage(&self) -> Option<String> {
        FlowBaggage {
            flow_id: Some(self.flow_id.to_string()),
            parent_event_id: self.parent_event_id.as_deref().map(str::to_owned),
        }
        .format()
    }

    /// The correlation block of an event logged in this context.
    pub fn correlation(&self) -> Correlation {
        Correlation {
            correlation_id: self.correlation_id.clone(),
            primary_correlation_id: self.primary_correlation_id.clone(),
            flow_id: self.flow_id.clone(),
            request_id: self.request_id.clone(),
            session_id: self.session_id.clone(),
            parent_event_id: self.parent_event_id.clone(),
            trace_id: self.trace.as_ref().map(|t| t.trace_id.clone()),
            span_id: self.trace.as_ref().map(|t| t.span_id.clone()),
        }
    }

    /// JSON-safe form, for `to_h` and for crossing a job queue.
    pub fn to_object(&self) -> Object {
        let mut object = Object::new();
        let mut put = |key: &str, value: Value| {
            object.insert(key.to_owned(), value);
        };
        put("correlation_id", json!(&*self.correlation_id));
        put(
            "primary_correlation_id",
            json!(&*self.primary_correlation_id),
        );
        put("flow_id", json!(&*self.flow_id));
        for (key, value) in [
            ("session_id", &self.session_id),
            ("request_id", &self.request_id),
            ("parent_event_id", &self.parent_event_id),
            ("parent_flow_id", &self.parent_flow_id),
        ] {
            if let Some(value) = value {
                put(key, json!(&**value));
            }
        }
        if let Some(started_at) = timestamp::format(self.started_at) {
            put("started_at", json!(started_at));
        }
        put("metadata", Value::Object(self.metadata.clone()));
        put("depth", json!(self.depth));
        put("chain", self.chain.iter().map(|id| json!(&**id)).collect());
        if let Some(trace) = &self.trace {
            put("trace_id", json!(&*trace.trace_id));
            put("span_id", json!(&*trace.span_id));
            if let Some(parent) = &trace.parent_span_id {
                put("parent_span_id", json!(&**parent));
            }
            put("trace_flags", json!(trace.flags));
        }
        object
    }

    /// Rebuilds a context from `to_object` output (or the old agent's
    /// `_correlation_data`). Unusable fields are ignored; missing ids are
    /// generated, so a damaged payload still yields a working context.
    pub fn from_object(object: &Object) -> Self {
        let id = |key: &str| -> Option<Id> {
            match object.get(key)? {
                Value::String(s) if !s.is_empty() && s.len() <= MAX_ID_LEN => {
                    Some(s.as_str().into())
                }
                _ => None,
            }
        };
        let correlation_id = id("correlation_id").unwrap_or_else(ids::correlation_id);
        let chain = match object.get("chain") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .filter_map(|item| item.as_str().filter(|s| s.len() <= MAX_ID_LEN))
                .map(Id::from)
                .collect(),
            _ => vec![correlation_id.clone()],
        };
        let trace = match (id("trace_id"), id("span_id")) {
            (Some(trace_id), Some(span_id)) => Some(Trace {
                trace_id,
                span_id,
                parent_span_id: id("parent_span_id"),
                flags: object
                    .get("trace_flags")
                    .and_then(Value::as_u64)
                    .map_or(0x01, |f| f as u8),
            }),
            _ => None,
        };
        Self {
            primary_correlation_id: id("primary_correlation_id")
                .unwrap_or_else(|| correlation_id.clone()),
            correlation_id,
            flow_id: id("flow_id").unwrap_or_else(ids::flow_id),
            session_id: id("session_id"),
            request_id: id("request_id"),
            parent_event_id: id("parent_event_id"),
            parent_flow_id: id("parent_flow_id"),
            started_at: object
                .get("started_at")
                .and_then(Value::as_str)
                .and_then(timestamp::parse)
                .unwrap_or_else(SystemTime::now),
            metadata: match object.get("metadata") {
                Some(Value::Object(metadata)) => metadata.clone(),
                _ => Object::new(),
            },
            depth: object
                .get("depth")
                .and_then(Value::as_u64)
                .map_or(0, |d| d.min(u32::MAX as u64) as u32),
            chain,
            trace,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_DEPTH: u32 = 3;

    #[test]
    fn flow_ids_follow_the_business_pattern() {
        let flow = Context::for_flow("order", "42", Object::new(), None, MAX_DEPTH);
        assert_eq!(&*flow.flow_id, "flow_order_42");
        assert_eq!(flow.metadata["flow_type"], "order");
        assert_eq!(flow.primary_correlation_id, flow.correlation_id);
    }

    #[test]
    fn a_flow_inside_a_request_keeps_the_request_and_names_the_outer_flow() {
        let request = Context::for_request("req-1".into(), None, Object::new(), None, None);
        let flow = Context::for_flow("order", "42", Object::new(), Some(&request), MAX_DEPTH);
        assert_eq!(flow.request_id.as_deref(), Some("req-1"));
        assert_eq!(flow.parent_flow_id.as_deref(), Some(&*request.flow_id));
        assert_eq!(flow.primary_correlation_id, request.correlation_id);
    }

    #[test]
    fn children_share_the_flow_and_go_one_deeper_with_a_bounded_chain() {
        let root = Context::for_request(
            "req-1".into(),
            Some("sess".into()),
            Object::new(),
            None,
            None,
        );
        let mut context = root.clone();
        for depth in 1..=5 {
            context = context.child(
                Some(format!("evt_{depth}").into()),
                Object::new(),
                MAX_DEPTH,
            );
            assert_eq!(context.depth, depth);
        }
        assert_eq!(context.flow_id, root.flow_id);
        assert_eq!(context.primary_correlation_id, root.correlation_id);
        assert_eq!(context.parent_event_id.as_deref(), Some("evt_5"));
        assert_eq!(context.chain.len(), MAX_DEPTH as usize + 1);
        assert_eq!(context.chain.last(), Some(&context.correlation_id));
        let trace = context.trace.as_ref().unwrap();
        assert_eq!(trace.trace_id, root.trace.as_ref().unwrap().trace_id);
    }

    #[test]
    fn requests_join_a_valid_trace_and_start_one_otherwise() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let joined = Context::for_request("r".into(), None, Object::new(), Some(header), None);
        let trace = joined.trace.as_ref().unwrap();
        assert_eq!(&*trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_span_id.as_deref(), Some("00f067aa0ba902b7"));
        let onward = joined.traceparent().unwrap();
        assert!(onward.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(!onward.contains("00f067aa0ba902b7"));

        let fresh = Context::for_request("r".into(), None, Object::new(), Some("garbage"), None);
        assert_ne!(
            &*fresh.trace.unwrap().trace_id,
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }

    #[test]
    fn a_request_continues_the_flow_its_caller_names_in_baggage() {
        let upstream = Context::for_request("r".into(), None, Object::new(), None, None).child(
            Some("evt_upstream".into()),
            Object::new(),
            10,
        );
        let header = upstream.baggage().unwrap();
        let downstream = Context::for_request("r".into(), None, Object::new(), None, Some(&header));
        assert_eq!(downstream.flow_id, upstream.flow_id);
        assert_eq!(downstream.parent_event_id.as_deref(), Some("evt_upstream"));

        let unrelated = Context::for_request("r".into(), None, Object::new(), None, Some("a=b"));
        assert_ne!(unrelated.flow_id, upstream.flow_id);
        assert_eq!(unrelated.parent_event_id, None);
    }

    #[test]
    fn round_trips_through_json() {
        let mut metadata = Object::new();
        metadata.insert("tenant".into(), json!("acme"));
        let original = Context::for_request("req".into(), Some("s".into()), metadata, None, None)
            .child(Some("evt_1".into()), Object::new(), MAX_DEPTH);
        let text = serde_json::to_string(&original.to_object()).unwrap();
        let parsed: Object = serde_json::from_str(&text).unwrap();
        let restored = Context::from_object(&parsed);
        assert_eq!(restored.to_object(), original.to_object());
    }

    #[test]
    fn damaged_payloads_still_restore() {
        let mut object = Object::new();
        object.insert("correlation_id".into(), json!("x".repeat(10_000)));
        object.insert("flow_id".into(), json!(12));
        object.insert("depth".into(), json!("deep"));
        let restored = Context::from_object(&object);
        assert!(restored.correlation_id.starts_with("corr_"));
        assert!(restored.flow_id.starts_with("flow_"));
        assert_eq!(restored.depth, 0);
    }
}
