//! The agent's settings, handed over from the Ruby configuration once per
//! `configure` as plain data and read by everything else from here.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::RwLock;
use serde::Deserialize;

use crate::event::ProcessInfo;

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
    pub batch_size: usize,
    pub flush_interval_secs: f64,
    pub event_buffer_size: usize,
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
            batch_size: 100,
            flush_interval_secs: 5.0,
            event_buffer_size: 10_000,
        }
    }
}

impl DeliverySettings {
    pub fn flush_interval(&self) -> Duration {
        Duration::try_from_secs_f64(self.flush_interval_secs).unwrap_or(Duration::from_secs(5))
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

/// The settings in force, with the platform block every event shares.
pub struct Active {
    pub settings: Settings,
    pub process: Arc<ProcessInfo>,
}

static ACTIVE: LazyLock<RwLock<Arc<Active>>> =
    LazyLock::new(|| RwLock::new(Arc::new(Active::from(Settings::default()))));

impl From<Settings> for Active {
    fn from(settings: Settings) -> Self {
        Self {
            process: Arc::new(settings.process_info()),
            settings,
        }
    }
}

pub fn current() -> Arc<Active> {
    ACTIVE.read().clone()
}

pub fn replace(settings: Settings) {
    *ACTIVE.write() = Arc::new(Active::from(settings));
}
