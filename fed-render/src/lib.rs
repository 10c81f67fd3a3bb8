//! Renders a validated Federation into per-cluster bundles.
