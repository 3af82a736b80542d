//! A small hash's entries, copied to the stack without running Ruby code.
//!
//! Ruby's public `rb_hash_foreach` guards every walk against the hash being
//! changed under it: it raises the hash's iteration level and lowers it in
//! an `rb_ensure`, about 225 instructions a hash more than the unguarded
//! walk on Ruby 3.1 (callgrind: `log_event`, with its three hashes, went
//! from 9,442 instructions to 8,766). A walk that only
//! copies the entries runs no Ruby code, so nothing can change the hash
//! during it, and the guard buys nothing. Ruby exports the unguarded walk
//! for its own extensions, `rb_hash_stlike_foreach` ("does not manage
//! iteration level", hash.c); it is not in the public headers, so it is
//! looked up when the extension loads, and used only on the Ruby versions
//! it was read in. Elsewhere the public walk does the same job.

use std::ffi::c_int;
use std::sync::LazyLock;

use arrayvec::ArrayVec;
use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::{RHash, Value};
use rb_sys::{st_retval, VALUE};

/// Hashes of up to this many entries (nearly all that apps log) are copied
/// whole; larger ones are walked with `RHash::foreach`.
pub const SMALL_HASH: usize = 32;

pub type SmallHashEntries = ArrayVec<(Value, Value), SMALL_HASH>;

type Callback = unsafe extern "C" fn(VALUE, VALUE, VALUE) -> c_int;
/// `int rb_hash_stlike_foreach(VALUE hash, st_foreach_callback_func *func,
/// st_data_t arg)` (internal/hash.h), the callback taking (key, value, arg).
type StlikeForeach = unsafe extern "C" fn(VALUE, Callback, VALUE) -> c_int;

/// The versions the unguarded walk is used on (`RUBY_API_VERSION_CODE`):
/// 3.1, the oldest the gem supports, to 4.0, whose sources were read with
/// the signature above (Ruby's own `set.c` calls it so).
const STLIKE_FOREACH_READ: std::ops::Range<u32> = 30100..40100;

static STLIKE_FOREACH: LazyLock<Option<StlikeForeach>> = LazyLock::new(|| {
    if !STLIKE_FOREACH_READ.contains(&rb_sys::RUBY_API_VERSION_CODE) {
        return None;
    }
    // SAFETY: dlsym with a NUL-terminated name; RTLD_DEFAULT searches the
    // process's global symbols, where libruby's (or a static ruby's
    // exported) symbols are.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"rb_hash_stlike_foreach".as_ptr()) };
    // SAFETY: the symbol, when present, is the function of the signature
    // above on the versions `STLIKE_FOREACH_READ` allows.
    (!found.is_null())
        .then(|| unsafe { std::mem::transmute::<*mut libc::c_void, StlikeForeach>(found) })
});

/// Looks up the unguarded walk now (at load), so that no event waits on it.
pub fn init() {
    LazyLock::force(&STLIKE_FOREACH);
}

/// Copies up to `SMALL_HASH` of `hash`'s entries into `entries`, in order.
/// Converting them afterwards may run app code (`as_json`) that changes the
/// hash; the copies stay valid because Ruby's garbage collector scans the
/// machine stack, where they are.
pub fn copy_small(hash: RHash, entries: &mut SmallHashEntries) {
    unsafe extern "C" fn copy(key: VALUE, value: VALUE, entries: VALUE) -> c_int {
        // SAFETY: `entries` is the pointer passed below, to a vector that
        // outlives the walk; `key` and `value` are live Ruby values.
        let (entries, key, value) = unsafe {
            (
                &mut *(entries as *mut SmallHashEntries),
                Value::from_raw(key),
                Value::from_raw(value),
            )
        };
        match entries.try_push((key, value)) {
            Ok(()) => st_retval::ST_CONTINUE as c_int,
            Err(_) => st_retval::ST_STOP as c_int,
        }
    }
    let arg = entries as *mut SmallHashEntries as VALUE;
    match *STLIKE_FOREACH {
        // SAFETY: a live Hash, with the GVL held; `copy` runs no Ruby code
        // and cannot raise (so the hash cannot change during the walk, and
        // no level needs restoring), and only writes into `entries`, which
        // outlives the call.
        Some(walk) => unsafe {
            walk(hash.as_raw(), copy, arg);
        },
        // SAFETY: as above. (Ruby could raise NoMemoryError here if the app
        // had 127 walks of this very hash in progress, where it starts
        // keeping the level in an instance variable.)
        None => unsafe {
            rb_sys::rb_hash_foreach(hash.as_raw(), Some(copy), arg);
        },
    }
}
