//! A tiny seeded generator (SplitMix64), so a job that passes "80 % of the time" passes and
//! fails in the same order on every run with the same seed, and execution ids repeat too.

use crate::prow::dashed_uuid;

/// SplitMix64: one 64-bit state, good enough statistics for test scenarios, no dependency.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`, from the top 53 bits (an `f64`'s precision).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A version-4 UUID, the shape of the ProwJob names `pjutil.NewProwJob` draws.
    pub fn uuid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        let mut bytes = ((u128::from(high) << 64) | u128::from(low)).to_be_bytes();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        dashed_uuid(&hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_uuids_look_like_version_4() {
        let mut one = SplitMix64::new(7);
        let mut two = SplitMix64::new(7);
        assert_eq!(one.next_u64(), two.next_u64());
        let unit = one.unit();
        assert!((0.0..1.0).contains(&unit));
        let uuid = one.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
        assert_ne!(uuid, one.uuid());
    }
}
