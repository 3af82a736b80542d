//! Names of static symbols, remembered. Hash keys are nearly always static
//! symbols (`type:`, `id:`): finding one's name here costs a few
//! instructions, where asking Ruby for it, measuring it and checking its
//! UTF-8 costs about two hundred.
//!
//! Ruby never frees a static symbol, so its value names the same symbol for
//! the life of the process, and its name can be kept as a `&'static str`.
//! Each name is stored once per process (at most `MAX_NAMES` of them, so
//! the memory stays bounded even in an app that keeps making symbols);
//! each thread keeps a small table of the ones it used last. Dynamic
//! symbols (`"x".to_sym`) can be freed and are not remembered.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use magnus::rb_sys::AsRawValue;
use magnus::Symbol;

use crate::sync::lock;

const MAX_NAMES: usize = 10_000;
const SLOTS: usize = 256;

/// Every name remembered, by the symbol's value. Only touched with the GVL
/// held, so a fork (which holds it too) never finds it locked.
static NAMES: LazyLock<Mutex<HashMap<u64, &'static str>>> = LazyLock::new(Default::default);

type Recent = [Cell<(u64, &'static str)>; SLOTS];

thread_local! {
    /// Direct-mapped: a symbol goes to one slot and replaces what was there.
    /// Boxed: a loaded library's thread-locals must stay small (the static
    /// TLS block has little room left once Ruby is running).
    static RECENT: Box<Recent> = Box::new([const { Cell::new((0, "")) }; SLOTS]);
}

/// The name of a static symbol; None for a dynamic symbol, a name that is
/// not UTF-8, or once `MAX_NAMES` names are remembered.
pub fn name(symbol: Symbol) -> Option<&'static str> {
    let raw = symbol.as_raw();
    if !rb_sys::STATIC_SYM_P(raw) {
        return None;
    }
    let slot = slot_of(raw);
    let (seen, name) = RECENT.with(|recent| recent[slot].get());
    if seen == raw {
        return Some(name);
    }
    let name = remembered(symbol, raw)?;
    RECENT.with(|recent| recent[slot].set((raw, name)));
    Some(name)
}

fn remembered(symbol: Symbol, raw: u64) -> Option<&'static str> {
    if let Some(name) = lock(&NAMES).get(&raw) {
        return Some(name);
    }
    // Asked outside the lock: no lock of ours is held while Ruby runs.
    let name = symbol.name().ok()?.into_owned();
    let mut names = lock(&NAMES);
    if names.len() >= MAX_NAMES {
        return None;
    }
    Some(
        names
            .entry(raw)
            .or_insert_with(|| Box::leak(name.into_boxed_str())),
    )
}

/// A static symbol's value is its id shifted left above a type tag in the
/// low byte; ids are handed out in sequence, so the bits above spread well.
fn slot_of(raw: u64) -> usize {
    ((raw >> 8) as usize) % SLOTS
}
