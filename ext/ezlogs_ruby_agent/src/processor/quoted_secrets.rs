//! Secrets an error's message quotes. A value redacted by its key is
//! often quoted in the same event's error message ("Couldn't find User
//! with 'id'=\"S3CRET\""), which is masked there too (the Redactor). Ruby's
//! HttpTracker::FilteredError masks a request's filtered values in its
//! error's message with the same rules (`Native.masked_quotes`).
//!
//! A message quotes a value as it is, or as Ruby's `String#inspect` writes
//! it, which escapes some characters, and writes others by the string's
//! encoding and the process's (`rb_str_inspect` in Ruby's string.c). The
//! core holds the value as UTF-8 text, so each secret becomes a pattern
//! that matches every way `inspect` can write each of its characters.

use std::borrow::Cow;

use regex::{NoExpand, Regex};

use super::REDACTED;

/// What a value masked already reads (Rails' filter_parameters writes the
/// second): nothing to look for, nor in any part of it.
const MASKS: [&str; 2] = [REDACTED, "[FILTERED]"];

/// A value shorter than this (in characters) is not looked for: it cannot
/// be told from other text (a token "e" would take every "e", a pin "1"
/// every other field's 1), and there is little of it to give away.
const SHORTEST: usize = 4;

/// The most secret text (in bytes) looked for in one message. Its pattern
/// takes about 10 ms to build per 1,000 non-ASCII characters; past this,
/// the whole message is masked instead.
const MOST_SECRET_BYTES: usize = 16 * 1024;

/// Whether `value` is a mask, or a part of one ("DACT"), which would break
/// the masks already there.
pub(super) fn is_mask(value: &str) -> bool {
    MASKS.iter().any(|mask| mask.contains(value))
}

/// `text` with each of `values` masked where it quotes it, as it is or as
/// `inspect` writes it; None when it quotes none. A value is not looked
/// for when it is short, a mask already, or longer than `text` (no way of
/// writing it is shorter than the value). The longest is looked for
/// first, so that a secret inside another does not leave the rest of the
/// longer one. When the values are too many to look for
/// (MOST_SECRET_BYTES), all of `text` is masked.
pub fn masked_quotes(text: &str, values: Vec<String>) -> Option<String> {
    let mut secrets: Vec<String> = values
        .into_iter()
        .filter(|value| {
            value.len() <= text.len() && value.chars().count() >= SHORTEST && !is_mask(value)
        })
        .collect();
    if secrets.is_empty() {
        return None;
    }
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    let pattern = (secrets.iter().map(String::len).sum::<usize>() <= MOST_SECRET_BYTES)
        .then(|| {
            let alternation: Vec<String> = secrets.iter().map(|secret| spelled(secret)).collect();
            Regex::new(&alternation.join("|")).ok()
        })
        .flatten();
    let Some(pattern) = pattern else {
        return Some(REDACTED.to_string());
    };
    match pattern.replace_all(text, NoExpand(REDACTED)) {
        Cow::Owned(masked) => Some(masked),
        Cow::Borrowed(_) => None,
    }
}

/// A pattern for `secret` as it is and as `inspect` writes it, character
/// by character.
fn spelled(secret: &str) -> String {
    let mut pattern = String::with_capacity(secret.len() * 2);
    for c in secret.chars() {
        let spellings = spellings(c);
        if spellings.len() == 1 {
            pattern.push_str(&regex::escape(&spellings[0]));
            continue;
        }
        let escaped: Vec<String> = spellings.iter().map(|s| regex::escape(s)).collect();
        pattern.push_str("(?:");
        pattern.push_str(&escaped.join("|"));
        if c == char::REPLACEMENT_CHARACTER {
            // A byte that was not UTF-8, scrubbed when the core took the
            // value, which `inspect` writes as `\xFF` (one to three bytes
            // make one replacement character).
            pattern.push_str(r"|(?:\\x[0-9A-F]{2}){1,3}");
        }
        pattern.push(')');
    }
    pattern
}

/// The ways a message can write `c`: as it is, and as `inspect` escapes
/// it (rb_str_inspect; rb_str_buf_cat_escaped_char for a code point).
fn spellings(c: char) -> Vec<String> {
    let mut spellings = vec![c.to_string()];
    let named = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        // Before `{`, `$` and `@`, which would interpolate.
        '#' => Some("\\#"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        '\u{c}' => Some("\\f"),
        '\u{b}' => Some("\\v"),
        '\u{8}' => Some("\\b"),
        '\u{7}' => Some("\\a"),
        '\u{1b}' => Some("\\e"),
        _ => None,
    };
    let code = u32::from(c);
    if let Some(named) = named {
        spellings.push(named.to_string());
    } else if c.is_ascii_control() {
        // A Unicode string's, and a binary or ASCII string's.
        spellings.push(format!("\\u{code:04X}"));
        spellings.push(format!("\\x{code:02X}"));
    } else if !c.is_ascii() {
        // Not printable, or not in the process's encoding (a Unicode
        // string's code point).
        spellings.push(if code < 0x10000 {
            format!("\\u{code:04X}")
        } else {
            format!("\\u{{{code:X}}}")
        });
        // A binary string's bytes.
        let mut bytes = [0; 4];
        let utf8 = c.encode_utf8(&mut bytes).bytes();
        spellings.push(utf8.map(|byte| format!("\\x{byte:02X}")).collect());
        // A Latin-1 string's byte (its code point).
        if code < 0x100 {
            spellings.push(format!("\\x{code:02X}"));
        }
    }
    spellings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(values: &[&str], text: &str) -> String {
        masked_quotes(text, values.iter().map(|v| v.to_string()).collect())
            .unwrap_or_else(|| text.to_string())
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

    // As Ruby 3.1 and 3.3 write them: "S3#{x}\u0001\u007F\f".inspect,
    // .b.inspect, and a string of another encoding or process encoding.
    #[test]
    fn masks_a_secret_however_inspect_escapes_it() {
        let cases = [
            ("S3#{x}#$y#@z", r#""S3\#{x}\#$y\#@z""#),
            (
                "S3\u{1}CR\u{7f}ET\u{c}\u{b}\u{8}\u{7}",
                r#""S3\u0001CR\u007FET\f\v\b\a""#,
            ),
            ("S3\u{1}CR\u{7f}ET", r#""S3\x01CR\x7FET""#),
            ("S3CR\u{85}ET\u{2028}", r#""S3CR\u0085ET\u2028""#),
            ("S3CRÉT-tök🔑", r#""S3CR\u00C9T-t\u00F6k\u{1F511}""#),
            (
                "S3CRÉT-tök🔑",
                r#""S3CR\xC3\x89T-t\xC3\xB6k\xF0\x9F\x94\x91""#,
            ),
            ("S3CRÉT", r#""S3CR\xC9T""#),
            ("S3\u{fffd}CR\u{fffd}ET", r#""S3\xFFCR\xE2\x82ET""#),
        ];
        for (secret, quoted) in cases {
            let text = format!("no user {quoted} ({secret})");
            assert_eq!(
                masked(&[secret], &text),
                "no user \"[REDACTED]\" ([REDACTED])",
                "{quoted}"
            );
        }
    }

    #[test]
    fn leaves_short_values_alone() {
        assert_eq!(
            masked_quotes("e 123", vec!["e".to_string(), "123".to_string()]),
            None
        );
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
    fn looks_for_no_mask_no_empty_value_and_none_longer_than_the_text() {
        let values = [
            "",
            "[FILTERED]",
            REDACTED,
            "DACT",
            "S3CRET-longer-than-the-text",
        ];
        let text = "[FILTERED] [REDACTED] S3CRET-longer";
        assert_eq!(masked_quotes(text, values.map(String::from).to_vec()), None);
    }

    #[test]
    fn masks_the_whole_message_when_the_secrets_are_too_many_to_look_for() {
        let text = "é".repeat(1_000);
        let values = (0..30).map(|n| format!("{n:04}{}", "é".repeat(400)));
        assert_eq!(
            masked_quotes(&text, values.collect()).as_deref(),
            Some(REDACTED)
        );
    }
}
