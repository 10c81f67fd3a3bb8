//! The meshfed Federation document: parsed, checked, and typed.
//!
//! A Federation document says which Kubernetes clusters federate, how (peer-to-peer through
//! Istio gateways, as in the APAN study, or consumer/provider through LIQO), and which services
//! run where and overflow to whom. This crate turns that YAML into a [`ValidatedFederation`] the
//! renderer can trust, and nothing else: it knows no Kubernetes client and no Istio resource.
//!
//! # Design
//!
//! There are two layers. The *raw* types ([`Federation`] and the `*Spec` structs) mirror the
//! document: public fields, every one with a default, unknown keys refused. They are what you
//! read, write, build in code, and what the JSON Schema (`fedctl schema`) describes. The
//! *validated* types ([`ValidatedFederation`], [`Service`], [`Topology`] ...) have private
//! fields and are only produced by [`Federation::validate`], so holding one proves every rule
//! was checked (the typestate pattern, like garde's `Valid<T>`): names are [`Dns1123Label`]s,
//! durations are Istio [`Duration`]s, defaults are applied, cluster references resolve.
//!
//! Validation never stops at the first problem. Users fix documents in batches, so every
//! problem is reported at once, each with the field path, the value, what is allowed, and the
//! file and line where it is ([`Diagnostic`], [`Report`]). The reader is built for that too:
//! it reads YAML into a JSON value first (keeping YAML's types: a quoted `'100'` is a string, a
//! plain `30` a number, so neither silently becomes the other), then deserializes; a field that
//! does not fit is noted and dropped, and reading goes on. Warnings (valid but useless
//! settings, like thresholds that can never trigger an overflow) are kept apart from errors.
//!
//! Rules that come from Istio are taken from Istio's source: durations follow Go's
//! `time.ParseDuration` plus Istio's webhook limits, port names and protocols follow
//! `ValidatePortName` and `protocol.Parse`, an overflow target must have an IP gateway because
//! Istio merges only static IP endpoints into a service.
//!
//! # Example
//!
//! ```
//! use fed_model::{Severity, Topology};
//!
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
//! let validated = fed_model::from_yaml_str(yaml, None)?.validate(None)?;
//! let federation = validated.federation;
//! assert!(validated.warnings.is_empty());
//! assert_eq!(federation.services()[0].fqdn(), "echo.default.svc.cluster.local");
//! assert!(matches!(federation.topology(), Topology::PeerToPeer { peers } if peers.len() == 2));
//!
//! // A mistake is reported with its path, value, what is allowed, and line.
//! let bad = yaml.replace("to: [gke]", "to: [gke2]");
//! let report = fed_model::from_yaml_str(&bad, None)?.validate(None).unwrap_err();
//! let error = &report.diagnostics()[0];
//! assert_eq!(error.severity, Severity::Error);
//! assert_eq!(error.path, "spec.services[0].overflow[0].to[0]");
//! assert_eq!(error.message, r#"cluster "gke2" is not defined (defined: tein, gke)"#);
//! assert_eq!(error.line, Some(17));
//! # Ok::<(), fed_model::Report>(())
//! ```

mod check;
mod diag;
mod model;
mod observability;
mod parse;
pub mod raw;
mod types;
mod validate;

pub use diag::{Diagnostic, Report, Severity};
pub use istio_types::primitives::{
    Dns1123Label, Duration, Locality, PortName, Protocol, ProtocolKind,
};
pub use model::{
    Autoscaling, Cluster, ClusterRole, Gateway, Ingress, Istio, Mesh, Overflow, ProviderResources,
    Service, ServicePort, Thresholds, Topology, ValidatedFederation, Workload,
};
pub use observability::{
    Alerts, DEFAULT_CERTIFICATE_EXPIRY_DAYS, DEFAULT_OBSERVABILITY_NAMESPACE, Dashboard,
    Observability,
};
pub use parse::{from_yaml_str, validate_yaml_str};
pub use raw::Federation;
pub use types::{GatewayAddress, IstioVersion, NetworkingApiVersion, Percentage, Port, Quantity};
pub use validate::{DEFAULT_CLUSTER_DOMAIN, DEFAULT_GATEWAY_PORT, Validated};

/// The JSON Schema of the Federation document (draft 2020-12), with a description for every
/// field. Editors use it through a `# yaml-language-server: $schema=<file>` comment.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Federation);
    let mut value = serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null);
    strip_rust_defaults(&mut value);
    value
}

/// schemars records `Default::default()` of every field (`""`, `0`, `[]`) as the field's
/// default; those are placeholders of the lenient reader, not document defaults (which the
/// descriptions state). Editors would offer them, so drop them.
fn strip_rust_defaults(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(properties)) = map.get_mut("properties") {
                for property in properties.values_mut() {
                    if let serde_json::Value::Object(p) = property {
                        p.remove("default");
                    }
                }
            }
            for child in map.values_mut() {
                strip_rust_defaults(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_rust_defaults),
        _ => {}
    }
}

impl Federation {
    /// An empty document with `apiVersion`, `kind` and `metadata.name` filled in, to build on in
    /// code.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            api_version: raw::API_VERSION.to_owned(),
            kind: raw::KIND.to_owned(),
            metadata: raw::Metadata {
                name: name.into(),
                ..raw::Metadata::default()
            },
            ..Self::default()
        }
    }

    /// The document as YAML.
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_default()
    }
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
