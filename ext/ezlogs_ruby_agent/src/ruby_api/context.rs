//! `EzlogsRubyAgent::CorrelationManager::Context` and the fiber-local slot
//! that holds the current one. The public `CorrelationManager` methods are
//! thin Ruby in `lib/ezlogs_ruby_agent/correlation_manager.rb`.

use std::sync::{Arc, OnceLock};

use magnus::rb_sys::AsRawValue;
use magnus::value::{LazyId, ReprValue};
use magnus::IntoValue;
use magnus::{function, method, prelude::*, Error, RHash, RModule, Ruby, TypedData, Value};
use serde_json::Value as Json;

use super::convert::Converter;
use super::to_ruby;
use crate::correlation::context::{Context, Object};
use crate::event::{Correlation, Id};
use crate::settings;

#[magnus::wrap(
    class = "EzlogsRubyAgent::CorrelationManager::Context",
    free_immediately,
    size
)]
pub struct RubyContext {
    pub inner: Context,
    /// The correlation block of events logged in this context, built once.
    correlation: OnceLock<Arc<Correlation>>,
}

impl From<Context> for RubyContext {
    fn from(inner: Context) -> Self {
        Self {
            inner,
            correlation: OnceLock::new(),
        }
    }
}

/// `Thread.current[KEY]` is fiber-local, as DESIGN section 4 requires.
static KEY: LazyId = LazyId::new("__ezlogs_correlation_context");

/// `f` of the current context of this fiber, if it holds one of ours. The
/// reference magnus gives is only good while the context object is alive:
/// it must not be kept, nor any Ruby code run while it is held (app code
/// could replace the current context and the GC free it), so only what `f`
/// copies out leaves here.
fn with_current<T>(ruby: &Ruby, f: impl FnOnce(&RubyContext) -> T) -> Option<T> {
    let value = current_value(ruby).as_raw();
    // magnus's `DataType` is `#[repr(transparent)]` over Ruby's
    // `rb_data_type_t`: the same address is Ruby's data type.
    let data_type: *const rb_sys::rb_data_type_t =
        std::ptr::from_ref(RubyContext::data_type()).cast();
    // Checked with Ruby's non-raising test first: magnus's conversion runs
    // the raising check (`rb_check_typeddata`) inside an `rb_protect`, in
    // case it raises, about 125 instructions an event (callgrind).
    // SAFETY: the GVL is held (`ruby`); `value` is the live value of the
    // fiber's slot, and is a Context (its data type or one inheriting it)
    // when `rb_typeddata_is_kind_of` says so, where `rb_check_typeddata`
    // returns its data pointer and does not raise. The reference lives only
    // through `f`, as above.
    let context = unsafe {
        if rb_sys::rb_typeddata_is_kind_of(value, data_type) == 0 {
            return None;
        }
        (rb_sys::rb_check_typeddata(value, data_type) as *const RubyContext).as_ref()
    };
    context.map(f)
}

/// The correlation block of events logged now, in this fiber's context.
pub fn current_correlation(ruby: &Ruby) -> Option<Arc<Correlation>> {
    with_current(ruby, RubyContext::correlation)
}

fn current_value(ruby: &Ruby) -> Value {
    ruby.thread_current()
        .local_aref::<_, Value>(*KEY)
        .unwrap_or_else(|_| ruby.qnil().as_value())
}

/// Makes `context` (a Context or nil) current in this fiber.
fn set_current(ruby: &Ruby, context: Option<&RubyContext>, value: Value) -> Result<Value, Error> {
    let stored = if context.is_some() {
        value
    } else {
        ruby.qnil().as_value()
    };
    ruby.thread_current().local_aset(*KEY, stored)?;
    Ok(stored)
}

fn converter(ruby: &Ruby) -> Converter<'_> {
    Converter::new(ruby, settings::current().settings.limits)
}

/// A Ruby hash as a JSON object; anything else as an empty one.
fn json_object(ruby: &Ruby, value: Value) -> Object {
    let data = converter(ruby).convert(value);
    match Json::from(&data) {
        Json::Object(object) => object,
        _ => Object::new(),
    }
}

fn text(ruby: &Ruby, value: Value) -> Option<Id> {
    if value.is_nil() {
        return None;
    }
    Some(converter(ruby).text(value).as_str().into())
}

pub(super) fn install(ruby: &Ruby, context: Context) -> Result<Value, Error> {
    let value = RubyContext::from(context).into_value_with(ruby);
    ruby.thread_current().local_aset(*KEY, value)?;
    Ok(value)
}

pub(super) fn max_depth() -> u32 {
    settings::current().settings.max_correlation_depth
}

// --- Native functions behind CorrelationManager -------------------------

fn context_current(ruby: &Ruby) -> Value {
    current_value(ruby)
}

fn context_set(ruby: &Ruby, value: Value) -> Result<Value, Error> {
    let context = <Option<&RubyContext>>::try_convert(value).ok().flatten();
    set_current(ruby, context, value)
}

fn start_request_context(
    ruby: &Ruby,
    request_id: Value,
    session_id: Value,
    metadata_value: Value,
    traceparent: Value,
    baggage: Value,
) -> Result<Value, Error> {
    // Without one, a request id of the form HTTP requests get.
    let request_id = text(ruby, request_id).unwrap_or_else(|| crate::ids::request_id().into());
    let context = Context::for_request(
        request_id,
        text(ruby, session_id),
        json_object(ruby, metadata_value),
        text(ruby, traceparent).as_deref(),
        text(ruby, baggage).as_deref(),
    );
    install(ruby, context)
}

fn start_flow_context(
    ruby: &Ruby,
    flow_type: Value,
    entity_id: Value,
    metadata_value: Value,
) -> Result<Value, Error> {
    let flow_type = text(ruby, flow_type).unwrap_or_else(|| "".into());
    let entity_id = text(ruby, entity_id).unwrap_or_else(|| "".into());
    // Converted first: converting may run app code.
    let metadata = json_object(ruby, metadata_value);
    let outer = with_current(ruby, |current| current.inner.clone());
    let context = Context::for_flow(
        &flow_type,
        &entity_id,
        metadata,
        outer.as_ref(),
        max_depth(),
    );
    install(ruby, context)
}

/// A child of `parent` (a Context, or nil for a new root) naming
/// `parent_event_id` (or keeping the parent's when nil). Not made current.
fn derive_context(
    ruby: &Ruby,
    parent: Value,
    parent_event_id: Value,
    metadata_value: Value,
) -> RubyContext {
    let parent_event_id = text(ruby, parent_event_id);
    let metadata = json_object(ruby, metadata_value);
    let inner = match <Option<&RubyContext>>::try_convert(parent).ok().flatten() {
        Some(parent) => parent.inner.child(parent_event_id, metadata, max_depth()),
        None => {
            let mut root = Context::from_object(&Object::new());
            root.parent_event_id = parent_event_id;
            root.metadata = metadata;
            root
        }
    };
    RubyContext::from(inner)
}

/// A context rebuilt from `to_h` / `extract_correlation_data` output, with
/// symbol or string keys (as after a JSON round trip). Not made current.
fn context_from_hash(ruby: &Ruby, hash: RHash) -> RubyContext {
    RubyContext::from(Context::from_object(&json_object(ruby, hash.as_value())))
}

// --- Context readers -----------------------------------------------------

impl RubyContext {
    pub fn correlation(&self) -> Arc<Correlation> {
        self.correlation
            .get_or_init(|| Arc::new(self.inner.correlation()))
            .clone()
    }

    fn correlation_id(&self) -> String {
        self.inner.correlation_id.to_string()
    }
    fn primary_correlation_id(&self) -> String {
        self.inner.primary_correlation_id.to_string()
    }
    fn flow_id(&self) -> String {
        self.inner.flow_id.to_string()
    }
    fn session_id(&self) -> Option<String> {
        self.inner.session_id.as_deref().map(str::to_owned)
    }
    fn request_id(&self) -> Option<String> {
        self.inner.request_id.as_deref().map(str::to_owned)
    }
    fn parent_event_id(&self) -> Option<String> {
        self.inner.parent_event_id.as_deref().map(str::to_owned)
    }
    fn parent_flow_id(&self) -> Option<String> {
        self.inner.parent_flow_id.as_deref().map(str::to_owned)
    }
    fn started_at(ruby: &Ruby, rb_self: &Self) -> Value {
        to_ruby::time(ruby, rb_self.inner.started_at)
    }
    fn metadata(ruby: &Ruby, rb_self: &Self) -> Value {
        to_ruby::value(ruby, &Json::Object(rb_self.inner.metadata.clone()))
    }
    fn depth(&self) -> u32 {
        self.inner.depth
    }
    fn chain(&self) -> Vec<String> {
        self.inner.chain.iter().map(|id| id.to_string()).collect()
    }
    fn trace_id(&self) -> Option<String> {
        self.inner.trace.as_ref().map(|t| t.trace_id.to_string())
    }
    fn span_id(&self) -> Option<String> {
        self.inner.trace.as_ref().map(|t| t.span_id.to_string())
    }
    fn traceparent(&self) -> Option<String> {
        self.inner.traceparent()
    }
    fn baggage(&self) -> Option<String> {
        self.inner.baggage()
    }
    fn to_h(ruby: &Ruby, rb_self: &Self) -> Value {
        to_ruby::value(ruby, &Json::Object(rb_self.inner.to_object()))
    }
    fn inspect(&self) -> String {
        format!(
            "#<EzlogsRubyAgent::CorrelationManager::Context flow_id={:?} correlation_id={:?} depth={}>",
            self.inner.flow_id, self.inner.correlation_id, self.inner.depth
        )
    }
}

pub fn init(ruby: &Ruby, agent: RModule, native: RModule) -> Result<(), Error> {
    let manager = agent.define_class("CorrelationManager", ruby.class_object())?;
    let class = super::define_wrapped_class::<RubyContext>(ruby, manager, "Context")?;
    class.define_method("correlation_id", method!(RubyContext::correlation_id, 0))?;
    class.define_method(
        "primary_correlation_id",
        method!(RubyContext::primary_correlation_id, 0),
    )?;
    class.define_method("flow_id", method!(RubyContext::flow_id, 0))?;
    class.define_method("session_id", method!(RubyContext::session_id, 0))?;
    class.define_method("request_id", method!(RubyContext::request_id, 0))?;
    class.define_method("parent_event_id", method!(RubyContext::parent_event_id, 0))?;
    class.define_method("parent_flow_id", method!(RubyContext::parent_flow_id, 0))?;
    class.define_method("started_at", method!(RubyContext::started_at, 0))?;
    class.define_method("metadata", method!(RubyContext::metadata, 0))?;
    class.define_method("depth", method!(RubyContext::depth, 0))?;
    class.define_method("chain", method!(RubyContext::chain, 0))?;
    class.define_method("trace_id", method!(RubyContext::trace_id, 0))?;
    class.define_method("span_id", method!(RubyContext::span_id, 0))?;
    class.define_method("traceparent", method!(RubyContext::traceparent, 0))?;
    class.define_method("baggage", method!(RubyContext::baggage, 0))?;
    class.define_method("to_h", method!(RubyContext::to_h, 0))?;
    class.define_method("inspect", method!(RubyContext::inspect, 0))?;

    native.define_module_function("context_current", function!(context_current, 0))?;
    native.define_module_function("context_set", function!(context_set, 1))?;
    native.define_module_function("start_request_context", function!(start_request_context, 5))?;
    native.define_module_function("start_flow_context", function!(start_flow_context, 3))?;
    native.define_module_function("derive_context", function!(derive_context, 3))?;
    native.define_module_function("context_from_hash", function!(context_from_hash, 1))?;
    Ok(())
}
