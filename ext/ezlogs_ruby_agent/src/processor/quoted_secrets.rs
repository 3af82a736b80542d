//! Secrets an error's message quotes. A value redacted by its key is
//! often quoted in the same event's error message ("Couldn't find User
//! with 'id'=\"S3CRET\""), which is masked there too (the Redactor). Ruby's
//! HttpTracker::FilteredError masks a request's filtered values in its
//! error's message with the same rules (`Native.masked_quotes`).

use super::REDACTED;

/// What a value masked already reads (Rails' filter_parameters writes the
/// second): nothing to look for, nor in any part of it.
const MASKS: [&str; 2] = [REDACTED, "[FILTERED]"];

/// A value shorter than this (in characters) is not looked for: it cannot
/// be told from other text (a token "e" would take every "e", a pin "1"
/// every other field's 1), and there is little of it to give away.
const SHORTEST: usize = 4;

/// Whether `value` is a mask, or a part of one ("DACT"), which would break
/// the masks already there.
pub(super) fn is_mask(value: &str) -> bool {
    MASKS.iter().any(|mask| mask.contains(value))
}

/// The secrets to mask, each also as Ruby's `inspect` writes it inside
/// quotes (`\"`, `\\`, `\n`), which is how messages often quote a value.
pub struct QuotedSecrets(Vec<String>);

impl QuotedSecrets {
    /// None when no value is worth looking for (short, or a mask already).
    pub fn new<I: IntoIterator<Item = String>>(values: I) -> Option<Self> {
        let mut secrets: Vec<String> = Vec::new();
        for value in values {
            if value.chars().count() < SHORTEST || is_mask(&value) {
                continue;
            }
            let inspected = inspected(&value);
            if inspected != value {
                secrets.push(inspected);
            }
            secrets.push(value);
        }
        // The longest first, so that a secret inside another is not masked
        // in it first, leaving the rest of the longer one.
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        (!secrets.is_empty()).then_some(Self(secrets))
    }

    /// `text` with each secret masked; None when it quotes none.
    pub fn mask(&self, text: &str) -> Option<String> {
        let mut masked: Option<String> = None;
        for secret in &self.0 {
            let current = masked.as_deref().unwrap_or(text);
            if current.contains(secret.as_str()) {
                masked = Some(current.replace(secret.as_str(), REDACTED));
            }
        }
        masked
    }
}

/// `value` as Ruby's `String#inspect` writes it between its quotes (for
/// the characters that change in messages).
fn inspected(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(values: &[&str], text: &str) -> String {
        let secrets = QuotedSecrets::new(values.iter().map(|v| v.to_string())).unwrap();
        secrets.mask(text).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn masks_a_secret_as_quoted_and_as_ruby_inspects_it() {
        assert_eq!(
            masked(&["S3CRET"], "Couldn't find User with 'id'=\"S3CRET\""),
            "Couldn't find User with 'id'=\"[REDACTED]\""
        );
        assert_eq!(
            masked(
                &["A\"B\\C\nD"],
                "bad token \"A\\\"B\\\\C\\nD\" and A\"B\\C\nD"
            ),
            "bad token \"[REDACTED]\" and [REDACTED]"
        );
        assert_eq!(
            masked(&["482913"], "otp 482913 rejected"),
            "otp [REDACTED] rejected"
        );
    }

    #[test]
    fn leaves_short_values_alone() {
        assert!(QuotedSecrets::new(["e".to_string(), "123".to_string()]).is_none());
        assert_eq!(
            masked(&["e", "S3CRET"], "token=e, S3CRET"),
            "token=e, [REDACTED]"
        );
    }

    #[test]
    fn masks_the_longer_of_two_secrets_whole() {
        assert_eq!(
            masked(&["S3CR", "S3CRET-long"], "S3CRET-long and S3CR."),
            "[REDACTED] and [REDACTED]."
        );
    }

    #[test]
    fn looks_for_no_mask_and_no_empty_value() {
        assert!(QuotedSecrets::new([
            "".to_string(),
            "[FILTERED]".to_string(),
            REDACTED.to_string()
        ])
        .is_none());
        let secrets = QuotedSecrets::new(["S3CRET".to_string()]).unwrap();
        assert_eq!(secrets.mask("nothing here"), None);
    }
}
