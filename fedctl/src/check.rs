//! `fedctl check FILE`: is the live federation what the document says? Read-only.
//!
//! The document and its rendered bundles become one [`ClusterExpectation`] per cluster (what
//! fed-apply's checks take); fed-apply reads the clusters in parallel and this module prints
//! the findings as a table or as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use fed_apply::check::{
    CheckOptions, CheckReport, Checker, ClusterExpectation, GatewayExpectation, IstiodExpectation,
    LiqoProvider, NodeExpectation, PodSelector, RootCaExpectation, ServedKind, Verdict,
};
use fed_model::{Cluster, ClusterRole, Topology, ValidatedFederation};
use fed_render::Bundle;
use istio_types::dataplane::{AutoPassthrough, DataPlane, RouterMode};

use crate::{apply, exit, load};

/// Where Istio's control plane and its CA live in every cluster.
const ISTIO_SYSTEM: &str = fed_render::ISTIO_SYSTEM;
/// The environment variable that sets a gateway's router mode (dataplane.md section 5).
const ROUTER_MODE_ENV: &str = "ISTIO_META_ROUTER_MODE";

/// Check the live clusters against the document, without changing anything.
///
/// For every cluster, in parallel and each within --timeout: the context answers and serves
/// the Istio (and LIQO) kinds the rendered objects need; istiod runs the document's Istio
/// release (another minor is an error); every cluster trusts the same CA root, the one in
/// mesh.ca.dir when set, with no certificate of istio-system/cacerts expiring within 30 days
/// (a warning); every overflow target's gateway Service exposes the gateway port at the
/// document's address, its pods in the router mode the release needs; the nodes running the
/// services carry the locality's topology labels; the rendered objects exist, no other field
/// manager holds a field they set, Deployments are Available; with LIQO, the peering with each
/// provider is established, NamespaceOffloadings are Ready and each provider's virtual node
/// carries its zone. Exit status: 0 every check holds (warnings allowed), 1 something does not
/// (or the document is invalid), 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    file: PathBuf,
    /// The kubeconfig to read contexts from (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// Only this cluster (default: every cluster).
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
    /// Seconds each cluster's checks may take; a cluster that takes longer is reported as not
    /// reachable, with the findings made in time.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// How the findings are printed.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    output: Format,
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum Format {
    /// A table of ✓ (holds), ! (warning) and ✗ (fails) per check and cluster, then one line per
    /// finding that did not pass, with what was found and the fix.
    #[default]
    Human,
    /// One JSON object: `{"holds": bool, "clusters": [{"cluster", "context", "findings":
    /// [{"check", "verdict", "subject", "found", "fix"}]}]}`.
    Json,
}

pub(crate) fn run(args: &Args) -> u8 {
    match check(args) {
        Ok(code) | Err(code) => code,
    }
}

fn check(args: &Args) -> Result<u8, u8> {
    let fed = load::federation(&args.file)?;
    let bundles = fed_render::render(&fed).map_err(|e| {
        eprintln!("fedctl: {e}");
        exit::USAGE
    })?;
    let root = expected_root(&fed)?;
    let mut expected = expectations(&fed, &bundles, root.as_ref());
    let file = args.file.display();
    let ca_fix = if root.is_some() {
        format!(
            "`fedctl apply {file}` puts the intermediate CAs of mesh.ca.dir in Secret istio-system/cacerts; then restart istiod and the workloads"
        )
    } else {
        format!(
            "make one root and an intermediate CA per cluster (`fedctl certs {file} -o DIR`), set spec.mesh.ca.dir to DIR and `fedctl apply {file}`; then restart istiod and the workloads"
        )
    };
    for e in &mut expected {
        if let Some(r) = &mut e.root_ca {
            r.fix = Some(ca_fix.clone());
        }
    }
    if let Some(only) = &args.cluster {
        expected.retain(|e| &e.name == only);
        if expected.is_empty() {
            let all: Vec<_> = fed.clusters().map(|c| c.name().as_str()).collect();
            eprintln!(
                "fedctl: no cluster {only:?} in the federation (clusters: {})",
                all.join(", ")
            );
            return Err(exit::USAGE);
        }
    }
    let options = CheckOptions {
        timeout: Duration::from_secs(args.timeout),
        ..CheckOptions::default()
    };
    let checker = Checker::new(apply::kubeconfig(args.kubeconfig.as_deref())?, options);
    let report = apply::runtime()?.block_on(checker.check(&expected));
    let text = match args.output {
        Format::Json => json(&report),
        Format::Human => human(&report),
    };
    exit::to_stdout("the report", |out| out.write_all(text.as_bytes()))?;
    Ok(if report.holds() {
        exit::OK
    } else {
        exit::INVALID
    })
}

/// The shared root of `mesh.ca.dir`, with the path it was read from.
fn expected_root(fed: &ValidatedFederation) -> Result<Option<(Vec<u8>, String)>, u8> {
    let Some(dir) = fed.mesh().ca_dir() else {
        return Ok(None);
    };
    let path = dir.join("root-cert.pem");
    std::fs::read(&path)
        .map(|pem| Some((pem, path.display().to_string())))
        .map_err(|e| {
            eprintln!("fedctl: cannot read {}: {e}", path.display());
            exit::USAGE
        })
}

/// One expectation per rendered bundle (every cluster of the document).
fn expectations(
    fed: &ValidatedFederation,
    bundles: &[Bundle],
    root: Option<&(Vec<u8>, String)>,
) -> Vec<ClusterExpectation> {
    let peer_to_peer = fed.topology().is_peer_to_peer();
    let version = fed.istio().version();
    bundles
        .iter()
        .filter_map(|b| Some((b, fed.cluster(&b.cluster)?)))
        .map(|(b, cluster)| {
            let mut e = ClusterExpectation::new(&b.cluster, &b.context);
            // Istio's control plane runs in every peer, and in the consumer alone with LIQO.
            let control_plane = peer_to_peer || cluster.role() == ClusterRole::Consumer;
            e.kinds = kinds(b);
            if control_plane {
                e.istiod = Some(IstiodExpectation {
                    namespace: ISTIO_SYSTEM.to_owned(),
                    major: version.major(),
                    minor: version.minor(),
                });
                e.root_ca = Some(RootCaExpectation {
                    namespace: ISTIO_SYSTEM.to_owned(),
                    root_pem: root.map(|(pem, _)| pem.clone()),
                    root_source: root.map(|(_, path)| path.clone()).unwrap_or_default(),
                    fix: None,
                });
            }
            e.gateways = gateway(fed, cluster).into_iter().collect();
            e.nodes = Some(NodeExpectation {
                labels: node_labels(cluster),
                workloads: workloads(fed, cluster),
            });
            e.objects = b
                .objects
                .iter()
                .filter_map(|o| serde_json::from_value(o.to_json_value()).ok())
                .collect();
            if let Topology::ConsumerProvider { providers, .. } = fed.topology()
                && cluster.role() == ClusterRole::Consumer
            {
                e.kinds
                    .push(ServedKind::new("core.liqo.io", "v1beta1", "ForeignCluster"));
                // `liqoctl install --cluster-id <name> --cluster-labels <locality>` in the
                // runbook: the ForeignCluster's ID is the provider's name and its virtual node
                // carries its locality labels.
                e.liqo_providers = providers
                    .iter()
                    .map(|p| LiqoProvider {
                        cluster_id: p.name().as_str().to_owned(),
                        node_labels: node_labels(p),
                    })
                    .collect();
            }
            e
        })
        .collect()
}

/// The custom kinds a bundle holds (Istio's, LIQO's): the ones a cluster may not serve.
fn kinds(bundle: &Bundle) -> Vec<ServedKind> {
    let set: BTreeSet<ServedKind> = bundle
        .objects
        .iter()
        .filter_map(|o| {
            let api_version = o.api_version();
            let (group, version) = api_version.split_once('/')?;
            group
                .contains('.')
                .then(|| ServedKind::new(group, version, o.kind()))
        })
        .collect();
    set.into_iter().collect()
}

fn node_labels(cluster: &Cluster) -> BTreeMap<String, String> {
    fed_render::k8s::locality_labels(cluster.locality())
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The pods of the services running in `cluster`: their selector in peerToPeer; with LIQO the
/// local label of that cluster's own Deployment (`app-t: <svc>-<cluster>`), since one Service
/// selects the instances of every cluster.
fn workloads(fed: &ValidatedFederation, cluster: &Cluster) -> Vec<PodSelector> {
    let name = cluster.name().as_str();
    fed.services()
        .iter()
        .filter(|s| s.runs_in_cluster(name))
        .filter_map(|s| {
            let labels = if fed.topology().is_peer_to_peer() {
                s.selector().clone()
            } else {
                s.workload()?;
                BTreeMap::from([(
                    fed_render::LOCAL_APP_LABEL.to_owned(),
                    format!("{}-{name}", s.name()),
                )])
            };
            Some(PodSelector {
                namespace: s.namespace().as_str().to_owned(),
                labels,
            })
        })
        .collect()
}

/// What `cluster`'s gateway must look like when it is an overflow target: the port exposed at
/// the document's address, in the router mode the release needs (dataplane.md section 5, read
/// from the data-plane table).
fn gateway(fed: &ValidatedFederation, cluster: &Cluster) -> Option<GatewayExpectation> {
    let name = cluster.name().as_str();
    let target = fed
        .services()
        .iter()
        .flat_map(fed_model::Service::overflow)
        .any(|o| o.to().iter().any(|t| t.as_str() == name));
    let gw = cluster.gateway().filter(|_| target)?;
    let release = fed_render::analyze::release(fed);
    let dp = DataPlane::of(release);
    let port = gw.port().get();
    let address = gw.address().to_string();
    let mut env = BTreeMap::new();
    let mut env_reason = String::new();
    if dp.auto_passthrough.value == AutoPassthrough::NeedsSniDnat {
        env.insert(
            ROUTER_MODE_ENV.to_owned(),
            RouterMode::SniDnat.as_str().to_owned(),
        );
        env_reason = format!(
            "Istio {release} builds the SNI-DNAT clusters AUTO_PASSTHROUGH needs only in sni-dnat mode ({})",
            dp.auto_passthrough.source
        );
    }
    let how = if dp.east_west_gateway.value {
        format!(
            "an east-west gateway (Istio's samples/multicluster/gen-eastwest-gateway.sh) or a `tls` port {port} added to the ingress gateway's Service"
        )
    } else {
        format!("a `tls` port {port} on the ingress gateway's Service")
    };
    let default = if dp.default_gateway_exposes_15443.value {
        String::new()
    } else {
        format!(
            "Istio {release}'s default ingress gateway Service does not expose 15443 ({}); ",
            dp.default_gateway_exposes_15443.source
        )
    };
    Some(GatewayExpectation {
        selector: gw.selector().clone(),
        port,
        address: address.clone(),
        env,
        env_reason,
        expose_fix: Some(format!(
            "{default}expose port {port} on a Service selecting the gateway pods, at {address}: {how} (see {name}/RUNBOOK.md)"
        )),
    })
}

fn json(report: &CheckReport) -> String {
    let value = serde_json::json!({"holds": report.holds(), "clusters": report.clusters});
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|e| {
        // Plain strings, enums and vectors: serializing cannot fail.
        unreachable!("serializing the report failed: {e}")
    });
    text.push('\n');
    text
}

/// The table, then the findings that did not pass, then a summary line.
fn human(report: &CheckReport) -> String {
    let checks = report.checks();
    let width = checks
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(5)
        .max("check".len());
    let mut out = format!("{:width$}", "check");
    for c in &report.clusters {
        let _ = write!(out, "  {}", c.cluster);
    }
    out.push('\n');
    for check in &checks {
        let mut row = format!("{:width$}", check.name());
        for c in &report.clusters {
            let cell = c.verdict(*check).map_or("-", Verdict::symbol);
            let pad = c.cluster.chars().count().saturating_sub(1);
            let _ = write!(row, "  {cell}{:pad$}", "");
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    let mut problems = Vec::new();
    for c in &report.clusters {
        for f in c.findings.iter().filter(|f| f.verdict != Verdict::Pass) {
            problems.push(format!(
                "{} {} {} {}: {}\n    fix: {}\n",
                f.verdict,
                c.cluster,
                f.check,
                f.subject,
                f.found,
                f.fix.as_deref().unwrap_or("-")
            ));
        }
    }
    if !problems.is_empty() {
        out.push('\n');
        for p in problems {
            out.push_str(&p);
        }
    }
    let failed = report.clusters.iter().filter(|c| !c.holds()).count();
    out.push('\n');
    if failed == 0 {
        let _ = writeln!(
            out,
            "every check holds on {} cluster(s)",
            report.clusters.len()
        );
    } else {
        let _ = writeln!(
            out,
            "{failed} of {} cluster(s) fail a check",
            report.clusters.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fed_apply::check::{Check, ClusterReport, Finding};

    fn finding(check: Check, verdict: Verdict) -> Finding {
        Finding {
            check,
            verdict,
            subject: "s".into(),
            found: "f".into(),
            fix: (verdict != Verdict::Pass).then(|| "do x".into()),
        }
    }

    #[test]
    fn the_table_has_a_column_per_cluster_and_the_worst_verdict_per_cell() {
        let report = CheckReport {
            clusters: vec![
                ClusterReport {
                    cluster: "tein".into(),
                    context: "tein".into(),
                    findings: vec![
                        finding(Check::Reachable, Verdict::Pass),
                        finding(Check::RootCa, Verdict::Pass),
                        finding(Check::RootCa, Verdict::Warn),
                    ],
                    root_ca_sha256: Vec::new(),
                },
                ClusterReport {
                    cluster: "gke".into(),
                    context: "gke".into(),
                    findings: vec![
                        finding(Check::Reachable, Verdict::Pass),
                        finding(Check::RootCa, Verdict::Fail),
                    ],
                    root_ca_sha256: Vec::new(),
                },
            ],
        };
        let text = human(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "check      tein  gke");
        assert_eq!(lines[1], "reachable  ✓     ✓");
        assert_eq!(lines[2], "root-ca    !     ✗");
        assert!(
            text.contains("! tein root-ca s: f\n    fix: do x\n"),
            "{text}"
        );
        assert!(text.contains("✗ gke root-ca s: f\n"), "{text}");
        assert!(text.ends_with("1 of 2 cluster(s) fail a check\n"), "{text}");
    }
}
