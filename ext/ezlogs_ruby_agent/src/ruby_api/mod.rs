//! The only place that speaks Ruby: one file per Ruby-facing class or
//! module, plus conversion both ways and FFI helpers.

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
