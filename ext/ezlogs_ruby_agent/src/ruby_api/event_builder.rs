//! Builds an `Event` from the Ruby values a caller passed: conversion,
//! correlation from the current context, platform facts, ids, timestamp.

use std::sync::Arc;

use magnus::value::ReprValue;
use magnus::{RString, Ruby, Value};

use super::context;
use super::convert::Converter;
use super::helpers;
use crate::data::{Data, Object, Text};
use crate::event::{Correlation, Event, EventContext, EventInput, Platform, ValidationError};
use crate::settings::Active;

pub struct EventArgs {
    pub event_type: Value,
    pub action: Value,
    pub actor: Value,
    pub subject: Value,
    pub metadata: Value,
    pub timing: Value,
}

/// Fields a caller may fix instead of letting the agent fill them in.
#[derive(Default)]
pub struct Overrides {
    pub event_id: Option<String>,
    pub timestamp: Option<std::time::SystemTime>,
    /// Correlation of a context other than the current one (a request's
    /// own event belongs to the context the request started in).
    pub correlation: Option<Arc<Correlation>>,
    /// A timing block the core measured, in place of the caller's.
    pub timing: Option<Data>,
    /// Entries the core adds at the end of the metadata.
    pub metadata_tail: Vec<(Text, Data)>,
}

fn optional(converter: &mut Converter, value: Value) -> Option<Data> {
    (!value.is_nil()).then(|| converter.convert(value))
}

/// `metadata` with `tail` at its end (a hash of them alone when there was
/// none; left as it is when it is not a hash, which validation refuses).
fn with_tail(metadata: Option<Data>, tail: Vec<(Text, Data)>) -> Option<Data> {
    if tail.is_empty() {
        return metadata;
    }
    match metadata {
        None => Some(Data::Map(Object(tail))),
        Some(Data::Map(mut object)) => {
            object.0.extend(tail);
            Some(Data::Map(object))
        }
        other => other,
    }
}

/// `active`: the settings in force, looked up once by the caller.
pub fn build(
    ruby: &Ruby,
    active: &Active,
    args: EventArgs,
    overrides: Overrides,
) -> Result<Event, ValidationError> {
    let mut converter = Converter::new(ruby, active.settings.limits);
    let mut string = |value: Value| RString::from_value(value).map(|_| converter.text(value));
    let input = EventInput {
        event_type: string(args.event_type),
        action: string(args.action),
        actor: converter.convert(args.actor),
        subject: optional(&mut converter, args.subject),
        metadata: with_tail(
            optional(&mut converter, args.metadata),
            overrides.metadata_tail,
        ),
        timing: overrides
            .timing
            .or_else(|| optional(&mut converter, args.timing)),
    };
    let correlation = active
        .settings
        .correlation_enabled
        .then(|| {
            let current = || context::current_correlation(ruby);
            overrides.correlation.or_else(current)
        })
        .flatten()
        .unwrap_or_else(|| Arc::new(Correlation::standalone()));
    let context = EventContext {
        event_id: overrides.event_id,
        timestamp: overrides.timestamp,
        correlation,
        platform: Platform {
            process: active.process.clone(),
            process_id: crate::process::current_pid(),
            thread_id: helpers::current_thread_id(ruby),
        },
    };
    let mut event = Event::build(input, context)?;
    event.approx_bytes += converter.heap_bytes();
    Ok(event)
}
