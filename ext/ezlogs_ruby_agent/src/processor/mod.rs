//! What happens to an event between the app's thread and the wire:
//! sampling, redaction and the size limit. Runs on the worker (and, in test
//! mode, on the capturing thread), never touching Ruby.

mod quoted_secrets;
mod redactor;
mod sampler;
mod shrink;

use serde::Deserialize;

pub use quoted_secrets::masked_quotes;
pub use redactor::{pattern_error, Redactor, REDACTED};

use crate::data::Data;
use crate::event::Event;
use crate::metrics::DropReason;

/// The processing rules, as configured in Ruby (`security`, `performance`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct ProcessingSettings {
    pub sample_rate: f64,
    pub sensitive_fields: Vec<String>,
    /// Regex sources matched against key names (from Rails'
    /// `filter_parameters` Regexps).
    pub sensitive_key_patterns: Vec<String>,
    pub auto_detect_pii: bool,
    /// name => regex source, matched against string values.
    pub custom_pii_patterns: Vec<(String, String)>,
    pub max_event_size: usize,
}

impl Default for ProcessingSettings {
    fn default() -> Self {
        Self {
            sample_rate: 1.0,
            sensitive_fields: Vec::new(),
            sensitive_key_patterns: Vec::new(),
            auto_detect_pii: true,
            custom_pii_patterns: Vec::new(),
            max_event_size: 1024 * 1024,
        }
    }
}

pub struct Processor {
    sample_rate: f64,
    redactor: Redactor,
    max_event_size: usize,
}

impl Processor {
    /// Fails with the first pattern that does not compile, named.
    pub fn new(settings: &ProcessingSettings) -> Result<Processor, String> {
        Ok(Processor {
            sample_rate: settings.sample_rate,
            redactor: Redactor::new(settings)?,
            max_event_size: settings.max_event_size,
        })
    }

    /// Samples, redacts and fits the event in place; Err says why it must
    /// be dropped instead.
    pub fn process(&self, event: &mut Event) -> Result<(), DropReason> {
        self.sample_and_redact(event)?;
        self.fit(event)
    }

    /// `process` without the size limit, for a caller that serialises the
    /// event anyway and so measures it itself (then `fit` only when over
    /// `max_event_size`).
    pub fn sample_and_redact(&self, event: &mut Event) -> Result<(), DropReason> {
        if !sampler::keeps(&event.correlation.flow_id, self.sample_rate) {
            return Err(DropReason::SampledOut);
        }
        self.redactor.redact(event);
        Ok(())
    }

    /// The size limit: the event's JSON within `max_event_size`.
    pub fn fit(&self, event: &mut Event) -> Result<(), DropReason> {
        shrink::fit(event, self.max_event_size)
    }

    pub fn max_event_size(&self) -> usize {
        self.max_event_size
    }

    /// `value` redacted as an event's values are: for a Hash key the core
    /// writes as the text of what it holds (convert.rs, `key_text`), where
    /// the event's own redaction no longer sees its keys and values.
    pub fn redact_value(&self, value: &mut Data) {
        self.redactor.redact_value(value);
    }

    /// Whether the redactor redacts a value under `key` (Redactor::is_sensitive_key).
    pub fn is_sensitive_key(&self, key: &str) -> bool {
        self.redactor.is_sensitive_key(key)
    }
}
