//! What an `http.request` event says about one request and its response:
//! its action, subject and metadata, read in the core from the Rack env,
//! the response and what Rails measured in the controller (the
//! `ezlogs.controller` entry HttpTracker's ControllerDetails keeps in the
//! env). What only Ruby can work out comes in `details`: the client's
//! address by the app's trusted proxies, the params Rails filtered, the
//! GraphQL operations and the error. Read in Ruby, these few dozen hash
//! lookups and small methods were a third of a tracked request's cost
//! (issue 15).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use magnus::value::{Lazy, LazyId, ReprValue};
use magnus::{Float, Integer, RArray, RHash, RString, Ruby, Value};

use super::convert::Converter;
use crate::data::{Data, Object, Text};
use crate::sync::lock;

interned! {
    pub(super) REQUEST_METHOD = "REQUEST_METHOD";
    // The method Rails routed, before ShowExceptions dispatched an error
    // page as a GET.
    ORIGINAL_REQUEST_METHOD = "action_dispatch.original_request_method";
    // The method sent, when Rack::MethodOverride changed it.
    METHOD_OVERRIDE = "rack.methodoverride.original_method";
    USER_AGENT = "HTTP_USER_AGENT";
    CONTROLLER = "ezlogs.controller";
    PATH_PARAMETERS = "action_dispatch.request.path_parameters";
    // Set by ShowExceptions when it dispatches an error page.
    ORIGINAL_PATH = "action_dispatch.original_path";
    CONTENT_TYPE = "Content-Type";
    CONTENT_TYPE_LOWER = "content-type";
    CONTENT_LENGTH = "Content-Length";
    CONTENT_LENGTH_LOWER = "content-length";
}

static CONTROLLER_PATH_PARAMETERS: LazyId = LazyId::new("path_parameters");
static FORMAT: LazyId = LazyId::new("format");
static DB_RUNTIME: LazyId = LazyId::new("db_runtime");
static VIEW_RUNTIME: LazyId = LazyId::new("view_runtime");
static CONTROLLER_NAME: LazyId = LazyId::new("controller");
static ACTION: LazyId = LazyId::new("action");
static ID: LazyId = LazyId::new("id");
static IP: LazyId = LazyId::new("ip");
static PARAMS: LazyId = LazyId::new("params");
static GRAPHQL: LazyId = LazyId::new("graphql");
static ERROR: LazyId = LazyId::new("error");
static SUBJECT: LazyId = LazyId::new("subject");

/// Controllers are few: each one's singular name is kept, up to this many.
const MAX_SINGULAR_NAMES: usize = 1_000;

/// "admin/users" -> "user", by the app's inflections. Only taken with the
/// GVL held and never while Ruby runs, so a fork never finds it locked.
static SINGULAR_NAMES: LazyLock<Mutex<HashMap<String, Text>>> = LazyLock::new(Default::default);

/// The event's parts, converted.
pub struct RequestEvent {
    pub action: Text,
    pub subject: Option<Data>,
    pub metadata: Object,
}

/// The request as it came in (the method and path its start read: Rails'
/// error pages rewrite PATH_INFO).
pub struct Started {
    pub method: Data,
    pub path: Data,
}

/// Reads the event of a request that started as `started`. `response`: the
/// app's `[status, headers, body]`, or nil when it raised; `bytes_sent`:
/// what the server wrote (an Integer), or nil; `details`: the Hash
/// HttpTracker's RequestDetails reads in Ruby (`ip:`, `params:`,
/// `graphql:`, `error:`, and for GraphQL `action:` and `subject:`), or nil.
/// Never raises: what cannot be read is left out.
pub fn read(
    ruby: &Ruby,
    converter: &mut Converter,
    started: &Started,
    env: RHash,
    response: Value,
    bytes_sent: Value,
    details: Value,
) -> RequestEvent {
    let details = RHash::from_value(details);
    let from_details = |key: &LazyId| details.and_then(|hash| present(hash.get(**key)));
    let controller = present(env.get(ruby.get_inner(&CONTROLLER))).and_then(RHash::from_value);
    let from_controller = |key: &LazyId| controller.and_then(|hash| present(hash.get(**key)));
    let path_parameters = path_parameters(ruby, env, controller);
    let path_parameter = |key: &LazyId| path_parameters.and_then(|hash| present(hash.get(**key)));
    let response = RArray::from_value(response);
    let headers = response.and_then(|array| array.entry::<Value>(1).ok());

    let method = request_method(ruby, converter, started, env);
    let path = match &started.path {
        Data::Text(path) if !path.is_empty() => Data::Text(path.clone()),
        Data::Null | Data::Text(_) => Data::text("/"),
        other => other.clone(),
    };
    let controller_name = path_parameter(&CONTROLLER_NAME).map(|name| converter.text(name));
    let route = controller_name.as_ref().map(|name| {
        let action = path_parameter(&ACTION).map(|action| converter.text(action));
        converter.made_text(&format!("{name}#{}", action.unwrap_or_default()))
    });

    let action = match from_details(&ACTION).and_then(RString::from_value) {
        Some(action) => converter.text(action.as_value()),
        None => converter.made_text(&format!("{} {}", text_of(&method), text_of(&path))),
    };
    let subject = match from_details(&SUBJECT) {
        Some(subject) => Some(converter.convert(subject)),
        None => path_parameter(&ID)
            .zip(controller_name.as_ref())
            .map(|(id, controller)| {
                let mut subject = Object::with_capacity(2);
                subject.push("type", Data::Text(singular(ruby, controller)));
                subject.push("id", Data::Text(converter.text(id)));
                converter.made_object(subject)
            }),
    };

    let mut metadata = Object::with_capacity(17);
    let mut put = |key: &'static str, value: Option<Data>| {
        if let Some(value) = value {
            metadata.push(Text::const_new(key), value);
        }
    };
    put("method", Some(method));
    let env_value = |key: &Lazy<RString>| present(env.get(ruby.get_inner(key)));
    put(
        "original_method",
        env_value(&METHOD_OVERRIDE).map(|v| converter.convert(v)),
    );
    put("path", Some(path));
    put("status", response.and_then(status).map(Data::Int));
    put("route", route.map(Data::Text));
    put(
        "format",
        from_controller(&FORMAT).map(|v| converter.convert(v)),
    );
    put("ip", from_details(&IP).map(|v| converter.convert(v)));
    put(
        "user_agent",
        env_value(&USER_AGENT).map(|v| converter.convert(v)),
    );
    put(
        "params",
        from_details(&PARAMS).map(|v| converter.convert(v)),
    );
    let header = |name, lower| headers.and_then(|headers| header(ruby, headers, name, lower));
    put(
        "content_type",
        header(&CONTENT_TYPE, &CONTENT_TYPE_LOWER).map(|v| converter.convert(v)),
    );
    let content_length = match header(&CONTENT_LENGTH, &CONTENT_LENGTH_LOWER) {
        Some(length) => content_length(length).map(Data::Int),
        None => present(Some(bytes_sent)).map(|v| converter.convert(v)),
    };
    put("content_length", content_length);
    put(
        "db_runtime_ms",
        from_controller(&DB_RUNTIME).and_then(milliseconds),
    );
    put(
        "view_runtime_ms",
        from_controller(&VIEW_RUNTIME).and_then(milliseconds),
    );
    put(
        "graphql",
        from_details(&GRAPHQL).map(|v| converter.convert(v)),
    );
    put("error", from_details(&ERROR).map(|v| converter.convert(v)));
    RequestEvent {
        action,
        subject,
        metadata,
    }
}

/// A value that is there and not nil.
fn present(value: Option<Value>) -> Option<Value> {
    value.filter(|value| !value.is_nil())
}

fn text_of(data: &Data) -> &str {
    match data {
        Data::Text(text) => text,
        _ => "",
    }
}

/// The method Rails routed (`request.request_method`): after
/// Rack::MethodOverride turned a form's POST with `_method=patch` into a
/// PATCH, and before ShowExceptions dispatched an error page as a GET.
fn request_method(ruby: &Ruby, converter: &mut Converter, started: &Started, env: RHash) -> Data {
    [&ORIGINAL_REQUEST_METHOD, &REQUEST_METHOD]
        .into_iter()
        .find_map(|key| present(env.get(ruby.get_inner(key))))
        .map_or_else(
            || started.method.clone(),
            |method| Data::Text(converter.text(method)),
        )
}

/// The route the app first gave the request: its controller's (kept when
/// the controller ran), else the router's, unless an error page was
/// dispatched since (the router merged the error page's route into it).
fn path_parameters(ruby: &Ruby, env: RHash, controller: Option<RHash>) -> Option<RHash> {
    let from_controller =
        controller.and_then(|hash| present(hash.get(*CONTROLLER_PATH_PARAMETERS)));
    let from_router = || {
        let error_page = env.get(ruby.get_inner(&ORIGINAL_PATH)).is_some();
        (!error_page)
            .then(|| present(env.get(ruby.get_inner(&PATH_PARAMETERS))))
            .flatten()
    };
    from_controller
        .or_else(from_router)
        .and_then(RHash::from_value)
}

/// The response's status as Rack's `to_i` reads it.
fn status(response: RArray) -> Option<i64> {
    let status: Value = response.entry(0).ok()?;
    match Integer::from_value(status) {
        Some(status) => status.to_i64().ok(),
        None => status.funcall("to_i", ()).ok(),
    }
}

/// A response header, by its name as written or in lower case (Rack 3's
/// headers are lower case). A plain Hash is read directly; anything else
/// (Rack 2's HeaderHash matches names in any case) also through its own
/// `[]` when that finds nothing.
fn header(
    ruby: &Ruby,
    headers: Value,
    name: &Lazy<RString>,
    lower: &Lazy<RString>,
) -> Option<Value> {
    let names = [ruby.get_inner(name), ruby.get_inner(lower)];
    let hash = RHash::from_value(headers);
    let direct = hash.and_then(|hash| names.iter().find_map(|&name| present(hash.get(name))));
    if direct.is_some()
        || hash.is_some_and(|hash| hash.class().equal(ruby.class_hash()).unwrap_or(false))
    {
        return direct;
    }
    names
        .into_iter()
        .find_map(|name| present(headers.funcall("[]", (name,)).ok()))
}

/// A Content-Length header's value: its digits (an Integer kept as it is);
/// None for anything else.
fn content_length(length: Value) -> Option<i64> {
    if let Some(length) = Integer::from_value(length) {
        return length.to_i64().ok();
    }
    let length = RString::from_value(length)?.to_string().ok()?;
    length.trim().parse().ok()
}

/// Milliseconds as Rails measured them, to three decimals.
fn milliseconds(value: Value) -> Option<Data> {
    let ms = match Float::from_value(value) {
        Some(float) => float.to_f64(),
        None => value.funcall::<_, _, f64>("to_f", ()).ok()?,
    };
    ms.is_finite()
        .then(|| Data::Float((ms * 1e3).round() / 1e3))
}

/// The singular of a controller's last segment ("admin/users" -> "user"),
/// by ActiveSupport's inflections when loaded, else without a final "s".
fn singular(ruby: &Ruby, controller: &str) -> Text {
    if let Some(name) = lock(&SINGULAR_NAMES).get(controller) {
        return name.clone();
    }
    let name = controller
        .rsplit('/')
        .find(|part| !part.is_empty())
        .unwrap_or("");
    let word = ruby.str_new(name);
    let inflected = word
        .respond_to("singularize", false)
        .unwrap_or(false)
        .then(|| word.funcall::<_, _, String>("singularize", ()).ok())
        .flatten();
    let singular: Text = inflected
        .unwrap_or_else(|| name.strip_suffix('s').unwrap_or(name).to_string())
        .into();
    let mut names = lock(&SINGULAR_NAMES);
    if names.len() < MAX_SINGULAR_NAMES {
        names.insert(controller.to_string(), singular.clone());
    }
    singular
}
