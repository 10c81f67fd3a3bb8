//! Strongly typed Istio resources.
