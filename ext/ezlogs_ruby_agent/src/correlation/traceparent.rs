//! W3C Trace Context `traceparent` header: parsing and formatting.
//! <https://www.w3.org/TR/trace-context/#traceparent-header>

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: String,
    pub parent_id: String,
    pub flags: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceParentError {
    Malformed,
    UnsupportedVersion,
    InvalidTraceId,
    InvalidParentId,
    InvalidFlags,
}

impl fmt::Display for TraceParentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = match self {
            Self::Malformed => "expected 'version-traceid-parentid-flags' (55 characters)",
            Self::UnsupportedVersion => "version must be 2 lowercase hex digits other than ff",
            Self::InvalidTraceId => "trace-id must be 32 lowercase hex digits, not all zero",
            Self::InvalidParentId => "parent-id must be 16 lowercase hex digits, not all zero",
            Self::InvalidFlags => "trace-flags must be 2 lowercase hex digits",
        };
        write!(f, "invalid traceparent: {reason}")
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_nonzero_lower_hex(s: &str, len: usize) -> bool {
    is_lower_hex(s, len) && s.bytes().any(|b| b != b'0')
}

impl TraceParent {
    pub fn parse(header: &str) -> Result<Self, TraceParentError> {
        let header = header.trim();
        if header.len() < 55 {
            return Err(TraceParentError::Malformed);
        }
        let (version, rest) = header.split_at(2);
        if !is_lower_hex(version, 2) || version == "ff" {
            return Err(TraceParentError::UnsupportedVersion);
        }
        // Version 00 is exactly 55 characters; later versions may append
        // fields after a '-', which a version-00 parser must ignore.
        let fields = if version == "00" {
            rest
        } else {
            let (known, extra) = rest.split_at(53);
            if !(extra.is_empty() || extra.starts_with('-')) {
                return Err(TraceParentError::Malformed);
            }
            known
        };
        let parts: Vec<&str> = fields.split('-').collect();
        let [empty, trace_id, parent_id, flags] = parts.as_slice() else {
            return Err(TraceParentError::Malformed);
        };
        if !empty.is_empty() {
            return Err(TraceParentError::Malformed);
        }
        if !is_nonzero_lower_hex(trace_id, 32) {
            return Err(TraceParentError::InvalidTraceId);
        }
        if !is_nonzero_lower_hex(parent_id, 16) {
            return Err(TraceParentError::InvalidParentId);
        }
        if !is_lower_hex(flags, 2) {
            return Err(TraceParentError::InvalidFlags);
        }
        Ok(Self {
            trace_id: (*trace_id).to_owned(),
            parent_id: (*parent_id).to_owned(),
            flags: u8::from_str_radix(flags, 16).map_err(|_| TraceParentError::InvalidFlags)?,
        })
    }

    pub fn sampled(&self) -> bool {
        self.flags & 0x01 == 0x01
    }
}

impl fmt::Display for TraceParent {
    /// Always written as version 00, the version this code implements.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            self.trace_id, self.parent_id, self.flags
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_and_formats_the_spec_example() {
        let parsed = TraceParent::parse(VALID).unwrap();
        assert_eq!(parsed.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.parent_id, "00f067aa0ba902b7");
        assert!(parsed.sampled());
        assert_eq!(parsed.to_string(), VALID);
    }

    #[test]
    fn rejects_malformed_headers() {
        use TraceParentError::*;
        let cases = [
            ("", Malformed),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                Malformed,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                Malformed,
            ),
            (
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                UnsupportedVersion,
            ),
            (
                "0X-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                UnsupportedVersion,
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                InvalidTraceId,
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                InvalidTraceId,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                InvalidParentId,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
                InvalidFlags,
            ),
            (
                "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                Malformed,
            ),
        ];
        for (header, error) in cases {
            assert_eq!(TraceParent::parse(header), Err(error), "{header}");
        }
    }

    #[test]
    fn future_versions_may_carry_extra_fields() {
        let header =
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds";
        let parsed = TraceParent::parse(header).unwrap();
        assert_eq!(parsed.to_string(), VALID);
        assert!(
            TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").is_err()
        );
    }
}
