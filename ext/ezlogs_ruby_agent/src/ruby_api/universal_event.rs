//! `EzlogsRubyAgent::UniversalEvent`: an event built and validated in Rust.
//! Its keyword constructor is in `lib/ezlogs_ruby_agent/universal_event.rb`.

use std::time::SystemTime;

use magnus::{function, method, prelude::*, Error, RModule, Ruby, Value};

use super::convert::Converter;
use super::event_builder::{self, EventArgs, Overrides};
use super::{errors, to_ruby};
use crate::event::Event;
use crate::settings::{self, Limits};
use crate::timestamp;

#[magnus::wrap(class = "EzlogsRubyAgent::UniversalEvent", free_immediately, size)]
pub struct UniversalEvent {
    event: Event,
}

/// A Time or RFC 3339 string.
fn timestamp_override(
    ruby: &Ruby,
    limits: Limits,
    value: Value,
) -> Result<Option<SystemTime>, Error> {
    if value.is_nil() {
        return Ok(None);
    }
    let text = Converter::new(ruby, limits).text(value);
    match timestamp::parse(&text).filter(|at| timestamp::format(*at).is_some()) {
        Some(at) => Ok(Some(at)),
        None => Err(errors::invalid_event(
            ruby,
            format!("Event validation failed: timestamp must be a Time or an RFC 3339 string (got {text:?})"),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    ruby: &Ruby,
    event_type: Value,
    action: Value,
    actor: Value,
    subject: Value,
    metadata: Value,
    timing: Value,
    timestamp: Value,
    event_id: Value,
) -> Result<UniversalEvent, Error> {
    let active = settings::current();
    let limits = active.settings.limits;
    let overrides = Overrides {
        timestamp: timestamp_override(ruby, limits, timestamp)?,
        event_id: (!event_id.is_nil()).then(|| Converter::new(ruby, limits).text(event_id)),
        ..Overrides::default()
    };
    let args = EventArgs {
        event_type,
        action,
        actor,
        subject,
        metadata,
        timing,
    };
    let mut converter = Converter::new(ruby, limits);
    let built = event_builder::build(ruby, &active, &mut converter, args, overrides);
    if let Some(interruption) = converter.interruption() {
        return Err(interruption);
    }
    match built {
        Ok(event) => Ok(UniversalEvent { event }),
        Err(invalid) => Err(errors::invalid_event(ruby, invalid.to_string())),
    }
}

/// A part of the event as Ruby sees it: symbol keys, nil when absent.
fn part<T: serde::Serialize>(ruby: &Ruby, part: &T) -> Value {
    to_ruby::value(ruby, &serde_json::to_value(part).unwrap_or_default())
}

impl UniversalEvent {
    pub fn event(&self) -> &Event {
        &self.event
    }
    fn event_id(&self) -> String {
        self.event.event_id.to_string()
    }
    fn event_type(&self) -> String {
        self.event.event_type.to_string()
    }
    fn action(&self) -> String {
        self.event.action.to_string()
    }
    fn timestamp(&self) -> Option<String> {
        timestamp::format(self.event.timestamp).map(String::from)
    }
    fn correlation_id(&self) -> String {
        self.event.correlation.correlation_id.to_string()
    }
    fn actor(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.actor)
    }
    fn subject(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.subject)
    }
    fn metadata(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.metadata)
    }
    fn timing(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.timing)
    }
    fn correlation(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.correlation)
    }
    fn platform(ruby: &Ruby, rb_self: &Self) -> Value {
        part(ruby, &rb_self.event.platform)
    }
    fn to_h(ruby: &Ruby, rb_self: &Self) -> Value {
        to_ruby::value(ruby, &rb_self.event.to_value())
    }
    fn to_json(&self, _args: &[Value]) -> String {
        self.event.to_json()
    }
    /// Construction raises on invalid input, so every instance is valid.
    fn is_valid(&self) -> bool {
        true
    }
}

pub fn init(ruby: &Ruby, agent: RModule) -> Result<(), Error> {
    let class = super::define_wrapped_class::<UniversalEvent>(ruby, agent, "UniversalEvent")?;
    class.define_singleton_method("build", function!(build, 8))?;
    class.define_method("event_id", method!(UniversalEvent::event_id, 0))?;
    class.define_method("event_type", method!(UniversalEvent::event_type, 0))?;
    class.define_method("action", method!(UniversalEvent::action, 0))?;
    class.define_method("actor", method!(UniversalEvent::actor, 0))?;
    class.define_method("subject", method!(UniversalEvent::subject, 0))?;
    class.define_method("metadata", method!(UniversalEvent::metadata, 0))?;
    class.define_method("timing", method!(UniversalEvent::timing, 0))?;
    class.define_method("timestamp", method!(UniversalEvent::timestamp, 0))?;
    class.define_method("correlation", method!(UniversalEvent::correlation, 0))?;
    class.define_method("correlation_id", method!(UniversalEvent::correlation_id, 0))?;
    class.define_method("platform", method!(UniversalEvent::platform, 0))?;
    class.define_method("to_h", method!(UniversalEvent::to_h, 0))?;
    class.define_method("to_json", method!(UniversalEvent::to_json, -1))?;
    class.define_method("valid?", method!(UniversalEvent::is_valid, 0))?;
    Ok(())
}
