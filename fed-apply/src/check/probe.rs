//! The checks of one cluster: GETs and LISTs only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use futures::{StreamExt as _, stream};
use k8s_openapi::api::{
    apps::v1::Deployment,
    core::v1::{ConfigMap, Node, Pod, Secret, Service},
};
use kube::{
    Api, Client,
    api::{DynamicObject, ListParams},
    discovery::ApiResource,
};
use serde_json::Value;

use super::Check;
use super::{
    CheckOptions, ClusterExpectation, ClusterReport, Finding, GatewayExpectation,
    IstiodExpectation, LiqoProvider, NodeExpectation, RootCaExpectation,
    certs::{self, CertInfo},
    fields,
};
use crate::discovery::{ServedKinds, hint};

/// The label LIQO puts on the nodes it creates for a peering, and its value
/// (liqo v1.2.0 `pkg/consts/namespace_mapping.go` `TypeLabel`/`TypeNode`, set in
/// `pkg/virtualKubelet/liqoNodeProvider/setup.go` `node()`).
const LIQO_NODE_TYPE: (&str, &str) = ("liqo.io/type", "virtual-node");
/// The label naming the provider a virtual node stands for (liqo v1.2.0
/// `pkg/consts/namespace_mapping.go` `RemoteClusterID`, set in the same `node()`).
const LIQO_REMOTE_CLUSTER_ID: &str = "liqo.io/remote-cluster-id";

/// The container of istiod's Deployment that runs pilot-discovery (Istio's istiod chart since
/// 1.5: `manifests/charts/istio-control/istio-discovery/templates/deployment.yaml`).
const ISTIOD_CONTAINER: &str = "discovery";
/// The sidecar/gateway proxy container (Istio's gateway charts and injection template).
const PROXY_CONTAINER: &str = "istio-proxy";

pub(super) struct Probe<'a> {
    client: Client,
    expected: &'a ClusterExpectation,
    options: &'a CheckOptions,
}

/// `k=v,k2=v2`, the label selector of equality terms.
fn selector(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn read_failed(check: Check, subject: impl Into<String>, what: &str, e: &kube::Error) -> Finding {
    Finding::fail(
        check,
        subject,
        format!("cannot read {what}: {e}"),
        format!("let the kubeconfig's user get and list {what} (read-only RBAC is enough)"),
    )
}

/// The release `(major, minor)` an image's tag names: `docker.io/istio/pilot:1.5.10` is 1.5,
/// `gcr.io/istio-release/pilot:1.22.3-distroless` is 1.22; `None` for tags like `latest`.
pub(super) fn image_release(image: &str) -> Option<(u32, u32)> {
    let image = image.split('@').next()?;
    let last = image.rsplit('/').next()?;
    let tag = last.split_once(':')?.1;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    if !tag.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut parts = tag.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

impl<'a> Probe<'a> {
    pub(super) fn new(
        client: Client,
        expected: &'a ClusterExpectation,
        options: &'a CheckOptions,
    ) -> Self {
        Self {
            client,
            expected,
            options,
        }
    }

    fn context(&self) -> &str {
        &self.expected.context
    }

    /// Runs every check, pushing findings as they are made (so that a timeout keeps those).
    pub(super) async fn run(&self, report: &mut ClusterReport) {
        let subject = format!("context {}", self.context());
        match self.client.apiserver_version().await {
            Ok(v) => report.findings.push(Finding::pass(
                Check::Reachable,
                subject,
                format!("API server answers: Kubernetes {}", v.git_version),
            )),
            Err(e) => {
                report.findings.push(Finding::fail(
                    Check::Reachable,
                    subject,
                    format!("API server does not answer: {e}"),
                    format!(
                        "check that the cluster is up and that context {} reaches it (`kubectl --context {} version`)",
                        self.context(),
                        self.context()
                    ),
                ));
                return;
            }
        }
        let served = match ServedKinds::discover(&self.client).await {
            Ok(s) => Some(s),
            Err(e) => {
                report.findings.push(Finding::fail(
                    Check::Crds,
                    "API discovery",
                    format!("discovery failed: {e}"),
                    "check the API server's aggregated APIs (`kubectl get apiservices`)",
                ));
                None
            }
        };
        if let Some(served) = &served {
            self.kinds(served, report);
        }
        if let Some(istiod) = &self.expected.istiod {
            report.findings.push(self.istiod(istiod).await);
        }
        if let Some(root) = &self.expected.root_ca {
            self.root_ca(root, report).await;
        }
        for gateway in &self.expected.gateways {
            report.findings.extend(self.gateway(gateway).await);
        }
        if let Some(nodes) = &self.expected.nodes {
            report.findings.extend(self.nodes(nodes).await);
        }
        if let Some(served) = &served {
            report.findings.extend(self.objects(served).await);
        }
        if !self.expected.liqo_providers.is_empty() {
            report.findings.extend(self.liqo().await);
        }
    }

    fn kinds(&self, served: &ServedKinds, report: &mut ClusterReport) {
        let mut ok = 0;
        for k in &self.expected.kinds {
            if served.resolve(&k.group, &k.version, &k.kind).is_some() {
                ok += 1;
            } else {
                let gv = if k.group.is_empty() {
                    k.version.clone()
                } else {
                    format!("{}/{}", k.group, k.version)
                };
                report.findings.push(Finding::fail(
                    Check::Crds,
                    format!("{gv} {}", k.kind),
                    format!("not served: {}", hint(&k.group)),
                    format!("install the CustomResourceDefinition of {gv} {}", k.kind),
                ));
            }
        }
        if ok > 0 && ok == self.expected.kinds.len() {
            report.findings.push(Finding::pass(
                Check::Crds,
                "kinds",
                format!("all {ok} expected kinds are served"),
            ));
        }
    }

    async fn istiod(&self, want: &IstiodExpectation) -> Finding {
        let ns = &want.namespace;
        let subject = format!("istiod in {ns}");
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
        let list = match api.list(&ListParams::default().labels("app=istiod")).await {
            Ok(l) => l,
            Err(e) => return read_failed(Check::IstiodVersion, subject, "deployments", &e),
        };
        let fix = format!(
            "run istiod {}.{} (install that release's istiod): the rendered objects and the data plane's behaviour are per release",
            want.major, want.minor
        );
        if list.items.is_empty() {
            return Finding::fail(
                Check::IstiodVersion,
                subject,
                format!("no Deployment labelled app=istiod in {ns}: Istio is not installed"),
                fix,
            );
        }
        let mut found = Vec::new();
        let mut worst = super::Verdict::Pass;
        for d in &list.items {
            let name = d.metadata.name.clone().unwrap_or_default();
            let containers = d
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .map(|s| s.containers.as_slice())
                .unwrap_or_default();
            let image = containers
                .iter()
                .find(|c| c.name == ISTIOD_CONTAINER)
                .or(containers.first())
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            match image_release(&image) {
                Some((major, minor)) if (major, minor) == (want.major, want.minor) => {
                    found.push(format!("{ns}/{name} runs {image} (Istio {major}.{minor})"));
                }
                Some((major, minor)) => {
                    worst = super::Verdict::Fail;
                    found.push(format!(
                        "{ns}/{name} runs {image}: Istio {major}.{minor}, not {}.{}",
                        want.major, want.minor
                    ));
                }
                None => {
                    worst = worst.max(super::Verdict::Warn);
                    found.push(format!(
                        "{ns}/{name} runs {image:?}, whose tag names no release"
                    ));
                }
            }
        }
        let found = found.join("; ");
        match worst {
            super::Verdict::Pass => Finding::pass(Check::IstiodVersion, subject, found),
            super::Verdict::Warn => Finding::warn(
                Check::IstiodVersion,
                subject,
                found,
                format!(
                    "make sure it is Istio {}.{} (`istioctl version`)",
                    want.major, want.minor
                ),
            ),
            super::Verdict::Fail => Finding::fail(Check::IstiodVersion, subject, found, fix),
        }
    }

    /// The CA's PEM files: where they were read, `root-cert.pem` and (from cacerts)
    /// `ca-cert.pem`; a failed finding when neither source exists or cannot be read.
    async fn read_ca(
        &self,
        want: &RootCaExpectation,
    ) -> Result<(String, Option<Vec<u8>>, Option<Vec<u8>>), Finding> {
        let ns = want.namespace.as_str();
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        match secrets.get_opt("cacerts").await {
            Ok(Some(s)) => {
                let data = s.data.unwrap_or_default();
                let get = |k: &str| data.get(k).map(|b| b.0.clone());
                return Ok((
                    format!("Secret {ns}/cacerts"),
                    get("root-cert.pem"),
                    get("ca-cert.pem"),
                ));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(read_failed(
                    Check::RootCa,
                    format!("{ns} CA"),
                    "secrets",
                    &e,
                ));
            }
        }
        let maps: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        match maps.get_opt("istio-ca-root-cert").await {
            Ok(Some(m)) => Ok((
                format!(
                    "ConfigMap {ns}/istio-ca-root-cert (no Secret cacerts: istiod's own self-signed root)"
                ),
                m.data
                    .unwrap_or_default()
                    .get("root-cert.pem")
                    .map(|s| s.clone().into_bytes()),
                None,
            )),
            Ok(None) => Err(Finding::fail(
                Check::RootCa,
                format!("{ns} CA"),
                format!(
                    "neither Secret {ns}/cacerts nor ConfigMap {ns}/istio-ca-root-cert exists: no root to compare"
                ),
                want.fix(),
            )),
            Err(e) => Err(read_failed(
                Check::RootCa,
                format!("{ns} CA"),
                "configmaps",
                &e,
            )),
        }
    }

    async fn root_ca(&self, want: &RootCaExpectation, report: &mut ClusterReport) {
        let (source, root, intermediate) = match self.read_ca(want).await {
            Ok(read) => read,
            Err(finding) => {
                report.findings.push(finding);
                return;
            }
        };
        let Some(root) = root else {
            report.findings.push(Finding::fail(
                Check::RootCa,
                source,
                "has no root-cert.pem",
                want.fix(),
            ));
            return;
        };
        let roots = match certs::certificates(&root) {
            Ok(c) => c,
            Err(e) => {
                report.findings.push(Finding::fail(
                    Check::RootCa,
                    source,
                    format!("root-cert.pem does not parse: {e}"),
                    "replace it with the shared root's PEM",
                ));
                return;
            }
        };
        report.root_ca_sha256 = certs::root_set(&roots);
        let described: Vec<String> = roots
            .iter()
            .map(|c| format!("{} sha256:{}", c.subject, c.short()))
            .collect();
        let described = described.join(", ");
        match want.root_pem.as_deref().map(certs::certificates) {
            Some(Ok(expected)) if certs::root_set(&expected) != report.root_ca_sha256 => {
                let theirs: Vec<String> = expected
                    .iter()
                    .map(|c| format!("{} sha256:{}", c.subject, c.short()))
                    .collect();
                report.findings.push(Finding::fail(
                    Check::RootCa,
                    source.clone(),
                    format!(
                        "trusts {described}, not {} ({})",
                        want.root_source,
                        theirs.join(", ")
                    ),
                    want.fix(),
                ));
            }
            Some(Err(e)) => report.findings.push(Finding::fail(
                Check::RootCa,
                want.root_source.clone(),
                format!("does not parse: {e}"),
                "give the PEM of the shared root",
            )),
            Some(Ok(_)) => report.findings.push(Finding::pass(
                Check::RootCa,
                source.clone(),
                format!("trusts {described}, the root of {}", want.root_source),
            )),
            None => report.findings.push(Finding::pass(
                Check::RootCa,
                source.clone(),
                format!("trusts {described}"),
            )),
        }
        let mut dated: Vec<(&str, CertInfo)> = roots.into_iter().map(|c| ("root", c)).collect();
        if let Some(pem) = intermediate {
            match certs::certificates(&pem) {
                Ok(cs) => dated.extend(cs.into_iter().map(|c| ("intermediate", c))),
                Err(e) => report.findings.push(Finding::fail(
                    Check::RootCa,
                    source.clone(),
                    format!("ca-cert.pem does not parse: {e}"),
                    want.fix(),
                )),
            }
        }
        for (role, cert) in dated {
            if let Some(f) = self.expiry(&source, role, &cert) {
                report.findings.push(f);
            }
        }
    }

    /// A finding when `cert` has expired or expires within the warning period.
    fn expiry(&self, source: &str, role: &str, cert: &CertInfo) -> Option<Finding> {
        let now = self
            .options
            .now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let warn = i64::try_from(self.options.expiry_warning.as_secs()).unwrap_or(i64::MAX);
        let left = cert.not_after.saturating_sub(now);
        let subject = format!("{source}: {role} {}", cert.subject);
        let fix = "make new CA certificates, put them in cacerts and restart istiod and the workloads before the old ones expire";
        if left <= 0 {
            Some(Finding::fail(
                Check::RootCa,
                subject,
                format!("expired on {}", certs::date(cert.not_after)),
                fix,
            ))
        } else if left < warn {
            Some(Finding::warn(
                Check::RootCa,
                subject,
                format!(
                    "expires on {} (in {} days)",
                    certs::date(cert.not_after),
                    left / 86_400
                ),
                fix,
            ))
        } else {
            None
        }
    }

    async fn gateway(&self, want: &GatewayExpectation) -> Vec<Finding> {
        let sel = selector(&want.selector);
        let subject = format!("gateway {sel} port {}", want.port);
        let pods: Api<Pod> = Api::all(self.client.clone());
        let pods = match pods.list(&ListParams::default().labels(&sel)).await {
            Ok(l) => l.items,
            Err(e) => return vec![read_failed(Check::Gateway, subject, "pods", &e)],
        };
        if pods.is_empty() {
            return vec![Finding::fail(
                Check::Gateway,
                subject,
                format!("no pod labelled {sel} in any namespace"),
                "install the gateway with these pod labels",
            )];
        }
        let services: Api<Service> = Api::all(self.client.clone());
        let services = match services.list(&ListParams::default()).await {
            Ok(l) => l.items,
            Err(e) => return vec![read_failed(Check::Gateway, subject, "services", &e)],
        };
        let mut out = vec![Self::gateway_service(want, &pods, &services, &subject)];
        if !want.env.is_empty() {
            out.push(Self::proxy_env(want, &pods, &subject));
        }
        out
    }

    /// Whether a Service selecting the gateway `pods` exposes the port at the address.
    fn gateway_service(
        want: &GatewayExpectation,
        pods: &[Pod],
        services: &[Service],
        subject: &str,
    ) -> Finding {
        let selecting: Vec<&Service> = services.iter().filter(|s| selects(s, pods)).collect();
        let exposing: Vec<&Service> = selecting
            .iter()
            .copied()
            .filter(|s| ports(s).contains(&i32::from(want.port)))
            .collect();
        let expose_fix = want.expose_fix.clone().unwrap_or_else(|| {
            format!(
                "expose port {} (a `tls` port) on a Service selecting the gateway pods, with the external address {}",
                want.port, want.address
            )
        });
        if selecting.is_empty() {
            return Finding::fail(
                Check::Gateway,
                subject,
                format!(
                    "no Service selects the pods labelled {}",
                    selector(&want.selector)
                ),
                expose_fix,
            );
        }
        if exposing.is_empty() {
            let found: Vec<String> = selecting
                .iter()
                .map(|s| {
                    let ps: Vec<String> = ports(s).iter().map(ToString::to_string).collect();
                    format!("{} exposes {}", service_name(s), ps.join(", "))
                })
                .collect();
            return Finding::fail(
                Check::Gateway,
                subject,
                format!("{}; none exposes {}", found.join("; "), want.port),
                expose_fix,
            );
        }
        if let Some(s) = exposing
            .iter()
            .find(|s| external_addresses(s).contains(&want.address))
        {
            return Finding::pass(
                Check::Gateway,
                subject,
                format!(
                    "{} exposes {} at {}",
                    service_name(s),
                    want.port,
                    want.address
                ),
            );
        }
        let found: Vec<String> = exposing
            .iter()
            .map(|s| {
                let a = external_addresses(s);
                if a.is_empty() {
                    format!("{} has no external address", service_name(s))
                } else {
                    format!("{} is at {}", service_name(s), a.join(", "))
                }
            })
            .collect();
        Finding::fail(
            Check::Gateway,
            subject,
            format!("{}; not at {}", found.join("; "), want.address),
            format!(
                "give the Service the external address {} (its load balancer, loadBalancerIP or externalIPs), or write the address it has as the gateway's address",
                want.address
            ),
        )
    }

    fn proxy_env(want: &GatewayExpectation, pods: &[Pod], subject: &str) -> Finding {
        let mut wrong = Vec::new();
        for p in pods {
            let pod = format!(
                "{}/{}",
                p.metadata.namespace.as_deref().unwrap_or_default(),
                p.metadata.name.as_deref().unwrap_or_default()
            );
            let env: BTreeMap<&str, Option<&str>> = p
                .spec
                .as_ref()
                .and_then(|s| s.containers.iter().find(|c| c.name == PROXY_CONTAINER))
                .and_then(|c| c.env.as_ref())
                .map(|env| {
                    env.iter()
                        .map(|e| (e.name.as_str(), e.value.as_deref()))
                        .collect()
                })
                .unwrap_or_default();
            for (k, v) in &want.env {
                match env.get(k.as_str()) {
                    Some(Some(have)) if have == v => {}
                    Some(Some(have)) => wrong.push(format!("{pod}: {k}={have}")),
                    _ => wrong.push(format!("{pod}: {k} unset")),
                }
            }
        }
        let want_env = terms(&want.env);
        if wrong.is_empty() {
            Finding::pass(
                Check::Gateway,
                subject,
                format!(
                    "{} gateway pod(s) set {want_env} on {PROXY_CONTAINER}",
                    pods.len()
                ),
            )
        } else {
            Finding::fail(
                Check::Gateway,
                subject,
                format!("{} (want {want_env})", wrong.join("; ")),
                format!(
                    "set {want_env} on the gateway's {PROXY_CONTAINER} container: {}",
                    want.env_reason
                ),
            )
        }
    }

    async fn nodes(&self, want: &NodeExpectation) -> Vec<Finding> {
        let mut on_nodes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for w in &want.workloads {
            let pods: Api<Pod> = Api::namespaced(self.client.clone(), &w.namespace);
            let list = match pods
                .list(&ListParams::default().labels(&selector(&w.labels)))
                .await
            {
                Ok(l) => l.items,
                Err(e) => return vec![read_failed(Check::NodeLabels, "nodes", "pods", &e)],
            };
            for p in list {
                if let Some(node) = p.spec.and_then(|s| s.node_name) {
                    on_nodes.entry(node).or_default().insert(format!(
                        "{}/{}",
                        w.namespace,
                        selector(&w.labels)
                    ));
                }
            }
        }
        let nodes: Api<Node> = Api::all(self.client.clone());
        let nodes = match nodes.list(&ListParams::default()).await {
            Ok(l) => l.items,
            Err(e) => return vec![read_failed(Check::NodeLabels, "nodes", "nodes", &e)],
        };
        let all = on_nodes.is_empty();
        let checked: Vec<&Node> = nodes
            .iter()
            .filter(|n| {
                let name = n.metadata.name.as_deref().unwrap_or_default();
                if all {
                    n.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(LIQO_NODE_TYPE.0))
                        .is_none_or(|v| v != LIQO_NODE_TYPE.1)
                } else {
                    on_nodes.contains_key(name)
                }
            })
            .collect();
        let want_labels = terms(&want.labels);
        let mut out = Vec::new();
        for n in &checked {
            let name = n.metadata.name.as_deref().unwrap_or_default();
            let wrong = wrong_labels(&want.labels, n.metadata.labels.as_ref());
            if !wrong.is_empty() {
                let runs = on_nodes
                    .get(name)
                    .map(|w| {
                        let w: Vec<&str> = w.iter().map(String::as_str).collect();
                        format!(" (runs {})", w.join(", "))
                    })
                    .unwrap_or_default();
                out.push(Finding::fail(
                    Check::NodeLabels,
                    format!("node {name}"),
                    format!("{}{runs}; want {want_labels}", wrong.join(", ")),
                    format!(
                        "kubectl --context {} label node {name} {want_labels} --overwrite",
                        self.context()
                    ),
                ));
            }
        }
        if checked.is_empty() {
            out.push(Finding::warn(
                Check::NodeLabels,
                "nodes",
                "no node to check",
                "schedule the workloads, then check again",
            ));
        } else if out.is_empty() {
            let what = if all {
                "every node (no pod of the services is scheduled yet)".to_owned()
            } else {
                format!("the {} node(s) running the services", checked.len())
            };
            out.push(Finding::pass(
                Check::NodeLabels,
                "nodes",
                format!("{what} carry {want_labels}"),
            ));
        }
        out
    }

    async fn objects(&self, served: &ServedKinds) -> Vec<Finding> {
        let default_ns = self.client.default_namespace().to_owned();
        let results: Vec<Vec<Finding>> = stream::iter(&self.expected.objects)
            .map(|o| self.object(served, o, &default_ns))
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let total = self.expected.objects.len();
        let mut out: Vec<Finding> = results.into_iter().flatten().collect();
        for (check, what) in [
            (Check::Objects, "present"),
            (Check::FieldOwners, "owned by their field manager alone"),
            (Check::Ready, "ready"),
        ] {
            let failed = out
                .iter()
                .filter(|f| f.check == check && f.verdict != super::Verdict::Pass)
                .count();
            if total > 0
                && failed == 0
                && (check != Check::Ready || out.iter().any(|f| f.check == Check::Ready))
            {
                out.retain(|f| f.check != check);
                out.push(Finding::pass(
                    check,
                    "objects",
                    format!("{total} expected objects checked: all {what}"),
                ));
            } else {
                out.retain(|f| f.check != check || f.verdict != super::Verdict::Pass);
            }
        }
        out
    }

    /// Findings about one expected object: present, its fields owned, ready.
    async fn object(
        &self,
        served: &ServedKinds,
        object: &DynamicObject,
        default_ns: &str,
    ) -> Vec<Finding> {
        let (api_version, kind) = object
            .types
            .as_ref()
            .map(|t| (t.api_version.clone(), t.kind.clone()))
            .unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", &api_version));
        let name = object.metadata.name.clone().unwrap_or_default();
        let Some((ar, namespaced)) = served.resolve(group, version, &kind) else {
            return vec![Finding::fail(
                Check::Objects,
                format!("{kind} {name}"),
                format!("the cluster does not serve {api_version} {kind}"),
                format!("install the CustomResourceDefinition of {api_version} {kind}, then apply"),
            )];
        };
        let ns = object.metadata.namespace.as_deref().unwrap_or(default_ns);
        let subject = if *namespaced {
            format!("{kind} {ns}/{name}")
        } else {
            format!("{kind} {name}")
        };
        let api: Api<DynamicObject> = if *namespaced {
            Api::namespaced_with(self.client.clone(), ns, ar)
        } else {
            Api::all_with(self.client.clone(), ar)
        };
        let live = match api.get_opt(&name).await {
            Ok(Some(live)) => live,
            Ok(None) => {
                return vec![Finding::fail(
                    Check::Objects,
                    subject,
                    "missing",
                    format!(
                        "apply it (server-side, field manager {})",
                        self.options.field_manager
                    ),
                )];
            }
            Err(e) => return vec![read_failed(Check::Objects, subject, &ar.plural, &e)],
        };
        let mut out = vec![Finding::pass(Check::Objects, subject.clone(), "present")];
        out.push(self.owners(&subject, object, &live));
        if let Some(f) = readiness(ar, &subject, &live, self.context()) {
            out.push(f);
        }
        out
    }

    fn owners(&self, subject: &str, expected: &DynamicObject, live: &DynamicObject) -> Finding {
        let ours = &self.options.field_manager;
        let expected = serde_json::to_value(expected).unwrap_or(Value::Null);
        let set = fields::applied(&expected);
        let entries = live.metadata.managed_fields.clone().unwrap_or_default();
        let mut held = Vec::new();
        let mut ours_seen = false;
        for e in &entries {
            let manager = e.manager.clone().unwrap_or_default();
            if e.subresource.as_deref().is_some_and(|s| !s.is_empty()) {
                continue;
            }
            if &manager == ours {
                ours_seen = true;
                continue;
            }
            let theirs = e
                .fields_v1
                .as_ref()
                .map(|f| fields::owned(&f.0))
                .unwrap_or_default();
            for path in fields::overlap(&set, &theirs) {
                held.push(format!(
                    "{} by {manager:?} ({})",
                    fields::display(&path),
                    e.operation.as_deref().unwrap_or("?")
                ));
            }
        }
        if !held.is_empty() {
            Finding::fail(
                Check::FieldOwners,
                subject,
                format!(
                    "fields it sets are held by another manager: {}",
                    held.join(", ")
                ),
                format!(
                    "stop the other writer, then take the fields back: apply with --force-conflicts (field manager {ours})"
                ),
            )
        } else if !ours_seen {
            let managers: BTreeSet<String> =
                entries.iter().filter_map(|e| e.manager.clone()).collect();
            Finding::fail(
                Check::FieldOwners,
                subject,
                format!(
                    "not applied by {ours} (managers: {})",
                    managers.into_iter().collect::<Vec<_>>().join(", ")
                ),
                format!("apply it (server-side, field manager {ours})"),
            )
        } else {
            Finding::pass(Check::FieldOwners, subject, format!("held by {ours}"))
        }
    }

    async fn liqo(&self) -> Vec<Finding> {
        let ar = ApiResource {
            group: "core.liqo.io".into(),
            version: "v1beta1".into(),
            api_version: "core.liqo.io/v1beta1".into(),
            kind: "ForeignCluster".into(),
            plural: "foreignclusters".into(),
        };
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &ar);
        let foreign = match api.list(&ListParams::default()).await {
            Ok(l) => l.items,
            Err(kube::Error::Api(s)) if s.code == 404 => {
                return vec![Finding::fail(
                    Check::LiqoPeering,
                    "ForeignClusters",
                    "core.liqo.io/v1beta1 ForeignCluster is not served: LIQO is not installed",
                    "install LIQO",
                )];
            }
            Err(e) => {
                return vec![read_failed(
                    Check::LiqoPeering,
                    "ForeignClusters",
                    "foreignclusters",
                    &e,
                )];
            }
        };
        let mut out = Vec::new();
        for p in &self.expected.liqo_providers {
            let fc = foreign.iter().find(|fc| {
                fc.data["spec"]["clusterID"].as_str() == Some(p.cluster_id.as_str())
                    || fc.metadata.name.as_deref() == Some(p.cluster_id.as_str())
            });
            out.push(match fc {
                None => Finding::fail(
                    Check::LiqoPeering,
                    format!("provider {}", p.cluster_id),
                    "no ForeignCluster for it: not peered",
                    format!(
                        "peer with it from this cluster (`liqoctl peer --context {} --remote-context <its context>`)",
                        self.context()
                    ),
                ),
                Some(fc) => peering(fc, &p.cluster_id),
            });
            out.extend(self.virtual_nodes(p).await);
        }
        out
    }

    async fn virtual_nodes(&self, p: &LiqoProvider) -> Vec<Finding> {
        let subject = format!("provider {}", p.cluster_id);
        let nodes: Api<Node> = Api::all(self.client.clone());
        let sel = format!(
            "{}={},{LIQO_REMOTE_CLUSTER_ID}={}",
            LIQO_NODE_TYPE.0, LIQO_NODE_TYPE.1, p.cluster_id
        );
        let nodes = match nodes.list(&ListParams::default().labels(&sel)).await {
            Ok(l) => l.items,
            Err(e) => return vec![read_failed(Check::VirtualNodes, subject, "nodes", &e)],
        };
        if nodes.is_empty() {
            return vec![Finding::fail(
                Check::VirtualNodes,
                subject,
                format!("no node labelled {sel}"),
                "establish the peering with offloading enabled (a ResourceSlice accepted by the provider makes the virtual node)",
            )];
        }
        let want = terms(&p.node_labels);
        let mut out = Vec::new();
        for n in &nodes {
            let name = n.metadata.name.as_deref().unwrap_or_default();
            let wrong = wrong_labels(&p.node_labels, n.metadata.labels.as_ref());
            out.push(if wrong.is_empty() {
                Finding::pass(
                    Check::VirtualNodes,
                    format!("node {name}"),
                    format!("virtual node of {} carries {want}", p.cluster_id),
                )
            } else {
                Finding::fail(
                    Check::VirtualNodes,
                    format!("node {name}"),
                    format!(
                        "virtual node of {}: {}; want {want}",
                        p.cluster_id,
                        wrong.join(", ")
                    ),
                    format!(
                        "reinstall LIQO on {} with --cluster-labels {} (they become its virtual node's labels)",
                        p.cluster_id,
                        want.replace(' ', ",")
                    ),
                )
            });
        }
        out
    }
}

/// Whether Service `s` selects one of `pods` (same namespace, its selector's terms all on the
/// pod's labels).
fn selects(s: &Service, pods: &[Pod]) -> bool {
    let Some(sel) = s.spec.as_ref().and_then(|sp| sp.selector.as_ref()) else {
        return false;
    };
    !sel.is_empty()
        && pods.iter().any(|p| {
            p.metadata.namespace == s.metadata.namespace
                && sel
                    .iter()
                    .all(|(k, v)| p.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
        })
}

fn service_name(s: &Service) -> String {
    format!(
        "{}/{}",
        s.metadata.namespace.as_deref().unwrap_or_default(),
        s.metadata.name.as_deref().unwrap_or_default()
    )
}

fn ports(s: &Service) -> Vec<i32> {
    s.spec
        .as_ref()
        .and_then(|sp| sp.ports.as_ref())
        .map(|ps| ps.iter().map(|p| p.port).collect())
        .unwrap_or_default()
}

/// Where a Service is reached from outside: `externalIPs`, `loadBalancerIP` and the load
/// balancer's ingress IPs and host names.
fn external_addresses(s: &Service) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    if let Some(spec) = &s.spec {
        a.extend(spec.external_ips.iter().flatten().cloned());
        a.extend(spec.load_balancer_ip.iter().cloned());
    }
    if let Some(ingress) = s
        .status
        .as_ref()
        .and_then(|st| st.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
    {
        for i in ingress {
            a.extend(i.ip.iter().cloned());
            a.extend(i.hostname.iter().cloned());
        }
    }
    a.sort();
    a.dedup();
    a
}

/// The labels of `want` that `have` lacks or holds with another value, as `k=v` or `k unset`.
fn wrong_labels(
    want: &BTreeMap<String, String>,
    have: Option<&BTreeMap<String, String>>,
) -> Vec<String> {
    want.iter()
        .filter_map(|(k, v)| match have.and_then(|h| h.get(k)) {
            Some(h) if h == v => None,
            Some(h) => Some(format!("{k}={h}")),
            None => Some(format!("{k} unset")),
        })
        .collect()
}

/// `k=v k2=v2`.
fn terms(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a ForeignCluster is an established provider peering, as `liqoctl info` judges a
/// module (liqo v1.2.0 `pkg/liqoctl/info/common/utils.go` `CheckModuleStatus`): every condition
/// of every enabled module is `Established` or `Ready`. The offloading module must be enabled
/// (no virtual node without it) and the role must include Provider
/// (`apis/core/v1beta1/foreigncluster_types.go` `RoleType`).
fn peering(fc: &DynamicObject, id: &str) -> Finding {
    let subject = format!("provider {id}");
    let status = &fc.data["status"];
    let role = status["role"].as_str().unwrap_or("Unknown");
    let mut problems = Vec::new();
    if !matches!(role, "Provider" | "ConsumerAndProvider") {
        problems.push(format!("role {role}, not Provider"));
    }
    let mut healthy = Vec::new();
    for module in ["networking", "authentication", "offloading"] {
        let m = &status["modules"][module];
        if m["enabled"].as_bool() != Some(true) {
            if module == "offloading" {
                problems.push("offloading module not enabled".into());
            }
            continue;
        }
        let bad: Vec<String> = m["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| !matches!(c["status"].as_str(), Some("Established" | "Ready")))
            .map(|c| {
                let mut s = format!(
                    "{}={}",
                    c["type"].as_str().unwrap_or("?"),
                    c["status"].as_str().unwrap_or("?")
                );
                if let Some(msg) = c["message"].as_str().filter(|m| !m.is_empty()) {
                    let _ = write!(s, " ({msg})");
                }
                s
            })
            .collect();
        if bad.is_empty() {
            healthy.push(module);
        } else {
            problems.push(format!("{module}: {}", bad.join(", ")));
        }
    }
    let name = fc.metadata.name.as_deref().unwrap_or(id);
    if problems.is_empty() {
        Finding::pass(
            Check::LiqoPeering,
            subject,
            format!(
                "ForeignCluster {name}: role {role}, {} established",
                healthy.join(", ")
            ),
        )
    } else {
        Finding::fail(
            Check::LiqoPeering,
            subject,
            format!("ForeignCluster {name}: {}", problems.join("; ")),
            format!("see `liqoctl info peer {id}` for the failing module and peer again if needed"),
        )
    }
}

/// Readiness of the kinds that have one: Deployments Available, LIQO NamespaceOffloadings in
/// phase Ready (liqo v1.2.0 `apis/offloading/v1beta1/namespaceoffloading_types.go`
/// `ReadyOffloadingPhaseType`).
fn readiness(
    ar: &ApiResource,
    subject: &str,
    live: &DynamicObject,
    context: &str,
) -> Option<Finding> {
    let status = &live.data["status"];
    let ns = live.metadata.namespace.as_deref().unwrap_or_default();
    let name = live.metadata.name.as_deref().unwrap_or_default();
    match (ar.group.as_str(), ar.kind.as_str()) {
        ("apps", "Deployment") => {
            let available = status["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Available");
            let ready = status["readyReplicas"].as_i64().unwrap_or(0);
            let want = live.data["spec"]["replicas"].as_i64().unwrap_or(1);
            Some(match available {
                Some(c) if c["status"] == "True" => Finding::pass(
                    Check::Ready,
                    subject,
                    format!("Available ({ready}/{want} ready)"),
                ),
                other => Finding::fail(
                    Check::Ready,
                    subject,
                    format!(
                        "not Available ({ready}/{want} ready){}",
                        other
                            .and_then(|c| c["message"].as_str())
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default()
                    ),
                    format!("kubectl --context {context} -n {ns} describe deployment {name}"),
                ),
            })
        }
        ("offloading.liqo.io", "NamespaceOffloading") => {
            let phase = status["offloadingPhase"].as_str().unwrap_or("<none>");
            Some(if phase == "Ready" {
                Finding::pass(Check::Ready, subject, "offloadingPhase Ready")
            } else {
                Finding::fail(
                    Check::Ready,
                    subject,
                    format!("offloadingPhase {phase}, not Ready"),
                    format!(
                        "check the peerings and the clusterSelector: kubectl --context {context} -n {ns} describe namespaceoffloading {name}"
                    ),
                )
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::image_release;

    #[test]
    fn releases_come_from_the_image_tag() {
        assert_eq!(image_release("docker.io/istio/pilot:1.5.10"), Some((1, 5)));
        assert_eq!(
            image_release("gcr.io/istio-release/pilot:1.22.3-distroless"),
            Some((1, 22))
        );
        assert_eq!(image_release("localhost:5000/pilot:1.7.0"), Some((1, 7)));
        assert_eq!(
            image_release("istio/pilot:v1.30.1@sha256:abc"),
            Some((1, 30))
        );
        assert_eq!(image_release("localhost:5000/pilot"), None);
        assert_eq!(image_release("istio/pilot:latest"), None);
        assert_eq!(image_release("istio/pilot:1"), None);
    }
}
