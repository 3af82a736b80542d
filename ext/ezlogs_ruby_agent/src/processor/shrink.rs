//! The size limit: an event over `max_event_size` is shrunk, not dropped.
//! Its largest strings are cut (with a visible marker) until it fits; only
//! an event that still does not fit is dropped, as `too_large`.

use crate::data::{Data, Object, Text};
use crate::event::Event;
use crate::metrics::DropReason;
use crate::truncate;

/// Strings are never cut shorter than this.
const MIN_KEPT: usize = 64;

pub fn fit(event: &mut Event, max_bytes: usize) -> Result<(), DropReason> {
    loop {
        let size = serialized_size(event);
        if size <= max_bytes {
            return Ok(());
        }
        let Some(largest) = largest_text(event) else {
            return Err(DropReason::TooLarge);
        };
        let excess = size - max_bytes;
        let keep = largest.len().saturating_sub(excess + 64).max(MIN_KEPT);
        if keep >= largest.len() {
            return Err(DropReason::TooLarge);
        }
        *largest = truncate::string(largest, keep).into();
    }
}

fn serialized_size(event: &Event) -> usize {
    serde_json::to_vec(event).map_or(usize::MAX, |json| json.len())
}

/// The longest string in the event's app-supplied parts.
fn largest_text(event: &mut Event) -> Option<&mut Text> {
    let mut largest: Option<&mut Text> = None;
    let objects = [
        Some(&mut event.actor),
        event.subject.as_mut(),
        event.metadata.as_mut(),
        event.timing.as_mut(),
    ];
    for object in objects.into_iter().flatten() {
        visit_object(object, &mut largest);
    }
    largest
}

fn visit_object<'a>(object: &'a mut Object, largest: &mut Option<&'a mut Text>) {
    for (_, value) in &mut object.0 {
        visit(value, largest);
    }
}

fn visit<'a>(value: &'a mut Data, largest: &mut Option<&'a mut Text>) {
    match value {
        Data::Text(text) if largest.as_ref().is_none_or(|l| text.len() > l.len()) => {
            *largest = Some(text)
        }
        Data::List(items) => items.iter_mut().for_each(|item| visit(item, largest)),
        Data::Map(object) => visit_object(object, largest),
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
    fn drops_what_cannot_be_shrunk() {
        let mut e = event();
        let mut metadata = Object::default();
        for i in 0..2_000 {
            metadata.push(format!("key_{i}"), Data::Int(i));
        }
        e.metadata = Some(metadata);
        assert_eq!(fit(&mut e, 4_000), Err(DropReason::TooLarge));
    }

    #[test]
    fn small_events_are_untouched() {
        let mut e = event();
        let before = serde_json::to_vec(&e).unwrap();
        fit(&mut e, 1_000_000).unwrap();
        assert_eq!(serde_json::to_vec(&e).unwrap(), before);
    }
}
