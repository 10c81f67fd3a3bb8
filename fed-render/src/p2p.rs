//! The peer-to-peer (APAN) topology: every peer runs its own Istio control plane; the only
//! things shared are the root CA and each peer's ingress gateway, which the other peers add as
//! extra endpoints of their own services so that overflow spills over to it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use fed_model::{Cluster, IstioVersion, Service as FedService, ValidatedFederation};

use crate::bundle::{AuxFile, Bundle, Object};
use crate::{istio, k8s};

/// The Gateway every peer exposes for cross-network mTLS (AUTO_PASSTHROUGH) traffic, and for
/// ingress when a service asks for it.
pub const CROSS_NETWORK_GATEWAY: &str = "cross-network-gateway";
/// Where Istio runs.
pub const ISTIO_SYSTEM: &str = "istio-system";

/// Renders one peer's bundle.
pub(crate) fn render_peer(
    fed: &ValidatedFederation,
    peer: &Cluster,
    cacerts: Option<Object>,
) -> Bundle {
    let version = fed.istio().version();
    let mut objects = vec![Object::from(k8s::namespace(ISTIO_SYSTEM, false))];
    objects.extend(cacerts);

    let here: Vec<&FedService> = fed
        .services()
        .iter()
        .filter(|s| s.runs_in_cluster(peer.name().as_str()))
        .collect();
    let overflowing: Vec<&FedService> = fed
        .services()
        .iter()
        .filter(|s| s.overflow_from(peer.name().as_str()).is_some())
        .collect();

    // Namespaces of the services that run here or overflow from here, once each.
    let namespaces: BTreeSet<&str> = here
        .iter()
        .chain(&overflowing)
        .map(|s| s.namespace().as_str())
        .collect();
    objects.extend(
        namespaces
            .into_iter()
            .map(|ns| Object::from(k8s::namespace(ns, true))),
    );

    for svc in &here {
        objects.extend(workload_objects(fed, svc));
    }

    let ingress: Vec<&FedService> = here
        .iter()
        .copied()
        .filter(|s| s.ingress().is_some())
        .collect();
    objects.push(istio::cross_network_gateway(fed, peer, !ingress.is_empty()));
    for svc in ingress {
        objects.push(istio::ingress_virtual_service(fed, svc));
    }

    for svc in overflowing {
        let rule = svc
            .overflow_from(peer.name().as_str())
            .unwrap_or_else(|| unreachable!("filtered above"));
        let targets: Vec<&Cluster> = rule
            .to()
            .iter()
            .filter_map(|t| fed.cluster(t.as_str()))
            .collect();
        objects.extend(istio::overflow_endpoints(fed, svc, peer, &targets));
        objects.push(istio::overflow_destination_rule(
            fed,
            svc,
            peer,
            rule.thresholds(),
            &targets,
        ));
    }

    Bundle {
        cluster: peer.name().as_str().to_owned(),
        context: peer.context().to_owned(),
        objects,
        files: vec![
            install_values(fed, peer, version),
            runbook(fed, peer, version),
        ],
    }
}

/// ServiceAccount, Deployment, Service and HPA of a service with a `workload`; just the Service
/// for one without (its pods are deployed by other means, but Istio needs the Service).
fn workload_objects(fed: &ValidatedFederation, svc: &FedService) -> Vec<Object> {
    let mut out = Vec::new();
    if let Some(w) = svc.workload() {
        if svc.service_account() != "default" {
            out.push(Object::from(k8s::service_account(svc)));
        }
        let shape = k8s::DeploymentShape {
            name: svc.name().as_str(),
            pod_labels: svc.selector().clone(),
            zone: None,
            pod_annotations: crate::proxy_config::pod_annotations(fed, svc),
        };
        out.push(Object::from(k8s::deployment(svc, w, &shape)));
        out.extend(k8s::hpa(svc, w, svc.name().as_str(), svc.name().as_str()).map(Object::from));
    }
    out.push(Object::from(k8s::service(svc, svc.selector())));
    out
}

/// Istio 1.8-1.10 gateways only pass AUTO_PASSTHROUGH traffic in this router mode.
pub(crate) fn needs_sni_dnat(version: IstioVersion) -> bool {
    version.at_least(1, 8) && !version.at_least(1, 11)
}

/// The Helm values the peer's Istio installation needs. Not applied: Istio is installed before
/// anything else of the bundle (after the `cacerts` Secret).
fn install_values(fed: &ValidatedFederation, peer: &Cluster, version: IstioVersion) -> AuxFile {
    let mut global = serde_json::Map::new();
    if let Some(id) = fed.mesh().id() {
        global.insert("meshID".into(), id.into());
    }
    let mut multi = serde_json::Map::new();
    if !version.at_least(1, 6) {
        // Istio 1.5's chart switched multicluster support on with this flag.
        multi.insert("enabled".into(), true.into());
    }
    multi.insert("clusterName".into(), peer.name().as_str().into());
    global.insert("multiCluster".into(), multi.into());
    if let Some(net) = peer.network() {
        global.insert("network".into(), net.into());
    }
    let mut values = serde_json::Map::new();
    if !version.at_least(1, 6) && fed.mesh().ca_dir().is_some() {
        // 1.5's Citadel only uses the plugged-in `cacerts` when self-signing is off (seed 003).
        global.insert("mtls".into(), serde_json::json!({"enabled": true}));
        values.insert("global".into(), global.into());
        values.insert("security".into(), serde_json::json!({"selfSigned": false}));
    } else {
        values.insert("global".into(), global.into());
    }
    if needs_sni_dnat(version) {
        values.insert(
            "gateways".into(),
            serde_json::json!({"istio-ingressgateway": {"env": {"ISTIO_META_ROUTER_MODE": "sni-dnat"}}}),
        );
    }
    let body = istio_types::write::to_yaml(&serde_json::Value::Object(values)).unwrap_or_default();
    AuxFile {
        name: "istio-values.yaml".into(),
        contents: format!(
            "# Helm values for Istio {version} in cluster {peer} of federation {fed}.\n\
             # Not applied by fedctl: install Istio with these before applying this folder (see RUNBOOK.md).\n{body}",
            peer = peer.name(),
            fed = fed.name(),
        ),
    }
}

fn runbook(fed: &ValidatedFederation, peer: &Cluster, version: IstioVersion) -> AuxFile {
    let name = peer.name();
    let ctx = peer.context();
    let mut steps: Vec<String> = Vec::new();
    steps.push(format!(
        "kubectl --context {ctx} create namespace {ISTIO_SYSTEM}"
    ));
    if fed.mesh().ca_dir().is_some() {
        steps.push(format!(
            "kubectl --context {ctx} apply -f 02-secret.{ISTIO_SYSTEM}.cacerts.yaml   # the shared root CA; before Istio starts"
        ));
    } else {
        steps.push(
            "# mesh.ca is not set: make a shared root CA (`fedctl certs FEDERATION.yaml -o certs`), set mesh.ca.dir, \
             render again. Without it the peers do not trust each other's mTLS."
                .to_owned(),
        );
    }
    steps.push(format!(
        "# Install Istio {version} with istio-values.yaml (helm or istioctl), into context {ctx}."
    ));
    if needs_sni_dnat(version) {
        steps.push(
            "# Istio 1.8-1.10: the ingress gateway must run with ISTIO_META_ROUTER_MODE=sni-dnat for AUTO_PASSTHROUGH \
             (set in istio-values.yaml)."
                .to_owned(),
        );
    }
    steps.push(format!(
        "kubectl --context {ctx} apply -k .   # or: fedctl apply FEDERATION.yaml"
    ));
    let mut text = format!(
        "# Runbook for cluster {name} (federation {fed}, Istio {version})\n\n\
         The steps no manifest can express, in order.\n\n",
        fed = fed.name()
    );
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(text, "{}. `{s}`", i + 1);
    }
    AuxFile {
        name: "RUNBOOK.md".into(),
        contents: text,
    }
}

/// The labels WorkloadEntries for `svc` overflowing from `from` carry.
pub(crate) fn overflow_labels(svc: &FedService, from: &Cluster) -> BTreeMap<String, String> {
    let mut labels = svc.selector().clone();
    labels.insert(
        crate::labels::OVERFLOW_FROM.to_owned(),
        from.name().as_str().to_owned(),
    );
    labels
}
