//! Builds an `Event` from the Ruby values a caller passed: conversion,
//! correlation from the current context, platform facts, ids, timestamp.

use std::sync::Arc;

use magnus::value::ReprValue;
use magnus::{RHash, RString, Ruby, Value};

use super::context;
use super::convert::Converter;
use super::helpers;
use crate::data::{Data, Text};
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
    pub event_id: Option<Text>,
    pub timestamp: Option<std::time::SystemTime>,
    /// Correlation of a context other than the current one (a request's
    /// own event belongs to the context the request started in).
    pub correlation: Option<Arc<Correlation>>,
}

fn optional(converter: &mut Converter, value: Value) -> Option<Data> {
    (!value.is_nil()).then(|| converter.convert(value))
}

/// An actor or a subject: a Hash as it is; a record (`actor: current_user`)
/// as ActorExtractor.named_model names it, `{type:, id:}` by its model, as
/// the trackers name one; anything else as it is, for validation to
/// refuse.
/// (Inlined: called as a function it cost about 40 instructions a party,
/// callgrind.)
#[inline(always)]
fn party(ruby: &Ruby, converter: &mut Converter, value: Value) -> Data {
    if RHash::from_value(value).is_some() || value.is_nil() {
        return converter.convert(value);
    }
    let named = named_model(ruby, converter, value);
    converter.convert(named.unwrap_or(value))
}

#[cold]
#[inline(never)]
fn named_model(ruby: &Ruby, converter: &mut Converter, value: Value) -> Option<Value> {
    if !converter.may_run_ruby() {
        return None;
    }
    let extractor = helpers::agent_module(ruby, &["ActorExtractor"]).ok()?;
    let named: Value = converter.ran(extractor.funcall("named_model", (value,)))?;
    (!named.is_nil()).then_some(named)
}

/// The caller's values as event input, converted by `converter`.
fn convert(ruby: &Ruby, converter: &mut Converter, args: EventArgs) -> EventInput {
    let event_type = RString::from_value(args.event_type).map(|s| converter.string(s));
    let action = RString::from_value(args.action).map(|s| converter.string(s));
    let actor = party(ruby, converter, args.actor);
    let subject = (!args.subject.is_nil()).then(|| party(ruby, converter, args.subject));
    EventInput {
        event_type,
        action,
        actor,
        subject,
        metadata: optional(converter, args.metadata),
        timing: optional(converter, args.timing),
    }
}

/// `active`: the settings in force, looked up once by the caller;
/// `converter`: a new one, which the caller then asks for an
/// `interruption` (a `throw`, `Thread#kill`, a timeout while app code ran
/// for a value), to be returned to Ruby at once in place of the event.
pub fn build(
    ruby: &Ruby,
    active: &Active,
    converter: &mut Converter,
    args: EventArgs,
    overrides: Overrides,
) -> Result<Event, ValidationError> {
    let input = convert(ruby, converter, args);
    build_from(ruby, active, input, converter.heap_bytes(), overrides)
}

/// An event from input already converted; `heap_bytes`: the heap memory
/// its data takes (for the queue's byte bound).
pub fn build_from(
    ruby: &Ruby,
    active: &Active,
    input: EventInput,
    heap_bytes: usize,
    overrides: Overrides,
) -> Result<Event, ValidationError> {
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
    event.approx_bytes += heap_bytes;
    Ok(event)
}
