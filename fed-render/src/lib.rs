//! Renders a validated meshfed Federation into per-cluster bundles of Kubernetes and Istio
//! objects.
//!
//! The APAN study federated clusters by hand: in every cluster a cross-network Gateway, and in
//! each cluster whose clients may overflow, the remote peers' gateways added as extra endpoints
//! of the local service, with a DestinationRule whose connection-pool limits and outlier
//! detection push traffic over to them. This crate writes those objects for any number of
//! peers and services, for the Istio release the federation targets, so nobody hand-edits YAML
//! per cluster.
//!
//! A consumer/provider (LIQO) federation renders differently: one Istio control plane in the
//! consumer, and every object in the consumer's bundle (offloaded namespaces, one Deployment
//! and HPA per service and cluster pinned by zone, one Service, ingress Gateway and
//! VirtualService, a locality-load-balancing DestinationRule); LIQO reflects them into the
//! providers, whose bundles hold only their runbook (spec 3.2, seed 004).
//!
//! Rendering is pure: the same [`ValidatedFederation`] gives
//! the same bytes, with no clock, no randomness and no I/O but reading the CA files
//! `mesh.ca.dir` points at. Certificates are made separately, by [`certs::generate`].
//!
//! ```
//! let yaml = r#"
//! apiVersion: meshfed.io/v1alpha1
//! kind: Federation
//! metadata: {name: demo}
//! spec:
//!   istio: {version: "1.5"}
//!   topology:
//!     peerToPeer:
//!       peers:
//!         - {name: tein, locality: asia-southeast1/tein-a, gateway: {address: 202.28.193.112}}
//!         - {name: gke, locality: us-west1/us-west1-b, gateway: {address: 202.28.193.115}}
//!   services:
//!     - name: echo
//!       ports: [{name: http, number: 80, protocol: HTTP}]
//!       overflow:
//!         - from: tein
//!           to: [gke]
//!           thresholds: {maxConnections: 1, consecutiveErrors: 1, interval: 1s, baseEjectionTime: 1m, maxEjectionPercent: 100}
//! "#;
//! let validated = fed_model::validate_yaml_str(yaml, None, None).expect("a valid document");
//! let bundles = fed_render::render(&validated.federation)?;
//! assert_eq!(bundles.len(), 2); // one per peer
//!
//! // tein's clients overflow to gke: tein's DestinationRule for echo carries the thresholds.
//! let tein = &bundles[0];
//! assert_eq!(tein.cluster, "tein");
//! assert!(tein.get("DestinationRule", "default", "echo").is_some());
//!
//! // The same document always renders to the same bytes.
//! let again = fed_render::render(&validated.federation)?;
//! assert_eq!(tein.to_yaml_stream()?, again[0].to_yaml_stream()?);
//! # Ok::<(), fed_render::RenderError>(())
//! ```
//!
//! # Features
//!
//! None. The crate uses `k8s-openapi` without a Kubernetes version feature; the final binary
//! enables one (`k8s-openapi/v1_34`, say), as every binary built on k8s-openapi must.

pub mod analyze;
pub mod bundle;
pub mod certs;
mod consumer_provider;
pub mod explain;
pub mod graph;
mod install;
mod istio;
pub mod k8s;
pub mod labels;
pub mod liqo;
pub mod observability;
pub mod output;
mod p2p;
pub mod prometheus;
pub mod proxy_config;
mod runbook;

use std::collections::BTreeMap;

use fed_model::{Cluster, Topology, ValidatedFederation};

pub use bundle::{AuxFile, Bundle, Object};
pub use consumer_provider::{
    GATEWAY_RELEASE, INGRESS_NAMESPACE_PREFIX, LOCAL_APP_LABEL, ingress_namespace,
};
pub use output::OutputFile;
pub use p2p::{CROSS_NETWORK_GATEWAY, ISTIO_SYSTEM};

/// Renders every cluster's bundle, in the document's cluster order (for consumerProvider: the
/// consumer first).
///
/// ```
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/apan.yaml")).unwrap();
/// let fed = fed_model::from_yaml_str(&text, None).unwrap();
/// let validated = fed.validate(None).unwrap().federation;
/// let bundles = fed_render::render(&validated).unwrap();
/// assert_eq!(bundles.len(), 2);
/// assert!(bundles[0].get("DestinationRule", "default", "echo").is_some());
/// ```
pub fn render(fed: &ValidatedFederation) -> Result<Vec<Bundle>, RenderError> {
    let bundles = match fed.topology() {
        Topology::PeerToPeer { peers } => peers
            .iter()
            .map(|p| Ok(p2p::render_peer(fed, p, cacerts(fed, p)?)))
            .collect::<Result<Vec<_>, _>>()?,
        Topology::ConsumerProvider { .. } => consumer_provider::render(fed),
    };
    Ok(bundles.into_iter().map(|b| finish(fed, b)).collect())
}

/// Renders one cluster's bundle, the same as [`render`] gives it; `None` for a name that is
/// not a cluster of the federation.
///
/// A peer's bundle is made alone, so a large federation can be rendered and written one
/// cluster at a time (or one per core) without holding every bundle at once; the
/// consumer/provider bundles are small and made together.
///
/// ```
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/apan.yaml")).unwrap();
/// let fed = fed_model::from_yaml_str(&text, None).unwrap().validate(None).unwrap().federation;
/// let all = fed_render::render(&fed).unwrap();
/// let one = fed_render::render_cluster(&fed, &all[1].cluster).unwrap().unwrap();
/// assert_eq!(one, all[1]);
/// assert!(fed_render::render_cluster(&fed, "nowhere").unwrap().is_none());
/// ```
pub fn render_cluster(
    fed: &ValidatedFederation,
    cluster: &str,
) -> Result<Option<Bundle>, RenderError> {
    let bundle = match fed.topology() {
        Topology::PeerToPeer { peers } => match peers.iter().find(|p| p.name().as_str() == cluster)
        {
            Some(p) => Some(p2p::render_peer(fed, p, cacerts(fed, p)?)),
            None => None,
        },
        Topology::ConsumerProvider { .. } => consumer_provider::render(fed)
            .into_iter()
            .find(|b| b.cluster == cluster),
    };
    Ok(bundle.map(|b| finish(fed, b)))
}

/// What every bundle gets last: the ownership labels on each object, and the apply order.
fn finish(fed: &ValidatedFederation, mut b: Bundle) -> Bundle {
    observability::add(fed, &mut b);
    let labels = labels::ownership(fed.name().as_str(), &b.cluster);
    for o in &mut b.objects {
        o.metadata_mut()
            .labels
            .get_or_insert_with(BTreeMap::new)
            .extend(labels.clone());
    }
    b.objects.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
    // An object several services need is made once per service (a ServiceAccount that two
    // services name): keep one, or `kubectl apply -k` refuses the folder (kustomize does not
    // take two resources with one id). Equal objects have equal sort keys, so they are
    // neighbours now.
    b.objects.dedup();
    b
}

/// The cluster's `cacerts` Secret from `mesh.ca.dir`, when set.
fn cacerts(fed: &ValidatedFederation, cluster: &Cluster) -> Result<Option<Object>, RenderError> {
    let Some(dir) = fed.mesh().ca_dir() else {
        return Ok(None);
    };
    let mut files = BTreeMap::new();
    for name in k8s::CACERTS_FILES {
        let path = dir.join(cluster.name().as_str()).join(name);
        let bytes = std::fs::read(&path).map_err(|source| RenderError::CaFile { path, source })?;
        files.insert(name.to_owned(), bytes);
    }
    Ok(Some(Object::from(k8s::cacerts(files))))
}

/// Rendering failed. On a validated federation only reading the CA files can fail.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A file of `mesh.ca.dir` could not be read.
    #[error("cannot read CA file {path}: {source}")]
    CaFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// This topology cannot be rendered yet.
    #[error("{0}")]
    Unsupported(String),
    /// An object could not be written as YAML.
    #[error("cannot write YAML: {0}")]
    Write(String),
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
