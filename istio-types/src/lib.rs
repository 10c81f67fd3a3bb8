//! Strongly typed Istio resources that read and write Istio YAML faithfully.
//!
//! Istio's configuration is YAML that the Kubernetes API server checks only loosely: its CRDs
//! carry no `additionalProperties: false`, so a misspelt or misplaced field is silently pruned
//! and the setting the user meant simply vanishes (a `tls` block one level too high in a
//! DestinationRule turns mTLS off without a word). This crate reads that YAML into Rust types
//! that say exactly what Istio's API allows:
//!
//! - **Strict reading.** Unknown fields, unknown enum values, quoted numbers and unquoted
//!   numbers where strings belong are errors, each with the file, line and field path
//!   ([`read`]).
//! - **Faithful writing.** What was absent stays absent, explicit defaults written by the user
//!   are written back, fields keep Istio's order and maps are sorted, so output is
//!   deterministic ([`write`](mod@write)).
//! - **Types, not strings.** Enums for Istio's enums, newtypes for durations, localities and
//!   port names ([`primitives`]), Rust enums for protobuf oneofs so that impossible combinations
//!   do not type-check.
//! - **One type per kind, every served version.** Istio serves the networking kinds at
//!   v1alpha3, v1beta1 and v1 with identical schemas; an object's [`ApiVersion`] is a field,
//!   and [`IstioObject::set_api_version`] converts between them.
//!
//! ```
//! use istio_types::read::{read_stream, Document};
//! use istio_types::IstioResource;
//!
//! let yaml = r#"
//! apiVersion: networking.istio.io/v1alpha3
//! kind: WorkloadEntry
//! metadata: {name: gke-gateway, namespace: default}
//! spec:
//!   address: 202.28.193.115
//!   ports: {http: 15443}
//!   locality: us-west1/us-west1-b
//! "#;
//! let docs = read_stream(yaml, None);
//! let Ok(Document::Istio(res)) = &docs[0].result else { panic!("{:?}", docs[0].result) };
//! let IstioResource::WorkloadEntry(we) = res else { unreachable!() };
//! assert_eq!(we.spec.ports["http"], 15443);
//!
//! // A misplaced field is an error naming it, not a silent drop.
//! let bad = yaml.replace("  locality:", "  localty:");
//! let docs = read_stream(&bad, None);
//! let err = docs[0].result.as_ref().unwrap_err();
//! assert_eq!(err.path.as_deref(), Some("spec.localty"));
//! assert_eq!(err.location.line, Some(8));
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds | pulls in |
//! |---|---|---|---|
//! | `resources` | yes | the Istio kinds ([`networking`], [`security`]), [`IstioResource`], [`read`], [`validate`], [`write`](mod@write) | `k8s-openapi` (for `ObjectMeta`), `regex` |
//! | `kube` | yes | `kube::Resource` for every kind, so `kube::Api<DestinationRule>` works; its dynamic type is the [`ApiVersion`] to talk to (the storage version by default). Implies `resources`. | `kube` without default features: kube-core only, no client, no TLS |
//! | `schemars` | yes | `schemars::JsonSchema` for every public type | `schemars` |
//!
//! With no features only [`primitives`] is built: the validated formats parse (`FromStr` and
//! `Deserialize`, both validating), display and serialize, with no Kubernetes crate in the
//! tree. A tool that reads, checks and writes Istio YAML wants
//! `default-features = false, features = ["resources"]`: no kube, no schemars, no HTTP client
//! and no TLS stack.
//!
//! `k8s-openapi` needs a Kubernetes version feature, chosen by the final binary and never by a
//! library: add `k8s-openapi = { version = "0.29", features = ["v1_34"] }` (or another `v1_*`)
//! to your binary's dependencies.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod dataplane;
pub mod primitives;
pub mod release;

#[cfg(feature = "resources")]
pub mod analysis;
#[cfg(feature = "resources")]
mod any;
#[cfg(feature = "resources")]
pub mod common;
#[cfg(feature = "resources")]
pub mod networking;
#[cfg(feature = "resources")]
mod par;
#[cfg(feature = "resources")]
pub mod read;
#[cfg(feature = "resources")]
pub(crate) mod resource;
#[cfg(feature = "resources")]
pub(crate) mod rules;
#[cfg(feature = "resources")]
pub mod security;
#[cfg(feature = "resources")]
pub(crate) mod strict;
#[cfg(feature = "resources")]
pub mod validate;
#[cfg(feature = "resources")]
pub mod write;

#[cfg(feature = "resources")]
pub use any::IstioResource;
#[cfg(feature = "resources")]
#[doc(hidden)]
pub use resource::envelope;
#[cfg(feature = "resources")]
pub use resource::{ApiVersion, Group, IstioObject, NotServed};

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
