//! The size limit: an event over `max_event_size` is shrunk, not dropped.
//! Its longest strings are cut (with a visible marker) to one common length,
//! the longest that brings the event within the limit; only an event that
//! still does not fit (its strings already short) is dropped, as
//! `too_large`.

use crate::data::{Data, Object, Text};
use crate::event::Event;
use crate::metrics::DropReason;
use crate::truncate;

pub fn fit(event: &mut Event, max_bytes: usize) -> Result<(), DropReason> {
    let size = serialized_size(event);
    if size <= max_bytes {
        return Ok(());
    }
    let mut texts = Vec::new();
    for object in app_objects(event) {
        collect_object(object, &mut texts);
    }
    let lengths: Vec<usize> = texts.iter().map(|text| text.len()).collect();
    let cut_to = cut_length(&lengths, size - max_bytes).ok_or(DropReason::TooLarge)?;
    for text in texts {
        if text.len() > cut_to + truncate::MARKER_MAX_BYTES {
            *text = truncate::string(text, cut_to).into();
        }
    }
    // Escapes in the JSON only make the bytes saved larger than counted, so
    // one cut is enough; checked all the same.
    if serialized_size(event) <= max_bytes {
        Ok(())
    } else {
        Err(DropReason::TooLarge)
    }
}

/// The longest length to cut strings to that saves `excess` bytes (a cut
/// string keeps that many bytes and gains a marker); None when even cutting
/// every string to `MIN_KEPT_BYTES` would not.
fn cut_length(lengths: &[usize], excess: usize) -> Option<usize> {
    let saved = |cut_to: usize| -> usize {
        let kept = cut_to + truncate::MARKER_MAX_BYTES;
        lengths.iter().map(|len| len.saturating_sub(kept)).sum()
    };
    let (mut short, mut long) = (truncate::MIN_KEPT_BYTES, lengths.iter().copied().max()?);
    if saved(short) < excess {
        return None;
    }
    // saved() falls as the length grows: find the longest that still saves enough.
    while short < long {
        let middle = (short + long).div_ceil(2);
        if saved(middle) >= excess {
            short = middle;
        } else {
            long = middle - 1;
        }
    }
    Some(short)
}

fn serialized_size(event: &Event) -> usize {
    serde_json::to_vec(event).map_or(usize::MAX, |json| json.len())
}

/// The parts of an event that hold the app's values.
fn app_objects(event: &mut Event) -> impl Iterator<Item = &mut Object> {
    [
        Some(&mut event.actor),
        event.subject.as_mut(),
        event.metadata.as_mut(),
        event.timing.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn collect_object<'a>(object: &'a mut Object, texts: &mut Vec<&'a mut Text>) {
    for (_, value) in &mut object.0 {
        collect(value, texts);
    }
}

fn collect<'a>(value: &'a mut Data, texts: &mut Vec<&'a mut Text>) {
    match value {
        Data::Text(text) => texts.push(text),
        Data::List(items) => items.iter_mut().for_each(|item| collect(item, texts)),
        Data::Map(object) => collect_object(object, texts),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::test_events::event;

    #[test]
    fn cuts_the_largest_strings_until_the_event_fits() {
        let mut e = event();
        let mut metadata = Object::default();
        metadata.push("body", Data::text("x".repeat(50_000)));
        metadata.push("note", Data::text("y".repeat(5_000)));
        metadata.push("kept", Data::text("short"));
        e.metadata = Some(metadata);
        fit(&mut e, 8_000).unwrap();
        let json = serde_json::to_value(&e).unwrap();
        assert!(serde_json::to_vec(&e).unwrap().len() <= 8_000);
        assert!(json["metadata"]["body"]
            .as_str()
            .unwrap()
            .contains("...[truncated, 50000 bytes in all]"));
        assert_eq!(json["metadata"]["kept"], "short");
    }

    #[test]
    fn cuts_many_strings_to_one_length_and_keeps_the_short_ones() {
        let mut e = event();
        let mut metadata = Object::default();
        for i in 0..20 {
            metadata.push(format!("field{i}"), Data::text("v".repeat(200)));
        }
        metadata.push("status", Data::text("paid"));
        e.metadata = Some(metadata);
        let limit = serde_json::to_vec(&e).unwrap().len() - 1_000;
        fit(&mut e, limit).unwrap();
        assert!(serde_json::to_vec(&e).unwrap().len() <= limit);
        let metadata = e.metadata.unwrap();
        let cut: Vec<usize> = (0..20)
            .map(|i| match metadata.get(&format!("field{i}")) {
                Some(Data::Text(text)) => text.len(),
                other => panic!("field{i}: {other:?}"),
            })
            .collect();
        assert!(cut.iter().all(|len| *len == cut[0] && *len < 200));
        assert_eq!(metadata.get("status"), Some(&Data::text("paid")));
    }

    #[test]
    fn a_huge_event_of_many_strings_fits_after_one_cut() {
        let mut e = event();
        let lines = (0..3_000).map(|_| Data::text("d".repeat(1_000))).collect();
        let mut metadata = Object::default();
        metadata.push("lines", Data::List(lines));
        e.metadata = Some(metadata);
        fit(&mut e, 1_048_576).unwrap();
        assert!(serde_json::to_vec(&e).unwrap().len() <= 1_048_576);
    }

    #[test]
    fn the_cut_length_is_the_longest_that_saves_enough() {
        let kept = |cut_to: usize| cut_to + truncate::MARKER_MAX_BYTES;
        let lengths = [1_000, 500, 10];
        // Cutting both long strings to 200 saves (1000 - kept) + (500 - kept).
        let excess = (1_000 - kept(200)) + (500 - kept(200));
        assert_eq!(cut_length(&lengths, excess), Some(200));
        assert_eq!(cut_length(&lengths, excess + 1), Some(199));
        assert_eq!(cut_length(&lengths, 1_000_000), None);
        assert_eq!(cut_length(&[], 1), None);
    }

    #[test]
    fn drops_what_cannot_be_shrunk() {
        let mut e = event();
        let mut metadata = Object::default();
        for i in 0..2_000 {
            metadata.push(format!("key_{i}"), Data::Int(i));
        }
        e.metadata = Some(metadata);
        assert_eq!(fit(&mut e, 4_000), Err(DropReason::TooLarge));
        // Strings that even cut to the minimum leave it too large (this
        // once looped forever, re-cutting cut strings).
        let mut e = event();
        let mut metadata = Object::default();
        for i in 0..20 {
            metadata.push(format!("field{i}"), Data::text("v".repeat(200)));
        }
        e.metadata = Some(metadata);
        let limit = serde_json::to_vec(&e).unwrap().len() - 2_000;
        assert_eq!(fit(&mut e, limit), Err(DropReason::TooLarge));
    }

    #[test]
    fn small_events_are_untouched() {
        let mut e = event();
        let before = serde_json::to_vec(&e).unwrap();
        fit(&mut e, 1_000_000).unwrap();
        assert_eq!(serde_json::to_vec(&e).unwrap(), before);
    }
}
