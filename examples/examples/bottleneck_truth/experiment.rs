//! The experiment: time the program as it is and with each monitored
//! function sped up, and call the function whose speed-up saves the most
//! wall time the true bottleneck, when the measurement says so clearly.

use crate::runner::Runner;
use crate::work::Speeds;
use std::time::Duration;

/// How much faster the function under test runs in its variant.
pub const FACTOR: f64 = 2.0;
/// The true bottleneck's saving must be at least this many times the
/// runner-up's: closer than that, noise on a loaded machine could swap them.
pub const MARGIN: f64 = 1.3;
/// ... and at least this share of the baseline, or nothing is clearly a
/// bottleneck.
pub const MIN_SAVING_SHARE: f64 = 0.05;

/// Run times per round: the baseline and each function's variant.
#[derive(Debug, Default)]
pub struct Experiment {
    baseline: Vec<Duration>,
    /// One list per function, in the case's order.
    variants: Vec<Vec<Duration>>,
}

impl Experiment {
    /// Runs `rounds` more rounds. Each round runs the baseline and every
    /// variant once, starting at a different one each round so drift in the
    /// machine's load does not fall on one of them.
    pub fn run(&mut self, runner: &Runner<'_>, rounds: usize) {
        let functions = runner.case.functions;
        self.variants.resize(functions.len(), Vec::new());
        if self.baseline.is_empty() {
            // Warm-up: first-call registration, page faults, timer wheels.
            runner.time(runner.baseline());
        }
        let configs = functions.len() + 1;
        for _ in 0..rounds {
            let start = self.baseline.len();
            for k in 0..configs {
                match (start + k) % configs {
                    0 => self.baseline.push(runner.time(runner.baseline())),
                    c => {
                        let speeds = Speeds::faster(functions, c - 1, FACTOR);
                        self.variants[c - 1].push(runner.time(speeds));
                    }
                }
            }
        }
    }

    /// How many rounds ran.
    pub fn rounds(&self) -> usize {
        self.baseline.len()
    }

    /// The median baseline run, in nanoseconds.
    pub fn baseline_ns(&self) -> f64 {
        median(self.baseline.iter().map(|d| d.as_nanos() as f64).collect())
    }

    /// Per function, the median over rounds of the baseline's time less the
    /// variant's in the same round, in nanoseconds (pairs within a round
    /// share the machine's load of the moment).
    pub fn savings_ns(&self) -> Vec<f64> {
        self.variants
            .iter()
            .map(|runs| {
                let pairs = self.baseline.iter().zip(runs);
                median(pairs.map(|(b, v)| b.as_nanos() as f64 - v.as_nanos() as f64).collect())
            })
            .collect()
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

/// What the experiment says the bottleneck is.
#[derive(Debug, PartialEq)]
pub enum Truth {
    /// The function at this index saves the most, by `margin` times the
    /// runner-up's saving (infinite when no other saves anything).
    Clear { index: usize, margin: f64 },
    /// No function is clearly first; why.
    Ambiguous(String),
}

/// The true bottleneck from each function's saving and the baseline time.
pub fn truth(savings: &[f64], baseline: f64) -> Truth {
    let mut order: Vec<usize> = (0..savings.len()).collect();
    order.sort_by(|&a, &b| savings[b].total_cmp(&savings[a]));
    let Some(&best) = order.first() else {
        return Truth::Ambiguous("the case has no monitored function".into());
    };
    let saved = savings[best];
    if saved < MIN_SAVING_SHARE * baseline {
        return Truth::Ambiguous(format!(
            "the best speed-up saves {:.1}% of the run, under {:.0}%",
            100.0 * saved / baseline,
            100.0 * MIN_SAVING_SHARE
        ));
    }
    let runner_up = order.get(1).map_or(0.0, |&i| savings[i]).max(0.0);
    let margin = if runner_up > 0.0 { saved / runner_up } else { f64::INFINITY };
    if margin < MARGIN {
        return Truth::Ambiguous(format!(
            "the best saving is only {margin:.2}x the runner-up's (needs {MARGIN}x)"
        ));
    }
    Truth::Clear { index: best, margin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_saving_with_a_margin_is_the_truth() {
        let t = truth(&[20.0, 40.0, 5.0], 130.0);
        assert_eq!(t, Truth::Clear { index: 1, margin: 2.0 });
    }

    #[test]
    fn a_lone_saving_has_an_infinite_margin() {
        assert_eq!(truth(&[-1.0, 30.0], 100.0), Truth::Clear { index: 1, margin: f64::INFINITY });
    }

    #[test]
    fn two_close_savings_are_ambiguous() {
        assert!(
            matches!(truth(&[40.0, 35.0], 130.0), Truth::Ambiguous(why) if why.contains("1.14x"))
        );
    }

    #[test]
    fn a_saving_lost_in_the_noise_is_ambiguous() {
        assert!(matches!(truth(&[4.0, 0.5], 100.0), Truth::Ambiguous(why) if why.contains("4.0%")));
    }

    #[test]
    fn medians_pair_each_variant_with_its_own_round() {
        let ms = Duration::from_millis;
        let e = Experiment {
            baseline: vec![ms(100), ms(200), ms(110)],
            variants: vec![vec![ms(90), ms(190), ms(100)], vec![ms(50), ms(150), ms(60)]],
        };
        let savings = e.savings_ns();
        assert_eq!(savings, [10e6, 50e6]);
        assert_eq!(e.baseline_ns(), 110e6);
    }
}
