//! The peer-to-peer (APAN) topology: every peer runs its own Istio control plane; the only
//! things shared are the root CA and each peer's ingress gateway, which the other peers add as
//! extra endpoints of their own services so that overflow spills over to it.

use std::collections::{BTreeMap, BTreeSet};

use fed_model::{Cluster, IstioVersion, Overflow, Service as FedService, ValidatedFederation};
use istio_types::dataplane::{DataPlane, GatewayPodAnnotations, RouterMode, ThresholdPlacement};

use crate::bundle::{AuxFile, Bundle, Object};
use crate::install;
use crate::istio::DestinationRuleShape;
use crate::{istio, k8s, runbook};

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
    let cacerts_file = cacerts.as_ref().map(crate::output::file_name);
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
        objects.extend(workload_objects(fed, svc, peer));
    }

    let ingress: Vec<&FedService> = here
        .iter()
        .copied()
        .filter(|s| s.ingress().is_some())
        .collect();
    objects.push(istio::cross_network_gateway(fed, peer, !ingress.is_empty()));
    for svc in ingress {
        let retries = svc
            .overflow_from(peer.name().as_str())
            .filter(|rule| rule.retry_remote())
            .map(|_| istio::retry_remote(fed));
        objects.push(istio::ingress_virtual_service(fed, svc, retries));
    }

    for svc in overflowing {
        let rule = svc
            .overflow_from(peer.name().as_str())
            .unwrap_or_else(|| unreachable!("filtered above"));
        objects.extend(overflow_objects(fed, svc, peer, rule));
    }

    Bundle {
        cluster: peer.name().as_str().to_owned(),
        context: peer.context().to_owned(),
        objects,
        files: {
            let mut files = install_files(fed, peer, version);
            files.push(runbook(fed, peer, version, cacerts_file.as_deref()));
            files
        },
    }
}

/// The objects of the overflow rule `rule` of `svc` in its `from` cluster `peer`: the targets'
/// gateways as endpoints, the DestinationRule(s) and the server-side limits where this
/// release needs them ([`istio_types::dataplane::DataPlane::threshold_placement`]), and the retries of `retryRemote`.
fn overflow_objects(
    fed: &ValidatedFederation,
    svc: &FedService,
    peer: &Cluster,
    rule: &Overflow,
) -> Vec<Object> {
    let targets: Vec<&Cluster> = rule
        .to()
        .iter()
        .filter_map(|t| fed.cluster(t.as_str()))
        .collect();
    let t = rule.thresholds();
    let mut out = istio::overflow_endpoints(fed, svc, peer, &targets);
    let namespace = svc.namespace().as_str();
    let in_service_namespace = |export_to: Vec<String>, connection_pool| DestinationRuleShape {
        name: svc.name().as_str(),
        namespace,
        export_to,
        connection_pool,
    };
    let dr = |shape| istio::overflow_destination_rule(fed, svc, peer, t, &targets, shape);
    let placement = fed.istio().version().dataplane().threshold_placement();
    match placement {
        // Without limits there is nothing to keep from the clients: one rule for everyone.
        _ if !t.has_connection_pool() => out.push(dr(in_service_namespace(Vec::new(), false))),
        ThresholdPlacement::SharedDestinationRule => {
            out.push(dr(in_service_namespace(Vec::new(), true)));
        }
        ThresholdPlacement::NamespaceDestinationRule => {
            out.push(dr(in_service_namespace(vec![".".to_owned()], true)));
            let name = client_destination_rule_name(svc);
            out.push(dr(DestinationRuleShape {
                name: &name,
                namespace: ISTIO_SYSTEM,
                export_to: Vec::new(),
                connection_pool: false,
            }));
        }
        ThresholdPlacement::SidecarInbound => {
            out.extend(istio::inbound_limits_sidecar(fed, svc, t));
            out.push(dr(in_service_namespace(Vec::new(), false)));
        }
    }
    if rule.retry_remote() {
        out.push(istio::retry_remote_virtual_service(fed, svc));
    }
    out
}

/// The root-namespace DestinationRule for the clients outside the service's namespace (Istio
/// 1.7-1.20): `<svc>.<namespace>`. Both parts are DNS labels, which never hold a dot, so two
/// services never share a name (with a `-`, `a-b` in `c` and `a` in `b-c` would); a dot is
/// allowed in the name of a custom resource (a DNS subdomain).
pub(crate) fn client_destination_rule_name(svc: &FedService) -> String {
    format!("{}.{}", svc.name(), svc.namespace())
}

/// The `proxy.istio.io/config` the service's pods in `peer` need: with an overflow rule from
/// `peer` that has `retryRemote`, and where the release honours it, no Envoy debug headers, so
/// the pod's own overflow 503 carries no `x-envoy-overloaded` (which Envoy never retries).
fn proxy_config(
    fed: &ValidatedFederation,
    svc: &FedService,
    peer: &Cluster,
) -> Option<serde_json::Value> {
    let dataplane = fed.istio().version().dataplane();
    let retried = svc
        .overflow_from(peer.name().as_str())
        .is_some_and(Overflow::retry_remote);
    (retried && dataplane.envoy_debug_headers_annotation.value)
        .then(|| serde_json::json!({"proxyHeaders": {"envoyDebugHeaders": {"disabled": true}}}))
}

/// ServiceAccount, Deployment, Service and HPA of a service with a `workload`; just the Service
/// for one without (its pods are deployed by other means, but Istio needs the Service).
fn workload_objects(fed: &ValidatedFederation, svc: &FedService, peer: &Cluster) -> Vec<Object> {
    let mut out = Vec::new();
    if let Some(w) = svc.workload() {
        if svc.service_account() != "default" {
            out.push(Object::from(k8s::service_account(svc)));
        }
        let shape = k8s::DeploymentShape {
            name: svc.name().as_str(),
            pod_labels: svc.selector().clone(),
            zone: None,
            pod_annotations: crate::proxy_config::pod_annotations(
                fed,
                svc,
                proxy_config(fed, svc, peer),
            ),
        };
        out.push(Object::from(k8s::deployment(svc, w, &shape)));
        out.extend(k8s::hpa(svc, w, svc.name().as_str(), svc.name().as_str()).map(Object::from));
    }
    out.push(Object::from(k8s::service(svc, svc.selector())));
    out
}

/// Whether some service overflows to `peer`: its gateway then receives AUTO_PASSTHROUGH mTLS
/// from the other peers.
fn is_overflow_target(fed: &ValidatedFederation, peer: &Cluster) -> bool {
    fed.services().iter().any(|s| {
        s.overflow()
            .iter()
            .any(|r| r.to().iter().any(|t| t == peer.name()))
    })
}

/// The gateway port of `peer`.
fn gateway_port(peer: &Cluster) -> u16 {
    peer.gateway()
        .map_or(fed_model::DEFAULT_GATEWAY_PORT, |g| g.port().get())
}

/// The environment variable that sets a gateway's router mode.
const ROUTER_MODE_ENV: &str = "ISTIO_META_ROUTER_MODE";

/// The install files the peer's Istio installation needs: Helm values (istiod's and the
/// gateway's apart where the release has the `istio/gateway` chart), and an IstioOperator for
/// releases whose istioctl profile sets the gateway's router mode where values cannot override
/// it, or whose Helm chart does not hand the gateway's statistics to its proxy. Not applied:
/// Istio is installed before anything else of the bundle (after the `cacerts` Secret).
fn install_files(fed: &ValidatedFederation, peer: &Cluster, version: IstioVersion) -> Vec<AuxFile> {
    let dataplane = version.dataplane();
    let installer = Installer::of(fed, peer, &dataplane);
    let header = |what: &str, how: &str| {
        format!(
            "# {what} for Istio {version} in cluster {peer} of federation {fed}.\n\
             # Not applied by fedctl: {how} before applying this folder (see RUNBOOK.md).\n",
            peer = peer.name(),
            fed = fed.name(),
        )
    };
    let file = |name: &str, what: &str, how: &str, v: serde_json::Value| AuxFile {
        name: name.into(),
        contents: header(what, how) + &istio_types::write::to_yaml(&v).unwrap_or_default(),
    };
    let mut values = istiod_values(fed, peer, version);
    let gateway = gateway_values(fed, needs_sni_dnat(fed, peer, &dataplane));
    if installer == Installer::HelmGatewayChart {
        // The gateway is a chart of its own, its values at the top level.
        return vec![
            file(
                INSTALL_VALUES,
                "Helm values of istio/istiod",
                "install Istio with these",
                values.into(),
            ),
            file(
                GATEWAY_VALUES,
                "Helm values of istio/gateway",
                "install Istio's gateway with these",
                gateway.into(),
            ),
        ];
    }
    if !gateway.is_empty() {
        values.insert(
            "gateways".into(),
            serde_json::json!({"istio-ingressgateway": gateway}),
        );
    }
    let values = serde_json::Value::Object(values);
    let spec = match installer {
        // Only istioctl's chart hands the gateway's podAnnotations to its proxy: the values as
        // an IstioOperator, for the release's istioctl.
        Installer::IstioctlForStats => Some(serde_json::json!({"values": values})),
        Installer::IstioctlForRouterMode => Some(serde_json::json!({
            "values": values,
            "components": {"ingressGateways": [{
                "name": "istio-ingressgateway",
                "enabled": true,
                "k8s": {"env": [{"name": ROUTER_MODE_ENV, "value": RouterMode::SniDnat.as_str()}]},
            }]},
        })),
        Installer::HelmGatewayChart | Installer::Values => None,
    };
    let mut files = vec![file(
        INSTALL_VALUES,
        "Helm values",
        "install Istio with these",
        values,
    )];
    if let Some(spec) = spec {
        let operator = serde_json::json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "spec": spec,
        });
        files.push(file(
            INSTALL_OPERATOR,
            "IstioOperator",
            &format!("istioctl {} -f this file", dataplane.istioctl_install.value),
            operator,
        ));
    }
    files
}

/// The peer's Helm values for Istio's control plane: `global` (mesh, cluster, network), and on
/// 1.5 with a shared CA the settings that make Citadel use it.
fn istiod_values(
    fed: &ValidatedFederation,
    peer: &Cluster,
    version: IstioVersion,
) -> serde_json::Map<String, serde_json::Value> {
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
    // 1.5's Citadel only uses the plugged-in `cacerts` when self-signing is off (seed 003).
    let plugged_in_ca_1_5 = !version.at_least(1, 6) && fed.mesh().ca_dir().is_some();
    if plugged_in_ca_1_5 {
        global.insert("mtls".into(), serde_json::json!({"enabled": true}));
    }
    let mut values = serde_json::Map::new();
    values.insert("global".into(), global.into());
    if plugged_in_ca_1_5 {
        values.insert("security".into(), serde_json::json!({"selfSigned": false}));
    }
    values
}

/// The ingress gateway's values: the router mode a target needs (`sni_dnat`) and, with
/// `proxyStats`, the annotations that make its proxy export the overflow statistics.
fn gateway_values(
    fed: &ValidatedFederation,
    sni_dnat: bool,
) -> serde_json::Map<String, serde_json::Value> {
    let mut gateway = serde_json::Map::new();
    if sni_dnat {
        gateway.insert(
            "env".into(),
            serde_json::json!({ROUTER_MODE_ENV: RouterMode::SniDnat.as_str()}),
        );
    }
    let stats = crate::proxy_config::gateway_annotations(fed);
    if !stats.is_empty() {
        gateway.insert("podAnnotations".into(), serde_json::json!(stats));
    }
    gateway
}

/// How a peer's Istio is installed: what [`install_files`] writes and [`install_steps`] says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Installer {
    /// istioctl with an IstioOperator holding the values: `proxyStats` is on and only
    /// istioctl's chart passes the gateway's podAnnotations to its proxy (1.5).
    IstioctlForStats,
    /// istioctl with an IstioOperator that sets the gateway's router mode in `k8s.env`, which
    /// values cannot override (a target that needs sni-dnat, on 1.8).
    IstioctlForRouterMode,
    /// Helm charts, the gateway on its own with `istio/gateway` (1.12 and later).
    HelmGatewayChart,
    /// One values file, for Helm or istioctl.
    Values,
}

impl Installer {
    fn of(fed: &ValidatedFederation, peer: &Cluster, dataplane: &DataPlane) -> Self {
        let k8s_env = dataplane
            .router_mode_defaults
            .value
            .is_some_and(|d| d.istioctl_sets_it_in_k8s_env);
        if fed.observability().proxy_stats()
            && dataplane.gateway_pod_annotations.value == GatewayPodAnnotations::IstioctlChartOnly
        {
            Self::IstioctlForStats
        } else if needs_sni_dnat(fed, peer, dataplane) && k8s_env {
            Self::IstioctlForRouterMode
        } else if dataplane.helm_gateway_chart.value {
            Self::HelmGatewayChart
        } else {
            Self::Values
        }
    }
}

/// Whether `peer`'s gateway must run in sni-dnat router mode: it is an overflow target, on a
/// release that passes the peers' mTLS through only in that mode.
fn needs_sni_dnat(fed: &ValidatedFederation, peer: &Cluster, dataplane: &DataPlane) -> bool {
    is_overflow_target(fed, peer) && dataplane.needs_sni_dnat()
}

/// The Helm values file of a peer.
const INSTALL_VALUES: &str = "istio-values.yaml";
/// The values of the `istio/gateway` chart, for releases that have it.
const GATEWAY_VALUES: &str = "gateway-values.yaml";
/// The IstioOperator file of a peer whose istioctl profile sets the router mode in `k8s.env`.
const INSTALL_OPERATOR: &str = "istio-operator.yaml";

/// The runbook steps that install Istio on `peer` (a `# ` step is prose), with the files
/// [`install_files`] makes.
fn install_steps(fed: &ValidatedFederation, peer: &Cluster, version: IstioVersion) -> Vec<String> {
    let dataplane = version.dataplane();
    let ctx = peer.context();
    let mut out = Vec::new();
    match Installer::of(fed, peer, &dataplane) {
        Installer::IstioctlForStats => {
        out.push(format!(
            "# Install Istio {version} into context {ctx} with istioctl: istioctl {install} -f {INSTALL_OPERATOR} (the values of {INSTALL_VALUES}). Its Helm chart (install/kubernetes/helm/istio) puts the gateway's podAnnotations on the pod only, where the proxy never reads them: the gateway would not export the overflow statistics.",
            install = dataplane.istioctl_install.value,
        ));
        out.push(format!(
            "kubectl --context {ctx} -n {ISTIO_SYSTEM} get deployment istio-ingressgateway -o jsonpath='{{.spec.template.spec.containers[0].env[?(@.name==\"ISTIO_METAJSON_ANNOTATIONS\")].value}}'   # must name {annotation}: the gateway's proxy exports the overflow statistics only then",
            annotation = crate::proxy_config::STATS_INCLUSION_REGEXPS_ANNOTATION,
        ));
        }
        Installer::IstioctlForRouterMode => {
        out.push(format!(
            "# Install Istio {version} into context {ctx}: istioctl {install} -f {INSTALL_OPERATOR} (its profile sets the gateway's router mode in k8s.env, which values cannot override), or helm with {INSTALL_VALUES}.",
            install = dataplane.istioctl_install.value,
        ));
        }
        Installer::HelmGatewayChart => {
        out.push(format!(
            "# Install Istio {version} into context {ctx} with Helm: istiod with {INSTALL_VALUES}, then the ingress gateway on its own with {GATEWAY_VALUES} (the `gateways` values of older charts no longer reach it), released as istio-ingressgateway in {ISTIO_SYSTEM} so that its pods carry `istio: ingressgateway`, which the Gateways select."
        ));
        out.extend(install::helm_control_plane(ctx, version, INSTALL_VALUES));
        out.push(install::helm_gateway(
            ctx,
            version,
            ISTIO_SYSTEM,
            GATEWAY_VALUES,
        ));
        }
        Installer::Values => out.push(format!(
            "# Install Istio {version} with {INSTALL_VALUES} (helm or istioctl), into context {ctx}."
        )),
    }
    out
}

/// `cacerts_file`: the file holding Secret `istio-system/cacerts`, when `mesh.ca` is set.
fn runbook(
    fed: &ValidatedFederation,
    peer: &Cluster,
    version: IstioVersion,
    cacerts_file: Option<&str>,
) -> AuxFile {
    let dataplane = version.dataplane();
    let name = peer.name();
    let ctx = peer.context();
    let target = is_overflow_target(fed, peer);
    let mut steps: Vec<String> = Vec::new();
    steps.push(format!(
        "kubectl --context {ctx} create namespace {ISTIO_SYSTEM}"
    ));
    if let Some(file) = cacerts_file {
        steps.push(format!(
            "kubectl --context {ctx} apply -f {file}   # the shared root CA; before Istio starts"
        ));
    } else {
        steps.push(
            "# mesh.ca is not set: make a shared root CA (fedctl certs FEDERATION.yaml -o certs), set mesh.ca.dir, \
             render again. Without it the peers do not trust each other's mTLS."
                .to_owned(),
        );
    }
    steps.extend(install_steps(fed, peer, version));
    if needs_sni_dnat(fed, peer, &dataplane) {
        steps.push(format!(
            "kubectl --context {ctx} -n {ISTIO_SYSTEM} get deployment istio-ingressgateway -o jsonpath='{{.spec.template.spec.containers[0].env[?(@.name==\"{ROUTER_MODE_ENV}\")].value}}'   # must print {mode}: Istio {version} passes the peers' mTLS through (AUTO_PASSTHROUGH) only in this router mode",
            mode = RouterMode::SniDnat.as_str(),
        ));
    }
    let port = gateway_port(peer);
    if target
        && (port != fed_model::DEFAULT_GATEWAY_PORT
            || !dataplane.default_gateway_exposes_15443.value)
    {
        let alternative = if dataplane.east_west_gateway.value {
            " Or install Istio's east-west gateway (samples/multicluster/gen-eastwest-gateway.sh) and set this peer's gateway.selector to {istio: eastwestgateway} and gateway.address to its IP."
        } else {
            ""
        };
        steps.push(format!(
            "kubectl --context {ctx} -n {ISTIO_SYSTEM} patch service istio-ingressgateway --type=json -p '[{{\"op\":\"add\",\"path\":\"/spec/ports/-\",\"value\":{{\"name\":\"tls-federation\",\"port\":{port},\"targetPort\":{port}}}}}]'   # the peers reach this gateway on port {port}, which its default Service does not expose.{alternative}"
        ));
    }
    let locality = peer.locality();
    let mut labels = format!("topology.kubernetes.io/region={}", locality.region());
    if let Some(zone) = locality.zone() {
        labels.push_str(" topology.kubernetes.io/zone=");
        labels.push_str(zone);
    }
    steps.push(format!(
        "kubectl --context {ctx} label nodes --all {labels}   # Istio ranks endpoints by these node labels; locality failover from {region} matches only when they are set (kubectl refuses a node that already has other values: check it)",
        region = locality.region(),
    ));
    steps.push(format!(
        "kubectl --context {ctx} apply -k .   # or: fedctl apply FEDERATION.yaml"
    ));
    let mut text = format!(
        "# Runbook for cluster {name} (federation {fed}, Istio {version})\n\n\
         The steps no manifest can express, in order.\n\n",
        fed = fed.name()
    );
    // A `# ` line is prose; any other, a command.
    let mut n = 0;
    for s in &steps {
        match s.strip_prefix("# ") {
            Some(prose) => runbook::step(&mut text, &mut n, prose, &[]),
            None => runbook::step(&mut text, &mut n, "", std::slice::from_ref(s)),
        }
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
