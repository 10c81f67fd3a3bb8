//! The labels every rendered object carries, so that users, `kubectl` and `fedctl apply` can
//! tell what a federation owns.

use std::collections::BTreeMap;

/// `app.kubernetes.io/managed-by`.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Our value of [`MANAGED_BY`].
pub const MANAGER: &str = "fedctl";
/// The federation's `metadata.name`.
pub const FEDERATION: &str = "meshfed.io/federation";
/// The cluster the object was rendered for.
pub const CLUSTER: &str = "meshfed.io/cluster";
/// On overflow WorkloadEntries: the peer whose clients spill over through them.
pub const OVERFLOW_FROM: &str = "meshfed.io/overflow-from";

/// The ownership labels of an object of `federation` rendered for `cluster`.
pub fn ownership(federation: &str, cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (FEDERATION.to_owned(), federation.to_owned()),
        (CLUSTER.to_owned(), cluster.to_owned()),
    ])
}
