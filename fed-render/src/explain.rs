//! `fedctl explain`: where a service's requests go in each cluster, in plain words.
//!
//! The text is built from the validated federation and the Istio release it targets, the way
//! the renderer turns them into objects: the connection-pool limits that make the client's
//! sidecar refuse requests, the outlier detection that then ejects the local endpoints, and
//! the locality load balancing that sends the rest to the next locality, a peer's gateway.
//! Findings of [`crate::analyze`] about the service's objects are listed at the end.

use std::fmt;

use fed_model::{Cluster, IstioVersion, Service, Thresholds, Topology, ValidatedFederation};

use crate::analyze::FederationFinding;

/// Envoy's defaults when a threshold is left out (envoy config.cluster.v3 OutlierDetection and
/// CircuitBreakers docs).
const ENVOY_DEFAULT_LIMIT: u32 = 1024;

/// What happens to one service's requests, cluster by cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// `namespace/name`.
    pub service: String,
    /// The service's host.
    pub host: String,
    /// The federation's name.
    pub federation: String,
    /// The Istio release the federation targets.
    pub istio: IstioVersion,
    /// One entry per cluster, in document order.
    pub clusters: Vec<ClusterExplanation>,
    /// Analyzer findings about the service's objects, as `code: subject: message` lines.
    pub findings: Vec<String>,
}

/// What happens to the service's requests in one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterExplanation {
    /// The cluster.
    pub cluster: String,
    /// Its locality.
    pub locality: String,
    /// Sentences, in order.
    pub lines: Vec<String>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Service {} ({}) in federation {}, Istio {}",
            self.service, self.host, self.federation, self.istio
        )?;
        for c in &self.clusters {
            writeln!(f)?;
            writeln!(f, "In cluster {} ({}):", c.cluster, c.locality)?;
            for l in &c.lines {
                writeln!(f, "  - {l}")?;
            }
        }
        if !self.findings.is_empty() {
            writeln!(f)?;
            writeln!(f, "Findings:")?;
            for l in &self.findings {
                writeln!(f, "  - {l}")?;
            }
        }
        Ok(())
    }
}

/// The service named in `explain` is not in the federation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExplainError {
    /// What is wrong and which services exist.
    pub message: String,
}

/// Finds the service `name` (`name` or `namespace/name`).
pub fn find_service<'a>(
    fed: &'a ValidatedFederation,
    name: &str,
) -> Result<&'a Service, ExplainError> {
    let all: Vec<String> = fed
        .services()
        .iter()
        .map(|s| format!("{}/{}", s.namespace(), s.name()))
        .collect();
    let matches: Vec<&Service> = fed
        .services()
        .iter()
        .filter(|s| match name.split_once('/') {
            Some((ns, n)) => s.namespace().as_str() == ns && s.name().as_str() == n,
            None => s.name().as_str() == name,
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(ExplainError {
            message: format!(
                "no service {name:?} in federation {} (services: {})",
                fed.name(),
                all.join(", ")
            ),
        }),
        _ => Err(ExplainError {
            message: format!(
                "{name:?} names several services ({}): write namespace/name",
                matches
                    .iter()
                    .map(|s| format!("{}/{}", s.namespace(), s.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// Explains where the requests for service `name` (`name` or `namespace/name`) go in each
/// cluster. `findings` are the federation's analyzer findings ([`crate::analyze::analyze`]);
/// those about the service's objects are kept.
///
/// ```
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/apan.yaml")).unwrap();
/// let fed = fed_model::from_yaml_str(&text, None).unwrap().validate(None).unwrap().federation;
/// let explanation = fed_render::explain::explain(&fed, "echo", &[]).unwrap();
/// assert_eq!(explanation.clusters[0].cluster, "tein");
/// assert!(explanation.to_string().contains("3 parallel connections"));
/// ```
pub fn explain(
    fed: &ValidatedFederation,
    name: &str,
    findings: &[FederationFinding],
) -> Result<Explanation, ExplainError> {
    let svc = find_service(fed, name)?;
    let version = fed.istio().version();
    let clusters = match fed.topology() {
        Topology::PeerToPeer { peers } => peers
            .iter()
            .map(|p| peer_to_peer(fed, svc, p, version))
            .collect(),
        Topology::ConsumerProvider { .. } => fed
            .clusters()
            .map(|c| consumer_provider(svc, c, version))
            .collect(),
    };
    let own: Vec<String> = findings
        .iter()
        .filter(|f| {
            let own_object = f.namespace.as_deref() == Some(svc.namespace().as_str())
                && (f.name == svc.name().as_str()
                    || f.name.starts_with(&format!("{}-", svc.name())));
            own_object || f.kind == "Gateway"
        })
        .map(|f| format!("{}[{}]: {}: {}", f.severity, f.code, f.subject(), f.message))
        .collect();
    Ok(Explanation {
        service: format!("{}/{}", svc.namespace(), svc.name()),
        host: svc.fqdn().to_owned(),
        federation: fed.name().as_str().to_owned(),
        istio: version,
        clusters,
        findings: own,
    })
}

fn peer_to_peer(
    fed: &ValidatedFederation,
    svc: &Service,
    peer: &Cluster,
    version: IstioVersion,
) -> ClusterExplanation {
    let here = peer.name().as_str();
    let mut lines = Vec::new();
    let runs_here = svc.runs_in_cluster(here);
    let rule = svc.overflow_from(here);
    if runs_here {
        lines.push(format!(
            "Clients in {here} send requests for {} to {}'s pods in {here}.",
            svc.fqdn(),
            svc.name()
        ));
    } else if rule.is_none() {
        lines.push(format!(
            "{} does not run in {here} and nothing overflows from {here}: nothing is rendered for it here.",
            svc.name()
        ));
    } else {
        lines.push(format!(
            "{} does not run in {here}: its clients here only have the overflow endpoints below.",
            svc.name()
        ));
    }
    let overflowing_here: Vec<String> = svc
        .overflow()
        .iter()
        .filter(|r| r.to().iter().any(|t| t.as_str() == here))
        .map(|r| r.from().as_str().to_owned())
        .collect();
    if let (false, Some(gw)) = (overflowing_here.is_empty(), peer.gateway()) {
        lines.push(format!(
            "Requests that {} overflow{} arrive at {here}'s gateway {}:{} (mTLS passed through, AUTO_PASSTHROUGH) and are served by the pods here.",
            overflowing_here.join(", "),
            if overflowing_here.len() == 1 { "s" } else { "" },
            gw.address(),
            gw.port()
        ));
    }
    let Some(rule) = rule else {
        if runs_here {
            lines.push(format!(
                "No overflow rule from {here}: requests stay in {here}, whatever the load."
            ));
        }
        return ClusterExplanation {
            cluster: here.to_owned(),
            locality: peer.locality().to_string(),
            lines,
        };
    };
    let targets: Vec<&Cluster> = rule
        .to()
        .iter()
        .filter_map(|t| fed.cluster(t.as_str()))
        .collect();
    let target_list = targets
        .iter()
        .map(|t| {
            let gw = t
                .gateway()
                .map(|g| format!("gateway {}:{}", g.address(), g.port()))
                .unwrap_or_default();
            format!("{} ({gw}, locality {})", t.name(), t.locality())
        })
        .collect::<Vec<_>>()
        .join(", then ");
    let how = if version.at_least(1, 7) {
        "one WorkloadEntry per peer, selected by the Kubernetes Service"
    } else {
        "a ServiceEntry with the Service's host and port names, whose endpoints Istio 1.5-1.6 merges into the Service's"
    };
    lines.push(format!(
        "Overflow goes to {target_list}: the peers' gateways are extra endpoints of {} here ({how}).",
        svc.name()
    ));
    let t = rule.thresholds();
    lines.extend(limits_sentences(t, version));
    if t.has_outlier_detection() {
        lines.push(locality_sentence(peer, &targets, version));
        if let Some(s) = experiment_sentence(here, &targets, t) {
            lines.push(s);
        }
    }
    ClusterExplanation {
        cluster: here.to_owned(),
        locality: peer.locality().to_string(),
        lines,
    }
}

/// The connection-pool and outlier-detection sentences for `t`.
fn limits_sentences(t: &Thresholds, version: IstioVersion) -> Vec<String> {
    let mut lines = Vec::new();
    let mut limits = Vec::new();
    if let Some(n) = t.max_connections() {
        limits.push(format!("{n} connection{} (maxConnections)", plural(n)));
    }
    if let Some(n) = t.http1_max_pending_requests() {
        limits.push(format!(
            "{n} request{} waiting for a connection (http1MaxPendingRequests)",
            plural(n)
        ));
    }
    if let Some(n) = t.http2_max_requests() {
        limits.push(format!(
            "{n} active request{} (http2MaxRequests)",
            plural(n)
        ));
    }
    if let Some(n) = t.max_requests_per_connection() {
        limits.push(format!(
            "{n} request{} per connection (maxRequestsPerConnection)",
            plural(n)
        ));
    }
    if !limits.is_empty() {
        lines.push(format!(
            "Limits: the client's sidecar allows at most {}. A request beyond them gets a 503 from the client's own sidecar (Envoy flag UO, upstream overflow); Envoy counts it against the endpoint it had picked as a gateway error.",
            limits.join(", ")
        ));
    }
    if t.has_outlier_detection() {
        let field = if version.at_least(1, 7) {
            "consecutiveGatewayErrors"
        } else {
            "consecutiveErrors"
        };
        let errors = t.consecutive_errors().map_or_else(
            || "5 consecutive 5xx errors (Envoy's default; consecutiveErrors not set)".to_owned(),
            |n| {
                format!(
                    "{n} consecutive gateway error{} (502/503/504, {field})",
                    plural(n)
                )
            },
        );
        let ejection = t
            .base_ejection_time()
            .map_or("30s (Envoy's default)".to_owned(), |d| {
                format!("{d} (baseEjectionTime)")
            });
        let interval = t
            .interval()
            .map_or("10s (Envoy's default)".to_owned(), |d| {
                format!("{d} (interval)")
            });
        let max = t.max_ejection_percent().map_or(10, |p| u32::from(p.get()));
        let max_text = if max >= 100 {
            "up to 100% of the endpoints may be ejected (maxEjectionPercent), so every local pod can be".to_owned()
        } else {
            format!(
                "at most {max}% of the endpoints may be ejected at once (maxEjectionPercent), so with few pods the local ones may never all be ejected and requests stay local"
            )
        };
        lines.push(format!(
            "Ejection: after {errors} an endpoint is ejected for {ejection}, longer each time it is ejected again; ejected endpoints are checked every {interval}; {max_text}."
        ));
    } else if t.has_connection_pool() {
        lines.push(
            "No outlier detection: nothing ejects the local pods, so requests beyond the limits fail with 503 instead of overflowing."
                .to_owned(),
        );
    }
    lines
}

fn locality_sentence(peer: &Cluster, targets: &[&Cluster], version: IstioVersion) -> String {
    let next = targets
        .iter()
        .map(|t| t.name().as_str())
        .collect::<Vec<_>>()
        .join(", then ");
    if version.at_least(1, 6) {
        let region = peer.locality().region();
        match targets
            .iter()
            .map(|t| t.locality().region())
            .find(|r| *r != region)
        {
            Some(to) => format!(
                "Where: locality load balancing (the DestinationRule's localityLbSetting, failover {region} -> {to}) keeps requests on the pods in {} while any is healthy, and sends them to {next} once the local pods are ejected.",
                peer.name()
            ),
            None => format!(
                "Where: locality load balancing (the DestinationRule's localityLbSetting) keeps requests on the pods in {} while any is healthy, and sends them to {next} once the local pods are ejected.",
                peer.name()
            ),
        }
    } else {
        format!(
            "Where: locality load balancing (Istio's mesh-wide setting, on by default since 1.4; Istio applies locality failover because the DestinationRule has outlier detection) keeps requests on the pods in {} while any is healthy, and sends them to {next} once the local pods are ejected.",
            peer.name()
        )
    }
}

/// The APAN experiment, worked through with these thresholds: 1 connection, then 3 in parallel.
fn experiment_sentence(here: &str, targets: &[&Cluster], t: &Thresholds) -> Option<String> {
    let active = match (t.max_connections(), t.http2_max_requests()) {
        (None, None) => return None,
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
    };
    let waiting = t
        .http1_max_pending_requests()
        .unwrap_or(ENVOY_DEFAULT_LIMIT);
    let fit = active.saturating_add(waiting);
    let first = targets.first()?.name();
    let one = if fit >= 1 {
        format!("1 connection at a time stays within the limits: every request is served in {here}")
    } else {
        "even 1 connection exceeds the limits".to_owned()
    };
    let errors = t.consecutive_errors().unwrap_or(5);
    let ejected = t
        .base_ejection_time()
        .map_or("30s".to_owned(), ToString::to_string);
    let three = if fit < 3 {
        format!(
            "3 parallel connections exceed the {fit} request{} the limits let through at once ({active} in progress, {waiting} waiting): the one over gets a 503 from {here}'s sidecar, and after {errors} such error{} in a row the local endpoint is ejected, so requests go to {first} for {ejected} (the seeds' result: redirected to the remote cluster)",
            plural(fit),
            plural(errors),
        )
    } else {
        format!(
            "3 parallel connections still fit ({fit} requests are let through at once), so they are served in {here} too"
        )
    };
    Some(format!("The seeds' experiment: {one}; {three}."))
}

fn consumer_provider(
    svc: &Service,
    cluster: &Cluster,
    version: IstioVersion,
) -> ClusterExplanation {
    let here = cluster.name().as_str();
    let mut lines = Vec::new();
    let others: Vec<String> = svc
        .runs_in()
        .iter()
        .filter(|c| c.as_str() != here)
        .map(|c| c.as_str().to_owned())
        .collect();
    if svc.runs_in_cluster(here) {
        let entry = svc.ingress().map_or_else(String::new, |i| {
            format!(
                " and requests for {} entering through {here}'s ingress gateway (namespace {})",
                i.path(),
                crate::ingress_namespace(here)
            )
        });
        lines.push(format!(
            "Calls from pods in {here}{entry} go to the {} pods pinned to {here}'s zone ({}): locality load balancing prefers the caller's zone.",
            svc.name(),
            cluster.locality()
        ));
    } else {
        lines.push(format!(
            "{} has no pods in {here}: requests from here go to {}.",
            svc.name(),
            others.join(", ")
        ));
    }
    match svc.thresholds() {
        Some(t) => {
            lines.extend(limits_sentences(t, version));
            if t.has_outlier_detection() && svc.runs_in_cluster(here) && !others.is_empty() {
                lines.push(format!(
                    "When every pod in {here}'s zone is ejected, requests go to the pods in {} (the next localities).",
                    others.join(", ")
                ));
            }
        }
        None => lines.push(
            "No thresholds: no outlier detection, so Istio does no locality failover; requests stay in the caller's zone even when its pods fail."
                .to_owned(),
        ),
    }
    ClusterExplanation {
        cluster: here.to_owned(),
        locality: cluster.locality().to_string(),
        lines,
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
