//! Names of static symbols, remembered. Hash keys are nearly always static
//! symbols (`type:`, `id:`): finding one's name here costs a few
//! instructions, where asking Ruby for it, measuring it and checking its
//! UTF-8 costs about two hundred.
//!
//! Ruby never frees a static symbol, so its value names the same symbol for
//! the life of the process, and its name can be kept as a `&'static str`.
//! Each name is stored once per process (at most `MAX_NAMES` of them, each
//! at most `MAX_NAME_BYTES`, so the memory stays bounded even in an app that
//! keeps making symbols); each thread keeps a small table of the ones it
//! used last. Dynamic symbols (`"x".to_sym`) can be freed and are not
//! remembered.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use magnus::rb_sys::AsRawValue;
use magnus::Symbol;

use crate::sync::lock;

const MAX_NAMES: usize = 10_000;
const MAX_NAME_BYTES: usize = 256;
const SLOTS: usize = 256;

/// Every name remembered, by the symbol's value. Never held while Ruby
/// runs, and only taken with the GVL held, so a fork (which holds the GVL)
/// never finds it locked.
static NAMES: LazyLock<Mutex<HashMap<u64, &'static str>>> = LazyLock::new(Default::default);

type Recent = [Cell<(u64, &'static str)>; SLOTS];

thread_local! {
    /// Direct-mapped: a symbol goes to one slot and replaces what was there.
    /// Boxed: with the table inline, loading the library failed ("cannot
    /// allocate memory in static TLS block").
    static RECENT: Box<Recent> = Box::new([const { Cell::new((0, "")) }; SLOTS]);
}

/// The name of a static symbol; None for a dynamic symbol, a name that is
/// not UTF-8 or longer than `MAX_NAME_BYTES`, or once `MAX_NAMES` names are
/// remembered: the caller then asks Ruby.
#[inline]
pub fn name(symbol: Symbol) -> Option<&'static str> {
    let raw = symbol.as_raw();
    if !rb_sys::STATIC_SYM_P(raw) {
        return None;
    }
    let slot = slot_of(raw);
    let recent = RECENT.try_with(|recent| recent[slot].get()).ok();
    if let Some((_, name)) = recent.filter(|(seen, _)| *seen == raw) {
        return Some(name);
    }
    let name = remembered(symbol, raw)?;
    let _ = RECENT.try_with(|recent| recent[slot].set((raw, name)));
    Some(name)
}

fn remembered(symbol: Symbol, raw: u64) -> Option<&'static str> {
    {
        let names = lock(&NAMES);
        if let Some(name) = names.get(&raw) {
            return Some(name);
        }
        if names.len() >= MAX_NAMES {
            return None;
        }
    }
    // Asked outside the lock: no lock of ours is held while Ruby runs.
    let name = symbol.name().ok()?;
    if name.len() > MAX_NAME_BYTES {
        return None;
    }
    let name: &'static str = lock(&NAMES)
        .entry(raw)
        .or_insert_with(|| Box::leak(name.into_owned().into_boxed_str()));
    Some(name)
}

/// A static symbol's value is its id shifted left by 8 above a type tag;
/// the id's low 4 bits are flags and the bits above a serial number handed
/// out in sequence, which spreads symbols evenly over the slots.
fn slot_of(raw: u64) -> usize {
    ((raw >> 12) as usize) % SLOTS
}
