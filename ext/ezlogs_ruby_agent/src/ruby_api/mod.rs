//! The only place that speaks Ruby: one file per Ruby-facing class or
//! module, plus conversion both ways and FFI helpers.

/// Ruby strings (Rack env keys, header names) interned once, each a
/// `Lazy<RString>`: a lookup with a new string would allocate.
macro_rules! interned {
    ($($vis:vis $name:ident = $text:literal;)*) => {
        $($vis static $name: magnus::value::Lazy<magnus::RString> =
            magnus::value::Lazy::new(|ruby| ruby.str_new($text).to_interned_str());)*
    };
}

mod agent;
mod context;
mod convert;
mod errors;
mod event_builder;
mod flush;
mod helpers;
mod http_request;
mod instants;
mod request_event;
mod symbol_names;
mod to_ruby;
mod universal_event;

use magnus::{Error, Module, RClass, Ruby, TypedData};

pub fn init(ruby: &Ruby) -> Result<(), Error> {
    crate::fork::install();
    crate::delivery::exit::install();
    let agent = ruby.define_module("EzlogsRubyAgent")?;
    let native = agent.define_module("Native")?;
    // The wrapped classes first (see `define_wrapped_class`): no function
    // that makes their objects exists before they are looked up.
    context::init(ruby, agent, native)?;
    http_request::init(ruby, native)?;
    universal_event::init(ruby, agent)?;
    agent::init(native)?;
    flush::init(native)?;
    Ok(())
}

/// Defines the class `name` under `owner` for `T`, and has magnus look it
/// up at once (which also takes away its allocator: only the native code
/// makes a `T`). magnus finds a wrapped class on first use, by calling Ruby's
/// `const_get` inside a `OnceLock`'s initialiser. A Ruby call may hand the
/// GVL to another thread; if that thread then makes its first `T`, it waits
/// on the lock while holding the GVL, which the first thread needs back,
/// and the process hangs for good (seen in Puma cluster workers' first
/// concurrent requests). Looked up here, while the extension loads and
/// before any method that makes a `T` is defined, the lock is never waited
/// on.
fn define_wrapped_class<T: TypedData>(
    ruby: &Ruby,
    owner: impl Module,
    name: &str,
) -> Result<RClass, Error> {
    let class = owner.define_class(name, ruby.class_object())?;
    T::class(ruby);
    Ok(class)
}
