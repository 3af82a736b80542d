//! The gem's version is written twice, in `lib/ezlogs_ruby_agent/version.rb`
//! (Ruby's `EzlogsRubyAgent::VERSION`, the gem's) and in this crate's
//! `Cargo.toml` (which the core sends as `platform.agent_version` and in
//! `User-Agent`). This refuses to build when they differ, so the two can
//! never disagree in a built gem.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let ruby_file = Path::new(&manifest).join("../../lib/ezlogs_ruby_agent/version.rb");
    // The crate built on its own, away from the gem: nothing to compare.
    let Ok(text) = std::fs::read_to_string(&ruby_file) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", ruby_file.display());
    let crate_version = env!("CARGO_PKG_VERSION");
    // `VERSION = "0.2.0"`, perhaps with `.freeze` after it.
    let ruby_version = text.lines().find_map(|line| {
        let quoted = line.trim().strip_prefix("VERSION = \"")?;
        quoted.split('"').next()
    });
    match ruby_version {
        Some(version) if version == crate_version => {}
        Some(version) => panic!(
            "lib/ezlogs_ruby_agent/version.rb says {version}, ext/ezlogs_ruby_agent/Cargo.toml says \
             {crate_version}: set both to the same version (then run `cargo update --workspace`)"
        ),
        None => panic!(
            "no `VERSION = \"...\"` line in {}: write the gem's version there",
            ruby_file.display()
        ),
    }
}
