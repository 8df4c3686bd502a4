//! `Monitor::api_call`: a paid API call with its model, its input and
//! output tokens and its cost, for the per-model spend table.

use super::Monitor;
use crate::record::storage::reading::Fixed;
use crate::state::api_models::{self, Field};

/// A paid API call being described; [`ApiCall::record`] counts it. Made by
/// [`Monitor::api_call`].
#[must_use = "an API call is counted only by `.record()`"]
#[derive(Debug)]
pub struct ApiCall {
    monitor: Monitor,
    model: String,
    input_tokens: u64,
    output_tokens: u64,
    cost_usd: f64,
    error: bool,
}

impl ApiCall {
    /// Tokens sent (the prompt).
    pub fn input_tokens(mut self, tokens: u64) -> ApiCall {
        self.input_tokens = tokens;
        self
    }

    /// Tokens received (the completion).
    pub fn output_tokens(mut self, tokens: u64) -> ApiCall {
        self.output_tokens = tokens;
        self
    }

    /// What the call cost, in US dollars (negative, NaN or infinite counts
    /// as nothing).
    pub fn cost_usd(mut self, cost: f64) -> ApiCall {
        self.cost_usd = cost;
        self
    }

    /// Whether the call failed (default: it did not).
    pub fn error(mut self, failed: bool) -> ApiCall {
        self.error = failed;
        self
    }

    /// Counts the call: in the session's API totals (as
    /// [`Monitor::record_api_call`] does, with input and output tokens
    /// together) and in its model's row of the per-model table.
    pub fn record(self) {
        let nano_usd = nano_usd(self.cost_usd);
        let tokens = self.input_tokens.saturating_add(self.output_tokens);
        let recorder = self.monitor.recorder();
        recorder.add_fixed(Fixed::ApiCalls, 1);
        recorder.add_fixed(Fixed::ApiErrors, u64::from(self.error));
        recorder.add_fixed(Fixed::ApiTokens, tokens);
        recorder.add_fixed(Fixed::ApiCostNanoUsd, nano_usd);
        let model = self.monitor.core().api_models.admit(&self.model);
        for (field, n) in [
            (Field::Calls, 1),
            (Field::Errors, u64::from(self.error)),
            (Field::InputTokens, self.input_tokens),
            (Field::OutputTokens, self.output_tokens),
            (Field::CostNanoUsd, nano_usd),
        ] {
            if n > 0 || field == Field::Calls {
                self.monitor.add_count(&api_models::counter_name(&model, field), n);
            }
        }
    }
}

/// A cost in billionths of a dollar; what is not a cost counts as nothing.
pub(super) fn nano_usd(cost_usd: f64) -> u64 {
    if cost_usd.is_finite() && cost_usd > 0.0 {
        // `as` saturates at u64::MAX for absurd costs.
        (cost_usd * 1e9).round() as u64
    } else {
        0
    }
}

impl Monitor {
    /// Describes a paid API call to `model`; `.record()` counts it.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("agent");
    /// m.api_call("gpt-4o").input_tokens(900).output_tokens(300).cost_usd(0.012).record();
    /// m.api_call("gpt-4o").input_tokens(100).error(true).record();
    /// m.api_call("small-model").output_tokens(50).cost_usd(0.0001).record();
    ///
    /// let api = m.end_session().unwrap().api;
    /// assert_eq!((api.calls, api.errors, api.input_tokens, api.output_tokens), (3, 1, 1000, 350));
    /// let gpt = api.model("gpt-4o").unwrap();
    /// assert_eq!((gpt.calls, gpt.errors, gpt.input_tokens), (2, 1, 1000));
    /// assert!((gpt.cost_usd - 0.012).abs() < 1e-9);
    /// assert_eq!(api.models[0].model, "gpt-4o", "the costliest model first");
    /// ```
    ///
    /// Each record looks the model's counters up by name (a lock and a
    /// hash): cheap beside a network call. At most
    /// [`MAX_API_MODELS`](crate::MAX_API_MODELS) models are kept apart by a
    /// monitor; later ones count under
    /// [`OTHER_MODEL`](crate::OTHER_MODEL).
    pub fn api_call(&self, model: &str) -> ApiCall {
        ApiCall {
            monitor: self.clone(),
            model: model.to_owned(),
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            error: false,
        }
    }
}
