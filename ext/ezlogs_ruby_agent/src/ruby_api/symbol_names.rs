//! Names of static symbols, remembered. Hash keys are nearly always static
//! symbols (`type:`, `id:`): finding one's name here costs a few
//! instructions, where asking Ruby for it, measuring it and checking its
//! UTF-8 costs about two hundred.
//!
//! Ruby never frees a static symbol, so its value names the same symbol for
//! the life of the process, and its name can be kept for good.
//! Each name is stored once per process (at most `MAX_NAMES` of them, each
//! at most `MAX_NAME_BYTES`, so the memory stays bounded even in an app that
//! keeps making symbols), and a small table shared by all threads points to
//! the ones used last: one atomic load finds a name there, where a
//! thread-local table cost a call to `__tls_get_addr` and a state check
//! (about 75 instructions a key, callgrind). Dynamic symbols (`"x".to_sym`)
//! can be freed and are not remembered.

use std::collections::HashMap;
use std::ptr;
use std::sync::atomic::AtomicPtr;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::{LazyLock, Mutex};

use magnus::rb_sys::AsRawValue;
use magnus::Symbol;

use crate::data::Text;
use crate::sync::lock;

const MAX_NAMES: usize = 10_000;
const MAX_NAME_BYTES: usize = 256;
const SLOTS: usize = 256;
/// The longest text `Text` stores inline.
const INLINE_BYTES: usize = std::mem::size_of::<Text>();

/// A remembered name and the symbol it belongs to. Made once per name and
/// never freed (leaked), so a reference to it is valid for the process's life.
struct Entry {
    symbol: u64,
    /// A clone never allocates: a short name is stored inline and copied
    /// as 24 bytes, a long one as a reference to a leaked `str`.
    name: Text,
}

/// Every name remembered, by the symbol's value. Never held while Ruby
/// runs, and only taken with the GVL held, so a fork (which holds the GVL)
/// never finds it locked.
static NAMES: LazyLock<Mutex<HashMap<u64, &'static Entry>>> = LazyLock::new(Default::default);

/// Direct-mapped: a symbol goes to one slot and replaces what was there.
/// Null, or an `Entry` from `NAMES`.
static RECENT: [AtomicPtr<Entry>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

/// The name of a static symbol; None for a dynamic symbol, a name that is
/// not UTF-8 or longer than `MAX_NAME_BYTES`, or once `MAX_NAMES` names are
/// remembered: the caller then asks Ruby.
#[inline]
pub fn name(symbol: Symbol) -> Option<&'static Text> {
    let raw = symbol.as_raw();
    if !rb_sys::STATIC_SYM_P(raw) {
        return None;
    }
    let slot = &RECENT[slot_of(raw)];
    // SAFETY: a slot holds null or a pointer made from a `&'static Entry`
    // (leaked, never freed, never written after it was made), published
    // with Release and read with Acquire.
    if let Some(entry) = unsafe { slot.load(Acquire).as_ref() } {
        if entry.symbol == raw {
            return Some(&entry.name);
        }
    }
    let entry = remembered(symbol, raw)?;
    slot.store(ptr::from_ref(entry).cast_mut(), Release);
    Some(&entry.name)
}

fn remembered(symbol: Symbol, raw: u64) -> Option<&'static Entry> {
    {
        let names = lock(&NAMES);
        if let Some(entry) = names.get(&raw) {
            return Some(entry);
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
    let entry: &'static Entry = lock(&NAMES).entry(raw).or_insert_with(|| {
        let name = if name.len() <= INLINE_BYTES {
            Text::from(&*name)
        } else {
            Text::const_new(Box::leak(name.into_owned().into_boxed_str()))
        };
        Box::leak(Box::new(Entry { symbol: raw, name }))
    });
    Some(entry)
}

/// A static symbol's value is its id shifted left by 8 above a type tag;
/// the id's low 4 bits are flags and the bits above a serial number handed
/// out in sequence, which spreads symbols evenly over the slots.
fn slot_of(raw: u64) -> usize {
    ((raw >> 12) as usize) % SLOTS
}
