//! The flow a request continues, carried in a W3C `baggage` header
//! (<https://www.w3.org/TR/baggage/>) next to `traceparent`. A trace links
//! spans; the baggage links ezlogs events, so a downstream service that runs
//! this gem puts its events in the caller's flow, under the caller's event.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

pub const FLOW_ID_KEY: &str = "ezlogs.flow_id";
pub const PARENT_EVENT_ID_KEY: &str = "ezlogs.parent_event_id";

/// The W3C limit on a whole baggage header.
const MAX_HEADER_BYTES: usize = 8192;
/// Longer ids are not ids: ignore them rather than carry them.
const MAX_VALUE_BYTES: usize = 256;

/// What a baggage value may not hold unencoded: controls, space, DQUOTE,
/// comma, semicolon, backslash, and '%' itself.
const VALUE_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlowBaggage {
    pub flow_id: Option<String>,
    pub parent_event_id: Option<String>,
}

impl FlowBaggage {
    /// Reads our entries from a baggage header; other members are left
    /// alone, and ours ignored when malformed (a byte W3C's baggage-octet
    /// leaves out, such as a space; an escape that is not '%' and two hex
    /// digits; a control character or bytes that are not UTF-8 once
    /// decoded), oversized, or not of the id's form (`flow_...`,
    /// `evt_...`): any client can send the header, and an event carries
    /// these ids to the collector.
    pub fn parse(header: &str) -> Self {
        let mut found = Self::default();
        if header.len() > MAX_HEADER_BYTES {
            return found;
        }
        for member in header.split(',') {
            let entry = member.split(';').next().unwrap_or_default();
            let Some((key, value)) = entry.split_once('=') else {
                continue;
            };
            let key = key.trim();
            let (slot, prefix) = match key {
                FLOW_ID_KEY => (&mut found.flow_id, "flow_"),
                PARENT_EVENT_ID_KEY => (&mut found.parent_event_id, "evt_"),
                _ => continue,
            };
            *slot = decode(value.trim()).filter(|id| id.starts_with(prefix));
        }
        // A parent in a flow that is not continued (refused, or not sent:
        // our own headers always send it) would link two flows.
        if found.flow_id.is_none() {
            found.parent_event_id = None;
        }
        found
    }

    /// The header members for our entries, or None when there are none.
    pub fn format(&self) -> Option<String> {
        let members: Vec<String> = [
            (FLOW_ID_KEY, &self.flow_id),
            (PARENT_EVENT_ID_KEY, &self.parent_event_id),
        ]
        .into_iter()
        .filter_map(|(key, value)| {
            let value = value.as_deref()?;
            Some(format!(
                "{key}={}",
                utf8_percent_encode(value, VALUE_ESCAPES)
            ))
        })
        .collect();
        (!members.is_empty()).then(|| members.join(","))
    }
}

fn decode(value: &str) -> Option<String> {
    // W3C's baggage-octet: printable ASCII but for space, '"', ',', ';'
    // and '\\' (the rest is percent-encoded); and percent_decode_str
    // leaves an escape it cannot read as it is.
    let bytes = value.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(at, &byte)| match byte {
        b'%' => bytes
            .get(at + 1..at + 3)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)),
        b'!'..=b'~' => !matches!(byte, b'"' | b',' | b';' | b'\\'),
        _ => false,
    });
    if !well_formed {
        return None;
    }
    let decoded = percent_decode_str(value).decode_utf8().ok()?;
    let usable = !decoded.is_empty()
        && decoded.len() <= MAX_VALUE_BYTES
        && !decoded.chars().any(char::is_control);
    usable.then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_ids_including_ones_that_need_escaping() {
        let baggage = FlowBaggage {
            flow_id: Some("flow_order_42, or; \"so\" 100%".into()),
            parent_event_id: Some("evt_abc-DEF_123".into()),
        };
        let header = baggage.format().unwrap();
        assert!(!header.contains(' '), "{header}");
        assert_eq!(FlowBaggage::parse(&header), baggage);
    }

    #[test]
    fn reads_our_members_among_others_and_ignores_bad_ones() {
        let header =
            "userId=alice, ezlogs.flow_id = flow_x ;prop=1,ezlogs.parent_event_id=%FF,broken";
        let parsed = FlowBaggage::parse(header);
        assert_eq!(parsed.flow_id.as_deref(), Some("flow_x"));
        assert_eq!(parsed.parent_event_id, None, "invalid UTF-8 is ignored");
        let long = format!("ezlogs.flow_id={}", "a".repeat(MAX_VALUE_BYTES + 1));
        assert_eq!(FlowBaggage::parse(&long), FlowBaggage::default());
        assert_eq!(FlowBaggage::default().format(), None);
    }

    #[test]
    fn ignores_ids_with_unreadable_escapes_or_not_of_their_form() {
        for header in [
            "ezlogs.parent_event_id=%ZZ",
            "ezlogs.parent_event_id=evt_a%2",
            "ezlogs.parent_event_id=flow_x",
            "ezlogs.flow_id=evt_x",
            "ezlogs.flow_id=",
            "ezlogs.flow_id=%0Aflow_x",
            "ezlogs.flow_id=flow_ a b",
            "ezlogs.flow_id=flow_\"x\"",
        ] {
            assert_eq!(
                FlowBaggage::parse(header),
                FlowBaggage::default(),
                "{header}"
            );
        }
        for header in [
            "ezlogs.flow_id=order-123,ezlogs.parent_event_id=evt_x",
            "ezlogs.parent_event_id=evt_x",
        ] {
            assert_eq!(
                FlowBaggage::parse(header),
                FlowBaggage::default(),
                "a parent is not kept without its flow: {header}"
            );
        }
        let parsed =
            FlowBaggage::parse("ezlogs.flow_id=flow_order_a%2Cb,ezlogs.parent_event_id=evt_x%25");
        assert_eq!(parsed.flow_id.as_deref(), Some("flow_order_a,b"));
        assert_eq!(parsed.parent_event_id.as_deref(), Some("evt_x%"));
    }
}
