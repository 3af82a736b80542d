//! `http://` and `https://`: a JSON array per POST, on a keep-alive
//! connection pool, with the ezlogs agent's headers (DESIGN section 5).
//! `otlp+http://` and `otlp+https://`: the same batch as OTLP/HTTP logs
//! (`ExportLogsServiceRequest`, protobuf), answered as the OTLP
//! specification says (see `Protocol`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Once;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, LOCATION,
    RETRY_AFTER,
};
use reqwest::{Client, Response, StatusCode, Url};
use tokio::runtime::Runtime;

use flate2::Compression;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use prost::Message;

use super::Outcome;
use crate::delivery::{encoder, otlp};
use crate::metrics::{DropReason, METRICS};
use crate::settings::{DeliverySettings, Settings};
use crate::stdio;

/// How much of a refusal's body is kept in `last_error`.
const ERROR_BODY_BYTES: usize = 200;

/// The most of an answer's body read (the OTLP specification asks clients
/// to bound it, and suggests 4 MiB); the rest is left unread.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Redirects (307 and 308 only) followed for one request.
const MAX_REDIRECTS: usize = 5;

/// What is sent, and how the answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The ezlogs agent's: the JSON array as it is.
    Ezlogs,
    /// OTLP/HTTP logs in protobuf (opentelemetry.io/docs/specs/otlp):
    /// 429, 502, 503 and 504 are retried, other refusals are final, and a
    /// `partial_success` counts the log records it rejected as dropped.
    Otlp,
}

pub struct HttpSink {
    /// A single-threaded runtime owned by the worker thread: requests run
    /// on the worker itself, never on the app's threads.
    runtime: Runtime,
    client: Client,
    url: Url,
    /// The endpoint as messages show it: no credentials, no query.
    shown: String,
    gzip: bool,
    protocol: Protocol,
    /// OTLP Resource attributes beyond the agent's own.
    resource_attributes: Vec<(String, String)>,
    /// The size of the last OTLP body sent (its protobuf, maybe gzipped).
    otlp_bytes: Option<usize>,
    /// What the requests carry that is secret (`sent_secrets`), masked
    /// where a collector's answer quotes it.
    secrets: Vec<String>,
}

impl HttpSink {
    pub fn new(settings: &Settings, protocol: Protocol) -> Result<HttpSink, String> {
        let delivery = &settings.delivery;
        let endpoint = match protocol {
            Protocol::Ezlogs => delivery.endpoint.as_str(),
            Protocol::Otlp => delivery
                .endpoint
                .strip_prefix("otlp+")
                .unwrap_or(&delivery.endpoint),
        };
        let mut url = Url::parse(endpoint).map_err(|e| {
            format!(
                "delivery.endpoint {:?} is not a valid URL: {e}",
                super::shown_endpoint(&delivery.endpoint)
            )
        })?;
        // An OTLP endpoint without a path is a collector's base URL; its
        // logs are at /v1/logs (as OTEL_EXPORTER_OTLP_ENDPOINT's are).
        if protocol == Protocol::Otlp && matches!(url.path(), "" | "/") {
            url.set_path("/v1/logs");
        }
        let secrets = sent_secrets(delivery, &url);
        let credentials = take_credentials(&mut url);
        let gzip = match delivery.compression.as_str() {
            "gzip" => true,
            "none" => false,
            // The ezlogs agent on loopback ignores Content-Encoding, and
            // compression buys nothing there; remote collectors get gzip.
            _ => !is_loopback(&url),
        };
        let mut headers = headers(settings, gzip, protocol)?;
        if let Some(credentials) = credentials {
            add_basic_auth(&mut headers, &credentials, delivery);
        }
        let client = Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                // 307 and 308 resend the body; 301, 302 and 303 would turn
                // the POST into a GET without it, so they are reported.
                let keeps_body = matches!(attempt.status().as_u16(), 307 | 308);
                if keeps_body && attempt.previous().len() < MAX_REDIRECTS {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .timeout(delivery.timeout())
            .pool_max_idle_per_host(delivery.max_connections.max(1))
            .connector_layer(tower::layer::layer_fn(CountConnections))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        Ok(HttpSink {
            runtime,
            client,
            // As the app wrote it, with the path the requests go to.
            shown: super::shown_endpoint(&match protocol {
                Protocol::Ezlogs => url.to_string(),
                Protocol::Otlp => format!("otlp+{url}"),
            }),
            url,
            gzip,
            protocol,
            resource_attributes: delivery.resource_attributes.clone(),
            otlp_bytes: None,
            secrets,
        })
    }

    /// Whether the pipeline should hand this sink its JSON gzipped. An OTLP
    /// sink takes the JSON as it is, and compresses the protobuf it makes.
    pub fn gzip(&self) -> bool {
        self.gzip && self.protocol == Protocol::Ezlogs
    }

    /// The size of the last body sent when it was not the JSON given.
    pub fn sent_bytes(&self) -> Option<usize> {
        self.otlp_bytes
    }

    /// Sends one batch's JSON array (gzipped when `gzip()` says so).
    pub fn send(&mut self, json: &[u8], timeout: Option<Duration>) -> Outcome {
        let body = match self.protocol {
            Protocol::Ezlogs => json.to_vec(),
            Protocol::Otlp => match otlp::encode(json, &self.resource_attributes) {
                Ok(proto) if self.gzip => {
                    let mut compressed = Vec::new();
                    encoder::gzip(&proto, &mut compressed, Compression::fast());
                    compressed
                }
                Ok(proto) => proto,
                Err(error) => {
                    return Outcome::Rejected {
                        error,
                        reason: DropReason::Rejected,
                    }
                }
            },
        };
        if self.protocol == Protocol::Otlp {
            self.otlp_bytes = Some(body.len());
        }
        let mut request = self.client.post(self.url.clone()).body(body);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let protocol = self.protocol;
        self.runtime.block_on(async {
            match request.send().await {
                Ok(response) => classify(response, protocol, &self.secrets).await,
                Err(error) => Outcome::Retry {
                    unreachable: error.is_connect(),
                    error: describe(error, &self.shown),
                    after: None,
                },
            }
        })
    }
}

/// Counts the connections the pool opens (`connections_opened`): a
/// keep-alive pool should open few.
#[derive(Clone)]
struct CountConnections<S>(S);

impl<S, R> tower::Service<R> for CountConnections<S>
where
    S: tower::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.0.call(request);
        Box::pin(async move {
            let connection = connecting.await;
            if connection.is_ok() {
                METRICS.connections_opened.fetch_add(1, Relaxed);
            }
            connection
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn headers(settings: &Settings, gzip: bool, protocol: Protocol) -> Result<HeaderMap, String> {
    let version = env!("CARGO_PKG_VERSION");
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &str| -> Result<(), String> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("delivery.headers: {name:?} is not a valid header name"))?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            format!("delivery.headers: the value of {name} is not a valid header value")
        })?;
        // Kept out of any Debug output (reqwest's, a panic's): an
        // Authorization header, or one the app set, may hold a secret.
        value.set_sensitive(true);
        headers.insert(name, value);
        Ok(())
    };
    put("user-agent", &format!("EzlogsRubyAgent/{version}"))?;
    match protocol {
        Protocol::Ezlogs => {
            put(CONTENT_TYPE.as_str(), "application/json")?;
            put("x-ezlogs-agent", "ruby")?;
            put("x-ezlogs-version", version)?;
            put("x-ezlogs-service", &settings.service)?;
            put("x-ezlogs-environment", &settings.environment)?;
        }
        Protocol::Otlp => put(CONTENT_TYPE.as_str(), "application/x-protobuf")?,
    }
    for (name, value) in &settings.delivery.headers {
        put(name, value)?;
    }
    if let Some(key) = settings
        .delivery
        .api_key
        .as_deref()
        .filter(|k| !k.is_empty())
    {
        put(AUTHORIZATION.as_str(), &format!("Bearer {key}"))?;
    }
    if gzip {
        put(CONTENT_ENCODING.as_str(), "gzip")?;
    }
    Ok(headers)
}

/// The secrets a request sends, which a collector's answer may quote (an
/// API answering 401 with "invalid credentials: Bearer ..."): the app's
/// header values and `delivery.api_key`, and the endpoint's user,
/// password (also as the Basic credentials they make) and query values.
fn sent_secrets(delivery: &DeliverySettings, url: &Url) -> Vec<String> {
    let mut secrets: Vec<String> = delivery
        .headers
        .iter()
        .map(|(_, value)| value.clone())
        .collect();
    secrets.extend(delivery.api_key.clone());
    let credentials =
        user_and_password(url).filter(|(user, password)| !user.is_empty() || !password.is_empty());
    if let Some((user, password)) = credentials {
        secrets.push(STANDARD.encode(format!("{user}:{password}")));
        secrets.extend([user, password]);
    }
    secrets.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
    secrets.retain(|secret| !secret.is_empty());
    secrets
}

/// A collector's `text` with the `secrets` it quotes masked (as
/// quoted_secrets masks a filtered value in an error's message), cut to
/// `max` bytes after the masking, so that a cut cannot leave a secret's
/// beginning.
fn answer_text(text: &str, secrets: &[String], max: usize) -> String {
    let masked = crate::processor::masked_quotes(text, secrets);
    let mut text = masked.as_deref().unwrap_or(text);
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = &text[..end];
    }
    text.to_owned()
}

/// The user and password in `url` ("user:password", percent-decoded),
/// taken out of it: reqwest would otherwise send them as Basic auth in
/// place of any Authorization header, without a word.
fn take_credentials(url: &mut Url) -> Option<String> {
    let (user, password) = user_and_password(url)?;
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(format!("{user}:{password}"))
}

/// The user and password in `url`, percent-decoded; None when it names
/// neither.
fn user_and_password(url: &Url) -> Option<(String, String)> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |part: &str| percent_decode_str(part).decode_utf8_lossy().into_owned();
    Some((
        decode(url.username()),
        decode(url.password().unwrap_or_default()),
    ))
}

/// The endpoint's credentials as Basic auth, unless `delivery.api_key` or
/// an Authorization header is set, which wins (said once, naming the
/// settings the Ruby configuration says these came from).
fn add_basic_auth(headers: &mut HeaderMap, credentials: &str, delivery: &DeliverySettings) {
    static SAID: Once = Once::new();
    if headers.contains_key(AUTHORIZATION) {
        SAID.call_once(|| {
            stdio::warn(&format!(
                "{} holds a user and password, which are not sent: delivery.api_key (or an Authorization header in {}) is sent instead; remove one of the two",
                delivery.endpoint_setting, delivery.header_settings
            ));
        });
        return;
    }
    let basic = format!("Basic {}", STANDARD.encode(credentials));
    if let Ok(mut value) = HeaderValue::from_str(&basic) {
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
}

/// 2xx delivered; 413 worth splitting; worth retrying: 408, 429 and 5xx
/// from the ezlogs agent, 429, 502, 503 and 504 from an OTLP receiver (its
/// specification's list); any other answer final.
async fn classify(response: Response, protocol: Protocol, secrets: &[String]) -> Outcome {
    let status = response.status();
    METRICS
        .last_http_status
        .store(u64::from(status.as_u16()), Relaxed);
    if status.is_success() {
        return match protocol {
            Protocol::Ezlogs => Outcome::Delivered,
            Protocol::Otlp => otlp_success(response, secrets).await,
        };
    }
    let after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let protobuf = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-protobuf"));
    let body = bounded_body(response, MAX_ANSWER_BYTES).await;
    let status_message = match protocol {
        Protocol::Otlp if protobuf => otlp::refusal_message(&body),
        _ => None,
    };
    // Read past the part shown by as much as a secret written the longest
    // way takes (at most 10 bytes for each of its bytes: `\u0001`,
    // `%XX`, `\u{10FFFF}`), so that one the cut falls in is found whole.
    let longest = secrets.iter().map(String::len).max().unwrap_or(0);
    let read = body.len().min(ERROR_BODY_BYTES + 10 * longest);
    let snippet = answer_text(
        &status_message.unwrap_or_else(|| String::from_utf8_lossy(&body[..read]).into_owned()),
        secrets,
        ERROR_BODY_BYTES,
    );
    let error = match location {
        Some(location) if status.is_redirection() => format!(
            "collector answered HTTP {status}, a redirect to {}: set delivery.endpoint to that URL",
            super::shown_endpoint(&location)
        ),
        _ if snippet.trim().is_empty() => format!("collector answered HTTP {status}"),
        _ => format!("collector answered HTTP {status}: {snippet}"),
    };
    let retryable = match protocol {
        Protocol::Ezlogs => {
            status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS
                || status.is_server_error()
        }
        Protocol::Otlp => matches!(status.as_u16(), 429 | 502 | 503 | 504),
    };
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Outcome::TooLarge { error }
    } else if retryable {
        Outcome::Retry {
            error,
            after,
            unreachable: false,
        }
    } else {
        Outcome::Rejected {
            error,
            reason: DropReason::Rejected,
        }
    }
}

/// An OTLP receiver's 2xx: delivered, or partly, when its
/// `partial_success` names log records it rejected.
async fn otlp_success(response: Response, secrets: &[String]) -> Outcome {
    let body = bounded_body(response, MAX_ANSWER_BYTES).await;
    let partial = ExportLogsServiceResponse::decode(body.as_ref())
        .ok()
        .and_then(|answer| answer.partial_success)
        .filter(|partial| partial.rejected_log_records > 0);
    match partial {
        Some(partial) => Outcome::PartlyRejected {
            rejected: partial.rejected_log_records as u64,
            error: format!(
                "the OTLP collector rejected log records (partial_success): {}",
                answer_text(&partial.error_message, secrets, ERROR_BODY_BYTES)
            ),
        },
        None => Outcome::Delivered,
    }
}

/// Up to `limit` bytes of `response`'s body; what could not be read is
/// left out (a collector that sends an endless answer cannot fill memory).
async fn bounded_body(mut response: Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        let Ok(Some(chunk)) = response.chunk().await else {
            break;
        };
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    body
}

/// The error and its causes, naming the endpoint as `shown` (reqwest's own
/// text would give the URL with its query, which may hold a key), e.g.
/// "sending to http://127.0.0.1:9000/events failed: error sending request:
/// client error (Connect): tcp connect error: Connection refused (os error 111)".
fn describe(error: reqwest::Error, shown: &str) -> String {
    let error = error.without_url();
    let mut text = format!("sending to {shown} failed: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_a_request_sends_and_cuts_after_masking() {
        let delivery = DeliverySettings {
            api_key: Some("k3y-S3CRET".into()),
            headers: vec![("X-API-Key".into(), "h34der-S3CRET".into())],
            ..DeliverySettings::default()
        };
        let url =
            Url::parse("https://ingest:pa%20ss-W0RD@collector.test/v1?token=qu3ry-T0KEN").unwrap();
        let secrets = sent_secrets(&delivery, &url);
        let basic = STANDARD.encode("ingest:pa ss-W0RD");
        let answer = format!(
            "bad: Bearer k3y-S3CRET h34der-S3CRET Basic {basic} pa ss-W0RD token=qu3ry-T0KEN"
        );
        assert_eq!(
            answer_text(&answer, &secrets, 500),
            "bad: Bearer [REDACTED] [REDACTED] Basic [REDACTED] [REDACTED] token=[REDACTED]"
        );
        // A secret the cut falls in is masked whole first.
        assert_eq!(answer_text("no: k3y-S3CRET", &secrets, 8), "no: [RED");
        assert_eq!(answer_text("é", &secrets, 1), "");
    }
}
