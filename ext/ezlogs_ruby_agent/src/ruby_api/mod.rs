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

use magnus::{prelude::*, Error, Ruby};

pub fn init(ruby: &Ruby) -> Result<(), Error> {
    crate::fork::install();
    crate::delivery::exit::install();
    let agent = ruby.define_module("EzlogsRubyAgent")?;
    let native = agent.define_module("Native")?;
    agent::init(native)?;
    flush::init(native)?;
    context::init(ruby, agent, native)?;
    http_request::init(ruby, native)?;
    universal_event::init(ruby, agent)?;
    Ok(())
}
