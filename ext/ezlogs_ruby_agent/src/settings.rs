//! The agent's settings, handed over from the Ruby configuration once per
//! `configure` as plain data and read by everything else from here.

use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use serde::Deserialize;

use ipnet::IpNet;

use crate::client_ip;
use crate::event::ProcessInfo;
use crate::processor::{ProcessingSettings, Processor};
use crate::sync;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub service: String,
    pub environment: String,
    pub ruby_version: String,
    pub hostname: String,
    /// `instrumentation.custom`: whether `log_event` records anything.
    pub custom_events_enabled: bool,
    pub correlation_enabled: bool,
    pub max_correlation_depth: u32,
    pub limits: Limits,
    pub delivery: DeliverySettings,
    pub processing: ProcessingSettings,
    /// Proxies whose forwarded addresses are believed (Rails'
    /// `action_dispatch.trusted_proxies`); None: Rails' defaults.
    pub trusted_proxies: Option<Vec<String>>,
    /// false when the app trusts proxies the core cannot match as Rails
    /// does (a Regexp, a network written as a String): Rails' own code
    /// then gives a request's client address (HttpTracker::ClientIp).
    pub trusted_proxies_native: bool,
    /// Rails' `action_dispatch.ip_spoofing_check`: with both a Client-Ip
    /// and an X-Forwarded-For header, Rails' own code compares them.
    pub ip_spoofing_check: bool,
}

/// Bounds on what one converted value may hold, so a single event cannot
/// take unbounded memory whatever the app passes in.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Limits {
    pub max_depth: usize,
    pub max_string_bytes: usize,
    pub max_collection_items: usize,
    /// Total bytes of strings one conversion may copy (`max_event_size`).
    pub max_event_bytes: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct DeliverySettings {
    pub endpoint: String,
    /// Where the endpoint was set, for messages: `delivery.endpoint`,
    /// `EZLOGS_ENDPOINT` or one of OpenTelemetry's variables.
    pub endpoint_setting: String,
    /// Where the headers come from, for messages: `delivery.headers`, and
    /// OpenTelemetry's variables when they go to this endpoint.
    pub header_settings: String,
    pub batch_size: usize,
    /// A batch is sent once this much JSON is ready, whatever its count.
    pub max_batch_bytes: usize,
    pub flush_interval_secs: f64,
    pub event_buffer_size: usize,
    /// The queue also holds at most this many bytes of events.
    pub event_buffer_bytes: usize,
    pub timeout_secs: f64,
    pub retry_attempts: u32,
    pub retry_backoff_secs: f64,
    /// Extra request headers, in the order given.
    pub headers: Vec<(String, String)>,
    pub api_key: Option<String>,
    /// "auto" (gzip unless the collector is on loopback), "gzip" or "none".
    pub compression: String,
    pub max_connections: usize,
    pub circuit_breaker_threshold: u32,
    pub circuit_breaker_timeout_secs: f64,
    /// Where batches that cannot be sent wait on disk; none when unset.
    pub spool_dir: Option<String>,
    pub spool_max_bytes: u64,
    /// How long the process's exit may wait for delivery (`delivery::exit`).
    pub shutdown_timeout_secs: f64,
    /// OTLP Resource attributes beyond the agent's own
    /// (OTEL_RESOURCE_ATTRIBUTES, read by the Ruby configuration).
    pub resource_attributes: Vec<(String, String)>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            service: "unknown".into(),
            environment: "development".into(),
            ruby_version: String::new(),
            hostname: String::new(),
            custom_events_enabled: true,
            correlation_enabled: true,
            max_correlation_depth: 20,
            limits: Limits::default(),
            delivery: DeliverySettings::default(),
            processing: ProcessingSettings::default(),
            trusted_proxies: None,
            trusted_proxies_native: true,
            ip_spoofing_check: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_string_bytes: 32 * 1024,
            max_collection_items: 1_000,
            max_event_bytes: 1024 * 1024,
        }
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            endpoint: "http://127.0.0.1:9000/events".into(),
            endpoint_setting: "delivery.endpoint".into(),
            header_settings: "delivery.headers".into(),
            batch_size: 100,
            max_batch_bytes: 1024 * 1024,
            flush_interval_secs: 5.0,
            event_buffer_size: 10_000,
            event_buffer_bytes: 16 * 1024 * 1024,
            timeout_secs: 10.0,
            retry_attempts: 3,
            retry_backoff_secs: 1.0,
            headers: Vec::new(),
            api_key: None,
            compression: "auto".into(),
            max_connections: 2,
            circuit_breaker_threshold: 5,
            circuit_breaker_timeout_secs: 60.0,
            spool_dir: None,
            spool_max_bytes: 100 * 1024 * 1024,
            shutdown_timeout_secs: 5.0,
            resource_attributes: Vec::new(),
        }
    }
}

/// The longest wait a setting or a call can ask for: a year. Longer ones
/// (infinity among them) wait this long, so that adding one to the clock
/// cannot overflow.
pub const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// `secs` as a Duration, at most LONGEST_WAIT; None when it is negative or
/// not a number.
pub fn duration_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).map_or(LONGEST_WAIT, |d| d.min(LONGEST_WAIT)))
}

fn seconds(secs: f64, fallback: u64) -> Duration {
    duration_secs(secs).unwrap_or(Duration::from_secs(fallback))
}

impl DeliverySettings {
    pub fn flush_interval(&self) -> Duration {
        seconds(self.flush_interval_secs, 5)
    }

    pub fn timeout(&self) -> Duration {
        seconds(self.timeout_secs, 10)
    }

    pub fn retry_backoff(&self) -> Duration {
        seconds(self.retry_backoff_secs, 1)
    }

    pub fn circuit_breaker_timeout(&self) -> Duration {
        seconds(self.circuit_breaker_timeout_secs, 60)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        seconds(self.shutdown_timeout_secs, 5)
    }
}

impl Settings {
    pub fn process_info(&self) -> ProcessInfo {
        ProcessInfo {
            service: self.service.clone(),
            environment: self.environment.clone(),
            agent_version: env!("CARGO_PKG_VERSION").to_owned(),
            ruby_version: self.ruby_version.clone(),
            hostname: self.hostname.clone(),
        }
    }
}

/// The settings in force, with what is built from them once: the platform
/// block every event shares and the processor.
pub struct Active {
    pub settings: Settings,
    pub process: Arc<ProcessInfo>,
    pub processor: Arc<Processor>,
    pub trusted_proxies: Vec<IpNet>,
    /// `log://`: events are printed, not sent.
    pub prints_only: bool,
}

impl Active {
    fn new(settings: Settings) -> Result<Self, String> {
        let trusted_proxies = match &settings.trusted_proxies {
            Some(entries) => client_ip::parse_trusted(entries)?,
            None => client_ip::default_trusted(),
        };
        Ok(Self {
            process: Arc::new(settings.process_info()),
            processor: Arc::new(Processor::new(&settings.processing)?),
            trusted_proxies,
            prints_only: settings
                .delivery
                .endpoint
                .starts_with(crate::delivery::LOG_ENDPOINT),
            settings,
        })
    }
}

static ACTIVE: LazyLock<RwLock<Arc<Active>>> = LazyLock::new(|| {
    let defaults = Active::new(Settings::default()).expect("the built-in patterns compile");
    RwLock::new(Arc::new(defaults))
});

pub fn current() -> Arc<Active> {
    sync::read(&ACTIVE).clone()
}

/// Puts `settings` in force, or says what in them cannot be used.
pub fn replace(settings: Settings) -> Result<(), String> {
    let active = Active::new(settings)?;
    *sync::write(&ACTIVE) = Arc::new(active);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_capped_and_refuse_what_is_not_a_wait() {
        assert_eq!(duration_secs(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(duration_secs(f64::INFINITY), Some(LONGEST_WAIT));
        assert_eq!(duration_secs(1e300), Some(LONGEST_WAIT));
        assert_eq!(duration_secs(f64::NAN), None);
        assert_eq!(duration_secs(-1.0), None);
        // A capped wait can always be added to the clock.
        assert!(std::time::Instant::now()
            .checked_add(duration_secs(f64::INFINITY).unwrap())
            .is_some());
    }
}
