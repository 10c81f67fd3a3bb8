//! Runnable examples for meshfed. Run them from the repository root, e.g.
//! `cargo run --example apan`. This library target only exists because Cargo wants one.
