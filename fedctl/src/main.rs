//! `fedctl`: declare, check, render and apply multi-cluster Istio federations.

fn main() {}
