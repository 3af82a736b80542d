//! Where batches go, chosen by the endpoint's scheme. A sink answers each
//! send with an `Outcome`; the worker decides what to do about it.

mod file;
mod http;
mod stdout;

use std::time::Duration;

use crate::metrics::DropReason;
use crate::settings::Settings;

pub use http::{HttpSink, Protocol};

/// The endpoint that prints events to the app's log instead of sending
/// them: the development default (see the Railtie).
pub const LOG_ENDPOINT: &str = "log://";

/// An endpoint as messages and `inspect` show it (the Ruby configuration
/// uses this too, through `Native.shown_endpoint`): everything up to its
/// last "@" (user, password) masked, then nothing from "?" or "#" (a query
/// may hold a key). Taken as text, so that a URL too broken to parse (a
/// "?" in its password) is masked all the same.
pub fn shown_endpoint(endpoint: &str) -> String {
    let (scheme, rest) = endpoint
        .find("://")
        .map_or(("", endpoint), |at| endpoint.split_at(at + 3));
    let rest = match rest.rfind('@') {
        Some(at) => format!("***{}", &rest[at..]),
        None => rest.to_owned(),
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    format!("{scheme}{}", &rest[..end])
}

/// How a sink wants a batch laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// One JSON object per line.
    JsonLines,
    /// One JSON array.
    JsonArray,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again, after `after` when the receiver said so.
    /// `unreachable`: the receiver could not be reached at all (connection
    /// refused, no route), rather than failing to answer well.
    Retry {
        error: String,
        after: Option<Duration>,
        unreachable: bool,
    },
    /// Trying again would not help; the batch is dropped under `reason`.
    Rejected {
        error: String,
        reason: DropReason,
    },
    /// Taken, but `rejected` of its events were refused (an OTLP
    /// `partial_success`): those are dropped (`rejected`), the rest
    /// delivered.
    PartlyRejected {
        rejected: u64,
        error: String,
    },
    /// Refused as too large (HTTP 413): smaller batches may pass.
    TooLarge {
        error: String,
    },
}

impl Outcome {
    /// A failure worth retrying, from a receiver that was reached.
    pub fn retry(error: String) -> Outcome {
        Outcome::Retry {
            error,
            after: None,
            unreachable: false,
        }
    }
}

pub enum Sink {
    File(file::FileSink),
    Stdout,
    /// `memory://`: events are kept in the in-memory capture that
    /// `captured_events` reads, after the same processing as any sink.
    Memory,
    /// `log://`: events are printed to the app's log and sent nowhere.
    Log,
    Http(Box<HttpSink>),
    /// An endpoint this build cannot deliver to; `error` says why.
    Unsupported {
        error: String,
    },
}

impl Sink {
    pub fn for_settings(settings: &Settings) -> Sink {
        let endpoint = settings.delivery.endpoint.as_str();
        let outcome = if let Some(path) = endpoint.strip_prefix("file://") {
            file::FileSink::open(path).map(Sink::File)
        } else if endpoint.starts_with("stdout://") {
            Ok(Sink::Stdout)
        } else if endpoint.starts_with("memory://") {
            Ok(Sink::Memory)
        } else if endpoint.starts_with(LOG_ENDPOINT) {
            Ok(Sink::Log)
        } else if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
            HttpSink::new(settings, Protocol::Ezlogs).map(|sink| Sink::Http(Box::new(sink)))
        } else if endpoint.starts_with("otlp+http://") || endpoint.starts_with("otlp+https://") {
            HttpSink::new(settings, Protocol::Otlp).map(|sink| Sink::Http(Box::new(sink)))
        } else {
            Err(format!(
                "no sink for endpoint {endpoint:?}; use http://, https://, otlp+http://, otlp+https://, file://PATH, stdout://, log:// or memory://"
            ))
        };
        outcome.unwrap_or_else(|error| Sink::Unsupported { error })
    }

    pub fn format(&self) -> BodyFormat {
        match self {
            Sink::Http(_) => BodyFormat::JsonArray,
            _ => BodyFormat::JsonLines,
        }
    }

    /// Whether bodies for this sink are gzip-compressed.
    pub fn gzip(&self) -> bool {
        matches!(self, Sink::Http(http) if http.gzip())
    }

    /// The bytes the last `send` of a `body_len`-byte body put on the
    /// wire: the protobuf an OTLP sink made of it, else the body.
    pub fn sent_bytes(&self, body_len: usize) -> usize {
        match self {
            Sink::Http(http) => http.sent_bytes().unwrap_or(body_len),
            _ => body_len,
        }
    }

    /// Sends one body, gzipped already when `gzip()` says so; `timeout`
    /// bounds a network send (else `delivery.timeout`).
    pub fn send(&mut self, body: &[u8], timeout: Option<Duration>) -> Outcome {
        match self {
            Sink::File(file) => file.write(body),
            Sink::Stdout => stdout::write(body),
            // The worker hands events to the capture itself (see `worker`).
            Sink::Memory => Outcome::Delivered,
            // Events for the log are printed on the app's threads and never
            // queued (see `debug_view`), and the spool is off with it: no
            // batch should come here, and one that did was not sent.
            Sink::Log => Outcome::Rejected {
                error: "log:// prints events in the app and sends none".to_owned(),
                reason: DropReason::EndpointUnavailable,
            },
            Sink::Http(http) => http.send(body, timeout),
            Sink::Unsupported { error } => Outcome::Rejected {
                error: error.clone(),
                reason: DropReason::EndpointUnavailable,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: &str) -> Settings {
        let mut settings = Settings::default();
        settings.delivery.endpoint = endpoint.into();
        settings
    }

    #[test]
    fn file_sink_appends_lines() {
        let dir = std::env::temp_dir().join(format!("ezlogs-sink-{}", std::process::id()));
        let path = dir.join("nested/events.jsonl");
        let mut sink = Sink::for_settings(&settings(&format!("file://{}", path.display())));
        assert_eq!(sink.format(), BodyFormat::JsonLines);
        assert_eq!(sink.send(b"{\"a\":1}\n", None), Outcome::Delivered);
        assert_eq!(sink.send(b"{\"a\":2}\n", None), Outcome::Delivered);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_schemes_say_what_to_use() {
        let mut sink = Sink::for_settings(&settings("ftp://example"));
        let Outcome::Rejected { error, reason } = sink.send(b"x", None) else {
            panic!("expected a rejection")
        };
        assert_eq!(reason, DropReason::EndpointUnavailable);
        assert!(error.contains("file://PATH"), "{error}");
    }

    #[test]
    fn endpoints_are_shown_without_credentials_or_query() {
        assert_eq!(
            shown_endpoint("https://user:pw@collector.example/events?api_key=k#x"),
            "https://***@collector.example/events"
        );
        assert_eq!(
            shown_endpoint("https://key:s3cr?t@collector.example/x"),
            "https://***@collector.example/x"
        );
        assert_eq!(
            shown_endpoint("http://127.0.0.1:9000/events"),
            "http://127.0.0.1:9000/events"
        );
        assert_eq!(
            shown_endpoint("http://user:pw@999.1.1.1:9000/events?api_key=k"),
            "http://***@999.1.1.1:9000/events"
        );
        assert_eq!(
            shown_endpoint("file:///var/log/events.jsonl"),
            "file:///var/log/events.jsonl"
        );
    }

    #[test]
    fn http_endpoints_take_json_arrays() {
        let sink = Sink::for_settings(&settings("http://127.0.0.1:9000/events"));
        assert_eq!(sink.format(), BodyFormat::JsonArray);
        assert!(
            !sink.gzip(),
            "loopback collectors get plain JSON under :auto"
        );
    }
}
