//! ezlogs_ruby_agent's native core. Everything but `ruby_api` is plain Rust,
//! tested by `cargo test` without a Ruby VM.

mod allocator;
pub mod app_metrics;
pub mod capture;
pub mod client_ip;
pub mod correlation;
pub mod data;
pub mod debug_view;
pub mod delivery;
pub mod event;
pub mod fork;
pub mod ids;
pub mod metrics;
pub mod process;
pub mod processor;
pub mod settings;
pub mod stdio;
pub mod sync;
pub mod timestamp;
pub mod truncate;

mod ruby_api;

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

#[magnus::init(name = "ezlogs_ruby_agent")]
fn init(ruby: &magnus::Ruby) -> Result<(), magnus::Error> {
    ruby_api::init(ruby)
}
