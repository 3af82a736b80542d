//! Redaction (DESIGN section 7). A value is replaced by "[REDACTED]" when
//! its key names a secret, or, with `auto_detect_pii`, when it is a string
//! holding a card number, e-mail address, US SSN or phone number, or when a
//! custom pattern matches it.
//!
//! Key names are matched on whole segments, not substrings, and whatever
//! their case: `api_key` matches `X-Api-Key` and `stripeApiKey`,
//! `password` matches `password_confirmation` and `PassWord`, but
//! `monkey` matches nothing. A name is split at non-alphanumerics, and
//! also at lower-to-upper changes (`apiKey`); either split may match. The
//! bare word `key` is too common to match inside compounds, so it only
//! matches a key named `key`: `primary_key` and `key_pattern` pass.
//! Correlation and platform blocks are never touched (a request's
//! `correlation.session_id` is a digest, not the session's id). A value
//! redacted is masked too where the event's error message quotes it, and
//! one redacted as personal data where its action does (a request's
//! path). An error's message is then cut to 1,000 characters.
//!
//! Apps log the same keys over and over, and matching one against every
//! field costs about 2,000 instructions: each thread remembers the decision
//! for the keys it has seen (`KNOWN_KEYS`).

use std::cell::RefCell;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use fnv::FnvHashMap;
use percent_encoding::percent_decode_str;
use regex::Regex;

use super::quoted_secrets::{is_mask, masked_quotes};
use super::ProcessingSettings;
use crate::data::{Data, Object, Text};
use crate::event::Event;

pub const REDACTED: &str = "[REDACTED]";

/// An error's message (`metadata.error.message`) is kept to this many
/// characters. Ruby's trackers hand it over whole, and it is cut here,
/// once masked: cut first, a secret across the cut would not be found,
/// and the part before the cut would be sent.
const ERROR_MESSAGE_CHARS: usize = 1_000;

/// Always sensitive, whatever the configuration adds.
const BUILT_IN_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "authorization",
    "bearer",
    "cookie",
    "credit_card",
    "card_number",
    "cvv",
    "cvc",
    "ssn",
    "social_security_number",
    "session_id",
    "key",
];

/// Whether `key` is the JSON the core wrote for a key that holds a Hash or
/// an Array (convert.rs, `key_text`: a record, a Struct, `group(:a, :b)`'s
/// pairs; with " (2)" after it where `keep_apart` numbered it), redacted
/// inside already. It is not a name: matched as one, a record's `"email"`
/// field would take the value under it (its count in `group(:user).count`)
/// for a secret. A key that only begins so (`"{token}"`, `"[password]"`,
/// which Rack parses from a query string as they are) is not JSON, and is
/// a name as any other.
fn is_written_json(key: &str) -> bool {
    if !(key.starts_with('{') || key.starts_with('[')) {
        return false;
    }
    serde_json::from_str::<serde::de::IgnoredAny>(without_number(key)).is_ok()
}

/// `key` without the " (n)" `keep_apart` may have put after it.
fn without_number(key: &str) -> &str {
    let Some(inner) = key.strip_suffix(')') else {
        return key;
    };
    match inner.rfind(" (") {
        Some(at) if is_number(&inner[at + 2..]) => &key[..at],
        _ => key,
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Identifiers that frameworks generate in shapes PII detection would take
/// for an address (a mail Message-ID is `random@host`). Their values are not
/// scanned; their keys are still checked like any other.
const IDENTIFIER_KEYS: &[&str] = &["message_id", "request_id", "job_id", "provider_job_id"];

/// Words that only match a key that is exactly that word.
const WHOLE_KEY_ONLY: &[&str] = &["key"];

/// The most keys a thread remembers decisions for, and the longest key it
/// remembers: a bound on what an app that logs ever-new keys (ids as keys)
/// can make it hold.
const KNOWN_KEYS_MAX: usize = 4_096;
const KNOWN_KEY_MAX_BYTES: usize = 64;

/// Decisions on keys, for the redactor `redactor` (a new configuration
/// makes a new redactor, whose decisions may differ).
struct KnownKeys {
    redactor: u64,
    sensitive: FnvHashMap<Text, bool>,
}

thread_local! {
    static KNOWN_KEYS: RefCell<KnownKeys> = const {
        RefCell::new(KnownKeys {
            redactor: 0,
            sensitive: FnvHashMap::with_hasher(BuildHasherDefault::new()),
        })
    };
}

/// Numbers redactors, from 1.
static REDACTORS: AtomicU64 = AtomicU64::new(1);

/// Why the regex engine cannot compile `source` (Rust `regex` syntax), or
/// None when it can. Ruby's configuration asks before handing patterns over,
/// and applies the ones refused here itself.
pub fn pattern_error(source: &str) -> Option<String> {
    Regex::new(source).err().map(|error| error.to_string())
}

pub struct Redactor {
    /// Each field as its lowercase segments, split both ways
    /// (`split_segments`).
    fields: Vec<Vec<String>>,
    key_patterns: Vec<Regex>,
    /// Every value pattern in one alternation, so a string is scanned once.
    value_patterns: Option<Regex>,
    /// Built when auto_detect_pii is on, and only then (detects_pii).
    card_candidates: Option<Regex>,
    /// No custom_pii_patterns: what the built-in patterns need is known
    /// (may_hold_built_in_pii).
    only_built_in: bool,
    /// Which redactor this is, for `KNOWN_KEYS`.
    id: u64,
}

impl Redactor {
    pub fn new(settings: &ProcessingSettings) -> Result<Redactor, String> {
        let mut fields: Vec<Vec<String>> = BUILT_IN_FIELDS
            .iter()
            .copied()
            .chain(settings.sensitive_fields.iter().map(String::as_str))
            .flat_map(|name| [segments(name, true), segments(name, false)])
            .filter(|segments| !segments.is_empty())
            .collect();
        fields.sort();
        fields.dedup();
        let compile = |what: &str, source: &str| {
            Regex::new(source).map_err(|e| format!("{what} {source:?} cannot be used: {e}"))
        };
        let key_patterns = settings
            .sensitive_key_patterns
            .iter()
            .map(|source| compile("the filter parameter pattern", source))
            .collect::<Result<_, _>>()?;
        let mut value_sources: Vec<String> = Vec::new();
        if settings.auto_detect_pii {
            value_sources.extend(
                [
                    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
                    r"\b\d{3}-\d{2}-\d{4}\b",
                    r"(?:\+\d{1,3}[ .-]?)?\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b",
                    // International (E.164: 8 to 15 digits after the
                    // `+`), with or without separators; and with a trunk
                    // or an area code in parentheses after the country
                    // code ("+44 (0)20 7946 0958", "+49 (6221) 5438").
                    r"\+\d(?:[ .-]?\d){7,14}\b",
                    r"\+\d{1,3}[ .-]?\(\d{1,4}\)(?:[ .-]?\d){4,12}\b",
                ]
                .map(String::from),
            );
        }
        for (name, source) in &settings.custom_pii_patterns {
            // Compiled alone first, so that an error names the pattern.
            compile(&format!("security.custom_pii_patterns[{name}]"), source)?;
            value_sources.push(source.clone());
        }
        let value_patterns = if value_sources.is_empty() {
            None
        } else {
            let alternation: Vec<String> =
                value_sources.iter().map(|s| format!("(?:{s})")).collect();
            Some(compile("the value patterns", &alternation.join("|"))?)
        };
        let card_candidates = settings
            .auto_detect_pii
            .then(|| compile("the card pattern", r"\b(?:\d[ -]?){12,18}\d\b"))
            .transpose()?;
        Ok(Redactor {
            fields,
            key_patterns,
            value_patterns,
            card_candidates,
            only_built_in: settings.custom_pii_patterns.is_empty(),
            id: REDACTORS.fetch_add(1, Relaxed),
        })
    }

    /// Redacts the event. A value redacted is also masked where the
    /// event's error message quotes it (masked_quotes): a job given
    /// `token:` that runs `User.find(token)` fails with "Couldn't find
    /// User with 'id'=...". A value redacted as personal data is masked in
    /// the action too, which a request's path is part of ("GET
    /// /badges/ada@example.com"); not one redacted by its key, which may
    /// be a word of the app's own (a class name, a queue). An action that
    /// holds personal data of its own is redacted whole. (Most events
    /// redact nothing, and look for no message.)
    pub fn redact(&self, event: &mut Event) {
        let mut redacted = Redacted::default();
        self.object(&mut event.actor, &mut redacted);
        for object in [&mut event.subject, &mut event.metadata, &mut event.timing]
            .into_iter()
            .flatten()
        {
            self.object(object, &mut redacted);
        }
        if !redacted.personal.is_empty() {
            if let Some(masked) = masked_quotes(&event.action, &redacted.personal) {
                event.action = masked.into();
            }
        }
        // An action the app wrote (log_event's) may hold personal data of
        // its own: one that still does is redacted whole, as a value is.
        if self.holds_pii(&event.action) {
            let action = std::mem::replace(&mut event.action, REDACTED.into());
            redacted.personal.push(action.into());
        }
        let Some((Data::Text(text), trackers_form)) = error_message(event) else {
            return;
        };
        redacted.by_key.append(&mut redacted.personal);
        if !redacted.by_key.is_empty() {
            if let Some(masked) = masked_quotes(text, &redacted.by_key) {
                *text = masked.into();
            }
        }
        if trackers_form {
            cut(text, ERROR_MESSAGE_CHARS);
        }
    }

    /// One value redacted as the event's are (Processor::redact_value).
    pub fn redact_value(&self, value: &mut Data) {
        self.value(value, &mut Redacted::default());
    }

    fn object(&self, object: &mut Object, redacted: &mut Redacted) {
        for (key, value) in &mut object.0 {
            if self.is_sensitive_key(key) && !is_written_json(key) {
                collect_values(value, &mut redacted.by_key);
                *value = Data::text(REDACTED);
            } else if !IDENTIFIER_KEYS.contains(&key.as_str()) {
                self.value(value, redacted);
            }
        }
    }

    fn value(&self, value: &mut Data, redacted: &mut Redacted) {
        match value {
            Data::Map(object) => self.object(object, redacted),
            Data::List(items) => items.iter_mut().for_each(|item| self.value(item, redacted)),
            Data::Text(text) if self.holds_pii(text) => {
                redacted
                    .personal
                    .push(std::mem::replace(text, REDACTED.into()).into());
            }
            _ => {
                if let Some(card) = self.card_number(value) {
                    redacted.personal.push(card.to_string());
                    *value = Data::text(REDACTED);
                }
            }
        }
    }

    /// A card number a JSON body or a column holds as a number
    /// (`4111111111111111`, or `4111111111111111.0`): 13 digits or more,
    /// checked as its text is.
    #[inline]
    fn card_number(&self, value: &Data) -> Option<u64> {
        let number = match *value {
            Data::Int(number) => number.unsigned_abs(),
            Data::UInt(number) => number,
            // A whole Float below 2^64 converts exactly (`as` saturates).
            Data::Float(number) if number.fract() == 0.0 => number.abs() as u64,
            _ => return None,
        };
        (number >= SHORTEST_CARD && self.detects_pii() && luhn_valid(&number.to_string()))
            .then_some(number)
    }

    /// Whether auto_detect_pii is on.
    fn detects_pii(&self) -> bool {
        self.card_candidates.is_some()
    }

    pub fn is_sensitive_key(&self, key: &str) -> bool {
        KNOWN_KEYS.with_borrow_mut(|known| {
            if known.redactor != self.id {
                known.redactor = self.id;
                known.sensitive.clear();
            }
            if let Some(&sensitive) = known.sensitive.get(key) {
                return sensitive;
            }
            let sensitive = self.matches_key(key);
            if known.sensitive.len() < KNOWN_KEYS_MAX && key.len() <= KNOWN_KEY_MAX_BYTES {
                known.sensitive.insert(key.into(), sensitive);
            }
            sensitive
        })
    }

    fn matches_key(&self, key: &str) -> bool {
        let mut by_case = [""; MAX_SEGMENTS];
        let count = split_segments(key, &mut by_case, true);
        let mut whole_words = [""; MAX_SEGMENTS];
        // The second split differs only when the case changes inside a word.
        let words = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            split_segments(key, &mut whole_words, false)
        } else {
            0
        };
        self.fields.iter().any(|field| {
            matches_segments(&by_case[..count], field)
                || matches_segments(&whole_words[..words], field)
        }) || self
            .key_patterns
            .iter()
            .any(|pattern| pattern.is_match(key))
    }

    /// Also %-decoded: a path or a URL writes `alice%40example.com`.
    fn holds_pii(&self, text: &str) -> bool {
        if self.only_built_in && !may_hold_built_in_pii(text) {
            return false;
        }
        self.matches_pii(text)
            || (text.contains('%')
                && percent_decode_str(text)
                    .decode_utf8()
                    .is_ok_and(|decoded| self.matches_pii(&decoded)))
    }

    fn matches_pii(&self, text: &str) -> bool {
        self.value_patterns
            .iter()
            .any(|pattern| pattern.is_match(text))
            || (self.detects_pii() && is_address_but_its_suffix(text))
            || self.card_candidates.as_ref().is_some_and(|cards| {
                cards
                    .find_iter(text)
                    .any(|candidate| luhn_valid(candidate.as_str()))
            })
    }
}

/// The fewest digits of a number the built-in patterns find: an
/// international phone number's 8 (an SSN has 9, a card 13 or more).
const FEWEST_DIGITS: usize = 8;

/// Whether `text` has what one of the built-in patterns needs: an `@`, a
/// `%` (an `@` %-encoded) or FEWEST_DIGITS digits. Most strings have none,
/// and skip the regex engine, whose calls cost some hundreds of
/// instructions each even on a short string.
fn may_hold_built_in_pii(text: &str) -> bool {
    let mut digits = 0;
    text.bytes().any(|byte| {
        digits += usize::from(byte.is_ascii_digit());
        digits >= FEWEST_DIGITS || byte == b'@' || byte == b'%'
    })
}

/// The smallest number with a card number's fewest digits, 13.
const SHORTEST_CARD: u64 = 1_000_000_000_000;

/// The longest e-mail address (RFC 5321's path limit).
const LONGEST_ADDRESS: usize = 254;

/// Whether the whole of `text` is an e-mail address but for its last label:
/// Rails takes `.com` off /users/ada@example.com as the format, and the
/// route's id is `ada@example`. (Checked by hand, not by the value patterns:
/// a branch anchored at both ends there costs every string scanned.)
fn is_address_but_its_suffix(text: &str) -> bool {
    text.len() <= LONGEST_ADDRESS
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && local
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The values an event had redacted, kept to mask where its error message
/// or its action quotes them.
#[derive(Default)]
struct Redacted {
    by_key: Vec<String>,
    /// Those redacted as personal data (holds_pii).
    personal: Vec<String>,
}

/// Adds the values in `value` (at any depth) to `into`, as text; not a
/// mask already there (Rails' filtered params), which quotes nothing: no
/// String is made for it.
fn collect_values(value: &Data, into: &mut Vec<String>) {
    match value {
        Data::Text(text) if !is_mask(text) => into.push(text.to_string()),
        Data::Int(number) => into.push(number.to_string()),
        Data::UInt(number) => into.push(number.to_string()),
        Data::Float(number) => into.push(number.to_string()),
        Data::List(items) => items.iter().for_each(|item| collect_values(item, into)),
        Data::Map(object) => object
            .0
            .iter()
            .for_each(|(_, item)| collect_values(item, into)),
        _ => {}
    }
}

/// The event's error message, where values are masked: `metadata.error`'s
/// `message` (the trackers' `{class, message, backtrace}`: true), or
/// `metadata.error` itself when it is text (`log_event`'s: false). Only
/// there: a message quotes what it failed on, while other fields that hold
/// the same text (a class name, a queue, a timestamp's year) are the app's
/// data.
fn error_message(event: &mut Event) -> Option<(&mut Data, bool)> {
    let metadata = event.metadata.as_mut()?;
    let (_, error) = metadata.0.iter_mut().find(|(key, _)| key == "error")?;
    let (message, trackers_form) = match error {
        Data::Map(error) => (
            error
                .0
                .iter_mut()
                .find(|(key, _)| key == "message")
                .map(|(_, message)| message)?,
            true,
        ),
        text => (text, false),
    };
    matches!(message, Data::Text(_)).then_some((message, trackers_form))
}

/// `text` to its first `chars` characters, or to the end of the mask that
/// the cut would split.
fn cut(text: &mut Text, chars: usize) {
    let Some((mut end, _)) = text.char_indices().nth(chars) else {
        return;
    };
    let mut from = end.saturating_sub(REDACTED.len() - 1);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    if let Some(at) = text[from..].find(REDACTED).map(|at| from + at) {
        if at < end {
            end = end.max(at + REDACTED.len());
        }
    }
    text.truncate(end);
}

/// A key is split into at most this many segments; the rest is ignored.
const MAX_SEGMENTS: usize = 32;

/// `X-Api-Key`, `apiKey` and `api_key` all become ["api"/"Api", "key"/"Key"]:
/// slices of `name`, split at non-alphanumerics and, when `by_case`, at
/// lower-to-upper case changes, written into `out` without allocating.
/// Returns how many. Without `by_case`, `PassWord` stays one segment.
fn split_segments<'a>(name: &'a str, out: &mut [&'a str; MAX_SEGMENTS], by_case: bool) -> usize {
    let mut count = 0;
    let mut push = |segment: &'a str| {
        if count < MAX_SEGMENTS {
            out[count] = segment;
            count += 1;
        }
    };
    let mut start = None;
    let mut previous_lower = false;
    for (i, c) in name.char_indices() {
        let boundary = !c.is_alphanumeric() || (by_case && c.is_uppercase() && previous_lower);
        if boundary {
            if let Some(s) = start.take() {
                push(&name[s..i]);
            }
        }
        if c.is_alphanumeric() && start.is_none() {
            start = Some(i);
        }
        previous_lower = c.is_alphanumeric() && (c.is_lowercase() || c.is_ascii_digit());
    }
    if let Some(s) = start {
        push(&name[s..]);
    }
    count
}

/// A field's segments, lowercased once when the redactor is built.
fn segments(name: &str, by_case: bool) -> Vec<String> {
    let mut out = [""; MAX_SEGMENTS];
    let count = split_segments(name, &mut out, by_case);
    out[..count].iter().map(|s| s.to_lowercase()).collect()
}

fn matches_segments(key: &[&str], field: &[String]) -> bool {
    let same = |k: &&str, f: &String| k.eq_ignore_ascii_case(f);
    if field.len() == 1 && WHOLE_KEY_ONLY.contains(&field[0].as_str()) {
        return key.len() == 1 && same(&key[0], &field[0]);
    }
    key.windows(field.len())
        .any(|window| window.iter().zip(field).all(|(k, f)| same(k, f)))
}

/// A payment card number: a card network's prefix (Visa 4, Mastercard 2
/// and 5, Amex and Diners 3, Discover 6) and the Luhn checksum. The prefix
/// keeps long ids and millisecond timestamps from passing by chance.
fn luhn_valid(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) || !matches!(digits[0], 2..=6) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(settings: ProcessingSettings) -> Redactor {
        Redactor::new(&settings).unwrap()
    }

    fn defaults() -> Redactor {
        redactor(ProcessingSettings {
            sensitive_fields: [
                "password",
                "token",
                "api_key",
                "secret",
                "key",
                "authorization",
                "bearer",
            ]
            .map(String::from)
            .to_vec(),
            ..ProcessingSettings::default()
        })
    }

    #[test]
    fn a_key_written_as_json_is_no_name_but_one_that_only_begins_so_is() {
        for written in [
            r#"{"id":1,"email":"[REDACTED]"}"#,
            r#"{"id":2,"password":"[REDACTED]"} (2)"#,
            r#"["a",{"token":"[REDACTED]"}]"#,
        ] {
            assert!(is_written_json(written), "{written}");
        }
        for name in [
            "{token}",
            "[password]",
            "{password} (2)",
            "[secret",
            r#"{"a":1} (x)"#,
        ] {
            assert!(!is_written_json(name), "{name}");
        }
    }

    #[test]
    fn matches_whole_segments_not_substrings() {
        let r = defaults();
        for secret in [
            "password",
            "Password",
            "password_confirmation",
            "user_password",
            "X-Api-Key",
            "stripeApiKey",
            "api_key",
            "access_token",
            "Authorization",
            "client_secret",
            "key",
            "credit_card_number",
            "creditCard",
            "ssn",
            "PassWord",
            "passWord",
            "PASSWORD",
            "session_id",
            "sessionId",
        ] {
            assert!(r.is_sensitive_key(secret), "{secret} should be redacted");
        }
        for harmless in [
            "primary_key",
            "key_pattern",
            "flow_id",
            "monkey",
            "keyboard",
            "tokenizer_name",
            "email",
            "monKey",
            "session",
        ] {
            assert!(!r.is_sensitive_key(harmless), "{harmless} should pass");
        }
    }

    #[test]
    fn a_remembered_decision_is_its_redactors_own() {
        let plain = defaults();
        let strict = redactor(ProcessingSettings {
            sensitive_fields: vec!["coupon".into()],
            ..ProcessingSettings::default()
        });
        for _ in 0..2 {
            assert!(!plain.is_sensitive_key("coupon_code"));
            assert!(strict.is_sensitive_key("coupon_code"));
            assert!(plain.is_sensitive_key("api_key"));
        }
        let long = format!("{}_password", "x".repeat(KNOWN_KEY_MAX_BYTES));
        assert!(plain.is_sensitive_key(&long) && plain.is_sensitive_key(&long));
        for n in 0..KNOWN_KEYS_MAX + 10 {
            assert!(!plain.is_sensitive_key(&format!("field_{n}")));
        }
        assert!(KNOWN_KEYS.with_borrow(|known| known.sensitive.len()) <= KNOWN_KEYS_MAX);
        assert!(
            plain.is_sensitive_key("user_token"),
            "decided when no longer remembered"
        );
    }

    #[test]
    fn filter_parameter_patterns_match_keys() {
        let r = redactor(ProcessingSettings {
            sensitive_key_patterns: vec!["(?i)passw".into(), "(?i)\\Acrypt".into()],
            ..ProcessingSettings::default()
        });
        assert!(r.is_sensitive_key("passwd_hint"));
        assert!(r.is_sensitive_key("crypted_value"));
        assert!(!r.is_sensitive_key("encrypted_at_rest_flag"));
    }

    #[test]
    fn detects_pii_in_values() {
        let r = defaults();
        for pii in [
            "alice@example.com",
            "write to bob.smith+shop@mail.example.org please",
            "123-45-6789",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5500005555555559",
            "(555) 123-4567",
            "+1 555-123-4567",
            "+447911123456",
            "+44 20 7946 0958",
            "call +33 1 23 45 67 89",
            "+49-30-901820",
            "+44 (0)20 7946 0958",
            "+49 (30) 901820",
            "+33 (0)1 23 45 67 89",
            "+49 (6221) 5438",
            "/users/alice%40example.com/edit",
            "card=4111%201111%201111%201111",
            "ada@example",
            "root@localhost",
        ] {
            assert!(r.holds_pii(&Text::from(pii)), "{pii} should be redacted");
        }
        for harmless in [
            "order 1234",
            "4111 1111 1111 1112",
            "2026-01-15",
            "1768473000123",
            "v1.2.3",
            "SKU-12-34",
            "/search?q=100%25%20off",
            "%FF%40",
            "+2 points, +15 bonus",
            "+2 (3) points",
            "+44 (0)20",
            "1+1 = 2",
            "see ada@example",
            "@example",
            "ada@",
            "HEAD@{1}",
        ] {
            assert!(
                !r.holds_pii(&Text::from(harmless)),
                "{harmless} should pass"
            );
        }
    }

    #[test]
    fn redacts_card_numbers_held_as_numbers() {
        let mut event = crate::delivery::test_events::event();
        let mut metadata = Object::default();
        for (key, number) in [
            ("visa", Data::Int(4_111_111_111_111_111)),
            ("amex", Data::UInt(378_282_246_310_005)),
            ("not_luhn", Data::Int(4_111_111_111_111_112)),
            ("epoch_ms", Data::Int(1_768_473_000_123)),
            ("phone", Data::Int(5_551_234_567)),
            ("as_float", Data::Float(4_111_111_111_111_111.0)),
            ("fraction", Data::Float(4_111_111_111_111.5)),
        ] {
            metadata.push(key, number);
        }
        event.metadata = Some(metadata);
        defaults().redact(&mut event);
        let values: Vec<Data> = event
            .metadata
            .unwrap()
            .0
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            values,
            [
                Data::text(REDACTED),
                Data::text(REDACTED),
                Data::Int(4_111_111_111_111_112),
                Data::Int(1_768_473_000_123),
                Data::Int(5_551_234_567),
                Data::text(REDACTED),
                Data::Float(4_111_111_111_111.5),
            ]
        );
    }

    #[test]
    fn masks_personal_data_redacted_in_a_value_where_the_action_quotes_it() {
        let r = defaults();
        let action = |action: &str, path: &str| {
            let mut event = crate::delivery::test_events::event();
            event.action = action.into();
            let mut metadata = Object::default();
            metadata.push("path", Data::text(path));
            event.metadata = Some(metadata);
            r.redact(&mut event);
            event.action.to_string()
        };
        let path = "/badges/ada%40example.com";
        assert_eq!(action(&format!("GET {path}"), path), "GET [REDACTED]");
        assert_eq!(
            action("GET /orders/1234", "/orders/1234"),
            "GET /orders/1234"
        );
        assert_eq!(action("signup ada@example.com", "/"), "[REDACTED]");
        assert_eq!(action("called +44 20 7946 0958", "/"), "[REDACTED]");
        assert_eq!(action("user.signup", "/"), "user.signup");
    }

    #[test]
    fn configured_fields_match_whatever_their_case() {
        let r = redactor(ProcessingSettings {
            sensitive_fields: vec!["PinCode".into(), "EMPLOYEE_ssn".into()],
            ..ProcessingSettings::default()
        });
        for secret in [
            "pincode",
            "PINCODE",
            "pin_code",
            "pinCode",
            "employee_ssn",
            "EmployeeSsn",
        ] {
            assert!(r.is_sensitive_key(secret), "{secret} should be redacted");
        }
        assert!(!r.is_sensitive_key("pin"));
    }

    #[test]
    fn custom_patterns_and_their_errors() {
        let r = redactor(ProcessingSettings {
            custom_pii_patterns: vec![("employee".into(), r"\bEMP-\d{6}\b".into())],
            ..ProcessingSettings::default()
        });
        assert!(r.holds_pii(&Text::from("badge EMP-123456")));
        let error = Redactor::new(&ProcessingSettings {
            custom_pii_patterns: vec![("lookahead".into(), r"a(?=b)".into())],
            ..ProcessingSettings::default()
        })
        .err()
        .unwrap();
        assert!(
            error.contains("security.custom_pii_patterns[lookahead]"),
            "{error}"
        );
    }

    #[test]
    fn redacts_nested_values_but_not_correlation() {
        let r = defaults();
        let mut event = crate::delivery::test_events::event();
        let mut card = Object::default();
        card.push("number", Data::text("4111111111111111"));
        card.push("brand", Data::text("visa"));
        let mut metadata = Object::default();
        metadata.push("password", Data::text("hunter2"));
        metadata.push("card", Data::Map(card));
        metadata.push(
            "contacts",
            Data::List(vec![Data::text("a@b.co"), Data::Int(3)]),
        );
        metadata.push("primary_key", Data::text("id"));
        event.metadata = Some(metadata);
        let flow_before = event.correlation.flow_id.clone();
        r.redact(&mut event);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["metadata"]["password"], REDACTED);
        assert_eq!(json["metadata"]["card"]["number"], REDACTED);
        assert_eq!(json["metadata"]["card"]["brand"], "visa");
        assert_eq!(
            json["metadata"]["contacts"],
            serde_json::json!([REDACTED, 3])
        );
        assert_eq!(json["metadata"]["primary_key"], "id");
        assert_eq!(event.correlation.flow_id, flow_before);
    }

    #[test]
    fn masks_in_the_error_message_what_it_redacted_by_key() {
        let r = defaults();
        // The event's metadata, as JSON, once redacted.
        let redacted = |entries: Vec<(&str, Data)>| {
            let mut event = crate::delivery::test_events::event();
            event.metadata = Some(Object(
                entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            ));
            r.redact(&mut event);
            serde_json::to_value(&event).unwrap()["metadata"].clone()
        };
        let quoted = "Couldn't find User with 'id'=\"S3CRET\" (also S3CRET, not 42)";
        // A tracker's error: `{class, message}`.
        let error_saying = |message: &str| {
            let mut error = Object::default();
            error.push("class", Data::text("ActiveRecord::RecordNotFound"));
            error.push("message", Data::text(message));
            Data::Map(error)
        };
        let error = || error_saying(quoted);
        let mut arguments = Object::default();
        let token = Data::List(vec![Data::text("S3CRET"), Data::Int(7)]);
        arguments.push("token", token);
        arguments.push("user_id", Data::text("42"));
        arguments.push("password", Data::text("[FILTERED]"));
        let metadata = redacted(vec![
            ("arguments", Data::Map(arguments)),
            ("error", error()),
            ("note", Data::text("sent S3CRET to 42")),
        ]);
        assert_eq!(
            metadata["error"]["message"],
            "Couldn't find User with 'id'=\"[REDACTED]\" (also [REDACTED], not 42)"
        );
        // Only the error's message: other fields are the app's data.
        assert_eq!(metadata["note"], "sent S3CRET to 42");

        // An error given as text (`log_event`'s metadata).
        let metadata = redacted(vec![
            ("token", Data::text("S3CRET")),
            ("error", Data::text("failed for S3CRET")),
        ]);
        assert_eq!(metadata["error"], "failed for [REDACTED]");

        // A secret across the 1,000th character is masked, then the
        // message is cut (not a String error, log_event's own text).
        let long = format!("{} S3CRET-{}", "x".repeat(990), "y".repeat(20));
        let metadata = redacted(vec![
            ("token", Data::text(format!("S3CRET-{}", "y".repeat(20)))),
            ("error", error_saying(&long)),
        ]);
        assert_eq!(
            metadata["error"]["message"],
            format!("{} [REDACTED]", "x".repeat(990))
        );
        let metadata = redacted(vec![("error", error_saying(&"é".repeat(1_200)))]);
        assert_eq!(metadata["error"]["message"], "é".repeat(1_000));
        let metadata = redacted(vec![("error", Data::text("é".repeat(1_200)))]);
        assert_eq!(metadata["error"], "é".repeat(1_200));

        // Nothing redacted by key that the message quotes: left as it is.
        let metadata = redacted(vec![("user_id", Data::text("S3CRET")), ("error", error())]);
        assert_eq!(metadata["error"]["message"], quoted);
    }

    #[test]
    fn framework_identifiers_are_not_taken_for_addresses() {
        let r = defaults();
        let mut event = crate::delivery::test_events::event();
        let mut metadata = Object::default();
        metadata.push("message_id", Data::text("6b094a1f_41a2@mail.example.com"));
        metadata.push("reply_to", Data::text("6b094a1f_41a2@mail.example.com"));
        event.metadata = Some(metadata);
        r.redact(&mut event);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json["metadata"]["message_id"],
            "6b094a1f_41a2@mail.example.com"
        );
        assert_eq!(json["metadata"]["reply_to"], REDACTED);
    }
}
