//! Strongly typed Istio resources.

/// Validated string formats (durations, localities, names, port names, protocols) that Istio
/// resources and the meshfed Federation document share. Builds without any optional feature.
pub mod primitives;
