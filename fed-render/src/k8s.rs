//! The plain Kubernetes objects: Namespaces, ServiceAccounts, Deployments, Services, HPAs and
//! the `cacerts` Secret.

use std::collections::BTreeMap;

use fed_model::{Service as FedService, Workload};
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, Namespace, NodeAffinity, NodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm, PodSpec, PodTemplateSpec, ResourceRequirements,
    Secret, Service, ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The node label that carries a cluster's zone (LIQO's virtual nodes copy it).
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

pub(crate) fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        ..ObjectMeta::default()
    }
}

/// A Namespace, with `istio-injection: enabled` when `inject`.
pub fn namespace(name: &str, inject: bool) -> Namespace {
    let mut m = meta(name, None);
    if inject {
        m.labels = Some(BTreeMap::from([(
            "istio-injection".to_owned(),
            "enabled".to_owned(),
        )]));
    }
    Namespace {
        metadata: m,
        ..Namespace::default()
    }
}

/// The service's ServiceAccount.
pub fn service_account(svc: &FedService) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(svc.service_account(), Some(svc.namespace().as_str())),
        ..ServiceAccount::default()
    }
}

/// Whether `name` can name a container port (Kubernetes' IANA_SVC_NAME: at most 15
/// characters, lower-case letters, digits and single inner `-`, at least one letter).
fn container_port_name(name: &str) -> bool {
    name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// The name a rendered container gives the port, when it can carry the Service port's name.
fn named_port(svc: &FedService, port: &fed_model::ServicePort) -> Option<String> {
    let name = port.name().as_str();
    (svc.workload().is_some() && container_port_name(name)).then(|| name.to_owned())
}

/// The Kubernetes Service: the service's ports (by the federation's port names, which Istio
/// also uses to pick the protocol), selecting the service's pods. When the renderer makes the
/// pods (`workload`) the `targetPort` is the port's name, which the container port carries:
/// Istio 1.7-1.10 ignore a selected WorkloadEntry's own port when the targetPort is a number
/// ([`istio_types::dataplane::DataPlane::workload_entry_ports`]), and a name works on every
/// release.
pub fn service(svc: &FedService, selector: &BTreeMap<String, String>) -> Service {
    let ports = svc
        .ports()
        .iter()
        .map(|p| ServicePort {
            name: Some(p.name().as_str().to_owned()),
            port: i32::from(p.number().get()),
            target_port: Some(named_port(svc, p).map_or_else(
                || IntOrString::Int(i32::from(p.effective_target_port().get())),
                IntOrString::String,
            )),
            protocol: Some(
                if p.protocol().as_str().eq_ignore_ascii_case("udp") {
                    "UDP"
                } else {
                    "TCP"
                }
                .to_owned(),
            ),
            ..ServicePort::default()
        })
        .collect();
    Service {
        metadata: meta(svc.name().as_str(), Some(svc.namespace().as_str())),
        spec: Some(ServiceSpec {
            selector: Some(selector.clone()),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// Options for a Deployment that differ between topologies.
pub(crate) struct DeploymentShape<'a> {
    /// The Deployment's name.
    pub name: &'a str,
    /// The pods' labels (and the Deployment's selector).
    pub pod_labels: BTreeMap<String, String>,
    /// Pin the pods to nodes of this zone (LIQO).
    pub zone: Option<&'a str>,
    /// The pods' `proxy.istio.io/config` annotation (an Istio ProxyConfig, as JSON).
    pub proxy_config: Option<serde_json::Value>,
}

/// The pod annotation that overrides the mesh's proxy config for the pod's sidecar.
pub const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";

fn quantities(map: &BTreeMap<String, fed_model::Quantity>) -> Option<BTreeMap<String, Quantity>> {
    (!map.is_empty()).then(|| {
        map.iter()
            .map(|(k, v)| (k.clone(), Quantity(v.as_str().to_owned())))
            .collect()
    })
}

/// The service's Deployment.
pub(crate) fn deployment(
    svc: &FedService,
    workload: &Workload,
    shape: &DeploymentShape<'_>,
) -> Deployment {
    let resources = (!workload.requests().is_empty() || !workload.limits().is_empty()).then(|| {
        ResourceRequirements {
            requests: quantities(workload.requests()),
            limits: quantities(workload.limits()),
            ..ResourceRequirements::default()
        }
    });
    let container = Container {
        name: svc.name().as_str().to_owned(),
        image: Some(workload.image().to_owned()),
        ports: Some(
            svc.ports()
                .iter()
                .map(|p| ContainerPort {
                    container_port: i32::from(p.effective_target_port().get()),
                    name: named_port(svc, p),
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        resources,
        ..Container::default()
    };
    let affinity = shape.zone.map(|zone| Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(zone_selector(zone)),
            ..NodeAffinity::default()
        }),
        ..Affinity::default()
    });
    Deployment {
        metadata: meta(shape.name, Some(svc.namespace().as_str())),
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(workload.replicas()).unwrap_or(i32::MAX)),
            selector: LabelSelector {
                match_labels: Some(shape.pod_labels.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(shape.pod_labels.clone()),
                    annotations: shape.proxy_config.as_ref().map(|config| {
                        BTreeMap::from([(PROXY_CONFIG_ANNOTATION.to_owned(), config.to_string())])
                    }),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(svc.service_account().to_owned()),
                    containers: vec![container],
                    affinity,
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// Nodes whose zone label is `zone`.
pub fn zone_selector(zone: &str) -> NodeSelector {
    NodeSelector {
        node_selector_terms: vec![NodeSelectorTerm {
            match_expressions: Some(vec![NodeSelectorRequirement {
                key: ZONE_LABEL.to_owned(),
                operator: "In".to_owned(),
                values: Some(vec![zone.to_owned()]),
            }]),
            ..NodeSelectorTerm::default()
        }],
    }
}

/// An autoscaling/v2 HPA scaling the Deployment `target` on CPU utilisation, if the workload
/// asks for autoscaling.
pub(crate) fn hpa(
    svc: &FedService,
    workload: &Workload,
    name: &str,
    target: &str,
) -> Option<HorizontalPodAutoscaler> {
    let a = workload.autoscaling()?;
    Some(HorizontalPodAutoscaler {
        metadata: meta(name, Some(svc.namespace().as_str())),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".to_owned()),
                kind: "Deployment".to_owned(),
                name: target.to_owned(),
            },
            min_replicas: Some(i32::try_from(a.min_replicas()).unwrap_or(i32::MAX)),
            max_replicas: i32::try_from(a.max_replicas()).unwrap_or(i32::MAX),
            metrics: Some(vec![MetricSpec {
                type_: "Resource".to_owned(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".to_owned(),
                    target: MetricTarget {
                        type_: "Utilization".to_owned(),
                        average_utilization: Some(
                            i32::try_from(a.target_cpu_utilization_percentage()).unwrap_or(100),
                        ),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            }]),
            ..HorizontalPodAutoscalerSpec::default()
        }),
        ..HorizontalPodAutoscaler::default()
    })
}

/// The files of Istio's plugged-in CA, as `cacerts` expects them.
pub const CACERTS_FILES: [&str; 4] = [
    "ca-cert.pem",
    "ca-key.pem",
    "cert-chain.pem",
    "root-cert.pem",
];

/// Secret `istio-system/cacerts` holding a cluster's intermediate CA.
pub(crate) fn cacerts(files: BTreeMap<String, Vec<u8>>) -> Secret {
    Secret {
        metadata: meta("cacerts", Some("istio-system")),
        type_: Some("Opaque".to_owned()),
        data: Some(files.into_iter().map(|(k, v)| (k, ByteString(v))).collect()),
        ..Secret::default()
    }
}
