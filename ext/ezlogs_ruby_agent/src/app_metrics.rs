//! Metrics the app records itself (`EzlogsRubyAgent.record_metric`,
//! `timing`): a count, sum, min and max per name and tag set. Touched only
//! by Ruby threads, with the GVL.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::sync::lock;

/// Distinct name-and-tags series kept; later ones are refused, so a
/// high-cardinality tag cannot grow memory without bound.
pub const MAX_SERIES: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

static SERIES: Mutex<BTreeMap<String, Summary>> = Mutex::new(BTreeMap::new());

/// `series` is the name with its tags, e.g. `checkout{region=eu}`. False when
/// the value is not finite or the series limit is reached.
pub fn record(series: String, value: f64) -> bool {
    if !value.is_finite() {
        return false;
    }
    let mut all = lock(&SERIES);
    if !all.contains_key(&series) && all.len() >= MAX_SERIES {
        return false;
    }
    let summary = all.entry(series).or_insert(Summary {
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    });
    summary.count += 1;
    summary.sum += value;
    summary.min = summary.min.min(value);
    summary.max = summary.max.max(value);
    true
}

pub fn snapshot() -> Vec<(String, Summary)> {
    lock(&SERIES).iter().map(|(k, v)| (k.clone(), *v)).collect()
}

pub fn clear() {
    lock(&SERIES).clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_each_series_and_refuses_non_finite_values() {
        clear();
        assert!(record("latency".into(), 2.0));
        assert!(record("latency".into(), 4.0));
        assert!(!record("latency".into(), f64::NAN));
        let all = snapshot();
        assert_eq!(
            all,
            vec![(
                "latency".into(),
                Summary {
                    count: 2,
                    sum: 6.0,
                    min: 2.0,
                    max: 4.0
                }
            )]
        );
    }
}
