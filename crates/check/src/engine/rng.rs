//! A small seeded generator (SplitMix64) for the warmup spreading: the
//! engine takes its seed from the daemon and never reads global state.

use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number
/// generators", 2014).
#[derive(Clone, Debug)]
pub(super) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from `seed`.
    pub(super) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub(super) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniformly random part of `max` (0 ..= max), in microseconds:
    /// keepalived's `warmup * random() / RAND_MAX`.
    pub(super) fn part_of(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        if micros == 0 {
            return Duration::ZERO;
        }
        let r = u128::from(self.next_u64());
        let part = u128::from(micros) * r / u128::from(u64::MAX);
        Duration::from_micros(u64::try_from(part).unwrap_or(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_stay_within_the_bound_and_spread() {
        let mut rng = Rng::new(7);
        let max = Duration::from_secs(10);
        let parts: Vec<_> = (0..1000).map(|_| rng.part_of(max)).collect();
        assert!(parts.iter().all(|p| *p <= max));
        assert!(parts.iter().any(|p| *p < Duration::from_secs(1)));
        assert!(parts.iter().any(|p| *p > Duration::from_secs(9)));
        assert_eq!(rng.part_of(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<_> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<_> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(43).next_u64(), xs[0]);
    }
}
