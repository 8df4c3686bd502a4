//! API spend per model, kept as custom counters under reserved names (so
//! they are per thread, need no lock to add to, and a session's share is
//! the difference of two readings like every counter's); the report takes
//! them out of the counters into its per-model table.
//!
//! The names start with a NUL byte, which no counter a user names in code
//! holds by accident. At most [`MAX_API_MODELS`] distinct models are kept
//! apart by a monitor; later ones are counted under [`OTHER_MODEL`].

use super::reserved::{self, BoundedNames};

/// The most distinct model names kept apart; calls to later ones count
/// under [`OTHER_MODEL`].
pub const MAX_API_MODELS: usize = 64;

/// Where calls to models past [`MAX_API_MODELS`] are counted.
pub const OTHER_MODEL: &str = "(other models)";

const PREFIX: &str = "\0api\0";

/// One per-model figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Calls,
    Errors,
    InputTokens,
    OutputTokens,
    CostNanoUsd,
}

impl Field {
    pub(crate) const ALL: [Field; 5] =
        [Field::Calls, Field::Errors, Field::InputTokens, Field::OutputTokens, Field::CostNanoUsd];

    fn as_str(self) -> &'static str {
        match self {
            Field::Calls => "calls",
            Field::Errors => "errors",
            Field::InputTokens => "input",
            Field::OutputTokens => "output",
            Field::CostNanoUsd => "nano_usd",
        }
    }
}

/// The counter name of `field` of `model`.
pub(crate) fn counter_name(model: &str, field: Field) -> String {
    reserved::counter_name(PREFIX, model, field.as_str())
}

/// The model and field a counter name stands for, or `None` for a user's
/// counter.
pub(crate) fn parse(name: &str) -> Option<(&str, Field)> {
    let (model, field) = reserved::parse(PREFIX, name)?;
    Some((model, Field::ALL.into_iter().find(|f| f.as_str() == field)?))
}

/// The models a monitor keeps apart.
pub(crate) const fn models() -> BoundedNames {
    BoundedNames::new(MAX_API_MODELS, OTHER_MODEL, "unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_user_counters_are_left_alone() {
        for field in Field::ALL {
            let name = counter_name("gpt-4o\0odd", field);
            assert_eq!(parse(&name), Some(("gpt-4o\0odd", field)));
        }
        assert_eq!(parse("api.calls"), None);
        assert_eq!(parse("\0api\0model\0bogus"), None);
    }

    #[test]
    fn a_monitor_keeps_apart_at_most_the_bound() {
        let models = models();
        for i in 0..MAX_API_MODELS {
            assert_eq!(models.admit(&format!("m{i}")), format!("m{i}"));
        }
        assert_eq!(models.admit("one too many"), OTHER_MODEL);
        assert_eq!(models.admit(" "), OTHER_MODEL, "blank is one more name");
    }
}
