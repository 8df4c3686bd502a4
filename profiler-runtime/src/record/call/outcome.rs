//! How an instrumented call ended, as its return value says.

use std::fmt;

/// How a call ended, as the instrumented function's return value says.
#[derive(Clone, Copy)]
pub enum Outcome<'a> {
    /// The call succeeded.
    Success,
    /// The call failed (`Err`, or a panic), with the error's text when it has one.
    Failure(Option<&'a dyn fmt::Display>),
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("Success"),
            Outcome::Failure(None) => f.write_str("Failure"),
            Outcome::Failure(Some(e)) => write!(f, "Failure({e})"),
        }
    }
}
