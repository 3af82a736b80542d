//! Owned event data: what app values become once converted. Short strings
//! (keys, enum-like values) are stored inline, and a hash is one vector of
//! pairs, so converting a typical payload costs few heap allocations.

use compact_str::CompactString;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

pub type Text = CompactString;

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// Always finite: NaN and infinities are converted to text beforehand.
    Float(f64),
    Text(Text),
    List(Vec<Data>),
    Map(Object),
}

/// A hash, in the app's key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(pub Vec<(Text, Data)>);

impl Object {
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    pub fn get(&self, key: &str) -> Option<&Data> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn push(&mut self, key: impl Into<Text>, value: Data) {
        self.0.push((key.into(), value));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Data {
    pub fn text(text: impl Into<Text>) -> Self {
        Data::Text(text.into())
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Data::Map(object) => Some(object),
            _ => None,
        }
    }

    pub fn into_object(self) -> Option<Object> {
        match self {
            Data::Map(object) => Some(object),
            _ => None,
        }
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Data::Null => serializer.serialize_unit(),
            Data::Bool(b) => serializer.serialize_bool(*b),
            Data::Int(i) => serializer.serialize_i64(*i),
            Data::UInt(u) => serializer.serialize_u64(*u),
            Data::Float(f) => serializer.serialize_f64(*f),
            Data::Text(text) => serializer.serialize_str(text),
            Data::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Data::Map(object) => object.serialize(serializer),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_str(), value)?;
        }
        map.end()
    }
}

/// Builds test data from `json!` literals.
#[cfg(test)]
impl From<serde_json::Value> for Data {
    fn from(value: serde_json::Value) -> Self {
        use serde_json::Value as Json;
        match value {
            Json::Null => Data::Null,
            Json::Bool(b) => Data::Bool(b),
            Json::Number(n) => n
                .as_i64()
                .map(Data::Int)
                .or_else(|| n.as_u64().map(Data::UInt))
                .unwrap_or_else(|| Data::Float(n.as_f64().unwrap_or(0.0))),
            Json::String(s) => Data::text(s),
            Json::Array(items) => Data::List(items.into_iter().map(Data::from).collect()),
            Json::Object(map) => Data::Map(Object(
                map.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            )),
        }
    }
}

impl From<&Data> for serde_json::Value {
    fn from(data: &Data) -> Self {
        serde_json::to_value(data).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_key_order_and_round_trips_through_json() {
        let mut object = Object::default();
        object.push("zeta", Data::Int(-1));
        object.push(
            "alpha",
            Data::List(vec![Data::Null, Data::Bool(true), Data::Float(1.5)]),
        );
        object.push("big", Data::UInt(u64::MAX));
        let data = Data::Map(object);
        let json = serde_json::to_string(&data).unwrap();
        assert_eq!(
            json,
            r#"{"zeta":-1,"alpha":[null,true,1.5],"big":18446744073709551615}"#
        );
        let back = Data::from(serde_json::from_str::<serde_json::Value>(&json).unwrap());
        assert_eq!(back, data);
    }

    #[test]
    fn short_text_is_stored_inline() {
        let Data::Text(text) = Data::text("a-short-key") else {
            unreachable!()
        };
        assert!(!text.is_heap_allocated());
    }
}
