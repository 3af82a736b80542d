//! `EzlogsRubyAgent::Native`: the functions the Ruby facade calls to
//! configure the agent, emit events and read its state.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use magnus::{
    function, prelude::*, Error, Integer, IntoValue, RArray, RHash, RModule, RString, Ruby, Value,
};

use super::context::RubyContext;
use super::convert::Converter;
use super::event_builder::{self, EventArgs, Overrides};
use super::helpers::{self, without_gvl};
use super::universal_event::UniversalEvent;
use super::{errors, to_ruby};
use crate::data::Text;
use crate::delivery::CircuitState;
use crate::event::{Event, ValidationError};
use crate::metrics::{DropReason, METRICS};
use crate::settings::{self, Active, Settings};
use crate::{app_metrics, capture, debug_view, delivery};

/// How long a reconfiguration waits for the old worker to hand over.
const RECONFIGURE_FLUSH: Duration = Duration::from_secs(1);

fn configure(ruby: &Ruby, hash: RHash) -> Result<bool, Error> {
    let json = Converter::new(ruby, settings::Limits::default()).convert(hash.as_value());
    let settings: Settings = serde_json::from_value((&json).into())
        .map_err(|e| errors::configuration(ruby, format!("invalid agent settings: {e}")))?;
    settings::replace(settings).map_err(|problem| errors::configuration(ruby, problem))?;
    Ok(without_gvl(ruby, || delivery::restart(RECONFIGURE_FLUSH))?.unwrap_or(false))
}

/// Sends a built event to the test capture or, with `log://`, to the debug
/// output only (processed right away, as it would be for sending), or to
/// the delivery pipeline. With debug output on, a processed copy goes to it
/// as well: what it prints is what is sent, redacted; and one to the
/// capture while it keeps copies.
fn dispatch(active: &Active, mut event: Event) {
    METRICS.events_captured.fetch_add(1, Relaxed);
    let capturing = capture::enabled();
    if !capturing && !active.prints_only {
        if debug_view::on() || capture::keeping() {
            let mut copy = event.clone();
            match active.processor.process(&mut copy) {
                Ok(()) => keep_and_print(copy),
                Err(_) => debug_view::closed(&event.event_id),
            }
        }
        return delivery::submit(event);
    }
    if delivery::prepare(&active.processor, &mut event).is_err() {
        return debug_view::closed(&event.event_id);
    }
    if capturing {
        if debug_view::on() {
            debug_view::add(event.clone());
        }
        return capture::push(event);
    }
    METRICS.events_delivered.fetch_add(1, Relaxed);
    keep_and_print(event);
}

/// A processed copy of a delivered event, to the debug output and, while
/// it keeps copies, the capture.
fn keep_and_print(event: Event) {
    if capture::keeping() {
        capture::keep(event.clone());
    }
    debug_view::add(event);
}

/// Builds an event from the caller's values and dispatches it; returns its
/// id, or raises InvalidEventError (counted) for bad input.
pub(super) fn emit_built(
    ruby: &Ruby,
    active: &Active,
    args: EventArgs,
    overrides: Overrides,
) -> Result<RString, Error> {
    let fixed_id = overrides.event_id.clone();
    let mut converter = Converter::new(ruby, active.settings.limits);
    let built = event_builder::build(ruby, active, &mut converter, args, overrides);
    if let Some(interruption) = converter.interruption() {
        // The work the event stood for closes unrecorded.
        if let Some(id) = &fixed_id {
            debug_view::closed(id);
        }
        return Err(interruption);
    }
    dispatch_built(ruby, active, fixed_id, built, |event| {
        helpers::ascii_string(ruby, &event.event_id)
    })
}

/// Dispatches an event just built (`fixed_id`: the id its caller chose, if
/// any); returns what `reply` makes of it (the id as a Ruby String, for a
/// caller that returns it: making one costs about 650 instructions), or
/// raises InvalidEventError (counted) when it could not be built.
pub(super) fn dispatch_built<T>(
    ruby: &Ruby,
    active: &Active,
    fixed_id: Option<Text>,
    built: Result<Event, ValidationError>,
    reply: impl FnOnce(&Event) -> T,
) -> Result<T, Error> {
    match built {
        Ok(event) => {
            let answer = reply(&event);
            dispatch(active, event);
            print_debug_output(ruby)?;
            Ok(answer)
        }
        Err(invalid) => {
            METRICS.events_invalid.fetch_add(1, Relaxed);
            if let Some(id) = fixed_id {
                debug_view::closed(&id);
            }
            Err(errors::invalid_event(ruby, invalid.to_string()))
        }
    }
}

/// Returns the new event's id (nil when custom events are off); raises
/// InvalidEventError for bad input, which the Ruby facade turns into a
/// warning.
fn log_event(
    ruby: &Ruby,
    event_type: Value,
    action: Value,
    actor: Value,
    subject: Value,
    metadata: Value,
) -> Result<Option<RString>, Error> {
    let active = settings::current();
    if !active.settings.custom_events_enabled {
        return Ok(None);
    }
    let args = EventArgs {
        event_type,
        action,
        actor,
        subject,
        metadata,
        timing: ruby.qnil().as_value(),
    };
    emit_built(ruby, &active, args, Overrides::default()).map(Some)
}

/// An event from one of the built-in trackers (HTTP, ActiveRecord, jobs,
/// mail), which have their own switches. `event_id` fixes the id chosen
/// when the work started; `context` (a Context, or nil for the current one)
/// gives the correlation. Returns the event id; raises InvalidEventError.
#[allow(clippy::too_many_arguments)]
fn record(
    ruby: &Ruby,
    event_type: Value,
    action: Value,
    actor: Value,
    subject: Value,
    metadata: Value,
    timing: Value,
    event_id: Option<String>,
    context: Option<&RubyContext>,
) -> Result<RString, Error> {
    let active = settings::current();
    let args = EventArgs {
        event_type,
        action,
        actor,
        subject,
        metadata,
        timing,
    };
    let overrides = Overrides {
        event_id: event_id.map(Text::from),
        correlation: context.map(RubyContext::correlation),
        ..Overrides::default()
    };
    emit_built(ruby, &active, args, overrides)
}

/// A new event id, for work whose event is recorded when it ends but which
/// its children must already name as their parent.
fn new_event_id(ruby: &Ruby) -> RString {
    let id = crate::ids::event_id();
    debug_view::opened(&id);
    helpers::ascii_string(ruby, &id)
}

/// The client's address behind the app's trusted proxies, from the peer
/// address and the `X-Forwarded-For` and `Client-Ip` headers.
fn client_ip(
    remote_addr: Option<String>,
    forwarded_for: Option<String>,
    client_ip_header: Option<String>,
) -> Option<String> {
    crate::client_ip::client_ip(
        remote_addr.as_deref(),
        forwarded_for.as_deref(),
        client_ip_header.as_deref(),
        &settings::current().trusted_proxies,
    )
}

/// Emits an already-built `UniversalEvent`.
fn emit(ruby: &Ruby, event: &UniversalEvent) -> Result<RString, Error> {
    let event = event.event().clone();
    let id = helpers::ascii_string(ruby, &event.event_id);
    dispatch(&settings::current(), event);
    print_debug_output(ruby)?;
    Ok(id)
}

/// With debug output on, has `EzlogsRubyAgent::DebugOutput.print_ready`
/// print what is ready, here on the app's thread that logged the event
/// (it holds the GVL). The check is all it costs otherwise. An exception
/// from it (it rescues StandardError itself: an Interrupt) goes on to the
/// caller.
fn print_debug_output(ruby: &Ruby) -> Result<(), Error> {
    if !debug_view::on() {
        return Ok(());
    }
    let _: Value = helpers::agent_module(ruby, &["DebugOutput"])?.funcall("print_ready", ())?;
    Ok(())
}

/// What `event` would look like when sent (redacted, fitted), or nil when
/// it would be dropped (sampled out, too large).
fn process_event(ruby: &Ruby, event: &UniversalEvent) -> Value {
    let mut event = event.event().clone();
    match settings::current().processor.process(&mut event) {
        Ok(()) => to_ruby::value(ruby, &event.to_value()),
        Err(_) => ruby.qnil().as_value(),
    }
}

/// 0.1.19's `DebugTools.capture_event`: while copies are kept, a processed
/// copy of `event` goes to the capture, and nowhere else. True when kept.
fn keep_event(event: &UniversalEvent) -> bool {
    if !capture::keeping() {
        return false;
    }
    let mut copy = event.event().clone();
    let kept = settings::current().processor.process(&mut copy).is_ok();
    if kept {
        capture::keep(copy);
    }
    kept
}

/// Why the native matcher cannot compile the regex `source` (Rust syntax),
/// or nil when it can.
fn regex_error(source: String) -> Option<String> {
    crate::processor::pattern_error(&source)
}

/// Whether a value under `key` is redacted, by the current configuration:
/// for a value that has a name but no key (a job's positional argument).
fn sensitive_key(key: String) -> bool {
    settings::current().processor.is_sensitive_key(&key)
}

/// The most items the core keeps of an Array or a Hash
/// (`Limits::max_collection_items`): the Ruby side loads no more of a
/// relation than this (CallbacksTracker::RecordJson).
fn collection_limit() -> usize {
    settings::current().settings.limits.max_collection_items
}

/// The marker that stands after the `kept` items of a collection of
/// `total` (`"[truncated: 4000 more items]"`), for a collection the Ruby
/// side cut before the core saw it. A total not known (nil, past `usize`,
/// or no more than `kept`, which a collection cut has more than) gives
/// `"[truncated: more items]"`.
fn items_marker(total: Option<Integer>, kept: usize) -> String {
    known_total(total, kept).map_or_else(
        || crate::truncate::MORE_ITEMS.to_string(),
        |total| crate::truncate::array_marker(total, kept),
    )
}

/// The key and value that stand after the `kept` entries of a Hash of
/// `total` the Ruby side made and cut (`["_truncated", "4000 more
/// keys"]`; a total not known, as for `items_marker`: `"more keys"`).
fn keys_marker(total: Option<Integer>, kept: usize) -> (&'static str, String) {
    let marker = known_total(total, kept).map_or_else(
        || crate::truncate::MORE_KEYS.to_string(),
        |total| crate::truncate::hash_marker(total, kept),
    );
    (crate::truncate::HASH_MARKER_KEY, marker)
}

fn known_total(total: Option<Integer>, kept: usize) -> Option<usize> {
    total
        .and_then(|total| total.to_usize().ok())
        .filter(|&total| total > kept)
}

/// `text` with `secrets` masked where it quotes them (processor::quoted_secrets), or
/// nil when it quotes none.
fn masked_quotes(text: String, secrets: Vec<String>) -> Option<String> {
    crate::processor::masked_quotes(&text, &secrets)
}

/// `endpoint` as messages show it (delivery::shown_endpoint).
fn shown_endpoint(endpoint: String) -> String {
    delivery::shown_endpoint(&endpoint)
}

/// Debug output: "tree", "lines" or "off".
fn set_debug_output(ruby: &Ruby, mode: String) -> Result<(), Error> {
    let mode = match mode.as_str() {
        "tree" => debug_view::Mode::Tree,
        "lines" => debug_view::Mode::Lines,
        "off" => debug_view::Mode::Off,
        other => {
            return Err(errors::configuration(
                ruby,
                format!("debug output {other:?}: use tree, lines or off"),
            ))
        }
    };
    debug_view::set_mode(mode);
    Ok(())
}

/// The debug output's groups ready to print (each an Array of event
/// Hashes, in the order logged), or nil when there is none.
fn take_debug_output(ruby: &Ruby) -> Result<Option<RArray>, Error> {
    let groups = debug_view::take_ready();
    if groups.is_empty() {
        return Ok(None);
    }
    let out = ruby.ary_new_capa(groups.len());
    for group in groups {
        let events = ruby.ary_new_capa(group.len());
        for event in group {
            events.push(to_ruby::value(ruby, &event.to_value()))?;
        }
        out.push(events)?;
    }
    Ok(Some(out))
}

/// Turns test mode on or off; returns the previous setting.
fn set_test_mode(on: bool) -> bool {
    capture::set_enabled(on)
}

fn test_mode() -> bool {
    capture::enabled()
}

fn set_keep_copies(on: bool) {
    capture::set_keeping(on);
}

fn keep_copies() -> bool {
    capture::keeping()
}

fn captured_events(ruby: &Ruby) -> Result<Value, Error> {
    let event_sym = ruby.to_symbol("event");
    let captured_at_sym = ruby.to_symbol("captured_at");
    let thread_id_sym = ruby.to_symbol("thread_id");
    // Each entry goes straight into a Ruby array: a Ruby object held only
    // in a Rust heap collection would be invisible to the GC.
    let entries = ruby.ary_new();
    for entry in capture::snapshot() {
        let hash = ruby.hash_new();
        hash.aset(event_sym, to_ruby::value(ruby, &entry.event.to_value()))?;
        hash.aset(captured_at_sym, to_ruby::time(ruby, entry.captured_at))?;
        hash.aset(thread_id_sym, entry.thread_id)?;
        entries.push(hash)?;
    }
    Ok(entries.as_value())
}

fn clear_captured_events() {
    capture::clear();
}

fn begin_capture_scope() {
    capture::begin_scope();
}

fn end_capture_scope() {
    capture::end_scope();
}

fn metrics(ruby: &Ruby) -> Result<RHash, Error> {
    let dropped = ruby.hash_new();
    for reason in DropReason::ALL {
        dropped.aset(ruby.to_symbol(reason.name()), METRICS.dropped(reason))?;
    }
    let hash = ruby.hash_new();
    let put = |key: &str, value: Value| hash.aset(ruby.to_symbol(key), value);
    let count = |n: &std::sync::atomic::AtomicU64| n.load(Relaxed).into_value_with(ruby);
    put("events_captured", count(&METRICS.events_captured))?;
    put("events_delivered", count(&METRICS.events_delivered))?;
    put("events_invalid", count(&METRICS.events_invalid))?;
    put(
        "events_dropped_total",
        METRICS.dropped_total().into_value_with(ruby),
    )?;
    put("events_dropped", dropped.as_value())?;
    put("batches_sent", count(&METRICS.batches_sent))?;
    put("batches_failed", count(&METRICS.batches_failed))?;
    put("last_http_status", count(&METRICS.last_http_status))?;
    put("retries", count(&METRICS.retries))?;
    put("requests", count(&METRICS.requests))?;
    put("request_duration_us", count(&METRICS.request_duration_us))?;
    put("bytes_serialized", count(&METRICS.bytes_serialized))?;
    put("bytes_delivered", count(&METRICS.bytes_delivered))?;
    put("bytes_sent", count(&METRICS.bytes_sent))?;
    put("spool_bytes", count(&METRICS.spool_bytes))?;
    put("spool_events", count(&METRICS.spool_events))?;
    put("connections_opened", count(&METRICS.connections_opened))?;
    let (queue_depth, queue_bytes) = delivery::queue_depth();
    put("queue_depth", queue_depth.into_value_with(ruby))?;
    put("queue_bytes", queue_bytes.into_value_with(ruby))?;
    let circuit = CircuitState::from_index(METRICS.circuit_state.load(Relaxed));
    put("circuit_state", circuit.name().into_value_with(ruby))?;
    put("consecutive_failures", count(&METRICS.consecutive_failures))?;
    put("last_error", METRICS.last_error().into_value_with(ruby))?;
    let last_success = METRICS.last_success_at().map(|at| to_ruby::time(ruby, at));
    put("last_success_at", last_success.into_value_with(ruby))?;
    let last_error_at = METRICS.last_error_at().map(|at| to_ruby::time(ruby, at));
    put("last_error_at", last_error_at.into_value_with(ruby))?;
    put("failing", METRICS.failing().into_value_with(ruby))?;
    Ok(hash)
}

/// Records an app metric; `series` is built by the Ruby facade from the
/// name and tags. False when refused (not finite, too many series).
fn record_metric(series: String, value: f64) -> bool {
    app_metrics::record(series, value)
}

/// {series => {count:, sum:, min:, max:, avg:}}
fn app_metrics_summary(ruby: &Ruby) -> Result<RHash, Error> {
    let all = ruby.hash_new();
    for (series, summary) in app_metrics::snapshot() {
        let entry = ruby.hash_new();
        entry.aset(ruby.to_symbol("count"), summary.count)?;
        entry.aset(ruby.to_symbol("sum"), summary.sum)?;
        entry.aset(ruby.to_symbol("min"), summary.min)?;
        entry.aset(ruby.to_symbol("max"), summary.max)?;
        entry.aset(
            ruby.to_symbol("avg"),
            summary.sum / summary.count.max(1) as f64,
        )?;
        all.aset(series, entry)?;
    }
    Ok(all)
}

pub fn init(native: RModule) -> Result<(), Error> {
    native.define_module_function("record_metric", function!(record_metric, 2))?;
    native.define_module_function("set_debug_output", function!(set_debug_output, 1))?;
    native.define_module_function("take_debug_output", function!(take_debug_output, 0))?;
    native.define_module_function("app_metrics", function!(app_metrics_summary, 0))?;
    native.define_module_function("clear_app_metrics", function!(app_metrics::clear, 0))?;
    native.define_module_function("configure", function!(configure, 1))?;
    native.define_module_function("regex_error", function!(regex_error, 1))?;
    native.define_module_function("shown_endpoint", function!(shown_endpoint, 1))?;
    native.define_module_function("masked_quotes", function!(masked_quotes, 2))?;
    native.define_module_function("sensitive_key?", function!(sensitive_key, 1))?;
    native.define_module_function("interruption?", function!(helpers::is_interruption, 1))?;
    native.define_module_function("collection_limit", function!(collection_limit, 0))?;
    native.define_module_function("items_marker", function!(items_marker, 2))?;
    native.define_module_function("keys_marker", function!(keys_marker, 2))?;
    native.define_module_function("log_event", function!(log_event, 5))?;
    native.define_module_function("record", function!(record, 8))?;
    native.define_module_function("new_event_id", function!(new_event_id, 0))?;
    native.define_module_function("client_ip", function!(client_ip, 3))?;
    native.define_module_function("emit", function!(emit, 1))?;
    native.define_module_function("process_event", function!(process_event, 1))?;
    native.define_module_function("keep_event", function!(keep_event, 1))?;
    native.define_module_function("set_test_mode", function!(set_test_mode, 1))?;
    native.define_module_function("test_mode?", function!(test_mode, 0))?;
    native.define_module_function("set_keep_copies", function!(set_keep_copies, 1))?;
    native.define_module_function("keep_copies?", function!(keep_copies, 0))?;
    native.define_module_function("captured_events", function!(captured_events, 0))?;
    native.define_module_function("clear_captured_events", function!(clear_captured_events, 0))?;
    native.define_module_function("begin_capture_scope", function!(begin_capture_scope, 0))?;
    native.define_module_function("end_capture_scope", function!(end_capture_scope, 0))?;
    native.define_module_function("metrics", function!(metrics, 0))?;
    Ok(())
}
