//! Integration tests live in `it/` and `ui/`; this library is empty.
