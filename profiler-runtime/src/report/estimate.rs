//! A sampled operation's figures: sums over its timed calls, scaled to all
//! of its calls (see `record::sites::sampling`).

/// `sum` (over `sampled` calls) scaled to `all` calls; 0 with no sample.
pub(crate) fn scale(sum: u64, all: u64, sampled: u64) -> u64 {
    if sampled == 0 {
        return 0;
    }
    let scaled = u128::from(sum) * u128::from(all) / u128::from(sampled);
    u64::try_from(scaled).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_scale_by_all_over_sampled_and_saturate() {
        assert_eq!(scale(640, 64, 1), 40_960);
        assert_eq!(scale(1_000, 10, 4), 2_500);
        assert_eq!(scale(1_000, 10, 0), 0);
        assert_eq!(scale(u64::MAX, 3, 1), u64::MAX);
    }
}
