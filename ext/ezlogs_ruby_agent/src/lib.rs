//! ezlogs_ruby_agent's native core. Everything but `ruby_api` is plain Rust,
//! tested by `cargo test` without a Ruby VM.

pub mod capture;
pub mod correlation;
pub mod delivery;
pub mod event;
pub mod ids;
pub mod metrics;
pub mod settings;
pub mod timestamp;
pub mod truncate;

mod ruby_api;

#[magnus::init(name = "ezlogs_ruby_agent")]
fn init(ruby: &magnus::Ruby) -> Result<(), magnus::Error> {
    ruby_api::init(ruby)
}
