//! Applies bundles of Kubernetes objects to many clusters with server-side apply.
//!
//! fed-apply knows nothing about federations: it takes, per cluster, a kubeconfig context and a
//! list of objects ([`ClusterTarget`]) and makes the cluster match them, the way Flux's `ssa`
//! package and `kubectl apply --server-side --applyset` do:
//!
//! 1. **Discover** the kinds the cluster serves (aggregated discovery, falling back to legacy
//!    discovery because kube 5.0.0 returns an *empty* result without error on servers that do
//!    not serve aggregated discovery). A kind that is not served and not defined by a CRD in the
//!    bundle stops the cluster with `cluster gke does not serve networking.istio.io/v1
//!    DestinationRule: is Istio installed?`.
//! 2. **Dry-run everything** with server-side apply (`dryRun=All`) and compare each result with
//!    the live object (read with one labelled LIST per kind and namespace where the bundle has
//!    several objects, else a GET), ignoring what the server owns (`managedFields`, `resourceVersion`,
//!    `generation`, `uid`, timestamps, `status`): *created*, *configured* or *unchanged*. If any
//!    dry-run fails (invalid object, conflict with another field manager), the cluster stops
//!    **before writing anything**. Objects whose Namespace or CRD is in the bundle but not on the
//!    cluster yet cannot be dry-run (the server answers 404); they are dry-run right before their
//!    stage is written, once their Namespace or CRD exists. In a dry run they are reported as
//!    *created*, which they would be.
//! 3. **Write only what drifted**, stage by stage ([`Stage`]): Namespaces, the ApplySet parent,
//!    CRDs (then wait until they are Established and their kinds served), LIQO
//!    NamespaceOffloadings (then wait until they are Ready), ServiceAccounts /
//!    RBAC / Secrets / ConfigMaps / Services, workloads, then everything else (Istio, LIQO).
//!    Re-applying an unchanged bundle makes no writes at all.
//! 4. **Prune** (optional), only after every apply of the cluster succeeded: list the members of
//!    our ApplySet (label `applyset.kubernetes.io/part-of=<id>`) of every kind the parent lists,
//!    and delete those not in the bundle, re-reading each right before deleting it (and deleting
//!    with its uid and resourceVersion as preconditions), so an object someone else took over in
//!    the meantime is left alone.
//!
//! Ownership follows KEP-3659 (ApplySets): see [`ApplySetParent`]. Conflicts with other field
//! managers are reported with the field and the manager ([`Error::Conflict`]) and taken over only
//! with [`ApplyOptions::force_conflicts`]. 429, 5xx and connection errors are retried with
//! exponential backoff ([`RetryPolicy`]). Clusters are applied in parallel; one failing does not
//! stop the others. The library never prints: progress goes to a [`Progress`] implementation.
//!
//! ```no_run
//! use fed_apply::{Applier, ApplyOptions, ApplySetParent, ClusterTarget, NoProgress};
//!
//! # async fn example(objects: Vec<serde_json::Value>) -> Result<(), fed_apply::Error> {
//! let mut options = ApplyOptions::new(ApplySetParent::new("meshfed-apan", "kube-system"));
//! options.prune = true;
//! let applier = Applier::from_kubeconfig_path("/home/me/.kube/config".as_ref(), options)?;
//! let targets = vec![
//!     ClusterTarget::new("gke", "gke_project_europe-west1_gke").with_json_objects(objects)?,
//! ];
//! let report = applier.apply(&targets, &NoProgress).await;
//! print!("{report}");
//! for failed in report.failed_clusters() {
//!     eprintln!("{failed} failed");
//! }
//! println!("{}", serde_json::to_string_pretty(&report).expect("serializable"));
//! # Ok(())
//! # }
//! ```
//!
//! `fedctl diff` is the same call with [`ApplyOptions::dry_run`] set, printing each configured
//! change's [`Change::diff`].
//!
//! [`check`] reads clusters without writing: given what each cluster should look like (kinds
//! served, istiod's release, the CA root, gateway Services, node labels, applied objects, LIQO
//! peerings), it reports a finding per thing checked with what it found and how to fix it.
//! `fedctl check` builds those expectations from a Federation document.
//!
//! # Features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `rustls-tls` | yes | TLS to the API servers through rustls with the ring provider: no system library needed |
//! | `openssl-tls` | no | TLS through the system's OpenSSL (needs `libssl-dev` and `pkg-config` to build) |
//!
//! Choose one. With neither, only plain-HTTP API servers can be reached (`kubectl proxy`, test
//! servers); with both, kube uses rustls. As with every crate built on `k8s-openapi`, the final
//! binary enables one Kubernetes version feature (`k8s-openapi/v1_34`, say); this crate never
//! does.

// Errors are rare and carry the object they are about, for the change set; boxing their fields
// would make matching on them clumsy for every caller.
#![allow(clippy::result_large_err, reason = "see above")]

mod applier;
mod applyset;
mod changeset;
pub mod check;
mod diff;
mod discovery;
mod error;
mod object;
mod order;
mod progress;
mod retry;

pub use applier::{Applier, ApplyOptions};
pub use applyset::{
    ADDITIONAL_NAMESPACES_ANNOTATION, ApplySetParent, CONTAINS_GROUP_KINDS_ANNOTATION, ID_LABEL,
    PART_OF_LABEL, TOOLING_ANNOTATION,
};
pub use changeset::{Action, ApplyReport, Change, ChangeSet};
pub use diff::{FieldChange, FieldDiff, diff, normalize};
pub use error::{Conflict, Error, Operation};
pub use object::{ClusterTarget, GroupKind, ObjectRef};
pub use order::{Stage, stage_of};
pub use progress::{Event, NoProgress, Progress};
pub use retry::RetryPolicy;

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
