//! The crate's one error type.

use std::{fmt, time::Duration};

use serde::Serialize;

use crate::ObjectRef;

/// A field another field manager owns, reported by the API server in a 409 apply conflict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The field manager that owns the field (`kubectl-client-side-apply`, `helm`).
    pub manager: String,
    /// The field path as the API server prints it (`.spec.replicas`).
    pub field: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is managed by {:?}", self.field, self.manager)
    }
}

/// What the applier was doing when a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Reading the live object.
    Get,
    /// Server-side dry-run apply.
    DryRun,
    /// Server-side apply.
    Apply,
    /// Listing ApplySet members.
    List,
    /// Deleting a pruned member.
    Delete,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Get => "get",
            Self::DryRun => "dry-run apply",
            Self::Apply => "apply",
            Self::List => "list",
            Self::Delete => "delete",
        })
    }
}

/// Everything that can go wrong in fed-apply, for a whole cluster or for one object.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The kubeconfig file could not be read.
    #[error("cannot read kubeconfig {path}: {source}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// The cluster's context could not be turned into a client configuration.
    #[error("cluster {cluster}: kubeconfig context {context:?}: {source}")]
    Context {
        /// The cluster.
        cluster: String,
        /// The context.
        context: String,
        /// Why.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// A client could not be built (TLS setup, proxy).
    #[error("cluster {cluster}: cannot build a client: {source}")]
    Client {
        /// The cluster.
        cluster: String,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// API discovery failed (after retries).
    #[error("cluster {cluster}: API discovery failed: {source}")]
    Discovery {
        /// The cluster.
        cluster: String,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// The bundle has objects the applier cannot apply (missing name, duplicates).
    #[error("invalid bundle:\n  {}", problems.join("\n  "))]
    InvalidBundle {
        /// One line per problem, each starting with `objects[i]` and the field path.
        problems: Vec<String>,
    },
    /// A kind in the bundle is not served by the cluster and no CRD in the bundle defines it.
    #[error("cluster {cluster} does not serve {api_version} {kind}: {hint}")]
    NotServed {
        /// The cluster.
        cluster: String,
        /// `networking.istio.io/v1`.
        api_version: String,
        /// `DestinationRule`.
        kind: String,
        /// What is probably missing (`is Istio installed?`).
        hint: String,
    },
    /// Several errors at once (for example several kinds not served).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
    /// Another field manager owns fields this apply changes (HTTP 409); retry with
    /// `force_conflicts` to take them over.
    #[error("{object}: conflict: {} (use force-conflicts to take them over)", conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Conflict {
        /// The object.
        object: ObjectRef,
        /// The contested fields.
        conflicts: Vec<Conflict>,
    },
    /// A request about one object failed (after retries where retrying made sense).
    #[error("{object}: {operation} failed: {source}")]
    Api {
        /// The object (for a list: the kind, with name `*`).
        object: ObjectRef,
        /// What was being done.
        operation: Operation,
        /// The client error, with the API server's Status for HTTP errors.
        #[source]
        source: kube::Error,
    },
    /// A namespaced object's namespace does not exist and is not in the bundle.
    #[error(
        "{object}: namespace {namespace:?} does not exist on the cluster and is not in the bundle"
    )]
    NamespaceMissing {
        /// The object.
        object: ObjectRef,
        /// The missing namespace.
        namespace: String,
    },
    /// The ApplySet parent exists but belongs to another tool.
    #[error(
        "ApplySet parent {object} belongs to {tooling:?}, not to {ours:?}; refusing to take it over"
    )]
    ForeignApplySet {
        /// The parent.
        object: ObjectRef,
        /// Its `applyset.kubernetes.io/tooling`.
        tooling: String,
        /// Ours.
        ours: String,
    },
    /// A wait (CRD Established, kind served) did not finish in time.
    #[error("{object}: not {condition} after {timeout:?}")]
    WaitTimeout {
        /// The object waited for.
        object: ObjectRef,
        /// What was awaited.
        condition: &'static str,
        /// How long.
        timeout: Duration,
    },
    /// The cluster stopped before writing because objects failed their dry-run or apply.
    #[error("cluster {cluster}: {failed} object(s) failed during {phase}; {skipped} not applied")]
    ObjectsFailed {
        /// The cluster.
        cluster: String,
        /// `dry-run` or `apply`.
        phase: &'static str,
        /// How many failed (see the failed entries of the change set).
        failed: usize,
        /// How many were left alone because of them.
        skipped: usize,
    },
}

impl Error {
    /// The HTTP status code, when the API server answered with an error Status.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Api {
                source: kube::Error::Api(status),
                ..
            }
            | Self::Discovery {
                source: kube::Error::Api(status),
                ..
            } => Some(status.code),
            Self::Conflict { .. } => Some(409),
            _ => None,
        }
    }
}

/// Serializes an error as its message (change sets are JSON for people and scripts).
#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes &Option<T>"
)]
pub(crate) fn serialize_error<S: serde::Serializer>(
    error: &Option<Error>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match error {
        Some(e) => serializer.serialize_some(&e.to_string()),
        None => serializer.serialize_none(),
    }
}
