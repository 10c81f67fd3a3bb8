//! A picture of the federation (`fedctl graph`): which clusters, where, behind which gateway,
//! running which services, and who overflows to whom under which limits.
//!
//! [`Graph::of`] builds the picture's content from a validated federation, purely; the
//! formats draw it: [`Graph::to_mermaid`] (renders on GitHub and in READMEs),
//! [`Graph::to_dot`] (Graphviz) and [`Graph::to_svg`] (laid out here, no external program).
//!
//! Each overflow edge also says whether the target Istio release can overflow as the rule is
//! written, from the data-plane table ([`DataPlane`]): Istio assigns failover priorities only
//! with outlier detection, and Envoy's `maxEjectionPercent` check may never let the local
//! endpoints be ejected far enough for any traffic to move.

mod dot;
mod mermaid;
mod svg;

use std::collections::BTreeSet;

use fed_model::{Cluster, ClusterRole, Overflow, Thresholds, Topology, ValidatedFederation};
use istio_types::dataplane::DataPlane;

/// The picture's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    /// The federation's name.
    pub federation: String,
    /// The Istio release, `MAJOR.MINOR`.
    pub istio: String,
    /// `peerToPeer` or `consumerProvider`.
    pub topology: &'static str,
    /// Clusters grouped by their locality's region, in document order of each group's first
    /// cluster.
    pub groups: Vec<LocalityGroup>,
    /// Overflow edges (peerToPeer) in document order, each rule's targets in priority order;
    /// offloading edges from the consumer to each provider (consumerProvider).
    pub edges: Vec<Edge>,
}

/// The clusters of one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalityGroup {
    /// The region.
    pub region: String,
    /// Its clusters, in document order.
    pub clusters: Vec<Node>,
}

/// A cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The cluster's name.
    pub name: String,
    /// `peer`, `consumer` or `provider`.
    pub role: &'static str,
    /// Its full locality.
    pub locality: String,
    /// `address:port` of its gateway (peers).
    pub gateway: Option<String>,
    /// The services running there, `namespace/name`.
    pub services: Vec<String>,
}

impl Node {
    /// The lines of text a box for the cluster shows, first the name.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("{} ({})", self.name, self.role),
            self.locality.clone(),
        ];
        if let Some(g) = &self.gateway {
            lines.push(format!("gateway {g}"));
        }
        if !self.services.is_empty() {
            lines.push(format!("runs {}", self.services.join(", ")));
        }
        lines
    }
}

/// What an edge stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Clients of `service` in `from` overflow to `to`.
    Overflow {
        /// `namespace/name`.
        service: String,
        /// 1 for the first target of the rule, 2 for the next...
        priority: usize,
        /// The rule's thresholds, as in the document: a line for the connection pool, one for
        /// outlier detection.
        thresholds: Vec<String>,
        /// Whether the release can overflow as written.
        verdict: Verdict,
    },
    /// The consumer offloads these namespaces to the provider `to`.
    Offload {
        /// The namespaces.
        namespaces: Vec<String>,
    },
}

/// Whether the target release can overflow as an overflow rule is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The limits make the local pods answer 503, outlier detection may eject them, and the
    /// ejections move traffic to the targets.
    Overflows,
    /// Without a connection-pool limit nothing refuses requests: traffic moves only when the
    /// local pods fail on their own.
    OnFailureOnly,
    /// Nothing ever moves; the reason.
    Never(String),
}

impl Verdict {
    /// A short text for an edge label.
    pub fn label(&self) -> String {
        match self {
            Self::Overflows => "overflows".to_owned(),
            Self::OnFailureOnly => {
                "only when local pods fail (no connection-pool limit)".to_owned()
            }
            Self::Never(why) => format!("NEVER overflows: {why}"),
        }
    }
}

/// A directed edge between two clusters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The cluster the traffic (or the namespaces) leave.
    pub from: String,
    /// The cluster they go to.
    pub to: String,
    /// What the edge stands for.
    pub kind: EdgeKind,
}

impl Edge {
    /// The edge's label, one line per item.
    pub fn lines(&self) -> Vec<String> {
        match &self.kind {
            EdgeKind::Overflow {
                service,
                priority,
                thresholds,
                verdict,
            } => {
                let mut lines = vec![format!("{service}, priority {priority}")];
                lines.extend(thresholds.iter().cloned());
                lines.push(verdict.label());
                lines
            }
            EdgeKind::Offload { namespaces } => {
                vec![format!("offloads {}", namespaces.join(", "))]
            }
        }
    }
}

impl Graph {
    /// The picture of `fed`.
    pub fn of(fed: &ValidatedFederation) -> Self {
        let dp = DataPlane::of(crate::analyze::release(fed));
        let mut groups: Vec<LocalityGroup> = Vec::new();
        for c in fed.clusters() {
            let node = node(fed, c);
            let region = c.locality().region();
            match groups.iter_mut().find(|g| g.region == region) {
                Some(g) => g.clusters.push(node),
                None => groups.push(LocalityGroup {
                    region: region.to_owned(),
                    clusters: vec![node],
                }),
            }
        }
        let edges = match fed.topology() {
            Topology::PeerToPeer { .. } => fed
                .services()
                .iter()
                .flat_map(|svc| {
                    let service = format!("{}/{}", svc.namespace(), svc.name());
                    let replicas = svc.workload().map_or(1, fed_model::Workload::replicas);
                    svc.overflow().iter().flat_map(move |rule| {
                        let verdict = verdict(&dp, rule, replicas);
                        let service = service.clone();
                        rule.to().iter().enumerate().map(move |(i, to)| Edge {
                            from: rule.from().as_str().to_owned(),
                            to: to.as_str().to_owned(),
                            kind: EdgeKind::Overflow {
                                service: service.clone(),
                                priority: i + 1,
                                thresholds: threshold_lines(rule.thresholds()),
                                verdict: verdict.clone(),
                            },
                        })
                    })
                })
                .collect(),
            Topology::ConsumerProvider {
                consumer,
                providers,
            } => {
                // Every service namespace is offloaded (LocalAndRemote), and so is each
                // provider's ingress namespace.
                let services: BTreeSet<String> = fed
                    .services()
                    .iter()
                    .map(|s| s.namespace().as_str().to_owned())
                    .collect();
                providers
                    .iter()
                    .map(|p| {
                        let mut namespaces: Vec<String> = services.iter().cloned().collect();
                        namespaces.push(crate::ingress_namespace(p.name().as_str()));
                        Edge {
                            from: consumer.name().as_str().to_owned(),
                            to: p.name().as_str().to_owned(),
                            kind: EdgeKind::Offload { namespaces },
                        }
                    })
                    .collect()
            }
        };
        Self {
            federation: fed.name().as_str().to_owned(),
            istio: fed.istio().version().to_string(),
            topology: if fed.topology().is_peer_to_peer() {
                "peerToPeer"
            } else {
                "consumerProvider"
            },
            groups,
            edges,
        }
    }

    /// Every cluster, group by group.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.groups.iter().flat_map(|g| &g.clusters)
    }

    /// The title the formats show.
    pub fn title(&self) -> String {
        format!(
            "Federation {} ({}, Istio {})",
            self.federation, self.topology, self.istio
        )
    }

    /// The picture as a Mermaid flowchart (without the ```` ```mermaid ```` fence).
    pub fn to_mermaid(&self) -> String {
        mermaid::draw(self)
    }

    /// The picture in Graphviz's DOT language.
    pub fn to_dot(&self) -> String {
        dot::draw(self)
    }

    /// The picture as a standalone SVG document, laid out here.
    pub fn to_svg(&self) -> String {
        svg::draw(self)
    }

    /// A Markdown page holding the Mermaid picture in a ```` ```mermaid ```` block.
    pub fn to_markdown(&self) -> String {
        format!(
            "# {}\n\nRendered by fedctl (`fedctl graph`); GitHub draws the block below.\n\n```mermaid\n{}```\n",
            self.title(),
            self.to_mermaid()
        )
    }
}

/// The files `fedctl render -o DIR` writes beside the cluster folders: `federation.svg` and
/// `federation.md` (the Mermaid picture).
pub fn output_files(fed: &ValidatedFederation) -> Vec<crate::OutputFile> {
    let graph = Graph::of(fed);
    vec![
        crate::OutputFile {
            path: "federation.svg".to_owned(),
            contents: graph.to_svg(),
            secret: false,
        },
        crate::OutputFile {
            path: "federation.md".to_owned(),
            contents: graph.to_markdown(),
            secret: false,
        },
    ]
}

fn node(fed: &ValidatedFederation, c: &Cluster) -> Node {
    Node {
        name: c.name().as_str().to_owned(),
        role: match c.role() {
            ClusterRole::Peer => "peer",
            ClusterRole::Consumer => "consumer",
            ClusterRole::Provider => "provider",
        },
        locality: c.locality().as_str().to_owned(),
        gateway: c
            .gateway()
            .map(|g| format!("{}:{}", g.address(), g.port().get())),
        services: fed
            .services()
            .iter()
            .filter(|s| s.runs_in_cluster(c.name().as_str()))
            .map(|s| format!("{}/{}", s.namespace(), s.name()))
            .collect(),
    }
}

/// The thresholds written, as `name value` with the document's names: one line for the
/// connection pool, one for outlier detection (either left out when empty).
fn threshold_lines(t: &Thresholds) -> Vec<String> {
    let pool: Vec<String> = [
        ("maxConnections", t.max_connections()),
        ("http1MaxPendingRequests", t.http1_max_pending_requests()),
        ("http2MaxRequests", t.http2_max_requests()),
        ("maxRequestsPerConnection", t.max_requests_per_connection()),
    ]
    .into_iter()
    .filter_map(|(name, v)| v.map(|v| format!("{name} {v}")))
    .collect();
    let mut ejection: Vec<String> = t
        .consecutive_errors()
        .map(|v| format!("consecutiveErrors {v}"))
        .into_iter()
        .collect();
    for (name, value) in [
        ("interval", t.interval()),
        ("baseEjectionTime", t.base_ejection_time()),
    ] {
        if let Some(v) = value {
            ejection.push(format!("{name} {}", v.as_str()));
        }
    }
    if let Some(p) = t.max_ejection_percent() {
        ejection.push(format!("maxEjectionPercent {p}"));
    }
    [("pool", pool), ("ejection", ejection)]
        .into_iter()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(what, parts)| format!("{what}: {}", parts.join(", ")))
        .collect()
}

/// Whether `dp`'s release overflows as `rule` is written, with `replicas` local pods beside
/// the rule's target gateways (one endpoint each) in the client's Envoy cluster.
fn verdict(dp: &DataPlane, rule: &Overflow, replicas: u32) -> Verdict {
    let t = rule.thresholds();
    if dp.failover_needs_outlier_detection.value && !t.has_outlier_detection() {
        return Verdict::Never(
            "no outlier detection, so Istio assigns no failover priorities".to_owned(),
        );
    }
    let targets = u32::try_from(rule.to().len()).unwrap_or(u32::MAX);
    let total = replicas.saturating_add(targets);
    let max_percent = t
        .max_ejection_percent()
        .map_or(dp.envoy_default_max_ejection_percent.value, |p| {
            u32::from(p.get())
        });
    let ejectable = dp.max_ejectable(total, max_percent);
    match dp.ejections_before_spill(replicas) {
        Some(needed) if ejectable >= needed => {
            if t.has_connection_pool() {
                Verdict::Overflows
            } else {
                Verdict::OnFailureOnly
            }
        }
        Some(needed) => Verdict::Never(format!(
            "maxEjectionPercent {max_percent} lets Envoy {} eject {ejectable} of {total} endpoints; {needed} of the {replicas} local pods must be ejected before traffic moves",
            dp.envoy.value
        )),
        None => Verdict::Never("no local pod to eject".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(version: &str, max_ejection: &str) -> ValidatedFederation {
        let yaml = format!(
            r#"
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata: {{name: demo}}
spec:
  istio: {{version: "{version}"}}
  topology:
    peerToPeer:
      peers:
        - {{name: a, locality: r1/z1, gateway: {{address: 10.0.0.1}}}}
        - {{name: b, locality: r2/z2, gateway: {{address: 10.0.0.2}}}}
  services:
    - name: echo
      ports: [{{name: http, number: 80, protocol: HTTP}}]
      workload: {{image: echo:1, replicas: 1}}
      overflow:
        - from: a
          to: [b]
          thresholds: {{maxConnections: 1, consecutiveErrors: 1, interval: 1s, baseEjectionTime: 1m{max_ejection}}}
"#
        );
        fed_model::validate_yaml_str(&yaml, None, None)
            .unwrap()
            .federation
    }

    fn only_verdict(g: &Graph) -> &Verdict {
        match &g.edges[0].kind {
            EdgeKind::Overflow { verdict, .. } => verdict,
            EdgeKind::Offload { .. } => panic!("an overflow edge"),
        }
    }

    #[test]
    fn envoy_default_max_ejection_stops_overflow_only_from_istio_1_19() {
        // One pod beside one gateway: ejecting it is half the endpoints. Envoy's default 10%
        // allowed the first ejection before Envoy 1.27 (Istio 1.19), not after.
        assert_eq!(
            only_verdict(&Graph::of(&fed("1.18", ""))),
            &Verdict::Overflows
        );
        let g = Graph::of(&fed("1.19", ""));
        let Verdict::Never(why) = only_verdict(&g) else {
            panic!("Istio 1.19 cannot eject one pod of two at 10%");
        };
        assert!(why.contains("maxEjectionPercent 10"), "{why}");
        assert_eq!(
            only_verdict(&Graph::of(&fed("1.30", ", maxEjectionPercent: 100"))),
            &Verdict::Overflows
        );
    }

    #[test]
    fn edges_follow_priority_order_and_clusters_group_by_region() {
        let g = Graph::of(&fed("1.30", ", maxEjectionPercent: 100"));
        assert_eq!(g.groups.len(), 2);
        assert_eq!(g.edges.len(), 1);
        assert_eq!(g.edges[0].lines()[0], "default/echo, priority 1");
        assert_eq!(g.edges[0].lines()[1], "pool: maxConnections 1");
        assert_eq!(
            g.edges[0].lines()[2],
            "ejection: consecutiveErrors 1, interval 1s, baseEjectionTime 1m, maxEjectionPercent 100"
        );
    }
}
