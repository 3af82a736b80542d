//! FFI plumbing that magnus does not wrap: releasing the GVL, making a
//! String of the core's ASCII text, reading a thread's object id, and
//! reading several entries of a hash at once, by key or by a name in any
//! case.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use magnus::r_hash::ForEach;
use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::value::ReprValue;
use magnus::{Error, Exception, Integer, Module, RHash, RModule, RString, Ruby, Value};

/// How often `without_gvl` lets Ruby run this thread's interrupts before
/// it gives up releasing the GVL.
const INTERRUPT_ROUNDS: u32 = 100;

/// Runs `work` with the GVL released, so other Ruby threads run while it
/// waits. `work` must not touch any Ruby object. Returns None if it
/// panicked; Err when this thread has an interrupt to handle (Ctrl-C,
/// `Thread#raise`, `Timeout`) that raises: it is raised from here, as a
/// Ruby exception, rather than by a jump over Rust frames.
pub fn without_gvl<F: FnOnce() -> R, R>(ruby: &Ruby, work: F) -> Result<Option<R>, Error> {
    struct Call<F, R> {
        work: Option<F>,
        result: Option<R>,
    }

    extern "C" fn trampoline<F: FnOnce() -> R, R>(data: *mut c_void) -> *mut c_void {
        // SAFETY: `data` is the `Call` below, alive and exclusively ours for
        // the duration of `rb_thread_call_without_gvl2`.
        let call = unsafe { &mut *(data as *mut Call<F, R>) };
        if let Some(work) = call.work.take() {
            call.result = catch_unwind(AssertUnwindSafe(work)).ok();
        }
        std::ptr::null_mut()
    }

    let mut call = Call {
        work: Some(work),
        result: None,
    };
    for _ in 0..INTERRUPT_ROUNDS {
        // SAFETY: the trampoline only runs `work`, which by contract does
        // not touch Ruby, and catches any panic so none unwinds into Ruby's
        // frames. Unlike `rb_thread_call_without_gvl`, the `2` variant never
        // raises (a raise would longjmp over these Rust frames): with an
        // interrupt pending it returns without calling the trampoline, and
        // `work` is still in `call`. No unblocking function is given: every
        // caller's work is short (a 50 ms slice of a wait, taking a lock, a
        // flush bounded by its timeout).
        unsafe {
            rb_sys::rb_thread_call_without_gvl2(
                Some(trampoline::<F, R>),
                &mut call as *mut Call<F, R> as *mut c_void,
                None,
                std::ptr::null_mut(),
            );
        }
        if call.work.is_none() {
            return Ok(call.result);
        }
        // Runs the pending interrupts, raising as a Ruby exception if one
        // does (a trap that does not raise lets the work run after all).
        ruby.thread_check_ints()?;
    }
    // An interrupt Ruby keeps flagging but does not run now (it does not
    // while this thread is raising one already): the work runs holding the
    // GVL rather than never. It is short, and touches no Ruby object.
    Ok(call
        .work
        .take()
        .and_then(|work| catch_unwind(AssertUnwindSafe(work)).ok()))
}

/// A UTF-8 String of `ascii`, text the core made (an event or request id).
/// Made as bytes, then marked UTF-8 and 7-bit as Ruby's inline
/// `RB_ENCODING_SET_INLINED` and `RB_ENC_CODERANGE_SET` do: Ruby's own
/// calls for a UTF-8 or US-ASCII String (`rb_utf8_str_new`,
/// `rb_usascii_str_new`) set the encoding through a function that checks
/// the String again, about half its cost (callgrind, Ruby 3.1).
pub fn ascii_string(_ruby: &Ruby, ascii: &str) -> RString {
    debug_assert!(ascii.is_ascii());
    use rb_sys::ruby_coderange_type::RUBY_ENC_CODERANGE_7BIT;
    use rb_sys::ruby_encoding_consts::{RUBY_ENCODING_MASK, RUBY_ENCODING_SHIFT};
    // SAFETY: the GVL is held (`Ruby` is only had on a Ruby thread); the
    // pointer and length are `ascii`'s, copied by Ruby. The new String is
    // ours alone, not frozen or shared, with no encoding (index 0) and its
    // coderange unknown: its encoding index lives in its flags (UTF-8's
    // index is below `ENCODING_INLINE_MAX`), and 7-bit text is valid UTF-8.
    unsafe {
        let string = rb_sys::rb_str_new(ascii.as_ptr().cast(), ascii.len() as _);
        let basic = string as *mut rb_sys::RBasic;
        let utf8 = rb_sys::rb_utf8_encindex() as rb_sys::VALUE;
        (*basic).flags = ((*basic).flags & !(RUBY_ENCODING_MASK as rb_sys::VALUE))
            | (utf8 << RUBY_ENCODING_SHIFT as u32)
            | RUBY_ENC_CODERANGE_7BIT as rb_sys::VALUE;
        RString::from_value(Value::from_raw(string)).unwrap_unchecked()
    }
}

/// Whether `error`, raised in app code the core ran to read a value (its
/// `as_json`, `to_s`, `iso8601`), is that code's own failure: a
/// StandardError, or a ScriptError, SystemStackError or NoMemoryError it
/// ran into. The value is then shown in another way. Anything else was not
/// the value's doing but the thread's, and must reach the app as it came:
/// a `throw`, `Thread#kill`, `Timeout.timeout` running out (a `throw` on
/// Ruby 3.1's timeout, an exception that is no StandardError on later
/// ones), an Interrupt or another signal, `exit`.
fn value_failure(ruby: &Ruby, error: &Error) -> bool {
    [
        ruby.exception_standard_error(),
        ruby.exception_script_error(),
        ruby.exception_sys_stack_error(),
        ruby.exception_no_mem_error(),
    ]
    .into_iter()
    .any(|class| error.is_kind_of(class))
}

/// The `result` of app code the core ran to read a value: Some of what it
/// gave; None when it failed (`value_failure`); Err with anything else,
/// which interrupted the thread.
pub fn unless_failed<T>(ruby: &Ruby, result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if value_failure(ruby, &error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Whether `exception` interrupted the thread rather than failed
/// (`unless_failed`): an Interrupt or another signal, `exit`, a timeout,
/// Sidekiq's shutdown. (`Native.interruption?`, for the trackers.)
pub fn is_interruption(ruby: &Ruby, exception: Exception) -> bool {
    !value_failure(ruby, &Error::from(exception))
}

/// `Thread.current.object_id`, the id Ruby code sees for this thread.
pub fn current_thread_id(ruby: &Ruby) -> u64 {
    let thread = ruby.thread_current();
    // SAFETY: called with the GVL held on a live Thread object; rb_obj_id
    // returns an Integer VALUE and does not raise for threads.
    let id = unsafe { rb_sys::rb_obj_id(thread.as_value().as_raw()) };
    // SAFETY: `id` is the VALUE Ruby just returned.
    let id = unsafe { Value::from_raw(id) };
    Integer::from_value(id)
        .and_then(|i| i.to_u64().ok())
        .unwrap_or(0)
}

/// The agent's Ruby module at `path` under EzlogsRubyAgent
/// (`["CallbacksTracker", "RecordJson"]`), for a call into its Ruby side.
pub fn agent_module(ruby: &Ruby, path: &[&str]) -> Result<RModule, Error> {
    let agent: RModule = ruby.class_object().const_get("EzlogsRubyAgent")?;
    path.iter()
        .try_fold(agent, |module, name| module.const_get(*name))
}

/// The values of `keys` in `hash`, None for a key it lacks or holds nil;
/// all None when `hash` is None, or when looking a key up raised (a key's
/// own `eql?` can). magnus's `RHash::get` protects each lookup against
/// that on its own, at some 300 instructions a time, and an
/// `http.request` event reads a few dozen entries: here one rb_protect
/// covers `N`.
pub fn hash_values<const N: usize>(hash: Option<RHash>, keys: [Value; N]) -> [Option<Value>; N] {
    let mut found = [None; N];
    let Some(hash) = hash else {
        return found;
    };
    let (undef, nil) = (
        rb_sys::Qundef as rb_sys::VALUE,
        rb_sys::Qnil as rb_sys::VALUE,
    );
    let read = magnus::rb_sys::protect(|| {
        for (slot, key) in found.iter_mut().zip(keys) {
            // SAFETY: called with the GVL held (magnus gives `hash` and the
            // keys only to Ruby threads), on a live Hash and live keys that
            // this stack holds. rb_hash_lookup2 runs no default proc; what
            // a key's `hash` or `eql?` raises, protect catches, and the jump
            // skips no destructor that does anything: the slots and the
            // iterators hold only Copy values.
            let raw = unsafe { rb_sys::rb_hash_lookup2(hash.as_raw(), key.as_raw(), undef) };
            // SAFETY: `raw` is a VALUE Ruby just returned, not Qundef.
            *slot = (raw != undef && raw != nil).then(|| unsafe { Value::from_raw(raw) });
        }
        nil
    });
    match read {
        Ok(_) => found,
        Err(_) => [None; N],
    }
}

/// The values of the String keys that match `names` in any ASCII case
/// (HTTP header names), None for a name `hash` lacks or holds nil; the
/// first match wins. One walk over a few headers costs less than a lookup
/// per spelling (Ruby hashes a String key again at every lookup), and
/// finds a name however the app wrote it; a Hash subclass (Rack 3's
/// Headers, Rack 2's HeaderHash) keeps its names as entries too.
pub fn header_values<const N: usize>(hash: RHash, names: [&[u8]; N]) -> [Option<Value>; N] {
    let mut found = [None; N];
    let _ = hash.foreach(|key: Value, value: Value| {
        if let Some(key) = RString::from_value(key) {
            // SAFETY: the bytes are compared before any Ruby code runs, so
            // the key can be neither changed nor collected (the hash holds
            // it) while the slice is read.
            let key = unsafe { key.as_slice() };
            if let Some(at) = names.iter().position(|name| key.eq_ignore_ascii_case(name)) {
                if found[at].is_none() && !value.is_nil() {
                    found[at] = Some(value);
                }
            }
        }
        Ok(if found.iter().all(Option::is_some) {
            ForEach::Stop
        } else {
            ForEach::Continue
        })
    });
    found
}
