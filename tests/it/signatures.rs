//! Signature coverage: every function shape users write compiles and is counted.
