//! `fedctl explain`: where a service's requests go in each cluster, in plain words.
//!
//! The text is built from the validated federation and the Istio release it targets, the way
//! the renderer turns them into objects: the connection-pool limits that make the client's
//! sidecar refuse requests, the outlier detection that then ejects the local endpoints, and
//! the locality load balancing that sends the rest to the next locality, a peer's gateway.
//! Findings of [`crate::analyze`] about the service's objects are listed at the end.

use std::fmt;

use fed_model::{Cluster, IstioVersion, Service, Thresholds, Topology, ValidatedFederation};
use istio_types::dataplane::{
    ConsecutiveErrors, DataPlane, DefaultRetry503, RemoteEndpoints, RouterMode, ThresholdPlacement,
    WorkloadEntryPorts,
};

use crate::analyze::FederationFinding;

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
    /// Where the data-plane facts the lines state come from; a line cites the `n`-th as
    /// `[n]` (from 1).
    pub sources: Vec<String>,
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
        if !self.sources.is_empty() {
            writeln!(f)?;
            writeln!(f, "Sources:")?;
            for (i, s) in self.sources.iter().enumerate() {
                writeln!(f, "  [{}] {s}", i + 1)?;
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
    let mut clusters: Vec<ClusterExplanation> = clusters;
    let sources = cite_sources(&mut clusters, &version.dataplane());
    Ok(Explanation {
        service: format!("{}/{}", svc.namespace(), svc.name()),
        host: svc.fqdn().to_owned(),
        federation: fed.name().as_str().to_owned(),
        istio: version,
        clusters,
        findings: own,
        sources,
    })
}

/// Replaces each `[<source of a fact>]` in the lines with `[n]` and returns the sources in
/// the order they are first cited.
fn cite_sources(clusters: &mut [ClusterExplanation], dp: &DataPlane) -> Vec<String> {
    let rows = dp.rows();
    let mut sources: Vec<String> = Vec::new();
    for line in clusters.iter_mut().flat_map(|c| c.lines.iter_mut()) {
        let mut from = 0;
        while let Some(found) = line[from..].find(" [") {
            let start = from + found;
            from = start + 2;
            let Some(row) = rows
                .iter()
                .find(|r| line[start + 2..].starts_with(&format!("{}]", r.source)))
            else {
                continue;
            };
            let n = sources.iter().position(|s| s == row.source).map_or_else(
                || {
                    sources.push(row.source.to_owned());
                    sources.len()
                },
                |i| i + 1,
            );
            line.replace_range(start + 2..start + 2 + row.source.len(), &n.to_string());
        }
    }
    sources
}

fn peer_to_peer(
    fed: &ValidatedFederation,
    svc: &Service,
    peer: &Cluster,
    version: IstioVersion,
) -> ClusterExplanation {
    let here = peer.name().as_str();
    let dp = version.dataplane();
    let mut lines = Vec::new();
    let runs_here = svc.runs_in_cluster(here);
    let rule = svc.overflow_from(here);
    if runs_here {
        lines.push(format!(
            "Clients in {here} send requests for {} to {} in {here}.",
            svc.fqdn(),
            pods(svc)
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
    lines.extend(receiving_sentence(svc, peer, &dp));
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
    lines.push(endpoints_sentence(svc, &targets, version, &dp));
    let t = rule.thresholds();
    lines.extend(server_limits_sentences(svc, here, t, version, &dp));
    if t.has_outlier_detection() {
        lines.push(ejection_sentence(
            t,
            version,
            &dp,
            pod_count(svc),
            targets.len(),
        ));
        lines.push(locality_sentence(svc, peer, &targets, &dp));
        lines.push(retry_sentence(
            here,
            &targets,
            rule.retry_remote(),
            version,
            &dp,
        ));
        if let Some(s) = experiment_sentence(here, &targets, t, version, &dp) {
            lines.push(s);
        }
    } else if t.has_connection_pool() {
        lines.push(
            "No outlier detection: nothing ejects the local pods, so requests beyond the limits fail with 503 instead of overflowing."
                .to_owned(),
        );
    }
    ClusterExplanation {
        cluster: here.to_owned(),
        locality: peer.locality().to_string(),
        lines,
    }
}

/// The number of the service's pods in a cluster that runs it, when the document says.
fn pod_count(svc: &Service) -> Option<u32> {
    svc.workload().map(|w| {
        w.autoscaling()
            .map_or(w.replicas(), fed_model::Autoscaling::min_replicas)
    })
}

fn pods(svc: &Service) -> String {
    match svc.workload() {
        Some(w) => match w.autoscaling() {
            Some(a) => format!(
                "{}'s {} to {} pods (autoscaled)",
                svc.name(),
                a.min_replicas(),
                a.max_replicas()
            ),
            None => format!(
                "{}'s {} pod{}",
                svc.name(),
                w.replicas(),
                plural(w.replicas())
            ),
        },
        None => format!("{}'s pods", svc.name()),
    }
}

/// What the peers that overflow to `peer` need of its gateway on this release.
fn receiving_sentence(svc: &Service, peer: &Cluster, dp: &DataPlane) -> Option<String> {
    let here = peer.name().as_str();
    let from: Vec<String> = svc
        .overflow()
        .iter()
        .filter(|r| r.to().iter().any(|t| t.as_str() == here))
        .map(|r| r.from().as_str().to_owned())
        .collect();
    let gw = peer.gateway()?;
    if from.is_empty() {
        return None;
    }
    let mut needs = Vec::new();
    if dp.needs_sni_dnat() {
        let default = dp.router_mode_defaults.value.map_or(String::new(), |d| {
            format!(
                " (Istio {}'s defaults: istioctl {}, Helm {})",
                dp.release,
                d.istioctl.as_str(),
                d.helm.as_str()
            )
        });
        needs.push(format!(
            "the gateway runs in {} router mode{default}, which istio-values.yaml sets",
            RouterMode::SniDnat.as_str()
        ));
    }
    let port = gw.port().get();
    if port != fed_model::DEFAULT_GATEWAY_PORT || !dp.default_gateway_exposes_15443.value {
        needs.push(format!(
            "the gateway's Service exposes port {port}, which Istio {}'s default ingress gateway Service does not (RUNBOOK.md says how)",
            dp.release
        ));
    }
    let condition = if needs.is_empty() {
        String::new()
    } else {
        format!(" This works only when {}.", needs.join(" and "))
    };
    Some(format!(
        "Requests that {} overflow{} arrive at {here}'s gateway {}:{port} (mTLS passed through, AUTO_PASSTHROUGH) and are served by the pods here.{condition}",
        from.join(", "),
        if from.len() == 1 { "s" } else { "" },
        gw.address(),
    ))
}

fn endpoints_sentence(
    svc: &Service,
    targets: &[&Cluster],
    version: IstioVersion,
    dp: &DataPlane,
) -> String {
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
    let how = match dp.remote_endpoints.value {
        RemoteEndpoints::ServiceEntryMerge => format!(
            "a ServiceEntry with the Service's host and port names, whose endpoints Istio {version} merges into the Service's"
        ),
        RemoteEndpoints::WorkloadEntries => {
            let port = match (dp.workload_entry_ports.value, svc.workload().is_some()) {
                (WorkloadEntryPorts::IgnoredWithNumericTargetPort, true) => format!(
                    "; the Service's targetPort is the port's name, so Istio {version} keeps each entry's gateway port (behind a numeric targetPort it would send the peers' traffic to that number)"
                ),
                (WorkloadEntryPorts::IgnoredWithNumericTargetPort, false) => format!(
                    "; fedctl does not render this Service: if its targetPort is a number, Istio {version} sends the peers' traffic to that port instead of the gateway's"
                ),
                _ => String::new(),
            };
            format!("one WorkloadEntry per peer, selected by the Kubernetes Service{port}")
        }
    };
    format!(
        "Overflow goes to {target_list}: the peers' gateways are extra endpoints of {} here ({how}).",
        svc.name()
    )
}

/// The limits in words, `None` when `t` sets none.
fn limits_text(t: &Thresholds) -> Option<String> {
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
    (!limits.is_empty()).then(|| limits.join(", "))
}

/// What a client's own limits do on this release (they are the limits of every endpoint
/// together, the peers' gateways included).
fn client_limits_text(dp: &DataPlane) -> String {
    let shared = if dp.client_limits_shared_by_all_endpoints.value {
        "one budget for the local pods and the peers' gateways together"
    } else {
        "per endpoint"
    };
    let counted = if dp.client_max_requests_overflow_ejects.value {
        format!(
            "a request over its active-request limit is counted against the endpoint it had picked, which can be a peer's gateway: ejected too, and with every endpoint ejected Envoy routes nothing (503, flag UH) [{}]; a request over its waiting limit counts against nothing",
            dp.client_max_requests_overflow_ejects.source
        )
    } else {
        format!(
            "it ejects nothing on Istio {} [{}]",
            dp.release, dp.client_max_requests_overflow_ejects.source
        )
    };
    format!(
        "a client's own limits are {shared}: over them the client's sidecar answers 503 itself (flag UO), never retried, and {counted}"
    )
}

/// Where the limits are and what they do, per [`DataPlane::threshold_placement`].
fn server_limits_sentences(
    svc: &Service,
    here: &str,
    t: &Thresholds,
    version: IstioVersion,
    dp: &DataPlane,
) -> Vec<String> {
    let Some(limits) = limits_text(t) else {
        return Vec::new();
    };
    let ns = svc.namespace();
    let inbound = format!(
        "the sidecar of each {} pod in {here} answers requests beyond them with a 503 of its own (flag UO), which its clients receive as an upstream gateway error",
        svc.name()
    );
    let mut lines = Vec::new();
    match dp.threshold_placement() {
        ThresholdPlacement::SharedDestinationRule => {
            lines.push(format!(
                "Limits: at most {limits}. Istio {version} applies the DestinationRule's limits twice: to the inbound side of the pods, so {inbound} [{}]; and to every client, where {}.",
                dp.connection_pool_applies_inbound.source,
                client_limits_text(dp)
            ));
        }
        ThresholdPlacement::NamespaceDestinationRule => {
            lines.push(format!(
                "Limits: at most {limits}, in the DestinationRule {ns}/{name} that only namespace {ns} sees (exportTo: .); Istio applies it to the inbound side of the pods, so {inbound} [{}]. Clients in other namespaces, the ingress gateway among them, use {root}/{client} without limits.",
                dp.connection_pool_applies_inbound.source,
                name = svc.name(),
                root = crate::p2p::ISTIO_SYSTEM,
                client = crate::p2p::client_destination_rule_name(svc),
            ));
            lines.push(format!(
                "Clients inside namespace {ns} use {ns}/{} and so get the limits as their own too (a proxy's namespace comes first [{}]): {}.",
                svc.name(),
                dp.destination_rule_proxy_namespace_first.source,
                client_limits_text(dp)
            ));
        }
        ThresholdPlacement::SidecarInbound => {
            lines.push(format!(
                "Limits: at most {limits}, in the Sidecar {ns}/{} (inboundConnectionPool) on the inbound side of the pods, so {inbound} [{}]. Clients have no limits of their own.",
                crate::istio::inbound_sidecar_name(svc),
                dp.sidecar_inbound_connection_pool.source
            ));
        }
    }
    lines
}

fn ejection_sentence(
    t: &Thresholds,
    version: IstioVersion,
    dp: &DataPlane,
    pods: Option<u32>,
    peers: usize,
) -> String {
    let field = match dp.consecutive_errors.value {
        ConsecutiveErrors::GatewayFailures => "consecutiveErrors",
        ConsecutiveErrors::Ignored => "consecutiveGatewayErrors",
    };
    let five_xx = dp.envoy_default_consecutive_5xx.value;
    let errors = t.consecutive_errors().map_or_else(
        || {
            if dp.default_5xx_stays_enforced.value {
                format!("{five_xx} consecutive 5xx errors (Envoy's default; consecutiveErrors not set)")
            } else {
                "no error count (consecutiveErrors not set)".to_owned()
            }
        },
        |n| {
            let also = if dp.default_5xx_stays_enforced.value && n > five_xx {
                format!(" (Envoy's default of {five_xx} consecutive 5xx ejects first: every gateway error is a 5xx)")
            } else {
                String::new()
            };
            format!(
                "{n} consecutive gateway error{} (502/503/504, {field}){also}",
                plural(n)
            )
        },
    );
    let (default_interval, default_base) = dp.envoy_default_interval_and_base_ejection_ms.value;
    let base_ms = t
        .base_ejection_time()
        .map_or(default_base, fed_model::Duration::as_millis);
    let ejection = t.base_ejection_time().map_or_else(
        || format!("{}s (Envoy's default)", default_base / 1000),
        |d| format!("{d} (baseEjectionTime)"),
    );
    let interval = t.interval().map_or_else(
        || format!("{}s (Envoy's default)", default_interval / 1000),
        |d| format!("{d} (interval)"),
    );
    let cap = dp.ejection_time_ms(base_ms, u32::MAX);
    let max = t
        .max_ejection_percent()
        .map_or(dp.envoy_default_max_ejection_percent.value, |p| {
            u32::from(p.get())
        });
    let max_text = match pods {
        Some(n) => {
            let total = n + u32::try_from(peers).unwrap_or(u32::MAX);
            let ejectable = dp.max_ejectable(total, max);
            format!(
                "with maxEjectionPercent {max} and {total} endpoints ({n} pod{} and {peers} gateway{}), Istio {version}'s Envoy ejects at most {ejectable} at once [{}]",
                plural(n),
                if peers == 1 { "" } else { "s" },
                dp.max_ejection.source
            )
        }
        None => format!("maxEjectionPercent {max} [{}]", dp.max_ejection.source),
    };
    format!(
        "Ejection: after {errors} the client ejects that endpoint for {ejection} times the number of times it was ejected (at most {}s); it checks every {interval}; {max_text}.",
        cap / 1000
    )
}

fn locality_sentence(
    svc: &Service,
    peer: &Cluster,
    targets: &[&Cluster],
    dp: &DataPlane,
) -> String {
    let next = targets
        .iter()
        .map(|t| t.name().as_str())
        .collect::<Vec<_>>()
        .join(", then ");
    let setting = if dp.locality_lb_setting_field.value {
        let region = peer.locality().region();
        match targets
            .iter()
            .map(|t| t.locality().region())
            .find(|r| *r != region)
        {
            Some(to) => {
                format!("the DestinationRule's localityLbSetting, failover {region} -> {to}")
            }
            None => "the DestinationRule's localityLbSetting".to_owned(),
        }
    } else {
        "Istio's mesh-wide locality setting".to_owned()
    };
    let factor = dp.overprovisioning_factor_percent.value;
    let spill = match pod_count(svc) {
        Some(n) if n > 0 => {
            let shares: Vec<String> = (1..=n)
                .map(|k| {
                    let loads = dp.priority_loads(&[(n - k, n), (1, 1)]);
                    format!("{k} ejected: {}% stay, {}% go", loads[0], loads[1])
                })
                .collect();
            let first = dp.ejections_before_spill(n).unwrap_or(n);
            format!(
                " With {n} pod{}, traffic moves only once {first} {} ejected ({})",
                plural(n),
                if first == 1 { "is" } else { "are" },
                shares.join("; ")
            )
        }
        _ => String::new(),
    };
    format!(
        "Where: Istio gives the pods in {} priority 0 and {next} the next priorities ({setting}; only because the rule has outlier detection [{}]). Envoy sends a priority min(100%, {}.{:02} x its healthy share) of the requests and the rest to the next [{}].{spill}. Istio ranks the local pods by their nodes' topology.kubernetes.io/region and zone labels (RUNBOOK.md). With every endpoint ejected Envoy routes nothing: 503, flag UH (the panic threshold is minHealthPercent, 0 unless set).",
        peer.name(),
        dp.failover_needs_outlier_detection.source,
        factor / 100,
        factor % 100,
        dp.overprovisioning_factor_percent.source,
    )
}

fn retry_sentence(
    here: &str,
    targets: &[&Cluster],
    retry_remote: bool,
    version: IstioVersion,
    dp: &DataPlane,
) -> String {
    let first = targets.first().map_or("the peer", |t| t.name().as_str());
    let header_blocks = dp.overloaded_header_blocks_retry.value;
    if retry_remote {
        let update = dp.retry_remote_localities.value.unwrap_or(2);
        if header_blocks && !dp.envoy_debug_headers_annotation.value {
            format!(
                "Retries (retryRemote): the VirtualServices retry a 503 with retryRemoteLocalities, but the pod's own 503 carries x-envoy-overloaded, which Envoy never retries, and Istio {version} cannot remove it from the pod's answers (envoyDebugHeaders) [{}]: the request that overflowed still fails with 503.",
                dp.overloaded_header_blocks_retry.source
            )
        } else {
            format!(
                "Retries (retryRemote): a request the pods in {here} refuse with 503 is retried; with retryRemoteLocalities, once {update} attempts were made the retry goes to the next priority, {first} [{}]; the pods' proxy config drops x-envoy-overloaded, which Envoy would never retry [{}].",
                dp.retry_remote_localities.source, dp.envoy_debug_headers_annotation.source
            )
        }
    } else {
        let default = match dp.default_retry.value.status_503 {
            DefaultRetry503::Retried => "Istio's default retry policy retries 503, but",
            DefaultRetry503::ExcludedByDefault | DefaultRetry503::NotRetried => {
                "Istio's default retry policy does not retry 503, and"
            }
        };
        format!(
            "Retries: {default} a retry stays within priority 0 (previous_hosts) and the pod's own 503 carries x-envoy-overloaded, which Envoy never retries [{}]: the request that overflowed fails with 503; the following ones go to {first}.{}",
            dp.default_retry.source,
            if dp.retry_remote_localities.value.is_some() {
                " Set retryRemote on the rule to have it served by the peer."
            } else {
                ""
            }
        )
    }
}

/// The APAN experiment, worked through with these thresholds: 1 connection, then 3 in parallel,
/// sent by the ingress gateway of `here` (the study's client).
fn experiment_sentence(
    here: &str,
    targets: &[&Cluster],
    t: &Thresholds,
    version: IstioVersion,
    dp: &DataPlane,
) -> Option<String> {
    if !t.has_connection_pool() {
        return None;
    }
    let unset = dp.unset_limit.value.unwrap_or(u32::MAX);
    let connections = t.max_connections().unwrap_or(unset);
    let active_limit = if dp.max_requests_limits_http1.value {
        t.http2_max_requests().unwrap_or(unset)
    } else {
        unset
    };
    let active = connections.min(active_limit);
    let waiting = t.http1_max_pending_requests().unwrap_or(unset);
    let fit = active.saturating_add(waiting);
    // Each worker thread of the pod's sidecar may open a connection past maxConnections; when
    // maxConnections is what binds, requests on different workers get that many more.
    let workers = dp.sidecar_default_concurrency.value;
    let fit_spread = if connections < active_limit && dp.per_worker_connection_overshoot.value {
        fit.saturating_add(workers.saturating_sub(1))
    } else {
        fit
    };
    let first = targets.first()?.name();
    let errors = t
        .consecutive_errors()
        .unwrap_or(dp.envoy_default_consecutive_5xx.value);
    let ejected = t.base_ejection_time().map_or_else(
        || {
            format!(
                "{}s",
                dp.envoy_default_interval_and_base_ejection_ms.value.1 / 1000
            )
        },
        ToString::to_string,
    );
    let one = if fit >= 1 {
        format!("1 connection at a time stays within the limits: every request is served in {here}")
    } else {
        "even 1 connection exceeds the limits".to_owned()
    };
    let overflow = format!(
        "the pod's sidecar answers the one over with its own 503, the client counts it as a gateway error, and after {errors} such error{} in a row the pod is ejected: requests go to {first} for {ejected}, until it is back",
        plural(errors)
    );
    let three = if fit_spread < 3 {
        format!(
            "3 parallel connections exceed the {fit} request{} the pod's limits let through at once ({active} in progress, {waiting} waiting): {overflow}",
            plural(fit),
        )
    } else if fit < 3 {
        format!(
            "3 parallel connections exceed the {fit} request{} the pod's limits let through at once ({active} in progress, {waiting} waiting) only when they reach the same worker thread of the pod's sidecar ({workers} threads; each may open a connection past maxConnections): then {overflow}; spread over its threads, all 3 are served in {here}",
            plural(fit),
        )
    } else {
        format!(
            "3 parallel connections still fit ({fit} requests are let through at once), so they are served in {here} too"
        )
    };
    let client = match dp.threshold_placement() {
        ThresholdPlacement::SharedDestinationRule => format!(
            " On Istio {version} the ingress gateway applies the same limits first: 3 requests on one of its worker threads get past it only as far as its own limits allow, and the one it refuses itself gets a 503 that ejects nothing; on different threads each may open its own connection, so all 3 reach the pod (the seeds' result, redirected to {first}, is this case)."
        ),
        ThresholdPlacement::NamespaceDestinationRule | ThresholdPlacement::SidecarInbound => {
            String::new()
        }
    };
    Some(format!(
        "The seeds' experiment (the client is {here}'s ingress gateway): {one}; {three}.{client}"
    ))
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
            let dp = version.dataplane();
            if let Some(limits) = limits_text(t) {
                lines.push(format!(
                    "Limits: at most {limits}, in the DestinationRule {}/{}. Istio {version} applies them to the inbound side of every pod, whose sidecar answers requests beyond them with a 503 of its own (flag UO), an upstream gateway error to its clients [{}]; and to every client, where {}.",
                    svc.namespace(),
                    svc.name(),
                    dp.connection_pool_applies_inbound.source,
                    client_limits_text(&dp)
                ));
            }
            if t.has_outlier_detection() {
                lines.push(ejection_sentence(t, version, &dp, None, 0));
                if svc.runs_in_cluster(here) && !others.is_empty() {
                    let n = pod_count(svc).unwrap_or(1);
                    let first = dp.ejections_before_spill(n).unwrap_or(n);
                    lines.push(format!(
                        "When {first} of the {n} pod{} in {here}'s zone {} ejected, requests start going to the pods in {} (the next localities; Envoy keeps a zone's share at min(100%, {}% x its healthy share) [{}]).",
                        plural(n),
                        if first == 1 { "is" } else { "are" },
                        others.join(", "),
                        dp.overprovisioning_factor_percent.value,
                        dp.overprovisioning_factor_percent.source,
                    ));
                }
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
