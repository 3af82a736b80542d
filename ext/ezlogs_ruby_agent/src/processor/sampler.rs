//! Sampling by flow: whether a flow is kept depends only on its id, so every
//! event of a flow, in every process and service, gets the same answer.
//! (An event logged outside any flow has a flow id of its own, so it is
//! sampled on its own.)

use std::hash::Hasher;

use fnv::FnvHasher;

pub fn keeps(flow_id: &str, sample_rate: f64) -> bool {
    if sample_rate >= 1.0 {
        return true;
    }
    if sample_rate <= 0.0 {
        return false;
    }
    let mut hasher = FnvHasher::default();
    hasher.write(flow_id.as_bytes());
    // The top 53 bits as a fraction in [0, 1).
    let position = (mix(hasher.finish()) >> 11) as f64 / (1u64 << 53) as f64;
    position < sample_rate
}

/// FNV's high bits barely change between ids that differ in their last
/// characters (flow_order_1, flow_order_2); MurmurHash3's finaliser spreads
/// every input bit over the whole word.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_flow_always_gets_the_same_answer() {
        for i in 0..100 {
            let flow = format!("flow_{i}");
            assert_eq!(keeps(&flow, 0.5), keeps(&flow, 0.5));
        }
    }

    #[test]
    fn keeps_about_the_sample_rate_of_flows() {
        let kept = (0..20_000)
            .filter(|i| keeps(&format!("flow_order_{i}"), 0.25))
            .count();
        assert!((4_500..5_500).contains(&kept), "kept {kept} of 20000");
        let kept = (0..200)
            .filter(|i| keeps(&format!("flow_order_{i}"), 0.5))
            .count();
        assert!((70..130).contains(&kept), "kept {kept} of 200");
        assert!((0..100).all(|i| keeps(&format!("f{i}"), 1.0)));
        assert!((0..100).all(|i| !keeps(&format!("f{i}"), 0.0)));
    }
}
