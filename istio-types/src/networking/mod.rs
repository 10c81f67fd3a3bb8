//! `networking.istio.io`: traffic management. Served at v1alpha3, v1beta1 and v1 with one
//! schema, so each kind has one type; its `api_version` field says which version it is written at.

mod common;
mod workload_entry;

pub use common::{PortSelector, WorkloadSelector};

pub use workload_entry::{WorkloadEntry, WorkloadEntrySpec};
