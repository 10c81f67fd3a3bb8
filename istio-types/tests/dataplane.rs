//! The per-release data-plane table, as a reviewed record: where each fact changes value.
//!
//! The snapshot lists, for every fact, its value at the oldest known release and each release
//! where it changes. A change to any row shows up here (and in the consumers' tests in
//! `tests/tests/dataplane_render.rs`, which check that the renderer and explain follow it).

use std::fmt::Write as _;

use istio_types::dataplane::DataPlane;
use istio_types::release::IstioRelease;

fn releases() -> impl Iterator<Item = IstioRelease> {
    let (oldest, newest) = (IstioRelease::OLDEST_KNOWN, IstioRelease::NEWEST_KNOWN);
    (oldest.minor()..=newest.minor()).map(|m| IstioRelease::new(1, m))
}

#[test]
fn where_each_fact_changes() {
    let first = DataPlane::of(IstioRelease::OLDEST_KNOWN).rows();
    let mut out = String::new();
    for (i, row) in first.iter().enumerate() {
        let _ = writeln!(out, "{}:", row.name);
        let mut last = String::new();
        for release in releases() {
            let value = DataPlane::of(release).rows()[i].value.clone();
            if value != last {
                let _ = writeln!(out, "  {release}: {value}");
                last = value;
            }
        }
    }
    insta::assert_snapshot!("dataplane_where_each_fact_changes", out);
}

#[test]
fn the_boundaries_of_dataplane_md() {
    let at = |minor| DataPlane::of(IstioRelease::new(1, minor));
    // Section 2: client-side overflow counts for outlier detection on 1.7-1.17 only.
    for (minor, counted) in [(6, false), (7, true), (17, true), (18, false), (30, false)] {
        assert_eq!(at(minor).client_overflow_ejects(), counted, "1.{minor}");
    }
    // Section 4: 503 in the default retry policy up to 1.23.
    use istio_types::dataplane::DefaultRetry503::{ExcludedByDefault, NotRetried, Retried};
    for (minor, want) in [
        (23, Retried),
        (24, ExcludedByDefault),
        (26, ExcludedByDefault),
        (27, NotRetried),
    ] {
        assert_eq!(at(minor).default_retry.value.status_503, want, "1.{minor}");
    }
    // Section 5: 15443 leaves the default gateway Service in 1.10; sni-dnat needed up to 1.10.
    assert!(at(9).default_gateway_exposes_15443.value);
    assert!(!at(10).default_gateway_exposes_15443.value);
    assert!(at(10).needs_sni_dnat());
    assert!(!at(11).needs_sni_dnat());
}
