//! Cross-crate tests live in `tests/tests/`; this library target only exists because Cargo wants one.
