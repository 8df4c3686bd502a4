//! What a comparison concludes about one operation: each measure's
//! judgement and the verdict they add up to.

use serde::{Deserialize, Serialize};

/// One figure before and after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// In the baseline.
    pub before: u64,
    /// In the report compared.
    pub after: u64,
}

impl Change {
    /// After minus before (saturating at the ends of `i64`).
    ///
    /// ```
    /// let c = profiler_runtime::Change { before: 200, after: 150 };
    /// assert_eq!(c.delta(), -50);
    /// assert_eq!(c.percent(), Some(-25.0));
    /// ```
    pub fn delta(&self) -> i64 {
        let delta = i128::from(self.after) - i128::from(self.before);
        delta.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The change in percent of `before`; `None` when `before` is 0.
    pub fn percent(&self) -> Option<f64> {
        (self.before > 0).then(|| self.delta() as f64 / self.before as f64 * 100.0)
    }
}

/// A figure a verdict looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The typical call: how much slower or faster a call got, estimated as
    /// the median, over every pair of a call after and a call before, of
    /// their ratio (the Hodges-Lehmann shift), with Mann-Whitney's rank
    /// test as its evidence. A call the scheduler stalled is one rank among
    /// thousands, so this measure stays put when a few calls do not.
    Typical,
    /// The 99th percentile call time, with Mood's quantile test (exact) as
    /// its evidence; judged only with [`P99_MIN_CALLS`](crate::P99_MIN_CALLS)
    /// timed calls a side or more.
    P99,
    /// Mean call time. Shown, not judged: one call stalled for a few
    /// milliseconds moves the mean of a thousand 3 µs calls by more than
    /// any threshold. Comparisons saved by earlier versions flag it.
    Mean,
}

impl Measure {
    /// How the text names it: `typical call`, `p99`, `mean`.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Typical => "typical call",
            Measure::P99 => "p99",
            Measure::Mean => "mean",
        }
    }
}

/// What the test of one measure concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Rose past the threshold, with evidence: a regression.
    Rose,
    /// Fell past the threshold, with evidence: an improvement.
    Fell,
    /// Moved by no more than the threshold.
    Within,
    /// Moved past the threshold, but the test's p-value is not under the
    /// significance level (after its division by the number of tests): the
    /// calls cannot tell this move from chance. No verdict.
    NotSignificant,
    /// Moved past the threshold, with evidence from the calls, but no more
    /// than the baseline's runs of unchanged code vary between themselves
    /// ([`Judgement::varies_pct`]): a move like it is what another run
    /// could do. No verdict.
    Varies,
    /// Fewer timed calls on a side than the measure needs
    /// ([`Judgement::calls_needed`]). No verdict.
    TooFewCalls,
    /// A side holds calls but no histogram of their times (a report saved
    /// before reports kept one), so there is nothing to test. No verdict.
    NoHistogram,
}

/// How one measure of an operation was judged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The measure.
    pub measure: Measure,
    /// What its test concluded.
    pub outcome: Outcome,
    /// Its change in percent (the shift itself for [`Measure::Typical`]);
    /// `None` where a side has nothing to take it from.
    pub change_pct: Option<f64>,
    /// The test's two-sided p-value, when it ran (enough calls on both
    /// sides); compared with [`Comparison::level`](crate::Comparison::level).
    pub p_value: Option<f64>,
    /// Timed calls the measure needs on each side.
    pub calls_needed: u64,
    /// How far, in percent, one run of unchanged code can stray from the
    /// baseline's median run on this measure, estimated from the baseline's
    /// runs (a 99 % prediction bound, see
    /// [`SessionReport::compare_with_runs`](crate::SessionReport::compare_with_runs));
    /// `None` against one run, or with fewer than
    /// [`MIN_SPREAD_RUNS`](crate::MIN_SPREAD_RUNS) runs with the calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub varies_pct: Option<f64>,
    /// The baseline runs [`varies_pct`](Judgement::varies_pct) was
    /// estimated from (0 without it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub varies_runs: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a comparison says about one operation, from its measures'
/// [`Judgement`]s: the first of these that any measure has, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A measure rose past the threshold, with evidence.
    Regressed,
    /// A measure fell past the threshold, with evidence (and none rose).
    Improved,
    /// A measure moved past the threshold, but within what the baseline's
    /// runs vary by, and none rose or fell past it: no verdict.
    Varies,
    /// A measure was judged and moved by no more than the threshold (a
    /// measure that could not be judged is in the judgements, and the text
    /// says why when it moved).
    Unchanged,
    /// A measure moved past the threshold, but not significantly, and none
    /// was judged: no verdict.
    NotSignificant,
    /// A side has no call-time histogram: no verdict.
    NoHistogram,
    /// Fewer calls on a side than any measure needs: no verdict.
    TooFewCalls,
}

impl Verdict {
    /// Whether the comparison reached a verdict.
    pub fn is_judged(self) -> bool {
        matches!(self, Verdict::Regressed | Verdict::Improved | Verdict::Unchanged)
    }

    /// The verdict its measures' outcomes add up to.
    pub(crate) fn of(judgements: &[Judgement]) -> Verdict {
        let has = |outcome: Outcome| judgements.iter().any(|j| j.outcome == outcome);
        [
            (Outcome::Rose, Verdict::Regressed),
            (Outcome::Fell, Verdict::Improved),
            (Outcome::Varies, Verdict::Varies),
            (Outcome::Within, Verdict::Unchanged),
            (Outcome::NotSignificant, Verdict::NotSignificant),
            (Outcome::NoHistogram, Verdict::NoHistogram),
        ]
        .into_iter()
        .find(|&(outcome, _)| has(outcome))
        .map_or(Verdict::TooFewCalls, |(_, verdict)| verdict)
    }
}
