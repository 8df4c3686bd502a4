//! The sites and their names: the `static` [`Callsite`](callsite::Callsite)
//! every `#[monitor]` function owns, the [`registry`] that gives each one a
//! dense slot index and its metadata at its first call, the default name
//! [`naming`] derives from where the function is defined, and [`sampling`]:
//! which calls of a sampled callsite are timed.
//!
//! What a call touches here: one `Relaxed` load of its callsite's cached id
//! (slot index and sampled bit). Registration, naming and the default sample
//! rate's lock run once per callsite, on a cold path; a sampled callsite's
//! countdown draws once per timed call.
//!
//! Beneath the other rooms: this one imports nothing of `record/` but the
//! leaves ([`clock`](super::clock), [`sync`](super::sync)).

pub(crate) mod callsite;
pub(crate) mod naming;
pub(crate) mod registry;
pub(crate) mod sampling;
