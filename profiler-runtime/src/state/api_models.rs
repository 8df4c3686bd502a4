//! API spend per model, kept as custom counters under reserved names (so
//! they are per thread, need no lock to add to, and a session's share is
//! the difference of two readings like every counter's); the report takes
//! them out of the counters into its per-model table.
//!
//! The names start with a NUL byte, which no counter a user names in code
//! holds by accident. At most [`MAX_API_MODELS`] distinct models are kept
//! apart by a monitor; later ones are counted under [`OTHER_MODEL`].

use crate::record::recorder::lock;
use std::sync::Mutex;

/// The most distinct model names kept apart; calls to later ones count
/// under [`OTHER_MODEL`].
pub const MAX_API_MODELS: usize = 64;

/// Where calls to models past [`MAX_API_MODELS`] are counted.
pub const OTHER_MODEL: &str = "(other models)";

/// The most bytes of a model's name kept.
const MAX_MODEL_NAME: usize = 128;

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
    format!("{PREFIX}{model}\0{}", field.as_str())
}

/// The model and field a counter name stands for, or `None` for a user's
/// counter.
pub(crate) fn parse(name: &str) -> Option<(&str, Field)> {
    let rest = name.strip_prefix(PREFIX)?;
    let (model, field) = rest.rsplit_once('\0')?;
    let field = Field::ALL.into_iter().find(|f| f.as_str() == field)?;
    Some((model, field))
}

/// The models a monitor keeps apart.
#[derive(Debug)]
pub(crate) struct Models(Mutex<Vec<String>>);

impl Models {
    pub(crate) const fn new() -> Models {
        Models(Mutex::new(Vec::new()))
    }

    /// `model` as it is counted: cut to a bound, blank as `unknown`, and
    /// [`OTHER_MODEL`] once [`MAX_API_MODELS`] others are known.
    pub(crate) fn admit(&self, model: &str) -> String {
        admit(&self.0, model)
    }
}

fn admit(known: &Mutex<Vec<String>>, model: &str) -> String {
    let mut name = model.trim();
    if name.is_empty() {
        name = "unknown";
    }
    let mut cut = name.len().min(MAX_MODEL_NAME);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let name = &name[..cut];
    let mut known = lock(known);
    if known.iter().any(|k| k == name) {
        return name.to_owned();
    }
    if known.len() >= MAX_API_MODELS {
        return OTHER_MODEL.to_owned();
    }
    known.push(name.to_owned());
    name.to_owned()
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
    fn blank_and_long_names_are_bounded_and_so_is_their_number() {
        let models = Models::new();
        assert_eq!(models.admit("  "), "unknown");
        let long = "é".repeat(100);
        let kept = models.admit(&long);
        assert!(kept.len() <= MAX_MODEL_NAME && long.starts_with(&kept));
        for i in 2..MAX_API_MODELS {
            assert_eq!(models.admit(&format!("m{i}")), format!("m{i}"));
        }
        assert_eq!(models.admit("one too many"), OTHER_MODEL);
        assert_eq!(models.admit("m2"), "m2", "known models stay apart");
    }
}
