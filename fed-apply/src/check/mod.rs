//! Read-only checks of live clusters against what a caller expects of them: reachability, the
//! kinds they serve, istiod's release, the CA root they trust, the gateway Services, the nodes'
//! topology labels, the applied objects (present, owned, ready) and LIQO peerings.
//!
//! The caller says what to expect with a [`ClusterExpectation`] per cluster; this module knows
//! nothing about federations. [`Checker::check`] reaches every cluster in parallel, each within
//! [`CheckOptions::timeout`], and returns a [`CheckReport`]: per cluster, one [`Finding`] per
//! thing checked, each with its [`Check`], a [`Verdict`], what was found and how to fix it. An
//! unreachable cluster gets a failed [`Check::Reachable`] finding and the others are still
//! checked. Nothing is written to the clusters: every request is a GET or a LIST.
//!
//! ```no_run
//! use fed_apply::check::{CheckOptions, Checker, ClusterExpectation, IstiodExpectation};
//!
//! # async fn example() -> Result<(), fed_apply::Error> {
//! let checker = Checker::from_kubeconfig_path("/home/me/.kube/config".as_ref(), CheckOptions::default())?;
//! let mut gke = ClusterExpectation::new("gke", "gke_project_europe-west1_gke");
//! gke.istiod = Some(IstiodExpectation::new(1, 22));
//! let report = checker.check(&[gke]).await;
//! for cluster in &report.clusters {
//!     for finding in &cluster.findings {
//!         println!("{} {} {}: {}", cluster.cluster, finding.verdict, finding.check, finding.found);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod certs;
mod fields;
mod probe;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::Path,
    time::{Duration, SystemTime},
};

use kube::{api::DynamicObject, config::Kubeconfig};
use serde::Serialize;

use crate::{Applier, Error};

/// What the checks take besides the expectations.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// How long one cluster may take, every request included; a cluster that takes longer gets
    /// a failed [`Check::Reachable`] finding.
    pub timeout: Duration,
    /// "Now", for certificate expiry (injectable, so that tests do not depend on the clock).
    pub now: SystemTime,
    /// Certificates expiring within this long are warnings (expired ones are failures).
    pub expiry_warning: Duration,
    /// The field manager the expected objects are applied with (`fedctl`): any other manager
    /// holding a field they set is a failure.
    pub field_manager: String,
    /// Requests in flight per cluster (at least 1).
    pub concurrency: usize,
}

impl Default for CheckOptions {
    /// 30 s per cluster, the system clock, warnings 30 days before expiry, field manager
    /// `fedctl`, 8 requests in flight per cluster.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            now: SystemTime::now(),
            expiry_warning: Duration::from_secs(30 * 86_400),
            field_manager: "fedctl".into(),
            concurrency: 8,
        }
    }
}

/// A kind the cluster must serve.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServedKind {
    /// The API group (`networking.istio.io`), empty for the core group.
    pub group: String,
    /// The version (`v1alpha3`).
    pub version: String,
    /// The kind (`DestinationRule`).
    pub kind: String,
}

impl ServedKind {
    /// `group/version` and kind.
    pub fn new(group: &str, version: &str, kind: &str) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }
}

/// istiod's release: the tag of the image of the `discovery` container of every Deployment
/// labelled `app=istiod` in the namespace must be `MAJOR.MINOR[.PATCH...]` with this major and
/// minor (patches do not matter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IstiodExpectation {
    /// Where istiod runs (`istio-system`).
    pub namespace: String,
    /// The release's major number.
    pub major: u32,
    /// The release's minor number.
    pub minor: u32,
}

impl IstiodExpectation {
    /// istiod `major.minor` in `istio-system`.
    pub fn new(major: u32, minor: u32) -> Self {
        Self {
            namespace: "istio-system".into(),
            major,
            minor,
        }
    }
}

/// The CA root a cluster's Istio trusts: the `root-cert.pem` of Secret `<namespace>/cacerts`
/// (the plug-in CA), or without it the ConfigMap `istio-ca-root-cert` istiod publishes.
/// Every cluster with a root expectation must trust the same root set, equal to `root_pem`
/// when given. Certificates of `cacerts` (root and intermediate) expiring within
/// [`CheckOptions::expiry_warning`] are warnings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RootCaExpectation {
    /// Where `cacerts` and `istio-ca-root-cert` live (`istio-system`).
    pub namespace: String,
    /// The root the cluster must trust, PEM, when one is known.
    pub root_pem: Option<Vec<u8>>,
    /// Where `root_pem` comes from, for messages (`./certs/root-cert.pem`).
    pub root_source: String,
    /// How to put the shared CA in place, when the caller knows (which tool makes and applies
    /// it); a generic suggestion when `None`.
    pub fix: Option<String>,
}

impl RootCaExpectation {
    /// What to do when the cluster does not trust the shared root.
    pub(crate) fn fix(&self) -> String {
        self.fix.clone().unwrap_or_else(|| {
            format!(
                "put an intermediate CA of the shared root in Secret {}/cacerts (ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem), then restart istiod and the workloads",
                self.namespace
            )
        })
    }
}

/// A gateway other clusters send traffic to: pods labelled `selector` (in any namespace), a
/// Service selecting them that exposes `port` at the external address `address`, and, when
/// `env` is not empty, each pod's `istio-proxy` container with these environment values
/// (`ISTIO_META_ROUTER_MODE=sni-dnat` on releases that need it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayExpectation {
    /// The gateway pods' labels (`istio: ingressgateway`).
    pub selector: BTreeMap<String, String>,
    /// The port other clusters reach (15443).
    pub port: u16,
    /// The external address other clusters reach (an IP).
    pub address: String,
    /// Environment variables the `istio-proxy` container must set, with their values.
    pub env: BTreeMap<String, String>,
    /// Why `env` is needed, for the fix (`Istio 1.5 builds SNI-DNAT clusters only in sni-dnat
    /// mode`).
    pub env_reason: String,
    /// What to do when no Service exposes the port at the address (the caller knows how the
    /// gateway was installed); a generic suggestion when `None`.
    pub expose_fix: Option<String>,
}

/// Pods of one workload: namespace and labels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodSelector {
    /// The namespace.
    pub namespace: String,
    /// Equality terms.
    pub labels: BTreeMap<String, String>,
}

/// Node labels: every node running one of `workloads`' pods carries `labels`. When none of
/// them has a pod on a node yet, every node that is not a LIQO virtual node is checked.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeExpectation {
    /// The labels and values (`topology.kubernetes.io/zone: us-west1-b`).
    pub labels: BTreeMap<String, String>,
    /// The workloads whose nodes are checked.
    pub workloads: Vec<PodSelector>,
}

/// A LIQO provider the cluster consumes from: a `ForeignCluster` (core.liqo.io/v1beta1) with
/// `spec.clusterID` = `cluster_id` in role Provider, every enabled module healthy, and virtual
/// nodes for it carrying `node_labels`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiqoProvider {
    /// The provider's LIQO cluster ID (`liqoctl install --cluster-id`).
    pub cluster_id: String,
    /// Labels its virtual nodes must carry (`topology.kubernetes.io/zone`).
    pub node_labels: BTreeMap<String, String>,
}

/// What one cluster should look like.
#[derive(Clone, Debug)]
pub struct ClusterExpectation {
    /// The cluster's name in the report.
    pub name: String,
    /// The kubeconfig context to reach it with.
    pub context: String,
    /// Kinds it must serve (Istio's, LIQO's).
    pub kinds: Vec<ServedKind>,
    /// istiod's release.
    pub istiod: Option<IstiodExpectation>,
    /// The CA root.
    pub root_ca: Option<RootCaExpectation>,
    /// Gateways others reach.
    pub gateways: Vec<GatewayExpectation>,
    /// Node topology labels.
    pub nodes: Option<NodeExpectation>,
    /// Objects that must exist, with the fields they set held by
    /// [`CheckOptions::field_manager`] alone; Deployments must be Available and LIQO
    /// NamespaceOffloadings Ready.
    pub objects: Vec<DynamicObject>,
    /// LIQO providers.
    pub liqo_providers: Vec<LiqoProvider>,
}

impl ClusterExpectation {
    /// A cluster expected only to be reachable.
    pub fn new(name: impl Into<String>, context: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            context: context.into(),
            kinds: Vec::new(),
            istiod: None,
            root_ca: None,
            gateways: Vec::new(),
            nodes: None,
            objects: Vec::new(),
            liqo_providers: Vec::new(),
        }
    }
}

/// What was checked. The report prints them in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The context exists and the API server answers.
    Reachable,
    /// The expected kinds are served (the CRDs are installed).
    Crds,
    /// istiod runs the expected release.
    IstiodVersion,
    /// The CA root is the shared one and its certificates are not about to expire.
    RootCa,
    /// Gateway Services expose the port at the address; the gateway pods' router mode.
    Gateway,
    /// Nodes carry the topology labels.
    NodeLabels,
    /// The expected objects exist.
    Objects,
    /// No other field manager holds a field the expected objects set.
    FieldOwners,
    /// Deployments are Available, NamespaceOffloadings Ready.
    Ready,
    /// LIQO peerings are established.
    LiqoPeering,
    /// LIQO virtual nodes exist with the expected labels.
    VirtualNodes,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: [Check; 11] = [
        Check::Reachable,
        Check::Crds,
        Check::IstiodVersion,
        Check::RootCa,
        Check::Gateway,
        Check::NodeLabels,
        Check::Objects,
        Check::FieldOwners,
        Check::Ready,
        Check::LiqoPeering,
        Check::VirtualNodes,
    ];

    /// The kebab-case name (`istiod-version`).
    pub fn name(self) -> &'static str {
        match self {
            Check::Reachable => "reachable",
            Check::Crds => "crds",
            Check::IstiodVersion => "istiod-version",
            Check::RootCa => "root-ca",
            Check::Gateway => "gateway",
            Check::NodeLabels => "node-labels",
            Check::Objects => "objects",
            Check::FieldOwners => "field-owners",
            Check::Ready => "ready",
            Check::LiqoPeering => "liqo-peering",
            Check::VirtualNodes => "virtual-nodes",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a finding came out. Ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// It holds.
    Pass,
    /// It holds, but will not for long or could not be told for sure.
    Warn,
    /// It does not hold.
    Fail,
}

impl Verdict {
    /// `✓`, `!` or `✗`.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Pass => "✓",
            Verdict::Warn => "!",
            Verdict::Fail => "✗",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// One thing checked on one cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check.
    pub check: Check,
    /// The outcome.
    pub verdict: Verdict,
    /// What it is about (`DestinationRule.networking.istio.io default/echo`, `node kind-worker`).
    pub subject: String,
    /// What was found.
    pub found: String,
    /// What to do about it, when it does not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub(crate) fn pass(check: Check, subject: impl Into<String>, found: impl Into<String>) -> Self {
        Self {
            check,
            verdict: Verdict::Pass,
            subject: subject.into(),
            found: found.into(),
            fix: None,
        }
    }

    pub(crate) fn fail(
        check: Check,
        subject: impl Into<String>,
        found: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            check,
            verdict: Verdict::Fail,
            subject: subject.into(),
            found: found.into(),
            fix: Some(fix.into()),
        }
    }

    pub(crate) fn warn(
        check: Check,
        subject: impl Into<String>,
        found: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            verdict: Verdict::Warn,
            ..Self::fail(check, subject, found, fix)
        }
    }
}

/// The findings of one cluster.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterReport {
    /// The cluster's name.
    pub cluster: String,
    /// The context used.
    pub context: String,
    /// Every finding, in [`Check`] order.
    pub findings: Vec<Finding>,
    /// The SHA-256 fingerprints of the CA roots the cluster trusts, when they could be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub root_ca_sha256: Vec<String>,
}

impl ClusterReport {
    /// The worst verdict of `check`, `None` when nothing was checked for it.
    pub fn verdict(&self, check: Check) -> Option<Verdict> {
        self.findings
            .iter()
            .filter(|f| f.check == check)
            .map(|f| f.verdict)
            .max()
    }

    /// Whether no finding failed.
    pub fn holds(&self) -> bool {
        self.findings.iter().all(|f| f.verdict != Verdict::Fail)
    }
}

/// The findings of every cluster, in the order the expectations were given.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// One per cluster.
    pub clusters: Vec<ClusterReport>,
}

impl CheckReport {
    /// Whether every check holds on every cluster (warnings allowed).
    pub fn holds(&self) -> bool {
        self.clusters.iter().all(ClusterReport::holds)
    }

    /// The checks that produced at least one finding, in [`Check`] order.
    pub fn checks(&self) -> Vec<Check> {
        let seen: BTreeSet<Check> = self
            .clusters
            .iter()
            .flat_map(|c| c.findings.iter().map(|f| f.check))
            .collect();
        seen.into_iter().collect()
    }
}

/// Runs the checks. See the module documentation.
#[derive(Clone, Debug)]
pub struct Checker {
    kubeconfig: Kubeconfig,
    options: CheckOptions,
}

impl Checker {
    /// A checker reaching clusters through the contexts of `kubeconfig`.
    pub fn new(kubeconfig: Kubeconfig, options: CheckOptions) -> Self {
        Self {
            kubeconfig,
            options,
        }
    }

    /// A checker reading the kubeconfig file at `path` (see [`Applier::check_kubeconfig_file`]).
    pub fn from_kubeconfig_path(path: &Path, options: CheckOptions) -> Result<Self, Error> {
        Applier::check_kubeconfig_file(path)?;
        let kubeconfig = Kubeconfig::read_from(path).map_err(|source| Error::Kubeconfig {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::new(kubeconfig, options))
    }

    /// The options.
    pub fn options(&self) -> &CheckOptions {
        &self.options
    }

    /// Checks every cluster, in parallel, then compares the CA roots across them.
    pub async fn check(&self, clusters: &[ClusterExpectation]) -> CheckReport {
        let mut reports: Vec<ClusterReport> =
            futures::future::join_all(clusters.iter().map(|c| self.check_cluster(c))).await;
        compare_roots(clusters, &mut reports);
        for r in &mut reports {
            r.findings.sort_by_key(|f| f.check);
        }
        CheckReport { clusters: reports }
    }

    async fn check_cluster(&self, expected: &ClusterExpectation) -> ClusterReport {
        let mut report = ClusterReport {
            cluster: expected.name.clone(),
            context: expected.context.clone(),
            findings: Vec::new(),
            root_ca_sha256: Vec::new(),
        };
        let client =
            match crate::applier::client(&self.kubeconfig, &expected.name, &expected.context).await
            {
                Ok(c) => c,
                Err(e) => {
                    report.findings.push(Finding::fail(
                        Check::Reachable,
                        format!("context {}", expected.context),
                        e.to_string(),
                        "name a context that exists in the kubeconfig",
                    ));
                    return report;
                }
            };
        let probe = probe::Probe::new(client, expected, &self.options);
        match tokio::time::timeout(self.options.timeout, probe.run(&mut report)).await {
            Ok(()) => {}
            Err(_) => report.findings.push(Finding::fail(
                Check::Reachable,
                format!("context {}", expected.context),
                format!(
                    "the checks did not finish within {:?}; the findings above are those made in time",
                    self.options.timeout
                ),
                "check that the API server answers, or give the checks more time (--timeout)",
            )),
        }
        report
    }
}

/// Every cluster with a root expectation must trust the same roots.
fn compare_roots(clusters: &[ClusterExpectation], reports: &mut [ClusterReport]) {
    let mut by_root: BTreeMap<&[String], Vec<&str>> = BTreeMap::new();
    for (c, r) in clusters.iter().zip(reports.iter()) {
        if c.root_ca.is_some() && !r.root_ca_sha256.is_empty() {
            by_root
                .entry(&r.root_ca_sha256)
                .or_default()
                .push(&r.cluster);
        }
    }
    if by_root.len() < 2 {
        if let Some((root, names)) = by_root.iter().next()
            && names.len() > 1
        {
            let found = format!(
                "{} trust the same root {}",
                names.join(", "),
                short_list(root)
            );
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            for r in reports.iter_mut().filter(|r| names.contains(&r.cluster)) {
                r.findings
                    .push(Finding::pass(Check::RootCa, "shared root", found.clone()));
            }
        }
        return;
    }
    let groups: Vec<String> = by_root
        .iter()
        .map(|(root, names)| format!("{}: {}", names.join(", "), short_list(root)))
        .collect();
    let found = format!("the clusters trust different roots ({})", groups.join("; "));
    let flagged: Vec<String> = by_root
        .values()
        .flatten()
        .map(|n| (*n).to_owned())
        .collect();
    for (c, r) in clusters.iter().zip(reports.iter_mut()) {
        let Some(expected) = c.root_ca.as_ref().filter(|_| flagged.contains(&r.cluster)) else {
            continue;
        };
        r.findings.push(Finding::fail(
            Check::RootCa,
            "shared root",
            found.clone(),
            expected.fix(),
        ));
    }
}

fn short_list(root: &[String]) -> String {
    root.iter()
        .map(|s| format!("sha256:{}", &s[..16.min(s.len())]))
        .collect::<Vec<_>>()
        .join("+")
}
