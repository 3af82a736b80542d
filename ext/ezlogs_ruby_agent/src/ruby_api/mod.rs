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
mod hash_entries;
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
    hash_entries::init();
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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    /// The sources under `dir`, read.
    fn sources(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                found.extend(sources(&path));
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(fs::read_to_string(path).unwrap());
            }
        }
        found
    }

    /// A wrapped type added later must go through `define_wrapped_class`
    /// too, or its first use from two threads can hang the process again.
    #[test]
    fn every_wrapped_class_is_looked_up_when_the_extension_loads() {
        let sources = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        let attribute = ["#[magnus", "::wrap("].concat(); // not found in this test itself
        let wrapped: Vec<&str> = sources
            .iter()
            .flat_map(|source| source.split(attribute.as_str()).skip(1))
            .map(|after| {
                let name = after.split("pub struct ").nth(1).unwrap_or("");
                name.split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or("")
            })
            .collect();
        assert!(wrapped.len() >= 3, "wrapped types found: {wrapped:?}");
        for name in wrapped {
            let call = format!("define_wrapped_class::<{name}>");
            assert!(
                sources.iter().any(|source| source.contains(&call)),
                "{name} is a #[magnus::wrap] type whose class is not defined through define_wrapped_class"
            );
        }
    }
}
