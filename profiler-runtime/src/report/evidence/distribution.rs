//! The two tails the tests need: the standard normal's (the rank test's
//! z score) and the hypergeometric's (the quantile test's exact p-value).
//! Both are computed here from their series so the crate needs no
//! statistics dependency; each is accurate to far better than the
//! significance levels a gate uses (around 1e-5).

use std::f64::consts::{PI, SQRT_2};

/// `P(Z > z)` for a standard normal `Z`; 1 for NaN (no evidence).
pub(crate) fn normal_above(z: f64) -> f64 {
    if z.is_nan() {
        1.0
    } else if z < 0.0 {
        1.0 - normal_above(-z)
    } else {
        0.5 * erfc(z / SQRT_2)
    }
}

/// The complementary error function for `x >= 0`.
///
/// Below 2.5 it is 1 less the series of erf whose terms are all positive
/// (no cancellation inside the sum); from 2.5 up, Laplace's continued
/// fraction, which converges fast there and keeps its relative precision
/// however small the tail gets.
fn erfc(x: f64) -> f64 {
    let x2 = x * x;
    if x < 2.5 {
        // erf x = 2/sqrt(pi) e^(-x^2) * sum over n of 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))
        let (mut term, mut sum, mut n) = (x, x, 0.0);
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 / PI.sqrt() * (-x2).exp() * sum
    } else {
        // erfc x = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))),
        // evaluated from a deep enough level back up.
        let mut fraction = x;
        for k in (1..=80).rev() {
            fraction = x + f64::from(k) / 2.0 / fraction;
        }
        (-x2).exp() / PI.sqrt() / fraction
    }
}

/// `ln(n!)`: summed for small `n`, else Stirling's series to its `n^-5`
/// term (error under 1e-13 from 32 up).
pub(crate) fn ln_factorial(n: u64) -> f64 {
    if n < 32 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * PI * x).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

/// `ln` of the binomial coefficient `n` choose `k` (`k <= n`).
fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// `P(X >= at_least)` where `X` counts the marked items among `draws`
/// drawn without replacement from `population` items of which `marked`
/// are marked (Fisher's exact test's one-sided tail).
pub(crate) fn hypergeometric_at_least(
    at_least: u64,
    population: u64,
    marked: u64,
    draws: u64,
) -> f64 {
    let (marked, draws) = (marked.min(population), draws.min(population));
    let highest = marked.min(draws);
    let lowest = (marked + draws).saturating_sub(population);
    if at_least <= lowest {
        return 1.0;
    }
    if at_least > highest {
        return 0.0;
    }
    let ln_first = ln_choose(marked, at_least) + ln_choose(population - marked, draws - at_least)
        - ln_choose(population, draws);
    let mut term = ln_first.exp();
    let mut sum = term;
    // Each term from the one before: P(x + 1) / P(x) = (K - x)(n - x) / ((x + 1)(N - K - n + x + 1)).
    for x in at_least..highest {
        let (x, big_n, k, n) = (x as f64, population as f64, marked as f64, draws as f64);
        term *= (k - x) * (n - x) / ((x + 1.0) * (big_n - k - n + x + 1.0));
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= want.abs() * relative
    }

    #[test]
    fn the_normal_tail_matches_tabulated_values() {
        // Values from the standard normal table (to the digits given).
        for (z, tail) in [
            (0.0, 0.5),
            (1.0, 0.158_655_253_931_457),
            (1.959_963_984_540_054, 0.025),
            (3.090_232_306_167_813, 0.001),
            (3.719_016_485_455_709, 0.000_1),
            (5.0, 2.866_515_718_791_939e-7),
            (10.0, 7.619_853_024_160_527e-24),
        ] {
            assert!(close(normal_above(z), tail, 1e-9), "z {z}: {} vs {tail}", normal_above(z));
        }
        assert!(close(normal_above(-1.0), 1.0 - 0.158_655_253_931_457, 1e-12));
        assert_eq!(normal_above(f64::NAN), 1.0);
        assert_eq!(normal_above(f64::INFINITY), 0.0);
    }

    #[test]
    fn log_factorials_agree_across_the_switch_to_stirling() {
        let summed = |n: u64| (2..=n).map(|k| (k as f64).ln()).sum::<f64>();
        for n in [0, 1, 5, 31, 32, 33, 100, 1_000] {
            assert!((ln_factorial(n) - summed(n)).abs() < 1e-9 * summed(n).max(1.0), "{n}");
        }
    }

    #[test]
    fn hypergeometric_tails_match_counted_cases() {
        // 5 marked of 10, draw 5: P(X >= 5) = 1 / C(10, 5) = 1/252.
        assert!(close(hypergeometric_at_least(5, 10, 5, 5), 1.0 / 252.0, 1e-9));
        // P(X >= 4) = (C(5,4) C(5,1) + 1) / 252 = 26/252.
        assert!(close(hypergeometric_at_least(4, 10, 5, 5), 26.0 / 252.0, 1e-9));
        assert_eq!(hypergeometric_at_least(0, 10, 5, 5), 1.0);
        assert_eq!(hypergeometric_at_least(6, 10, 5, 5), 0.0);
        // Large counts stay finite and ordered.
        let (a, b) = (
            hypergeometric_at_least(1_200, 200_000, 2_000, 100_000),
            hypergeometric_at_least(1_000, 200_000, 2_000, 100_000),
        );
        assert!(a > 0.0 && a < 1e-10 && b > 0.4 && b < 0.6, "{a} {b}");
    }
}
