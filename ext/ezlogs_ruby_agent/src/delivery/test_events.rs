//! Events for the delivery tests.

use std::sync::Arc;

use crate::data::{Data, Object, Text};
use crate::event::{Correlation, Event, EventContext, EventInput, Platform, ProcessInfo};

pub fn event() -> Event {
    built(None, Correlation::standalone())
}

/// An event with id `event_id` whose parent is `parent`.
pub fn event_with(event_id: &str, parent: Option<&str>) -> Event {
    let mut correlation = Correlation::standalone();
    correlation.parent_event_id = parent.map(Into::into);
    built(Some(event_id.into()), correlation)
}

fn built(event_id: Option<Text>, correlation: Correlation) -> Event {
    let mut actor = Object::default();
    actor.push("type", Data::text("user"));
    actor.push("id", Data::Int(1));
    Event::build(
        EventInput {
            event_type: Some("user.action".into()),
            action: Some("x".into()),
            actor: Data::Map(actor),
            subject: None,
            metadata: None,
            timing: None,
        },
        EventContext {
            event_id,
            timestamp: None,
            correlation: Arc::new(correlation),
            platform: Platform {
                process: Arc::new(ProcessInfo {
                    service: "s".into(),
                    environment: "e".into(),
                    agent_version: "v".into(),
                    ruby_version: "r".into(),
                    hostname: "h".into(),
                }),
                process_id: 1,
                thread_id: 1,
            },
        },
    )
    .expect("a valid test event")
}
