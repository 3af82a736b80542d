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
use magnus::IntoValue;
use magnus::Object as _;
use magnus::{Fixnum, Float, Integer, RArray, RHash, RObject, RString, Ruby, Value};

use super::convert::Converter;
use super::helpers::{hash_values, header_values};
use crate::client_ip::client_ip;
use crate::data::{Data, Object, Text};
use crate::settings::Active;
use crate::sync::lock;

interned! {
    pub(super) REQUEST_METHOD = "REQUEST_METHOD";
    // The method Rails routed, before ShowExceptions dispatched an error
    // page as a GET.
    ORIGINAL_REQUEST_METHOD = "action_dispatch.original_request_method";
    // The method sent, when Rack::MethodOverride changed it.
    METHOD_OVERRIDE = "rack.methodoverride.original_method";
    USER_AGENT = "HTTP_USER_AGENT";
    REMOTE_ADDR = "REMOTE_ADDR";
    FORWARDED_FOR = "HTTP_X_FORWARDED_FOR";
    CLIENT_IP = "HTTP_CLIENT_IP";
    CONTROLLER = "ezlogs.controller";
    PATH_PARAMETERS = "action_dispatch.request.path_parameters";
    // Set by ShowExceptions when it dispatches an error page.
    ORIGINAL_PATH = "action_dispatch.original_path";
    // Rails' RemoteIp::GetIp for the request.
    REMOTE_IP = "action_dispatch.remote_ip";
    CONTENT_TYPE = "Content-Type";
    CONTENT_TYPE_LOWER = "content-type";
    CONTENT_LENGTH = "Content-Length";
    CONTENT_LENGTH_LOWER = "content-length";
}

/// Whether the app's routes answered the request: a controller ran for it
/// (ControllerDetails), or the router sent it on (to a controller or a
/// Rack endpoint in the routes; noted as it dispatches, so an
/// ActionController::Live action still running when the client went away
/// counts) and it did not end in a RoutingError. A route that passed the
/// request on (X-Cascade) leaves empty path parameters behind, and only
/// the RoutingError then says no route answered; an error page's route is
/// no answer either. `details`: as for `read`.
pub fn routed(ruby: &Ruby, env: RHash, details: Value) -> bool {
    let [controller, path_parameters] = hash_values(
        Some(env),
        [&CONTROLLER, &PATH_PARAMETERS].map(|key| ruby.get_inner(key).as_value()),
    );
    let [error] = hash_values(RHash::from_value(details), [(*ERROR).into_value_with(ruby)]);
    let [class] = hash_values(
        error.and_then(RHash::from_value),
        [(*CLASS).into_value_with(ruby)],
    );
    let routing_error = class
        .and_then(RString::from_value)
        .and_then(|class| class.to_string().ok())
        .is_some_and(|class| class == "ActionController::RoutingError");
    controller.is_some() || (path_parameters.is_some() && !routing_error)
}

static CLASS: LazyId = LazyId::new("class");
static CONTROLLER_PATH_PARAMETERS: LazyId = LazyId::new("path_parameters");
static FORMAT: LazyId = LazyId::new("format");
static DB_RUNTIME: LazyId = LazyId::new("db_runtime");
static VIEW_RUNTIME: LazyId = LazyId::new("view_runtime");
static CONTROLLER_NAME: LazyId = LazyId::new("controller");
static ACTION: LazyId = LazyId::new("action");
static ID: LazyId = LazyId::new("id");
// Where Rails' GetIp keeps its answer once the app asked for it.
static MEMOIZED_IP: LazyId = LazyId::new("@ip");
static PARAMS: LazyId = LazyId::new("params");
static GRAPHQL: LazyId = LazyId::new("graphql");
static ERROR: LazyId = LazyId::new("error");
static SUBJECT: LazyId = LazyId::new("subject");
static PATH: LazyId = LazyId::new("path");

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
/// what the server wrote of a body it streamed (an Integer), or nil (an
/// Array body is measured here; without a Content-Length header, these
/// are the event's content_length); `details`: the Hash
/// HttpTracker's RequestDetails reads in Ruby (`params:`, `graphql:`,
/// `error:`, for GraphQL `action:` and `subject:`, and `path:` when a
/// route parameter's value in it is filtered), or nil. The client's
/// address is `client_address`'s, by the `active` settings. Never raises:
/// what cannot be read is left out.
#[allow(clippy::too_many_arguments)]
pub fn read(
    ruby: &Ruby,
    converter: &mut Converter,
    active: &Active,
    started: &Started,
    env: RHash,
    response: Value,
    bytes_sent: Value,
    details: Value,
) -> RequestEvent {
    let symbol = |key: &LazyId| (**key).into_value_with(ruby);
    let string = |key: &Lazy<RString>| ruby.get_inner(key).as_value();
    let [d_action, d_subject, d_params, d_graphql, d_error, d_path] = hash_values(
        RHash::from_value(details),
        [&ACTION, &SUBJECT, &PARAMS, &GRAPHQL, &ERROR, &PATH].map(symbol),
    );
    let [controller, original_path, router_parameters, original_method, request_method, method_override, user_agent, remote_addr, forwarded_for, client_ip_header, remote_ip] =
        hash_values(
            Some(env),
            [
                &CONTROLLER,
                &ORIGINAL_PATH,
                &PATH_PARAMETERS,
                &ORIGINAL_REQUEST_METHOD,
                &REQUEST_METHOD,
                &METHOD_OVERRIDE,
                &USER_AGENT,
                &REMOTE_ADDR,
                &FORWARDED_FOR,
                &CLIENT_IP,
                &REMOTE_IP,
            ]
            .map(string),
        );
    let [controller_parameters, format, db_runtime, view_runtime] = hash_values(
        controller.and_then(RHash::from_value),
        [
            &CONTROLLER_PATH_PARAMETERS,
            &FORMAT,
            &DB_RUNTIME,
            &VIEW_RUNTIME,
        ]
        .map(symbol),
    );
    // The route the app first gave the request: its controller's (kept
    // when the controller ran), else the router's, unless an error page
    // was dispatched since (the router merged the error page's route in).
    let path_parameters =
        controller_parameters.or(router_parameters.filter(|_| original_path.is_none()));
    let [controller_name, route_action, id] = hash_values(
        path_parameters.and_then(RHash::from_value),
        [&CONTROLLER_NAME, &ACTION, &ID].map(symbol),
    );
    let response = RArray::from_value(response);
    let headers = response.and_then(|array| array.entry::<Value>(1).ok());
    let [content_type, content_length] =
        headers.map_or([None; 2], |headers| content_headers(ruby, headers));

    // The method Rails routed (`request.request_method`): after
    // Rack::MethodOverride turned a form's POST with `_method=patch` into
    // a PATCH, and before ShowExceptions dispatched an error page as a GET.
    let method = original_method.or(request_method).map_or_else(
        || started.method.clone(),
        |method| Data::Text(converter.text(method)),
    );
    let path = match d_path.filter(|path| RString::from_value(*path).is_some()) {
        Some(path) => converter.request_text(path),
        None => match &started.path {
            Data::Text(path) if !path.is_empty() => Data::Text(path.clone()),
            Data::Null | Data::Text(_) => Data::text("/"),
            other => other.clone(),
        },
    };
    let controller_name = controller_name.map(|name| converter.text(name));
    let route = controller_name.as_ref().map(|name| {
        let action = route_action.map(|action| converter.text(action));
        converter.made_text(&[name, "#", &action.unwrap_or_default()])
    });

    let action = match d_action.and_then(RString::from_value) {
        Some(action) => converter.text(action.as_value()),
        None => converter.made_text(&[text_of(&method), " ", text_of(&path)]),
    };
    let subject = match d_subject {
        Some(subject) => Some(converter.convert(subject)),
        None => id.zip(controller_name.as_ref()).map(|(id, controller)| {
            let mut subject = Object::with_capacity(2);
            subject.push("type", Data::Text(singular(ruby, controller)));
            subject.push("id", Data::Text(converter.text(id)));
            converter.made_object(subject)
        }),
    };
    let ip = client_address(
        env,
        remote_ip,
        [remote_addr, forwarded_for, client_ip_header],
        active,
    )
    .map(|ip| Data::Text(converter.made_text(&[&ip])));
    // A hijacked connection (Action Cable's websocket) answers Rack with a
    // status of -1 and writes on the socket itself: no status, and no
    // length to tell.
    let status = response.and_then(status);
    let hijacked = status.is_some_and(|status| !(100..=999).contains(&status));
    let content_length = match content_length {
        Some(length) => content_length_of(length).map(Data::Int),
        None if hijacked => None,
        None => match present(Some(bytes_sent)) {
            Some(bytes) => Some(converter.convert(bytes)),
            None => response.and_then(array_body_bytes).map(Data::Int),
        },
    };

    let mut metadata = Object::with_capacity(17);
    let mut put = |key: &'static str, value: Option<Data>| {
        if let Some(value) = value {
            metadata.push(Text::const_new(key), value);
        }
    };
    put("method", Some(method));
    put(
        "original_method",
        method_override.map(|v| converter.convert(v)),
    );
    put("path", Some(path));
    put("status", status.filter(|_| !hijacked).map(Data::Int));
    put("route", route.map(Data::Text));
    put("format", format.map(|v| converter.convert(v)));
    put("ip", ip);
    put("user_agent", user_agent.map(|v| converter.request_text(v)));
    put("params", d_params.map(|v| converter.convert(v)));
    put("content_type", content_type.map(|v| converter.convert(v)));
    put("content_length", content_length);
    put("db_runtime_ms", db_runtime.and_then(milliseconds));
    put("view_runtime_ms", view_runtime.and_then(milliseconds));
    put("graphql", d_graphql.map(|v| converter.convert(v)));
    put("error", d_error.map(|v| converter.convert(v)));
    RequestEvent {
        action,
        subject,
        metadata,
    }
}

/// The client's address as Rails' RemoteIp gives it to the app: the
/// answer Rails already worked out for this request (`remote_ip`, its
/// GetIp, keeps it once asked), else the core's, from the peer address and
/// the X-Forwarded-For and Client-Ip `headers` behind the app's trusted
/// proxies. Where the core cannot answer as Rails would (proxies it cannot
/// match, or both headers for Rails' spoofing check to compare: rare, and
/// 40-200 µs), Rails' own code answers, through HttpTracker::ClientIp.rails.
fn client_address(
    env: RHash,
    remote_ip: Option<Value>,
    headers: [Option<Value>; 3],
    active: &Active,
) -> Option<String> {
    let memoized = present(remote_ip)
        .and_then(RObject::from_value)
        .and_then(|get_ip| present(get_ip.ivar_get::<_, Value>(*MEMOIZED_IP).ok()));
    if let Some(ip) = memoized {
        return text(Some(ip)).or_else(|| ip.funcall("to_s", ()).ok());
    }
    let [peer, forwarded_for, client_ip_header] = headers.map(text);
    let spoofing_check =
        active.settings.ip_spoofing_check && forwarded_for.is_some() && client_ip_header.is_some();
    if active.settings.trusted_proxies_native && !spoofing_check {
        return client_ip(
            peer.as_deref(),
            forwarded_for.as_deref(),
            client_ip_header.as_deref(),
            &active.trusted_proxies,
        );
    }
    let client_ip_module: Value = Ruby::get_with(env)
        .class_object()
        .funcall("const_get", ("EzlogsRubyAgent::HttpTracker::ClientIp",))
        .ok()?;
    client_ip_module
        .funcall::<_, _, Option<String>>("rails", (env,))
        .ok()
        .flatten()
}

/// A value that is there and not nil.
fn present(value: Option<Value>) -> Option<Value> {
    value.filter(|value| !value.is_nil())
}

/// A value that is a String, as UTF-8 (None otherwise).
pub(super) fn text(value: Option<Value>) -> Option<String> {
    RString::from_value(value?)?.to_string().ok()
}

pub(super) fn text_of(data: &Data) -> &str {
    match data {
        Data::Text(text) => text,
        _ => "",
    }
}

/// The response's status as Rack's `to_i` reads it.
fn status(response: RArray) -> Option<i64> {
    let status: Value = response.entry(0).ok()?;
    match Integer::from_value(status) {
        Some(status) => status.to_i64().ok(),
        None => status.funcall("to_i", ()).ok(),
    }
}

/// The response's Content-Type and Content-Length: from a Hash (or a
/// subclass: Rack 2's HeaderHash, Rack 3's Headers) by name in any case;
/// from anything else through its own `[]`, by the name as Rack 2 and as
/// Rack 3 write it.
fn content_headers(ruby: &Ruby, headers: Value) -> [Option<Value>; 2] {
    if let Some(hash) = RHash::from_value(headers) {
        return header_values(hash, [b"content-type", b"content-length"]);
    }
    let by_own_lookup = |spellings: [&Lazy<RString>; 2]| {
        spellings
            .iter()
            .find_map(|&name| present(headers.funcall("[]", (ruby.get_inner(name),)).ok()))
    };
    [
        by_own_lookup([&CONTENT_TYPE, &CONTENT_TYPE_LOWER]),
        by_own_lookup([&CONTENT_LENGTH, &CONTENT_LENGTH_LOWER]),
    ]
}

/// The bytes of a response whose body is an Array of Strings (complete
/// already: what the server will write); None for any other body.
fn array_body_bytes(response: RArray) -> Option<i64> {
    let body = RArray::from_value(response.entry(2).ok()?)?;
    (0..body.len()).try_fold(0i64, |bytes, index| {
        let part = RString::from_value(body.entry(index as isize).ok()?)?;
        Some(bytes + part.len() as i64)
    })
}

/// A Content-Length header's value: its digits (an Integer kept as it is);
/// None for anything else, a negative number too.
fn content_length_of(length: Value) -> Option<i64> {
    let length = match Integer::from_value(length) {
        Some(length) => length.to_i64().ok(),
        None => RString::from_value(length)?
            .to_string()
            .ok()?
            .trim()
            .parse()
            .ok(),
    };
    length.filter(|length| *length >= 0)
}

/// Milliseconds as Rails measured them, to three decimals. (A Float, or
/// the Integer 0 ActiveRecord reports for a request without a query:
/// read without a call into Ruby.)
fn milliseconds(value: Value) -> Option<Data> {
    let ms = if let Some(float) = Float::from_value(value) {
        float.to_f64()
    } else if let Some(int) = Fixnum::from_value(value) {
        int.to_i64() as f64
    } else {
        value.funcall::<_, _, f64>("to_f", ()).ok()?
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
