//! The large Federation document the render benchmarks use (`fed-render`'s `render` benches,
//! `fedctl`'s `render_output` bench, and the whole-process figures in BENCHMARKS.md).

use std::fmt::Write as _;

/// Peers of [`peer_to_peer`]'s federation.
pub const PEERS: usize = 16;

/// A peer-to-peer Federation document with [`PEERS`] peers and `services` services. Every
/// service runs in every peer (a ServiceAccount, Deployment and Service in each) and has one
/// overflow rule, from peer `s % PEERS` to the next two (two WorkloadEntries, a ServiceEntry
/// and a DestinationRule in the overflowing peer). No `mesh.ca`: every overflow
/// DestinationRule draws the `istio-mutual-without-shared-ca` warning, as a first document
/// written by hand would.
#[must_use]
pub fn peer_to_peer(services: usize) -> String {
    let mut doc = String::from(
        "apiVersion: meshfed.io/v1alpha1\nkind: Federation\nmetadata: {name: bench}\nspec:\n  istio: {version: \"1.30\"}\n  topology:\n    peerToPeer:\n      peers:\n",
    );
    for p in 0..PEERS {
        let _ = writeln!(
            doc,
            "        - {{name: p{p}, locality: r{}/z{p}, gateway: {{address: 10.0.{p}.1}}}}",
            p % 4
        );
    }
    doc.push_str("  services:\n");
    for s in 0..services {
        let from = s % PEERS;
        let _ = writeln!(
            doc,
            "    - name: svc{s}\n      namespace: ns{}\n      ports: [{{name: http, number: 80, protocol: HTTP}}]\n      workload: {{image: \"example/svc:1\"}}\n      overflow:\n        - from: p{from}\n          to: [p{}, p{}]\n          thresholds: {{maxConnections: 10, consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}}",
            s % 50,
            (from + 1) % PEERS,
            (from + 2) % PEERS
        );
    }
    doc
}
