//! The analyzers whose answer is the target release's data plane: what Envoy does with the
//! limits, the ejection percentage, the retries and the priorities, read from
//! [`DataPlane`] (each message names the fact's source). The parent module's docs list the
//! codes.
//!
//! What they count: a Service's *local pods* are the replicas of the workloads of
//! [`AnalysisContext::workloads`] its selector picks (one assumed, and said, when none is
//! known); its *endpoints elsewhere* are the WorkloadEntries it selects and the endpoints of
//! ServiceEntries for its host (one assumed when a policy asks for locality failover and the
//! set shows none: the other localities' endpoints are then not in the set).

use std::collections::BTreeMap;

use super::{AnalysisContext, Code, Effective, Findings, KnownService, Set, pool_limits};
use crate::dataplane::{DataPlane, DefaultRetry503, MaxEjection, ThresholdPlacement};
use crate::networking::{
    ConnectionPoolSettings, DestinationRule, HttpRetry, OutlierDetection, Sidecar, VirtualService,
};
use crate::release::IstioRelease;
use crate::validate::{index, join};

/// The first known release for which `fact` holds, to say since when something exists.
fn first_release(fact: impl Fn(&DataPlane) -> bool) -> Option<IstioRelease> {
    let (oldest, newest) = (IstioRelease::OLDEST_KNOWN, IstioRelease::NEWEST_KNOWN);
    (oldest.minor()..=newest.minor())
        .map(|minor| IstioRelease::new(oldest.major(), minor))
        .find(|&r| fact(&DataPlane::of(r)))
}

/// `text` and the sources of the facts it rests on.
fn cited(text: &str, sources: &[&str]) -> String {
    format!("{text} (sources: {})", sources.join("; "))
}

/// `n thing` / `n things`.
fn count(n: u32, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The pods a Service's selector picks among the known workloads.
pub(super) struct Pods {
    /// How many (the workloads' replicas).
    pub(super) replicas: u32,
    /// The workloads, `namespace/name`.
    pub(super) workloads: Vec<String>,
    /// Whether every one of them turns Envoy's debug headers off.
    pub(super) debug_headers_disabled: bool,
}

impl Set<'_> {
    /// The namespace of the Service of `host`: the known Service's, else the one a
    /// `<name>.<namespace>.svc.<clusterDomain>` host names.
    pub(super) fn service_namespace(&self, host: &str) -> Option<String> {
        if let Some(svc) = self.service_for_host(host) {
            return Some(svc.namespace.clone());
        }
        let rest = host.strip_suffix(self.ctx.cluster_domain.as_str())?;
        let rest = rest.strip_suffix(".svc.")?;
        let (_, ns) = rest.split_once('.')?;
        (!ns.is_empty() && !ns.contains('.')).then(|| ns.to_owned())
    }

    /// The known workloads `svc` selects.
    fn workloads_of(&self, svc: &KnownService) -> Vec<&crate::analysis::KnownWorkload> {
        self.ctx
            .workloads
            .iter()
            .filter(|w| w.namespace == svc.namespace && svc.selects(&w.labels))
            .collect()
    }

    /// The known pods of `host`'s Service; `None` when no known workload is selected.
    pub(super) fn pods(&self, host: &str) -> Option<Pods> {
        let svc = self.service_for_host(host)?;
        let picked = self.workloads_of(svc);
        if picked.is_empty() {
            return None;
        }
        Some(Pods {
            replicas: picked.iter().map(|w| w.replicas).sum(),
            workloads: picked
                .iter()
                .map(|w| format!("{}/{}", w.namespace, w.name))
                .collect(),
            debug_headers_disabled: picked.iter().all(|w| w.envoy_debug_headers_disabled()),
        })
    }

    /// How many endpoints besides its pods the set gives `host`: WorkloadEntries its Service
    /// selects, endpoints of ServiceEntries for it.
    pub(super) fn endpoints_elsewhere(&self, host: &str) -> u32 {
        let entries = self
            .service_for_host(host)
            .map_or(0, |svc| self.selected_entries(svc).count());
        let listed = self.entry_endpoints.get(host).copied().unwrap_or(0);
        u32::try_from(entries + listed).unwrap_or(u32::MAX)
    }

    /// Whether requests for `host` are meant to fail over: it has endpoints with a locality,
    /// or a DestinationRule for it asks for locality failover with outlier detection.
    pub(super) fn fails_over(&self, host: &str) -> bool {
        self.host_has_located_endpoints(host)
            || self.rules_for_host(host).any(|dr| {
                super::effective_policies(dr)
                    .iter()
                    .any(|p| p.outlier_detection.is_some() && wants_failover(p))
            })
    }

    /// Whether `host`'s own pods get connection-pool limits on their inbound side: a
    /// DestinationRule for it in its namespace (Istio applies a rule's `connectionPool` there
    /// too, [`DataPlane::connection_pool_applies_inbound`]) or, where the release honours it,
    /// a Sidecar `inboundConnectionPool` selecting its pods.
    fn server_side_limits(&self, host: &str, dp: &DataPlane) -> bool {
        let Some(ns) = self.service_namespace(host) else {
            return false;
        };
        let by_rule = dp.connection_pool_applies_inbound.value
            && self.rules_for_host(host).any(|dr| {
                dr.metadata
                    .namespace
                    .as_deref()
                    .unwrap_or(&self.ctx.default_namespace)
                    == ns
                    && dr.spec.workload_selector.is_none()
                    && dr
                        .spec
                        .traffic_policy
                        .as_ref()
                        .and_then(|t| t.connection_pool.as_ref())
                        .is_some_and(|p| !pool_limits(p).is_empty())
            });
        let svc = self.service_for_host(host);
        let by_sidecar = dp.sidecar_inbound_connection_pool.value
            && self
                .sidecars
                .get(ns.as_str())
                .into_iter()
                .flatten()
                .any(|(_, sc)| {
                    sidecar_pool(sc).is_some_and(|p| !pool_limits(p).is_empty())
                        && svc.is_some_and(|s| {
                            sc.spec
                                .workload_selector
                                .as_ref()
                                .is_none_or(|sel| self.selects_pods_of(&sel.labels, s))
                        })
                });
        by_rule || by_sidecar
    }
}

impl Set<'_> {
    /// Whether a workload selector `labels` picks pods of `svc`: those of its known workloads
    /// when there are some, else any pod the Service selects (its selector includes `labels`).
    fn selects_pods_of(&self, labels: &BTreeMap<String, String>, svc: &KnownService) -> bool {
        let picks =
            |pod: &BTreeMap<String, String>| labels.iter().all(|(k, v)| pod.get(k) == Some(v));
        let known = self.workloads_of(svc);
        if known.is_empty() {
            picks(&svc.selector)
        } else {
            known.iter().any(|w| picks(&w.labels))
        }
    }
}

/// The connection pool a Sidecar gives its pods' inbound side: `inboundConnectionPool`, or
/// the first listener's own.
fn sidecar_pool(sc: &Sidecar) -> Option<&ConnectionPoolSettings> {
    sc.spec.inbound_connection_pool.as_ref().or_else(|| {
        sc.spec
            .ingress
            .iter()
            .find_map(|l| l.connection_pool.as_ref())
    })
}

/// Whether a policy asks for locality failover.
pub(super) fn wants_failover(p: &Effective<'_>) -> bool {
    p.load_balancer
        .as_ref()
        .and_then(|(lb, _)| lb.locality_lb_setting.as_ref())
        .is_some_and(|l| {
            !l.failover.is_empty() || !l.failover_priority.is_empty() || l.enabled == Some(true)
        })
}

/// What the policy analyzers share about one DestinationRule.
pub(super) struct Rule<'a> {
    /// Its index in the set.
    pub(super) i: usize,
    /// The rule.
    pub(super) dr: &'a DestinationRule,
    /// Its namespace.
    pub(super) ns: &'a str,
    /// Its host, resolved.
    pub(super) host: &'a str,
    /// The target release's data plane (the newest known when no release is given).
    pub(super) dp: &'a DataPlane,
    /// Whether the release was given.
    pub(super) release_known: bool,
}

/// The analyzers of one effective policy that fails over (`failover`: the policy asks for it or
/// the host has endpoints elsewhere) and has outlier detection.
pub(super) fn policy(
    set: &Set<'_>,
    rule: &Rule<'_>,
    p: &Effective<'_>,
    failover: bool,
    out: &mut Findings,
) {
    let Some((od, od_path)) = &p.outlier_detection else {
        return;
    };
    if !failover {
        return;
    }
    max_ejection_percent(set, rule, od, od_path, p, out);
    one_ejection_moves_nothing(set, rule, od_path, out);
    if let (Some((pool, pool_path)), true) = (&p.connection_pool, rule.release_known) {
        client_limits(set, rule, pool, pool_path, out);
    }
}

/// `max-ejection-percent-too-low`: fewer hosts can be ejected at once than the local
/// priority must lose before any traffic moves.
fn max_ejection_percent(
    set: &Set<'_>,
    rule: &Rule<'_>,
    od: &OutlierDetection,
    od_path: &str,
    p: &Effective<'_>,
    out: &mut Findings,
) {
    let dp = rule.dp;
    let pct = dp.outlier_detection(od).max_ejection_percent;
    let pods = set.pods(rule.host);
    let local = pods.as_ref().map_or(1, |p| p.replicas);
    let mut elsewhere = set.endpoints_elsewhere(rule.host);
    let assumed_elsewhere = elsewhere == 0;
    if assumed_elsewhere {
        if !wants_failover(p) {
            return;
        }
        elsewhere = 1;
    }
    let total = local.saturating_add(elsewhere);
    let Some(needed) = dp.ejections_before_spill(local) else {
        return;
    };
    let can = dp.max_ejectable(total, pct);
    if can >= needed {
        return;
    }
    let written = od.max_ejection_percent.filter(|&m| m > 0);
    let (path, now) = match written {
        Some(m) => (join(od_path, "maxEjectionPercent"), format!("{m}%")),
        None => (
            od_path.to_owned(),
            format!("unset (Envoy's default, {pct}%)"),
        ),
    };
    let lose = if needed == 1 {
        "one is".to_owned()
    } else {
        format!("{needed} are")
    };
    let least = (1..=100)
        .find(|&m| dp.max_ejectable(total, m) >= needed)
        .unwrap_or(100);
    let rule_text = match dp.max_ejection.value {
        MaxEjection::ShareBeforeEjection => {
            "ejects one more host only while the share already ejected is below it (so the first host always goes)"
        }
        MaxEjection::ShareAfterEjection => {
            "ejects one more host only if the ejected share after it stays within it"
        }
    };
    let pods_text = match &pods {
        Some(p) => format!("{} ({})", count(local, "local pod"), p.workloads.join(", ")),
        None => "1 local pod (assumed: the set shows no workload of the Service)".to_owned(),
    };
    let elsewhere_text = if assumed_elsewhere {
        "1 endpoint elsewhere (assumed: the set shows none)".to_owned()
    } else {
        count(elsewhere, "endpoint") + " elsewhere"
    };
    out.push(
        set,
        rule.i,
        Code::MaxEjectionPercentTooLow,
        path,
        cited(
            &format!(
                "maxEjectionPercent is {now} while requests for {host} are meant to fail over: with {pods_text} \
                 and {elsewhere_text}, Envoy {envoy} {rule_text}, so at most {can} of {total} can be ejected at \
                 once, but traffic only starts to leave the local pods once {lose} ejected (overprovisioning factor \
                 {f}%): nothing ever fails over. Set maxEjectionPercent to at least {least} (100 lets every local \
                 pod go)",
                host = rule.host,
                envoy = dp.envoy.value,
                f = dp.overprovisioning_factor_percent.value,
            ),
            &[
                dp.max_ejection.source,
                dp.overprovisioning_factor_percent.source,
            ],
        ),
    );
}

/// `one-ejection-moves-nothing`: so many local pods that one ejected pod moves no traffic.
fn one_ejection_moves_nothing(set: &Set<'_>, rule: &Rule<'_>, od_path: &str, out: &mut Findings) {
    let dp = rule.dp;
    let Some(pods) = set.pods(rule.host) else {
        return;
    };
    let n = pods.replicas;
    let Some(needed) = dp.ejections_before_spill(n).filter(|&k| k > 1) else {
        return;
    };
    let moved = dp.priority_loads(&[(n - needed, n), (1, 1)])[1];
    let most = (1..=n)
        .take_while(|&k| dp.ejections_before_spill(k) == Some(1))
        .last()
        .unwrap_or(1);
    out.push(
        set,
        rule.i,
        Code::OneEjectionMovesNothing,
        od_path.to_owned(),
        cited(
            &format!(
                "{host} has {pods} ({workloads}): with Envoy's overprovisioning factor of {f}% the local \
                 priority keeps all requests while enough of them are healthy, so one ejected pod moves nothing \
                 (its share goes to the other local pods) and {needed} must be ejected at once before any request \
                 leaves ({moved}% then does). If one overloaded pod should spill over, run at most {most} replicas \
                 per cluster, or set limits that make several pods overflow together",
                host = rule.host,
                pods = count(n, "local pod"),
                workloads = pods.workloads.join(", "),
                f = dp.overprovisioning_factor_percent.value,
            ),
            &[dp.overprovisioning_factor_percent.source],
        ),
    );
}

/// Whether a rule is exported to its own namespace only.
fn exported_to_own_namespace(dr: &DestinationRule, ns: &str) -> bool {
    !dr.spec.export_to.is_empty() && dr.spec.export_to.iter().all(|e| e == "." || e == ns)
}

/// The set limits of `pool` whose client-side overflow outlier detection scores on this
/// release.
fn ejecting_limits(pool: &ConnectionPoolSettings, dp: &DataPlane) -> Vec<&'static str> {
    let http = pool.http.as_ref();
    let mut out = Vec::new();
    if http.and_then(|h| h.http2_max_requests).is_some()
        && dp.client_max_requests_overflow_ejects.value
    {
        out.push("http2MaxRequests");
    }
    if http.and_then(|h| h.http1_max_pending_requests).is_some()
        && dp.client_pending_overflow_ejects.value
    {
        out.push("http1MaxPendingRequests");
    }
    out
}

/// `client-overflow-never-ejects`, `client-limits-shared-with-remote`,
/// `namespace-clients-get-limits`: the limits a failover rule gives its clients.
fn client_limits(
    set: &Set<'_>,
    rule: &Rule<'_>,
    pool: &ConnectionPoolSettings,
    pool_path: &str,
    out: &mut Findings,
) {
    let dp = rule.dp;
    let limits = pool_limits(pool).join(", ");
    if limits.is_empty() {
        return;
    }
    let (v, host) = (dp.release, rule.host);
    let ejecting = ejecting_limits(pool, dp);
    let mut sources = vec![dp.client_max_requests_overflow_ejects.source];
    let consequence = if ejecting.is_empty() {
        sources.push(dp.overflow_retried.source);
        format!(
            "on Istio {v} (Envoy {}) a request over the client's own limits gets a 503 (UO) from its own sidecar, \
             is not retried and is never scored by outlier detection",
            dp.envoy.value
        )
    } else {
        sources.push(dp.client_limits_shared_by_all_endpoints.source);
        format!(
            "on Istio {v} (Envoy {}) a request over the client's {} is scored by outlier detection against the \
             endpoint the client had picked, and the limits are shared by all of {host}'s endpoints, so overflow can \
             eject the endpoints elsewhere too; with every endpoint ejected (panic mode off unless minHealthPercent \
             is set) Envoy has nothing to route to: 503 UH",
            dp.envoy.value,
            ejecting.join(" or "),
        )
    };
    let placement = dp.threshold_placement();
    let sidecar_fix = || {
        format!(
            "Put the limits in a Sidecar inboundConnectionPool selecting {host}'s pods (Istio {v} honours it) and \
             leave connectionPool out of this rule"
        )
    };
    let (code, text) = if exported_to_own_namespace(rule.dr, rule.ns)
        && set.service_namespace(host).as_deref() == Some(rule.ns)
    {
        sources.extend([
            dp.connection_pool_applies_inbound.source,
            dp.destination_rule_proxy_namespace_first.source,
        ]);
        let fix = if placement == ThresholdPlacement::SidecarInbound {
            sources.push(dp.sidecar_inbound_connection_pool.source);
            sidecar_fix()
        } else {
            format!(
                "Run the clients of {host} in another namespace; those elsewhere are not affected"
            )
        };
        let tail = if ejecting.is_empty() {
            ", so for them nothing fails over"
        } else {
            ""
        };
        (
            Code::NamespaceClientsGetLimits,
            format!(
                "this rule is exported to namespace {ns} only, where the pods of {host} take its limits ({limits}) \
                 on their inbound side; clients in {ns} use it too (a proxy looks rules up in its own namespace \
                 first), so for them the limits also apply client-side: {consequence}{tail}. {fix}",
                ns = rule.ns,
            ),
        )
    } else if !ejecting.is_empty() {
        (
            Code::ClientLimitsSharedWithRemote,
            format!(
                "these limits ({limits}) apply client-side to every client of {host} that uses this rule: \
                 {consequence}. Keep the limits on the server pods' inbound side only: a DestinationRule in the \
                 service's namespace with exportTo: [\".\"], and one without connectionPool for the other clients"
            ),
        )
    } else if placement == ThresholdPlacement::SharedDestinationRule {
        // The release's own placement: one rule, whose inbound side is what ejects.
        return;
    } else {
        let fix = if placement == ThresholdPlacement::SidecarInbound {
            sources.push(dp.sidecar_inbound_connection_pool.source);
            sidecar_fix()
        } else {
            "Keep the limits in a DestinationRule in the service's namespace with exportTo: [\".\"] (the pods' \
             inbound side uses it) and give the other clients one without connectionPool (in the root namespace)"
                .to_owned()
        };
        (
            Code::ClientOverflowNeverEjects,
            format!(
                "these limits ({limits}) apply client-side to every client of {host} that uses this rule, and \
                 {consequence}; shared by all of the host's endpoints, they cap the client's requests before the \
                 server pods' own limits (whose 503s do eject) are reached, so nothing fails over. {fix}"
            ),
        )
    };
    out.push(
        set,
        rule.i,
        code,
        pool_path.to_owned(),
        cited(&text, &sources),
    );
}

/// Whether Envoy retries a 503 under `retry_on` as Istio writes it (`ConvertPolicy`: an
/// explicit `retryOn` replaces the default status codes with the numbers it lists; II 1.24.6
/// pilot/pkg/networking/core/route/retry/retry.go). `5xx` and `gateway-error` cover 503
/// (Envoy's `x-envoy-retry-on`).
fn retry_on_covers_503(retry_on: &str) -> bool {
    retry_on
        .split(',')
        .map(str::trim)
        .any(|t| matches!(t, "5xx" | "gateway-error" | "503"))
}

/// The retry analyzers of one VirtualService.
pub(super) fn virtual_service(
    set: &Set<'_>,
    i: usize,
    vs: &VirtualService,
    dp: &DataPlane,
    out: &mut Findings,
) {
    let ns = set.namespace(i).to_owned();
    for (h, route) in vs.spec.http.iter().enumerate() {
        let Some(retry) = route.retries.as_ref() else {
            continue;
        };
        if retry.attempts.is_none_or(|a| a <= 0) {
            continue;
        }
        let Some(host) = route
            .route
            .iter()
            .map(|d| set.ctx.resolve_host(&d.destination.host, &ns))
            .find(|host| set.fails_over(host))
        else {
            continue;
        };
        let at = join(&index("spec.http", h), "retries");
        retry_stays_local(set, i, retry, &at, &host, dp, out);
        if !retry_503(set, i, retry, &at, &host, dp, out) {
            overloaded_503(set, i, &at, &host, dp, out);
        }
    }
}

/// `retry-stays-local`.
fn retry_stays_local(
    set: &Set<'_>,
    i: usize,
    retry: &HttpRetry,
    at: &str,
    host: &str,
    dp: &DataPlane,
    out: &mut Findings,
) {
    let v = dp.release;
    let sources = [dp.retry_remote_localities.source, dp.default_retry.source];
    let stays = "Envoy's previous_hosts predicate (Istio's default) avoids the hosts already tried only among \
                 the priorities that have load, which the local pods keep while they are not ejected";
    let (path, text) = match (
        retry.retry_remote_localities,
        dp.retry_remote_localities.value,
    ) {
        (Some(true), Some(every)) => {
            let attempts = u32::try_from(retry.attempts.unwrap_or(0)).unwrap_or(0);
            if attempts >= every {
                return;
            }
            (
                join(at, "attempts"),
                format!(
                    "with retryRemoteLocalities Envoy moves a retry to the next priority only once {every} attempts \
                     were made (previous_priorities, update frequency {every}), so {} for {host} stays local. Set \
                     attempts: {every}",
                    count(attempts, "retry"),
                ),
            )
        }
        (Some(true), None) => (
            join(at, "retryRemoteLocalities"),
            format!(
                "Istio {v} has no retryRemoteLocalities{}: {stays}, so retries for {host} never reach its endpoints \
                 elsewhere",
                first_release(|d| d.retry_remote_localities.value.is_some())
                    .map_or_else(String::new, |r| format!(" (it came with {r})")),
            ),
        ),
        (_, every) => {
            let fix = match every {
                Some(every) => format!(
                    "Set retryRemoteLocalities: true, with attempts: {every} or more (attempt {every} moves to the \
                     next priority)"
                ),
                None => format!(
                    "Istio {v} has no retryRemoteLocalities: retries cannot leave the local priority"
                ),
            };
            (
                at.to_owned(),
                format!(
                    "retries for {host} stay with its local pods: {stays}, so the endpoints elsewhere are never \
                     retried. {fix}"
                ),
            )
        }
    };
    out.push(set, i, Code::RetryStaysLocal, path, cited(&text, &sources));
}

/// `retry-503-not-retried`; returns whether it fired.
fn retry_503(
    set: &Set<'_>,
    i: usize,
    retry: &HttpRetry,
    at: &str,
    host: &str,
    dp: &DataPlane,
    out: &mut Findings,
) -> bool {
    let v = dp.release;
    let d = &dp.default_retry;
    let (path, why) = match retry.retry_on.as_deref() {
        Some(on) if !retry_on_covers_503(on) => (
            join(at, "retryOn"),
            format!(
                "retryOn {on:?} does not retry a 503 (only 5xx, gateway-error or the code 503 do; codes written \
                 there replace Istio's default ones)"
            ),
        ),
        Some(_) => return false,
        None => {
            let why = match d.value.status_503 {
                DefaultRetry503::Retried => return false,
                DefaultRetry503::ExcludedByDefault => format!(
                    "retryOn is unset, so Istio's default retriable status codes apply, and Istio {v} leaves 503 out \
                     of them by default (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY=true in istiod)"
                ),
                DefaultRetry503::NotRetried => format!(
                    "retryOn is unset, so Istio's default retriable status codes apply, and on Istio {v} 503 is not \
                     among them"
                ),
            };
            (at.to_owned(), why)
        }
    };
    let text = format!(
        "{why}: the 503 an overloaded pod of {host} answers is not retried, so the request fails instead of going \
         elsewhere. Write retryOn: \"503\" (or add 503 to it)"
    );
    out.push(
        set,
        i,
        Code::Retry503NotRetried,
        path,
        cited(&text, &[d.source]),
    );
    true
}

/// `overloaded-503-not-retried`.
fn overloaded_503(
    set: &Set<'_>,
    i: usize,
    at: &str,
    host: &str,
    dp: &DataPlane,
    out: &mut Findings,
) {
    if !dp.overloaded_header_blocks_retry.value || !set.server_side_limits(host, dp) {
        return;
    }
    let v = dp.release;
    let annotation =
        r#"proxy.istio.io/config: '{"proxyHeaders":{"envoyDebugHeaders":{"disabled":true}}}'"#;
    let fix = if dp.envoy_debug_headers_annotation.value {
        let Some(pods) = set.pods(host) else {
            // The pods are not in the set: they may carry the annotation.
            return;
        };
        if pods.debug_headers_disabled {
            return;
        }
        format!(
            "Annotate the pods of {} with {annotation} (Istio {v} honours it)",
            pods.workloads.join(", "),
        )
    } else {
        format!(
            "Istio {v} has no way to remove the header (the pod annotation {annotation} {})",
            first_release(|d| d.envoy_debug_headers_annotation.value)
                .map_or_else(|| "does not exist".to_owned(), |r| format!("came with {r}")),
        )
    };
    let text = format!(
        "the pods of {host} have connection-pool limits on their inbound side, and the 503s their sidecars answer \
         when over them carry x-envoy-overloaded, which Envoy never retries: these retries never serve an \
         overflowed request elsewhere. {fix}"
    );
    out.push(
        set,
        i,
        Code::OverloadedNotRetried,
        at.to_owned(),
        cited(
            &text,
            &[
                dp.overloaded_header_blocks_retry.source,
                dp.envoy_debug_headers_annotation.source,
            ],
        ),
    );
}

/// `sidecars-select-same-pods`, over every Sidecar of the set.
pub(super) fn sidecars(set: &Set<'_>, dp: Option<&DataPlane>, out: &mut Findings) {
    for (&ns, list) in &set.sidecars {
        for (k, &(j, later)) in list.iter().enumerate() {
            let Some((earlier, overlap)) = list[..k]
                .iter()
                .find_map(|&(_, e)| overlap(set.ctx, ns, e, later).map(|o| (e, o)))
            else {
                continue;
            };
            let pools = if dp.is_some_and(|d| d.sidecar_inbound_connection_pool.value)
                && [earlier, later].iter().any(|s| sidecar_pool(s).is_some())
            {
                " (an inboundConnectionPool of the one not used does not apply either)"
            } else {
                ""
            };
            let name = earlier.metadata.name.as_deref().unwrap_or_default();
            out.push(
                set,
                j,
                Code::SidecarsSelectSamePods,
                "spec.workloadSelector".to_owned(),
                format!(
                    "Sidecar {ns}/{name} also selects {overlap}: a proxy uses one Sidecar only, the oldest that \
                     selects it, so the other's settings are silently ignored{pools}. Merge them into one Sidecar, \
                     or make their selectors disjoint (source: pilot doGetSidecarScope over the Sidecars sorted by \
                     creation time, II 1.30.3 pilot/pkg/model/push_context.go 1167-1210, 1918; Istio's own analyzer \
                     IST0110 ConflictingSidecarWorkloadSelectors)"
                ),
            );
        }
    }
}

/// What two Sidecars of `ns` both select, if anything: both none (the namespace's pods), a
/// known workload both selectors pick, or (with no workload known to tell) the pods of the
/// narrower selector when one selector's labels include the other's.
fn overlap(ctx: &AnalysisContext, ns: &str, a: &Sidecar, b: &Sidecar) -> Option<String> {
    let labels = |s: &Sidecar| {
        s.spec
            .workload_selector
            .as_ref()
            .map(|w| w.labels.clone())
            .filter(|l| !l.is_empty())
    };
    let picks = |sel: &BTreeMap<String, String>, pod: &BTreeMap<String, String>| {
        sel.iter().all(|(k, v)| pod.get(k) == Some(v))
    };
    match (labels(a), labels(b)) {
        (None, None) => Some(format!(
            "every pod of namespace {ns} (neither has a workloadSelector)"
        )),
        (Some(x), Some(y)) => {
            let known: Vec<_> = ctx.workloads.iter().filter(|w| w.namespace == ns).collect();
            if let Some(w) = known
                .iter()
                .find(|w| picks(&x, &w.labels) && picks(&y, &w.labels))
            {
                return Some(format!("the pods of {}/{}", w.namespace, w.name));
            }
            if !known.is_empty() {
                return None;
            }
            let narrower = if picks(&x, &y) {
                &y
            } else if picks(&y, &x) {
                &x
            } else {
                return None;
            };
            let text: Vec<String> = narrower.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Some(format!("every pod labelled {}", text.join(",")))
        }
        // A Sidecar with a selector wins over the namespace's one without.
        _ => None,
    }
}
