//! `EzlogsRubyAgent::Native::HttpRequest`: what `HttpTracker` keeps of a
//! request from its start to its `http.request` event. Starting it and
//! recording its event are one native call each, so that a tracked request
//! pays for two crossings rather than a dozen (issue 15: the tracker's own
//! Ruby was most of its cost).

use std::cell::Cell;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use magnus::{function, method, prelude::*, Error, RHash, RModule, RString, Ruby, Value};
use regex::bytes::Regex;

use super::agent::dispatch_built;
use super::context;
use super::convert::Converter;
use super::event_builder::{self, Overrides};
use super::helpers::{self, hash_values, header_values};
use super::request_event::{self, text, text_of, Started, REQUEST_METHOD};
use crate::correlation::context::{Context, Object};
use crate::data::{self, Data, Text};
use crate::event::EventInput;
use crate::{debug_view, ids, settings, timestamp};

interned! {
    REQUEST_ID = "HTTP_X_REQUEST_ID";
    TRACEPARENT = "HTTP_TRACEPARENT";
    BAGGAGE = "HTTP_BAGGAGE";
    PATH_INFO = "PATH_INFO";
    // The response header's spellings: Rails' RequestId writes the second
    // (Rails 6.1) or the third (Rack 3).
    X_REQUEST_ID = "X-Request-Id";
    X_REQUEST_ID_RAILS = "X-Request-ID";
    X_REQUEST_ID_LOWER = "x-request-id";
}

/// Paths no request is tracked on: health checks and the asset
/// pipelines' folders are noise, not user journeys. (An app excludes more
/// with `config.excluded_resources`, which HttpTracker applies.)
static EXCLUDED_PATHS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)\A/(?:(?:health|healthz|healthcheck|up|ping|livez|readyz)(?:\z|[/.])|(?:assets|packs|vite)/)",
    )
    .expect("the excluded paths are a valid regex")
});

/// Paths of static files: a request for one is recorded only when the
/// app's routes answered it (ActiveStorage, an image an action draws), not
/// when a file in public/ was served or a missing one answered 404.
static STATIC_FILES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)\.(?:css|js|map|ico|png|jpe?g|gif|svg|webp|woff2?|ttf|eot)\z")
        .expect("the static file paths are a valid regex")
});

/// Rails' limit for an X-Request-Id (ActionDispatch::RequestId).
const MAX_REQUEST_ID: usize = 255;

#[magnus::wrap(class = "EzlogsRubyAgent::Native::HttpRequest", free_immediately, size)]
pub struct HttpRequest {
    /// The context the request started. Its event belongs to it, while the
    /// app's work runs in a child context that names the event as parent.
    /// Taken when the event is recorded (its memory is used then, rather
    /// than cold when Ruby's GC frees this object), so that a request
    /// records one event.
    context: Cell<Option<Context>>,
    started_as: Started,
    event_id: Text,
    request_id: String,
    /// The path is a static file's (STATIC_FILES).
    static_file: bool,
    started_at: SystemTime,
    started: Instant,
    /// When the request ended and how long it took, once `end` was called.
    stopped: OnceLock<(SystemTime, Duration)>,
}

impl HttpRequest {
    /// The request is over: its timing ends now, not when its event is
    /// recorded after the agent has read its details. Later calls keep the
    /// first end, which they return.
    fn end(&self) -> (SystemTime, Duration) {
        *self
            .stopped
            .get_or_init(|| (SystemTime::now(), self.started.elapsed()))
    }

    /// `stop`, for Ruby.
    fn stop(&self) {
        self.end();
    }

    /// Writes the request id into the response `headers` as `name`, unless
    /// they are frozen or the app (Rails' RequestId) wrote one already, in
    /// any case. A Hash subclass (Rack 3's Headers, Rack 2's HeaderHash)
    /// is written through its own `[]=`, and another class is asked
    /// through its own `key?` and `[]=`. Raises what those raise.
    fn expose_request_id(
        ruby: &Ruby,
        rb_self: &Self,
        headers: Value,
        name: RString,
    ) -> Result<(), Error> {
        if headers.is_frozen() {
            return Ok(());
        }
        let id = || ruby.str_new(&rb_self.request_id);
        match RHash::from_value(headers) {
            Some(hash) if header_values(hash, [b"x-request-id"])[0].is_some() => Ok(()),
            Some(hash) if hash.class().equal(ruby.class_hash())? => hash.aset(name, id()),
            Some(_) => headers
                .funcall::<_, _, Value>("[]=", (name, id()))
                .map(drop),
            None => {
                for spelling in [&X_REQUEST_ID, &X_REQUEST_ID_RAILS, &X_REQUEST_ID_LOWER] {
                    if headers.funcall::<_, _, bool>("key?", (ruby.get_inner(spelling),))? {
                        return Ok(());
                    }
                }
                headers
                    .funcall::<_, _, Value>("[]=", (name, id()))
                    .map(drop)
            }
        }
    }

    /// Whether the request came in as a POST to a path ending in
    /// `/graphql` (any case): HttpTracker reads its GraphQL operations.
    fn graphql_post(&self) -> bool {
        const SUFFIX: &[u8] = b"/graphql";
        let path = text_of(&self.started_as.path).as_bytes();
        text_of(&self.started_as.method) == "POST"
            && path.len() >= SUFFIX.len()
            && path[path.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX)
    }

    /// The request's path as it came in, which the event shows: PATH_INFO
    /// before the router moved a mount's prefix to SCRIPT_NAME and an
    /// error page rewrote it. RequestDetails masks filtered route values
    /// in it.
    fn started_path(&self) -> String {
        text_of(&self.started_as.path).to_owned()
    }

    /// `{started_at:, completed_at:, duration_ms:}`, as `Tracking.timing`
    /// writes it for the other trackers, and the duration alone.
    fn timing(&self) -> (Data, f64) {
        let (completed_at, duration) = self.end();
        let duration_ms = (duration.as_secs_f64() * 1e6).round() / 1e3;
        let at = |time| timestamp::format(time).map_or(Data::Null, Data::text);
        let mut timing = data::Object::with_capacity(3);
        timing.push("started_at", at(self.started_at));
        timing.push("completed_at", at(completed_at));
        timing.push("duration_ms", Data::Float(duration_ms));
        (Data::Map(timing), duration_ms)
    }
}

/// The request id Rails' RequestId middleware will use: the incoming
/// X-Request-Id bytes without those other than ASCII word characters, '-'
/// and '@' (Ruby's `\w` is ASCII-only, so a multibyte character or a stray
/// byte goes, whatever the string's encoding), cut to 255; None when
/// nothing is left.
fn usable_request_id(incoming: &[u8]) -> Option<String> {
    let id: String = incoming
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'@'))
        .take(MAX_REQUEST_ID)
        .map(|&b| char::from(b))
        .collect();
    (!id.is_empty()).then_some(id)
}

/// The incoming X-Request-Id made usable; None when absent, not a String,
/// or nothing is left.
fn incoming_request_id(value: Option<Value>) -> Option<String> {
    let value = RString::from_value(value?)?;
    // SAFETY: the bytes are copied out before any Ruby code runs, so the
    // string can be neither changed nor collected (the env holds it, and
    // `value` is on this stack) while the slice is read.
    usable_request_id(unsafe { value.as_slice() })
}

/// Whether the request's PATH_INFO matches `paths`.
fn path_matches(path: Option<Value>, paths: &Regex) -> bool {
    path.and_then(RString::from_value).is_some_and(|path| {
        // SAFETY: the bytes are matched before any Ruby code runs, so the
        // string can be neither changed nor collected (the env holds it,
        // and `path` is on this stack) while the slice is read.
        paths.is_match(unsafe { path.as_slice() })
    })
}

/// Starts a request read from its Rack `env`, unless its path is a health
/// check or in an asset folder (EXCLUDED_PATHS: then nil, and nothing is
/// changed): its context (in the caller's
/// trace and flow when `traceparent` / `baggage` name them), made current
/// as a child naming the request's event id, chosen now. Uses the incoming
/// X-Request-Id as Rails would, else makes one and writes it into `env`
/// (`HTTP_X_REQUEST_ID`) so that Rails' RequestId and the app use it too.
/// Raises FrozenError when it must write into a frozen env.
fn http_request_start(ruby: &Ruby, env: RHash) -> Result<Option<HttpRequest>, Error> {
    let [path, method, incoming_id, traceparent, baggage] = hash_values(
        Some(env),
        [
            &PATH_INFO,
            &REQUEST_METHOD,
            &REQUEST_ID,
            &TRACEPARENT,
            &BAGGAGE,
        ]
        .map(|key| ruby.get_inner(key).as_value()),
    );
    if path_matches(path, &EXCLUDED_PATHS) {
        return Ok(None);
    }
    let static_file = path_matches(path, &STATIC_FILES);
    let request_id = match incoming_request_id(incoming_id) {
        Some(id) => id,
        None => {
            let id = ids::request_id();
            env.aset(
                ruby.get_inner(&REQUEST_ID),
                helpers::ascii_string(ruby, &id),
            )?;
            id
        }
    };
    let context = Context::for_request(
        request_id.as_str().into(),
        None,
        Object::new(),
        text(traceparent).as_deref(),
        text(baggage).as_deref(),
    );
    let mut converter = Converter::new(ruby, settings::current().settings.limits);
    let mut read = |value: Option<Value>| value.map_or(Data::Null, |v| converter.request_text(v));
    let started_as = Started {
        method: read(method),
        path: read(path),
    };
    let event_id = ids::event_id();
    let child = context.child(
        Some(event_id.as_str().into()),
        Object::new(),
        context::max_depth(),
    );
    context::install(ruby, child)?;
    debug_view::opened(&event_id);
    Ok(Some(HttpRequest {
        context: Cell::new(Some(context)),
        started_as,
        event_id,
        request_id,
        static_file,
        started_at: SystemTime::now(),
        started: Instant::now(),
        stopped: OnceLock::new(),
    }))
}

/// Records the request's `http.request` event, timed from its start to
/// `stop` (or now), in the request's context (in the session `session_id`
/// when the app loaded one: a String, or nil). `response`, `bytes_sent`
/// and `details`: see `request_event::read`; the metadata ends with
/// `request_id` and `duration_ms` (milliseconds, three decimals). Returns
/// nil (the tracker has no use for the event's id, and a Ruby String of it
/// costs about 650 instructions), and records nothing when the request's
/// event was recorded already, or when it asked for a static file that
/// the app's routes did not answer; raises InvalidEventError.
#[allow(clippy::too_many_arguments)]
fn record_http_request(
    ruby: &Ruby,
    request: &HttpRequest,
    env: RHash,
    response: Value,
    bytes_sent: Value,
    actor: Value,
    session_id: Option<String>,
    details: Value,
) -> Result<(), Error> {
    let Some(mut context) = request.context.take() else {
        return Ok(());
    };
    if request.static_file && !request_event::routed(ruby, env, details) {
        debug_view::closed(&request.event_id);
        return Ok(());
    }
    let active = settings::current();
    let (timing, duration_ms) = request.timing();
    let mut converter = Converter::new(ruby, active.settings.limits);
    let read = request_event::read(
        ruby,
        &mut converter,
        &active,
        &request.started_as,
        env,
        response,
        bytes_sent,
        details,
    );
    let mut metadata = read.metadata;
    let request_id = converter.made_text(&[&request.request_id]);
    metadata.push("request_id", Data::Text(request_id));
    metadata.push("duration_ms", Data::Float(duration_ms));
    let input = EventInput {
        event_type: Some(Text::const_new("http.request")),
        action: Some(read.action),
        actor: converter.convert(actor),
        subject: read.subject,
        metadata: Some(converter.made_object(metadata)),
        timing: Some(timing),
    };
    if session_id.is_some() {
        context.session_id = session_id.map(Into::into);
    }
    let overrides = Overrides {
        event_id: Some(request.event_id.clone()),
        correlation: Some(Arc::new(context.correlation())),
        ..Overrides::default()
    };
    let built = event_builder::build_from(ruby, &active, input, converter.heap_bytes(), overrides);
    dispatch_built(ruby, &active, Some(request.event_id.clone()), built, |_| ())
}

pub fn init(ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let class = super::define_wrapped_class::<HttpRequest>(ruby, native, "HttpRequest")?;
    class.define_method(
        "expose_request_id",
        method!(HttpRequest::expose_request_id, 2),
    )?;
    class.define_method("stop", method!(HttpRequest::stop, 0))?;
    class.define_method("graphql_post?", method!(HttpRequest::graphql_post, 0))?;
    class.define_method("started_path", method!(HttpRequest::started_path, 0))?;
    native.define_module_function("http_request_start", function!(http_request_start, 1))?;
    native.define_module_function("record_http_request", function!(record_http_request, 7))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{usable_request_id, EXCLUDED_PATHS, STATIC_FILES};

    #[test]
    fn leaves_out_health_checks_and_asset_folders_and_knows_static_files() {
        let left_out = |path: &str| EXCLUDED_PATHS.is_match(path.as_bytes());
        let static_file = |path: &str| STATIC_FILES.is_match(path.as_bytes());
        for path in [
            "/health",
            "/healthz/",
            "/UP",
            "/ping.json",
            "/livez",
            "/assets/app-1f2e.css",
            "/packs/js/app.js",
            "/vite/x",
        ] {
            assert!(left_out(path), "{path} is left out");
        }
        for path in ["/favicon.ico", "/images/logo.PNG", "/fonts/a.woff2"] {
            assert!(
                !left_out(path) && static_file(path),
                "{path} is a static file"
            );
        }
        for path in [
            "/",
            "/users/123",
            "/healthy",
            "/uploads",
            "/pingpong",
            "/api/assets",
            "/upgrade",
            "/report.csv",
            "/users/1.json",
            "/café",
        ] {
            assert!(!left_out(path) && !static_file(path), "{path} is tracked");
        }
        assert!(
            !EXCLUDED_PATHS.is_match(b"/\xff\xfe") && !STATIC_FILES.is_match(b"/\xff\xfe"),
            "bytes that are not UTF-8 are tracked"
        );
    }

    #[test]
    fn request_ids_follow_rails_rule() {
        let usable = |id: &[u8]| usable_request_id(id);
        assert_eq!(usable(b"abc-123@x_y"), Some("abc-123@x_y".into()));
        assert_eq!(usable("a é/b c;d".as_bytes()), Some("abcd".into()));
        assert_eq!(usable(b"req-1\xff"), Some("req-1".into()));
        assert_eq!(usable(b"<>;"), None);
        assert_eq!(usable(b""), None);
        assert_eq!(usable(&[b'x'; 300]).map(|id| id.len()), Some(255));
    }
}
