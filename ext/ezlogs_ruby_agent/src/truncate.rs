//! Visible markers for data cut to fit the limits, so a reader of the event
//! sees that something was cut and by how much.

/// Strings are never cut shorter than this, so ids, statuses and other
/// short values survive.
pub const MIN_KEPT_BYTES: usize = 64;

/// The longest marker `string` adds: its text and a usize's 20 digits.
pub const MARKER_MAX_BYTES: usize = MARKER_START.len() + 20 + MARKER_END.len();

const MARKER_START: &str = "...[truncated, ";
const MARKER_END: &str = " bytes in all]";

/// Keeps at most `max_bytes` of `text` (on a character boundary) and says
/// how long the original was (cut again, it still says the original's).
pub fn string(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let total = original_len(text).unwrap_or(text.len());
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{MARKER_START}{total}{MARKER_END}", &text[..cut])
}

/// The length the marker at the end of an already cut `text` names.
fn original_len(text: &str) -> Option<usize> {
    cut_parts(text).map(|(_, total)| total)
}

/// What `string` kept of a text it cut (the part before its marker); None
/// for a text it did not cut.
pub fn kept(text: &str) -> Option<&str> {
    cut_parts(text).map(|(kept, _)| kept)
}

/// A cut text's kept part, and the length its marker names.
fn cut_parts(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_suffix(MARKER_END)?;
    let start = rest.rfind(MARKER_START)?;
    let total = rest[start + MARKER_START.len()..].parse().ok()?;
    Some((&text[..start], total))
}

/// The last element of an array cut to `kept` items.
pub fn array_marker(total: usize, kept: usize) -> String {
    format!("[truncated: {} more items]", total - kept)
}

/// The last element of a collection cut to its kept items when its size is
/// not known (an Enumerable read no further than the kept items and one
/// more).
pub const MORE_ITEMS: &str = "[truncated: more items]";

/// The key and value added to a hash cut to `kept` entries.
pub const HASH_MARKER_KEY: &str = "_truncated";

pub fn hash_marker(total: usize, kept: usize) -> String {
    format!("{} more keys", total - kept)
}

/// The value of `HASH_MARKER_KEY` when the hash's size is not known (as
/// `MORE_ITEMS`).
pub const MORE_KEYS: &str = "more keys";

pub const DEPTH_EXCEEDED: &str = "[max depth exceeded]";
pub const CYCLE: &str = "[cycle]";

const BINARY_START: &str = "[binary ";
const BINARY_END: &str = " bytes]";

/// What stands for a binary string's bytes, which are not copied.
pub fn binary(len: usize) -> String {
    format!("{BINARY_START}{len}{BINARY_END}")
}

/// Whether `text` is what `binary` writes.
pub fn is_binary(text: &str) -> bool {
    text.strip_prefix(BINARY_START)
        .and_then(|rest| rest.strip_suffix(BINARY_END))
        .is_some_and(|len| len.parse::<usize>().is_ok())
}

pub fn unrepresentable(class_name: &str) -> String {
    format!("#<{class_name}: unrepresentable>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_are_untouched() {
        assert_eq!(string("hello", 5), "hello");
    }

    #[test]
    fn long_strings_keep_a_prefix_and_say_the_full_length() {
        let big = "x".repeat(5 * 1024 * 1024);
        let cut = string(&big, 100);
        assert!(cut.starts_with(&"x".repeat(100)));
        assert!(cut.ends_with("...[truncated, 5242880 bytes in all]"));
        assert!(cut.len() < 200);
    }

    #[test]
    fn a_string_cut_again_keeps_the_original_length() {
        let once = string(&"x".repeat(30_000), 1_000);
        let twice = string(&once, 100);
        assert_eq!(
            twice,
            format!("{}...[truncated, 30000 bytes in all]", "x".repeat(100))
        );
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = "é".repeat(10); // 2 bytes each
        let cut = string(&text, 5);
        assert!(cut.starts_with("éé..."));
    }
}
