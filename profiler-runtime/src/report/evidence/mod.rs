//! The evidence behind a comparison's verdicts: tests over the two
//! histograms of an operation's call times.
//!
//! A verdict needs an effect past the threshold *and* evidence that the
//! calls moved, because a run's calls are a sample: a p99 from 45 calls is
//! one slow call, and one preempted call can move a mean by more than any
//! threshold. The evidence comes from rank tests over the histograms:
//! [`rank`] (Mann-Whitney's U, with the Hodges-Lehmann shift it estimates)
//! for the typical call, [`quantile`] (Mood's quantile test, exact) for
//! the p99.
//!
//! Rank tests rather than a bootstrap, because:
//! - a histogram is ranked data already: its buckets are ordered and the
//!   calls inside one are ties, which the tests handle exactly (the
//!   tie-corrected variance; a bucket split as a whole);
//! - a rank is as robust as the median: a call the scheduler stalled for
//!   40 ms is one rank, however long, where a resampled mean carries it;
//! - they are deterministic: the same two reports always give the same
//!   verdict, which a gate owes a re-run, where a bootstrap's resampling
//!   would move p-values near the cut from one run of `diff` to the next;
//! - they cost one pass over the buckets (the shift, 64), so every ended
//!   session can afford its comparison with the previous run.

pub(crate) mod distribution;
pub(crate) mod quantile;
pub(crate) mod rank;
