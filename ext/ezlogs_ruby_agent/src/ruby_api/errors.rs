//! Raising the gem's exception classes, which are declared once, in Ruby
//! (`lib/ezlogs_ruby_agent/errors.rb`), before this library loads.

use magnus::{prelude::*, Error, ExceptionClass, Ruby};

fn class(ruby: &Ruby, name: &str) -> ExceptionClass {
    ruby.define_module("EzlogsRubyAgent")
        .and_then(|agent| agent.const_get::<_, ExceptionClass>(name))
        .unwrap_or_else(|_| ruby.exception_arg_error())
}

pub fn invalid_event(ruby: &Ruby, message: String) -> Error {
    Error::new(class(ruby, "InvalidEventError"), message)
}

pub fn configuration(ruby: &Ruby, message: String) -> Error {
    Error::new(class(ruby, "ConfigurationError"), message)
}
