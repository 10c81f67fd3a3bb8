//! The consumer/provider (LIQO) topology: one Istio control plane in the consumer, workloads
//! offloaded to providers through LIQO, an ingress gateway per cluster.
//!
//! Everything is applied to the consumer. LIQO mirrors every offloaded namespace into the
//! providers (with the same name: Istio needs `svc.ns.svc.cluster.local` to mean the same
//! everywhere) and runs the pods it schedules on a provider's virtual node there; Istio in the
//! consumer sees every pod through the consumer's API server, on a node (real or virtual)
//! whose `topology.kubernetes.io/zone` label says which cluster it runs in. So:
//!
//! - `istio-system` is offloaded `Local`: istiod stays in the consumer, while its Service
//!   is reflected into the providers so their sidecars reach it by the same name.
//! - each provider's `istio-ingress-<provider>` is offloaded `LocalAndRemote` to that provider
//!   alone (its zone), and its gateway is pinned there by a node selector in its Helm values.
//!   The consumer's `istio-ingress-<consumer>` is not offloaded at all, as in the seed: its
//!   gateway runs on the consumer's own nodes (LIQO only lets pods of offloaded namespaces onto
//!   virtual nodes), and no provider needs a copy of that namespace.
//! - each service namespace is offloaded `LocalAndRemote` to every provider, so that its
//!   Services exist (for DNS) wherever a client may run; each per-cluster Deployment is pinned
//!   to its cluster by a required node affinity on the zone.
//! - one Service per service selects the instances of every cluster; a DestinationRule with
//!   locality load balancing and outlier detection keeps requests in the zone they entered
//!   until the local instances fail.
//!
//! Steps no manifest expresses (LIQO install, peering, node labels, Helm installs) are written
//! as a per-cluster `RUNBOOK.md` plus the Helm values files it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use fed_model::{Cluster, IstioVersion, Service as FedService, Topology, ValidatedFederation};

use crate::bundle::{AuxFile, Bundle, Object};
use crate::install::{self, has_helm_gateway_chart};
use crate::liqo::{
    NamespaceMappingStrategy, NamespaceOffloading, NamespaceOffloadingSpec, PodOffloadingStrategy,
};
use crate::p2p::ISTIO_SYSTEM;
use crate::runbook::step;
use crate::{istio, k8s, output};

/// The prefix of each cluster's ingress-gateway namespace, `istio-ingress-<cluster>`.
pub const INGRESS_NAMESPACE_PREFIX: &str = "istio-ingress-";
/// The Helm release name of every ingress gateway (the seed's).
pub const GATEWAY_RELEASE: &str = "istio-ingressgateway";
/// The pod label key of the local (per-cluster) Deployment's selector, as in the seed.
pub const LOCAL_APP_LABEL: &str = "app-t";
/// The label LIQO puts on its virtual nodes (`liqo.io/type: virtual-node`).
const LIQO_VIRTUAL_NODE_LABEL: &str = "liqo.io/type";

/// `istio-ingress-<cluster>`.
pub fn ingress_namespace(cluster: &str) -> String {
    format!("{INGRESS_NAMESPACE_PREFIX}{cluster}")
}

/// The labels the `istio/gateway` chart gives the pods of release [`GATEWAY_RELEASE`] in
/// every ingress namespace: `istio: ingressgateway` (the release name without `istio-`).
/// Gateways select them across namespaces (Istio's default), so one selector reaches the
/// ingress gateway of every cluster.
fn gateway_selector() -> BTreeMap<String, String> {
    BTreeMap::from([("istio".to_owned(), "ingressgateway".to_owned())])
}

/// The name of the Gateway of a service namespace (the seed's `http-gateway-<namespace>`).
fn http_gateway_name(namespace: &str) -> String {
    format!("http-gateway-{namespace}")
}

fn offloading(namespace: &str, pods: PodOffloadingStrategy, zone: Option<&str>) -> Object {
    Object::from(NamespaceOffloading::new(
        namespace,
        NamespaceOffloadingSpec {
            namespace_mapping_strategy: Some(NamespaceMappingStrategy::EnforceSameName),
            pod_offloading_strategy: Some(pods),
            cluster_selector: zone.map(k8s::zone_selector),
            remote_namespace_name: None,
        },
    ))
}

/// The zone of a consumerProvider cluster (validation guarantees one).
fn zone(cluster: &Cluster) -> &str {
    cluster
        .locality()
        .zone()
        .unwrap_or_else(|| unreachable!("validation: every consumerProvider cluster has a zone"))
}

/// Renders the consumer's bundle (every object) and the providers' (runbooks only).
pub(crate) fn render(fed: &ValidatedFederation) -> Vec<Bundle> {
    let Topology::ConsumerProvider {
        consumer,
        providers,
    } = fed.topology()
    else {
        unreachable!("called for consumerProvider federations only")
    };
    let clusters: Vec<&Cluster> = std::iter::once(consumer).chain(providers).collect();
    let objects = consumer_objects(fed, consumer, providers);

    let version = fed.istio().version();
    let mut files = vec![consumer_runbook(
        fed, consumer, providers, &objects, version,
    )];
    files.extend(helm_values(fed, consumer, &clusters, version));
    let mut bundles = vec![Bundle {
        cluster: consumer.name().as_str().to_owned(),
        context: consumer.context().to_owned(),
        objects,
        files,
    }];
    bundles.extend(providers.iter().map(|p| Bundle {
        cluster: p.name().as_str().to_owned(),
        context: p.context().to_owned(),
        objects: Vec::new(),
        files: vec![provider_runbook(fed, consumer, p)],
    }));
    bundles
}

fn consumer_objects(
    fed: &ValidatedFederation,
    consumer: &Cluster,
    providers: &[Cluster],
) -> Vec<Object> {
    let mut objects = vec![
        Object::from(k8s::namespace(ISTIO_SYSTEM, false)),
        offloading(ISTIO_SYSTEM, PodOffloadingStrategy::Local, None),
        Object::from(k8s::namespace(
            &ingress_namespace(consumer.name().as_str()),
            false,
        )),
    ];
    for p in providers {
        let ns = ingress_namespace(p.name().as_str());
        objects.push(Object::from(k8s::namespace(&ns, false)));
        objects.push(offloading(
            &ns,
            PodOffloadingStrategy::LocalAndRemote,
            Some(zone(p)),
        ));
    }

    // Service namespaces, once each. Validation keeps services out of istio-system and the
    // ingress namespaces, whose offloading is fixed above; skip them here all the same, so a
    // namespace never gets two `offloading` objects.
    let reserved: BTreeSet<String> = objects
        .iter()
        .filter(|o| matches!(o, Object::Namespace(_)))
        .map(|o| o.name().to_owned())
        .collect();
    let namespaces: BTreeSet<&str> = fed
        .services()
        .iter()
        .map(|s| s.namespace().as_str())
        .filter(|ns| !reserved.contains(*ns))
        .collect();
    for ns in &namespaces {
        objects.push(Object::from(k8s::namespace(ns, true)));
        objects.push(offloading(ns, PodOffloadingStrategy::LocalAndRemote, None));
    }

    for svc in fed.services() {
        objects.extend(service_objects(fed, svc));
    }

    // One Gateway per namespace with exposed services, shared by their VirtualServices.
    let exposed: BTreeSet<&str> = fed
        .services()
        .iter()
        .filter(|s| s.ingress().is_some())
        .map(|s| s.namespace().as_str())
        .collect();
    for ns in exposed {
        objects.push(istio::http_gateway(
            fed,
            &http_gateway_name(ns),
            ns,
            gateway_selector(),
        ));
    }
    objects
}

/// A service's ServiceAccount, per-cluster Deployments and HPAs, its Service, its
/// VirtualService (with `ingress`) and its DestinationRule.
fn service_objects(fed: &ValidatedFederation, svc: &FedService) -> Vec<Object> {
    let mut out = Vec::new();
    if let Some(w) = svc.workload() {
        if svc.service_account() != "default" {
            out.push(Object::from(k8s::service_account(svc)));
        }
        for name in svc.runs_in() {
            let Some(cluster) = fed.cluster(name.as_str()) else {
                continue;
            };
            let local = format!("{}-{}", svc.name(), cluster.name());
            let mut pod_labels = svc.selector().clone();
            pod_labels.insert(LOCAL_APP_LABEL.to_owned(), local.clone());
            let shape = k8s::DeploymentShape {
                name: &local,
                pod_labels,
                zone: Some(zone(cluster)),
                pod_annotations: crate::proxy_config::pod_annotations(fed, svc, None),
            };
            let mut deployment = k8s::deployment(svc, w, &shape);
            // As in the seed: the Deployment carries the common labels and selects its own
            // pods by the local label only; the common labels are for the Service.
            deployment.metadata.labels = Some(svc.selector().clone());
            if let Some(spec) = deployment.spec.as_mut() {
                spec.selector.match_labels = Some(BTreeMap::from([(
                    LOCAL_APP_LABEL.to_owned(),
                    local.clone(),
                )]));
            }
            out.push(Object::from(deployment));
            out.extend(k8s::hpa(svc, w, &local, &local).map(Object::from));
        }
    }
    out.push(Object::from(k8s::service(svc, svc.selector())));
    if svc.ingress().is_some() {
        let ns = svc.namespace().as_str();
        out.push(istio::ingress_virtual_service_on(
            fed,
            svc,
            &format!("{ns}/{}", http_gateway_name(ns)),
            None,
        ));
    }
    out.push(istio::locality_destination_rule(fed, svc, svc.thresholds()));
    out
}

/// The seed's Calico setting, as a comment: only for clusters whose CNI is Calico.
fn calico(cluster: &Cluster) -> String {
    format!(
        "# with Calico only, keep its BGP off LIQO's interfaces: kubectl --context {} set env daemonset/calico-node -n kube-system IP_AUTODETECTION_METHOD=skip-interface=liqo.*",
        cluster.context()
    )
}

fn install_liqo(cluster: &Cluster) -> String {
    let labels: Vec<String> = k8s::locality_labels(cluster.locality())
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "liqoctl install kubeadm --context {ctx} --cluster-id {name} --cluster-labels {labels}",
        ctx = cluster.context(),
        name = cluster.name(),
        labels = labels.join(","),
    )
}

fn label_nodes(cluster: &Cluster) -> String {
    let labels: Vec<String> = k8s::locality_labels(cluster.locality())
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "kubectl --context {ctx} label nodes -l '{LIQO_VIRTUAL_NODE_LABEL}!=virtual-node' {labels} --overwrite",
        ctx = cluster.context(),
        labels = labels.join(" "),
    )
}

/// The Helm `--version` constraint for a `MAJOR.MINOR` release: its newest patch.
fn consumer_runbook(
    fed: &ValidatedFederation,
    consumer: &Cluster,
    providers: &[Cluster],
    objects: &[Object],
    version: IstioVersion,
) -> AuxFile {
    let ctx = consumer.context();
    let name = consumer.name();
    let mut t = format!(
        "# Runbook for cluster {name}, the LIQO consumer (federation {fed}, Istio {version})\n\n\
         Every manifest of the federation is applied here: LIQO reflects the offloaded namespaces \
         into the providers ({list}), whose folders hold only their own runbook. Run the steps in \
         order. Commands use the kubeconfig contexts of the federation document.\n\n",
        fed = fed.name(),
        list = providers
            .iter()
            .map(|p| p.name().as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mut n = 0;
    step(
        &mut t,
        &mut n,
        "Install LIQO (liqoctl v1.0 or later: the NamespaceOffloadings here are \
         `offloading.liqo.io/v1beta1`). The cluster labels put the locality on the virtual node \
         that represents this cluster in its peers. `kubeadm` is the seed's platform: use yours.",
        &[calico(consumer), install_liqo(consumer)],
    );
    step(
        &mut t,
        &mut n,
        "In every provider, run steps 1 and 2 of its RUNBOOK.md (LIQO install, node labels).",
        &[],
    );
    step(
        &mut t,
        &mut n,
        "Peer with each provider, and ask for the share of it given by its `resources` (the \
         seed's `liqoctl create resourcepolicy`, a ResourceSlice since LIQO 1.0). Without a \
         LoadBalancer, add `--gw-server-service-type NodePort` to `liqoctl peer`.",
        &peer_commands(ctx, providers),
    );
    step(
        &mut t,
        &mut n,
        "Label this cluster's own nodes with its locality (not LIQO's virtual nodes: they carry \
         their provider's labels). Istio reads every pod's locality from its node's labels.",
        &[label_nodes(consumer)],
    );
    let mut early: Vec<String> = objects
        .iter()
        .filter(|o| matches!(o, Object::Namespace(_) | Object::NamespaceOffloading(_)))
        .map(output::file_name)
        .collect();
    early.sort();
    early.dedup();
    step(
        &mut t,
        &mut n,
        "Create the namespaces and their offloading before installing Istio: istio-system must be \
         offloaded `Local` (istiod stays here, its Service is reflected to the providers), and each \
         provider's ingress namespace must reach its provider before its gateway exists.",
        &[format!(
            "kubectl --context {ctx} apply {}",
            early
                .iter()
                .map(|f| format!("-f {f}"))
                .collect::<Vec<_>>()
                .join(" ")
        )],
    );
    let all: Vec<&str> = std::iter::once(consumer)
        .chain(providers)
        .map(|c| c.name().as_str())
        .collect();
    istio_install_steps(&mut t, &mut n, ctx, version, &all);
    step(
        &mut t,
        &mut n,
        "Apply the rest of this folder (Deployments, Services, HPAs, Istio objects).",
        &[format!(
            "kubectl --context {ctx} apply -k .   # or: fedctl apply FEDERATION.yaml"
        )],
    );
    step(
        &mut t,
        &mut n,
        "Check: every offloading Ready, every pod where it belongs, each gateway answering.",
        &check_commands(fed, consumer, providers),
    );
    AuxFile {
        name: "RUNBOOK.md".into(),
        contents: t,
    }
}

/// The runbook steps that install Istio: Helm charts from 1.12 (base, istiod, one gateway
/// per cluster), istioctl before (no `gateway` chart in Istio's Helm repository).
fn istio_install_steps(
    t: &mut String,
    n: &mut usize,
    ctx: &str,
    version: IstioVersion,
    all: &[&str],
) {
    if has_helm_gateway_chart(version) {
        step(
            t,
            n,
            &format!(
                "Install the Istio {version} control plane here, with Helm (the seed adds \
                 `--set global.proxy.tracer=zipkin` for its Jaeger)."
            ),
            &install::helm_control_plane(ctx, version, "istiod-values.yaml"),
        );
        step(
            t,
            n,
            "Install one ingress gateway per cluster, each in its own namespace (installed from \
             here; LIQO runs a provider's gateway in that provider). Every release is named \
             istio-ingressgateway, so every gateway pod carries `istio: ingressgateway`, which the \
             Gateways select; the values pin each gateway to its cluster's zone.",
            &all.iter()
                .map(|c| {
                    install::helm_gateway(
                        ctx,
                        version,
                        &ingress_namespace(c),
                        &format!("gateway-values-{c}.yaml"),
                    )
                })
                .collect::<Vec<_>>(),
        );
    } else {
        step(
            t,
            n,
            &format!(
                "Install Istio {version} here with the istioctl of that release: Istio's Helm \
                 repository has no `gateway` chart before 1.12. istio-operator.yaml installs istiod \
                 and one ingress gateway per cluster, each in its own namespace, labelled \
                 `istio: ingressgateway` and pinned to its cluster's zone."
            ),
            &[format!(
                "istioctl {install} --context {ctx} -f istio-operator.yaml",
                install = version.dataplane().istioctl_install.value,
            )],
        );
    }
}

/// `liqoctl peer` towards each provider, then its ResourceSlice when it has `resources`.
fn peer_commands(ctx: &str, providers: &[Cluster]) -> Vec<String> {
    let mut peer = Vec::new();
    for p in providers {
        let pctx = p.context();
        let pname = p.name();
        match p.resources() {
            Some(r) if r.cpu().is_some() || r.memory().is_some() => {
                peer.push(format!(
                    "liqoctl peer --context {ctx} --remote-context {pctx} --create-resource-slice=false"
                ));
                let mut slice = format!(
                    "liqoctl create resourceslice {pname} --context {ctx} --remote-cluster-id {pname}"
                );
                if let Some(cpu) = r.cpu() {
                    let _ = write!(slice, " --cpu {}", cpu.as_str());
                }
                if let Some(mem) = r.memory() {
                    let _ = write!(slice, " --memory {}", mem.as_str());
                }
                peer.push(slice);
            }
            _ => peer.push(format!(
                "liqoctl peer --context {ctx} --remote-context {pctx}"
            )),
        }
    }
    peer
}

/// What to look at once everything is applied.
fn check_commands(
    fed: &ValidatedFederation,
    consumer: &Cluster,
    providers: &[Cluster],
) -> Vec<String> {
    let ctx = consumer.context();
    let mut checks = vec![
        format!("kubectl --context {ctx} get namespaceoffloadings -A"),
        format!(
            "kubectl --context {ctx} get pods -A -o wide   # each <service>-<cluster> pod on its cluster's node"
        ),
    ];
    // LIQO reflects a provider's gateway Service into the provider: its address there is
    // the one to call (the consumer's copy would route through the consumer first).
    for c in std::iter::once(consumer).chain(providers) {
        checks.push(format!(
            "kubectl --context {cctx} get svc -n {ns} {GATEWAY_RELEASE}   # the address of {name}'s gateway",
            cctx = c.context(),
            ns = ingress_namespace(c.name().as_str()),
            name = c.name(),
        ));
    }
    for svc in fed.services() {
        if let Some(i) = svc.ingress() {
            checks.push(format!(
                "curl http://GATEWAY_ADDRESS{}   # answered by the instance in the gateway's own cluster while it is healthy",
                i.path()
            ));
        }
    }
    checks
}

fn provider_runbook(fed: &ValidatedFederation, consumer: &Cluster, p: &Cluster) -> AuxFile {
    let mut t = format!(
        "# Runbook for cluster {name}, a LIQO provider (federation {fed}, Istio {version})\n\n\
         This folder holds no manifests: the consumer {consumer} applies everything, and LIQO \
         reflects the offloaded namespaces here (see ../{consumer}/RUNBOOK.md, which tells when to \
         run these steps).\n\n",
        name = p.name(),
        fed = fed.name(),
        version = fed.istio().version(),
        consumer = consumer.name(),
    );
    let mut n = 0;
    step(
        &mut t,
        &mut n,
        "Install LIQO (liqoctl v1.0 or later). The cluster labels become the labels of this \
         cluster's virtual node in the consumer, which is what the zone affinities and \
         offloading selectors there match. `kubeadm` is the seed's platform: use yours.",
        &[calico(p), install_liqo(p)],
    );
    step(
        &mut t,
        &mut n,
        "Label this cluster's nodes with its locality, as the seed does, so that offloaded pods \
         see the same zone here as in the consumer.",
        &[label_nodes(p)],
    );
    step(
        &mut t,
        &mut n,
        "After the consumer has installed the gateways: this cluster's ingress gateway (NodePort \
         or LoadBalancer address).",
        &[format!(
            "kubectl --context {ctx} get svc -n {ns} {GATEWAY_RELEASE}",
            ctx = p.context(),
            ns = ingress_namespace(p.name().as_str())
        )],
    );
    AuxFile {
        name: "RUNBOOK.md".into(),
        contents: t,
    }
}

fn yaml_file(name: String, header: &str, value: &serde_json::Value) -> AuxFile {
    let body = istio_types::write::to_yaml(value).unwrap_or_default();
    AuxFile {
        name,
        contents: format!("{header}{body}"),
    }
}

/// istiod's `global` values the federation implies: meshID, clusterName, network.
fn global_values(fed: &ValidatedFederation, consumer: &Cluster) -> serde_json::Value {
    let mut global = serde_json::Map::new();
    if let Some(id) = fed.mesh().id() {
        global.insert("meshID".into(), id.into());
    }
    global.insert(
        "multiCluster".into(),
        serde_json::json!({"clusterName": consumer.name().as_str()}),
    );
    if let Some(net) = consumer.network() {
        global.insert("network".into(), net.into());
    }
    serde_json::Value::Object(global)
}

/// The `istio/gateway` chart's values for `cluster`'s gateway: pinned to its zone, and with
/// `proxyStats` the annotations that make its proxy export the overflow statistics (the chart's
/// `podAnnotations`, merged with the chart's own by Helm).
fn gateway_chart_values(fed: &ValidatedFederation, cluster: &Cluster) -> serde_json::Value {
    let mut values = serde_json::json!({"nodeSelector": {(k8s::ZONE_LABEL): zone(cluster)}});
    let stats = crate::proxy_config::gateway_annotations(fed);
    if !stats.is_empty() {
        values["podAnnotations"] = serde_json::json!(stats);
    }
    values
}

/// The IstioOperator's values: `global`, and with `proxyStats` the gateways' annotations as
/// `gateways.istio-ingressgateway.podAnnotations`, which every ingress gateway component is
/// rendered with (the value, not `k8s.podAnnotations`: see
/// [`crate::proxy_config::gateway_annotations`]).
fn operator_values(fed: &ValidatedFederation, consumer: &Cluster) -> serde_json::Value {
    let mut values = serde_json::json!({"global": global_values(fed, consumer)});
    let stats = crate::proxy_config::gateway_annotations(fed);
    if !stats.is_empty() {
        values["gateways"] = serde_json::json!({"istio-ingressgateway": {"podAnnotations": stats}});
    }
    values
}

/// The Helm values files (Istio >= 1.12) or the IstioOperator (older releases) the consumer's
/// runbook installs Istio with.
fn helm_values(
    fed: &ValidatedFederation,
    consumer: &Cluster,
    clusters: &[&Cluster],
    version: IstioVersion,
) -> Vec<AuxFile> {
    let note = |what: &str| {
        format!(
            "# {what} for Istio {version} in federation {fed} (consumer {consumer}).\n\
             # Not applied by fedctl: RUNBOOK.md installs it.\n",
            fed = fed.name(),
            consumer = consumer.name(),
        )
    };
    if has_helm_gateway_chart(version) {
        let mut files = vec![yaml_file(
            "istiod-values.yaml".into(),
            &note("Helm values of istio/istiod"),
            &serde_json::json!({"global": global_values(fed, consumer)}),
        )];
        for c in clusters {
            files.push(yaml_file(
                format!("gateway-values-{}.yaml", c.name()),
                &note(&format!(
                    "Helm values of istio/gateway in {}",
                    ingress_namespace(c.name().as_str())
                )),
                &gateway_chart_values(fed, c),
            ));
        }
        files
    } else {
        let gateways: Vec<serde_json::Value> = clusters
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": format!("{GATEWAY_RELEASE}-{}", c.name()),
                    "namespace": ingress_namespace(c.name().as_str()),
                    "enabled": true,
                    "label": {"app": GATEWAY_RELEASE, "istio": "ingressgateway"},
                    "k8s": {"nodeSelector": {(k8s::ZONE_LABEL): zone(c)}},
                })
            })
            .collect();
        // The profile's own gateway in istio-system is not wanted: every cluster gets one in
        // its own namespace instead.
        let mut gateways = gateways;
        gateways.insert(
            0,
            serde_json::json!({"name": GATEWAY_RELEASE, "enabled": false}),
        );
        let operator = serde_json::json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "spec": {
                "profile": "default",
                "components": {"ingressGateways": gateways},
                "values": operator_values(fed, consumer),
            },
        });
        vec![yaml_file(
            "istio-operator.yaml".into(),
            &note("IstioOperator settings for istioctl (RUNBOOK.md says how)"),
            &operator,
        )]
    }
}
