//! Secrets an error's message quotes. A value redacted by its key is
//! often quoted in the same event's error message ("Couldn't find User
//! with 'id'=\"S3CRET\""), which is masked there too (the Redactor). Ruby's
//! HttpTracker::FilteredError masks a request's filtered values in its
//! error's message with the same rules (`Native.masked_quotes`).
//!
//! A message quotes a value as it is, as Ruby's `String#inspect` writes
//! it, which escapes some characters, and writes others by the string's
//! encoding and the process's (`rb_str_inspect` in Ruby's string.c), as
//! JSON writes it (a request body an HTTP client's error quotes:
//! `JSON.generate`, and ActiveSupport's `to_json`, which also writes `<`,
//! `>` and `&` as `\u003c`, `\u003e` and `\u0026`), or %-encoded, as a URL
//! writes it. The core holds the value as UTF-8 text,
//! so each secret becomes a pattern that matches every way these can
//! write each of its characters.

use std::borrow::Cow;

use regex::{NoExpand, Regex};

use super::REDACTED;
use crate::truncate;

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

/// A value to look for, and whether the event's limits cut it (the rest
/// of it, unknown, follows it where a message quotes it).
struct Secret<'a> {
    text: &'a str,
    cut: bool,
}

/// `text` with each of `values` masked where it quotes it, as it is, as
/// `inspect` writes it or %-encoded; None when it quotes none. A value is not looked
/// for when it is short or a mask already, nor whole when it is longer
/// than `text` (no way of writing it is shorter than the value). The
/// longest is looked for first, so that a secret inside another does not
/// leave the rest of the longer one. When the values are too many to look
/// for (MOST_SECRET_BYTES), all of `text` is masked.
///
/// The event's limits may have cut a value or the text (truncate::string):
/// a cut value is masked from where the message quotes what was kept of
/// it to the message's end, and a text cut inside a secret from where
/// that secret begins.
pub fn masked_quotes(text: &str, values: &[String]) -> Option<String> {
    // A binary value (not UTF-8) the event holds only as "[binary N
    // bytes]": a message that quotes bytes as `inspect` writes them may
    // quote it, and is masked whole.
    if values.iter().any(|value| truncate::is_binary(value)) && quotes_bytes(text) {
        return Some(REDACTED.to_string());
    }
    let body = truncate::kept(text).unwrap_or(text);
    let mut secrets: Vec<Secret> = values
        .iter()
        .filter_map(|value| {
            let (secret, cut) =
                truncate::kept(value).map_or((value.as_str(), false), |kept| (kept, true));
            let wanted = secret.chars().count() >= SHORTEST && !is_mask(secret);
            wanted.then_some(Secret { text: secret, cut })
        })
        .collect();
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.text.len()));
    secrets.dedup_by(|a, b| a.text == b.text && a.cut == b.cut);
    let whole: Vec<&Secret> = secrets
        .iter()
        .filter(|secret| secret.text.len() <= body.len())
        .collect();
    let mut masked = quoted(body, &whole);
    if body.len() < text.len() {
        let current = masked.as_deref().unwrap_or(body);
        if let Some(start) = secrets
            .iter()
            .filter_map(|secret| cut_inside(current, secret.text))
            .min()
        {
            masked = Some(format!("{}{REDACTED}", &current[..start]));
        }
        masked = masked.map(|masked| masked + &text[body.len()..]);
    }
    masked
}

/// `text` with `secrets` masked, None when it quotes none; all of it
/// when they are too many to look for.
fn quoted(text: &str, secrets: &[&Secret]) -> Option<String> {
    if secrets.is_empty() {
        return None;
    }
    let bytes: usize = secrets.iter().map(|secret| secret.text.len()).sum();
    let pattern = (bytes <= MOST_SECRET_BYTES)
        .then(|| {
            let alternation: Vec<String> = secrets
                .iter()
                .map(|secret| spelled(secret.text) + if secret.cut { "(?s:.*)" } else { "" })
                .collect();
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

/// Whether `text` holds a byte as `inspect` writes one that is not UTF-8
/// (`\xFF`).
fn quotes_bytes(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|w| w[..2] == *b"\\x" && w[2].is_ascii_hexdigit() && w[3].is_ascii_hexdigit())
}

/// Where `text` ends inside `secret`: with its first characters (at least
/// SHORTEST of them, as it is written).
fn cut_inside(text: &str, secret: &str) -> Option<usize> {
    let ends = secret
        .char_indices()
        .map(|(end, _)| end)
        .skip(SHORTEST)
        .take_while(|&end| end <= text.len());
    let longest = ends.filter(|&end| text.ends_with(&secret[..end])).max()?;
    Some(text.len() - longest)
}

/// A pattern for `secret` as it is, as `inspect` writes it and
/// %-encoded, character by character.
fn spelled(secret: &str) -> String {
    let mut pattern = String::with_capacity(secret.len() * 2);
    for c in secret.chars() {
        let spellings = spellings(c);
        if spellings.len() == 1 {
            pattern.push_str(&regex::escape(&spellings[0]));
            continue;
        }
        // The longest first: the first that matches is taken, and a
        // secret ending in `\` would leave the second `\` of its `\\`.
        let mut escaped: Vec<String> = spellings.iter().map(|s| regex::escape(s)).collect();
        escaped.sort_by_key(|spelling| std::cmp::Reverse(spelling.len()));
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

/// The ways a message can write `c`: as it is, as `inspect` escapes it
/// (rb_str_inspect; rb_str_buf_cat_escaped_char for a code point), as JSON
/// escapes it (`json_escaped`), and %-encoded (`percent_encoded`).
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
    for spelling in json_escaped(c).into_iter().chain(percent_encoded(c)) {
        if !spellings.contains(&spelling) {
            spellings.push(spelling);
        }
    }
    spellings
}

/// The ways JSON writes `c` that `inspect` does not: a control character
/// with lower-case hex (`\u001f`: the json gem, and ActiveSupport), and
/// `<`, `>`, `&`, U+2028 and U+2029 as ActiveSupport's `to_json` escapes
/// them (ActiveSupport::JSON::Encoding, `escape_html_entities_in_json`).
/// JSON's `\"`, `\\`, `\n`, `\t`, ... are `inspect`'s too.
fn json_escaped(c: char) -> Option<String> {
    let code = u32::from(c);
    let escaped = c.is_ascii_control() || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}');
    escaped.then(|| format!("\\u{code:04x}"))
}

/// The ways a URL in a message can write `c` (a token in a query string or
/// a path that a client's or a router's error quotes): its UTF-8 bytes
/// %-encoded, in upper or lower case hex, and a space as a form writes it;
/// none for a character URLs leave as it is (RFC 3986's unreserved ones).
fn percent_encoded(c: char) -> Vec<String> {
    if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
        return Vec::new();
    }
    let mut bytes = [0; 4];
    let utf8 = c.encode_utf8(&mut bytes).as_bytes();
    let upper: String = utf8.iter().map(|byte| format!("%{byte:02X}")).collect();
    let mut spellings = vec![upper.to_ascii_lowercase(), upper];
    spellings.dedup();
    if c == ' ' {
        spellings.push("+".to_string());
    }
    spellings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(values: &[&str], text: &str) -> String {
        masked_quotes(
            text,
            &values.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn masks_a_secret_as_json_writes_it() {
        // ActiveSupport's `{password: "p<ss&w>rd 99"}.to_json`.
        assert_eq!(
            masked(
                &["p<ss&w>rd 99"],
                r#"login failed body={"password":"p\u003css\u0026w\u003erd 99"}"#
            ),
            r#"login failed body={"password":"[REDACTED]"}"#
        );
        // The json gem's `JSON.generate("tab\u001fsep")`.
        assert_eq!(
            masked(&["tab\u{1f}sep"], r#"bad "tab\u001fsep""#),
            r#"bad "[REDACTED]""#
        );
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
            ("S3CR\"\\", r#""S3CR\"\\""#),
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

    // A client's or a router's error quoting a URL: `CGI.escape` (a form's
    // encoding) and `ERB::Util.url_encode` write the same token so.
    #[test]
    fn masks_a_secret_a_url_quotes_percent_encoded() {
        let secret = "tok/S3CR+ET=é ok";
        for quoted in [
            "tok%2FS3CR%2BET%3D%C3%A9+ok",
            "tok%2FS3CR%2BET%3D%C3%A9%20ok",
            "tok%2fS3CR%2bET%3d%c3%a9%20ok",
        ] {
            assert_eq!(
                masked(
                    &[secret],
                    &format!("401 for GET https://api.test/v1?token={quoted}&page=2")
                ),
                "401 for GET https://api.test/v1?token=[REDACTED]&page=2",
                "{quoted}"
            );
        }
        assert_eq!(
            masked(&["S3CRET-url"], "GET /reset/S3CRET-url failed"),
            "GET /reset/[REDACTED] failed"
        );
    }

    #[test]
    fn leaves_short_values_alone() {
        assert_eq!(
            masked_quotes("e 123", &["e".to_string(), "123".to_string()]),
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
        assert_eq!(masked_quotes(text, &values.map(String::from)), None);
    }

    // As the event's limits cut them (truncate::string).
    #[test]
    fn masks_a_secret_that_the_events_limits_cut_or_that_the_text_is_cut_inside() {
        let token = format!("S3CRET-{}", "k".repeat(200));
        let message = format!("Couldn't find User with 'id'=\"{token}\" in 1 ms");
        let cut_token = truncate::string(&token, 64);
        assert_eq!(
            masked(&[&cut_token], &message),
            "Couldn't find User with 'id'=\"[REDACTED]"
        );
        let cut_message = truncate::string(&message, 64);
        assert_eq!(
            masked(&[&token], &cut_message),
            format!(
                "Couldn't find User with 'id'=\"[REDACTED]...[truncated, {} bytes in all]",
                message.len()
            )
        );
        // A text cut after no secret.
        let cut_message = truncate::string(&format!("Couldn't find {}", "x".repeat(100)), 64);
        assert_eq!(masked_quotes(&cut_message, &[token]), None);
    }

    #[test]
    fn masks_a_message_quoting_bytes_whole_when_a_secret_was_binary() {
        let binary = truncate::binary(21);
        let message = r#"Couldn't find User with 'id'="Q2hd\xFFQ6m3""#;
        assert_eq!(
            masked_quotes(message, std::slice::from_ref(&binary)).as_deref(),
            Some(REDACTED)
        );
        assert_eq!(masked_quotes("no bytes quoted", &[binary]), None);
    }

    #[test]
    fn masks_the_whole_message_when_the_secrets_are_too_many_to_look_for() {
        let text = "é".repeat(1_000);
        let values = (0..30).map(|n| format!("{n:04}{}", "é".repeat(400)));
        assert_eq!(
            masked_quotes(&text, &values.collect::<Vec<_>>()).as_deref(),
            Some(REDACTED)
        );
    }
}
