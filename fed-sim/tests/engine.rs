//! The engine against the release table: priority shares, conservation, determinism, the
//! seeds' experiment on a hand-built mesh, and the SVG picture.

mod common;

use fed_sim::{Amount, ClientKind, EndpointPlan, Limits, Load, Plan, PodPlan, RetryPlan, SimError};
use istio_types::dataplane::{DataPlane, EnvoyLbPolicy, EnvoyOutlierDetection};
use istio_types::release::IstioRelease;
use proptest::prelude::*;

fn load(concurrency: u32, requests: u64) -> Load {
    Load {
        service: "echo".into(),
        from: "c0".into(),
        concurrency,
        amount: Amount::Requests(requests),
        ..Load::default()
    }
}

/// Each endpoint's cluster and the priority the client gives it, in the plan's order.
fn priorities(plan: &Plan) -> Vec<(usize, u32)> {
    plan.endpoints
        .iter()
        .map(|e| (e.cluster, e.priority))
        .collect()
}

/// A client with `n` local pods, the first `k` unreachable, and one peer endpoint at the next
/// priority; an unreachable pod is ejected at its first failure and stays out for an hour.
fn shares_plan(n: usize, k: usize) -> Plan {
    let pod = |cluster| PodPlan {
        name: format!("pod-{cluster}"),
        cluster,
        inbound: Limits::NONE,
        workers: 2,
        overloaded_header: true,
    };
    let mut endpoints: Vec<EndpointPlan> = (0..n)
        .map(|i| EndpointPlan {
            name: format!("local-{i}"),
            cluster: 0,
            priority: 0,
            pods: vec![i],
            rtt_us: 500,
            reachable: i >= k,
        })
        .collect();
    endpoints.push(EndpointPlan {
        name: "peer".into(),
        cluster: 1,
        priority: 1,
        pods: vec![n],
        rtt_us: 500,
        reachable: true,
    });
    let mut pods: Vec<PodPlan> = (0..n).map(|_| pod(0)).collect();
    pods.push(pod(1));
    Plan {
        release: IstioRelease::new(1, 30),
        service: "default/echo".into(),
        host: "echo.default.svc.cluster.local".into(),
        from: 0,
        client: ClientKind::Sidecar,
        workers: 2,
        clusters: vec!["c0".into(), "c1".into()],
        endpoints,
        pods,
        client_limits: Limits::NONE,
        lb_policy: DataPlane::of(IstioRelease::new(1, 30))
            .default_lb_policy
            .value,
        outlier: Some(EnvoyOutlierDetection {
            consecutive_5xx: Some(1),
            consecutive_gateway_failure: None,
            consecutive_local_origin_failure: None,
            interval_ms: 1000,
            base_ejection_time_ms: 3_600_000,
            max_ejection_percent: 100,
            healthy_panic_threshold: 0,
        }),
        retry: RetryPlan {
            attempts: 2,
            retry_503: false,
            retry_connect_failure: true,
            previous_hosts: true,
            host_selection_max_attempts: 5,
            previous_priorities: None,
            backoff_base_ms: None,
            from: "test".into(),
        },
        sources: Vec::new(),
        client_rtt_us: 500,
        app_connect_us: 50,
        connect_round_trips: 2,
    }
}

/// Two healthy endpoints in one priority, one pod each in its own cluster, the second
/// `slow_rtt_us` away; the client picks between them by `policy`.
fn two_endpoints(policy: EnvoyLbPolicy, workers: u32, slow_rtt_us: u64) -> Plan {
    let mut plan = shares_plan(1, 0);
    plan.endpoints[1].priority = 0;
    plan.endpoints[1].rtt_us = slow_rtt_us;
    plan.lb_policy = policy;
    plan.workers = workers;
    plan
}

/// The share of requests (percent) served by the second endpoint's cluster.
fn second_share(plan: &Plan, concurrency: u32, requests: u64) -> f64 {
    let o = fed_sim::simulate(plan, &load(concurrency, requests)).unwrap();
    assert_eq!(o.served_total(), o.requests, "{o}");
    #[allow(clippy::cast_precision_loss)]
    let share = o.served["c1"] as f64 * 100.0 / o.requests as f64;
    share
}

#[test]
fn round_robin_takes_the_endpoints_in_turn() {
    // One worker, one request at a time: strictly alternating, from a random start.
    for requests in [1_000, 1_001] {
        let o = fed_sim::simulate(
            &two_endpoints(EnvoyLbPolicy::RoundRobin, 1, 500),
            &load(1, requests),
        )
        .unwrap();
        assert!(o.served["c0"].abs_diff(o.served["c1"]) <= 1, "{o}");
    }
    // Each worker keeps its own turn: the split is within one request per worker, even with
    // the second endpoint 20 times farther (round robin does not look at load).
    let o = fed_sim::simulate(
        &two_endpoints(EnvoyLbPolicy::RoundRobin, 2, 10_000),
        &load(8, 4_000),
    )
    .unwrap();
    assert!(o.served["c0"].abs_diff(o.served["c1"]) <= 2, "{o}");
}

#[test]
fn least_request_sends_less_to_the_endpoint_that_holds_requests_longer() {
    // The second endpoint answers 20 times slower, so its requests stay active longer:
    // LEAST_REQUEST (two choices) sends it clearly less than half, RANDOM about half.
    let least = second_share(
        &two_endpoints(EnvoyLbPolicy::LeastRequest, 2, 10_000),
        8,
        20_000,
    );
    let random = second_share(&two_endpoints(EnvoyLbPolicy::Random, 2, 10_000), 8, 20_000);
    assert!((random - 50.0).abs() < 3.0, "RANDOM: {random:.1}%");
    assert!(
        least < 40.0,
        "LEAST_REQUEST: {least:.1}% to the slow endpoint"
    );
    // With equal endpoints it is even again.
    let even = second_share(
        &two_endpoints(EnvoyLbPolicy::LeastRequest, 2, 500),
        8,
        20_000,
    );
    assert!(
        (even - 50.0).abs() < 3.0,
        "LEAST_REQUEST, equal endpoints: {even:.1}%"
    );
}

#[test]
fn the_rule_or_the_release_sets_the_policy() {
    use istio_types::networking::{LbPolicy, LoadBalancerSettings, SimpleLb};
    let at = |minor| DataPlane::of(IstioRelease::new(1, minor));
    assert_eq!(at(13).lb_policy(None), Some(EnvoyLbPolicy::RoundRobin));
    assert_eq!(at(14).lb_policy(None), Some(EnvoyLbPolicy::LeastRequest));
    let simple = |s| LoadBalancerSettings {
        policy: Some(LbPolicy::Simple(s)),
        ..LoadBalancerSettings::default()
    };
    assert_eq!(
        at(30).lb_policy(Some(&simple(SimpleLb::Random))),
        Some(EnvoyLbPolicy::Random)
    );
    assert_eq!(
        at(5).lb_policy(Some(&simple(SimpleLb::LeastConn))),
        Some(EnvoyLbPolicy::LeastRequest)
    );
    // The translated plan carries it: the seeds' APAN objects set no algorithm.
    for (minor, expected) in [
        (13, EnvoyLbPolicy::RoundRobin),
        (14, EnvoyLbPolicy::LeastRequest),
    ] {
        let mesh = common::p2p_server_side(IstioRelease::new(1, minor), common::SEEDS, &[1, 1]);
        let plan = fed_sim::translate(&mesh, &load(1, 1)).unwrap();
        assert_eq!(plan.lb_policy, expected, "1.{minor}");
    }
}

#[test]
fn overprovisioning_shares_of_dataplane_section_4() {
    let dp = DataPlane::of(IstioRelease::new(1, 30));
    for (n, k) in [(1, 1), (2, 1), (3, 1), (4, 1), (4, 2)] {
        let plan = shares_plan(n, k);
        let l = load(4, 40_000);
        let o = fed_sim::simulate(&plan, &l).unwrap();
        assert_eq!(o.ejections.len(), k, "n={n} k={k}: {:?}", o.ejections);
        let expected = dp.priority_loads(&[
            (u32::try_from(n - k).unwrap(), u32::try_from(n).unwrap()),
            (1, 1),
        ]);
        #[allow(clippy::cast_precision_loss)]
        let local = o.served["c0"] as f64 * 100.0 / o.requests as f64;
        assert!(
            (local - f64::from(expected[0])).abs() < 1.5,
            "n={n} k={k}: {local:.1}% served locally, table says {expected:?}"
        );
        assert_eq!(
            o.served_total(),
            o.requests,
            "every request is retried elsewhere"
        );
    }
}

#[test]
fn seeds_experiment_on_a_hand_built_mesh_at_1_5() {
    let mesh = common::p2p(IstioRelease::new(1, 5), common::SEEDS, &[1, 1]);
    let one = fed_sim::run(&mesh, &load(1, 500)).unwrap();
    assert_eq!(one.served["c0"], 500, "{one}");
    assert!(one.ejections.is_empty());
    let three = fed_sim::run(&mesh, &load(3, 500)).unwrap();
    assert_eq!(three.ejections[0].cluster, "c0", "{three}");
    assert!(three.served["c1"] > 0, "{three}");
    assert!(three.failed["UO"] > 0, "{three}");
}

#[test]
fn client_side_limits_at_1_12_eject_the_peer_too() {
    // Istio 1.7-1.17 score the client's max-requests overflow: both endpoints go, then UH.
    let mesh = common::p2p(IstioRelease::new(1, 12), common::SEEDS, &[1, 1]);
    let o = fed_sim::run(&mesh, &load(3, 500)).unwrap();
    let ejected: Vec<&str> = o.ejections.iter().map(|e| e.cluster.as_str()).collect();
    assert!(ejected.contains(&"c0") && ejected.contains(&"c1"), "{o}");
    assert!(o.failed["UH"] > 0, "{o}");
}

#[test]
fn three_peers_spill_in_failover_order() {
    let mesh = common::p2p_server_side(IstioRelease::new(1, 30), common::SEEDS, &[1, 1, 1]);
    let prio = priorities(&fed_sim::translate(&mesh, &load(1, 1)).unwrap());
    assert_eq!(prio, vec![(0, 0), (1, 1), (2, 2)]);
    // The local pod overflows and is ejected: the first peer takes everything, the second
    // nothing.
    let o = fed_sim::run(&mesh, &load(3, 2000)).unwrap();
    assert_eq!(o.ejections[0].cluster, "c0", "{o}");
    assert!(o.served["c1"] > 0, "{o}");
    assert_eq!(o.served["c2"], 0, "{o}");
    // With the first peer running no pods its gateway endpoint fails and is ejected in turn:
    // then the second peer serves; the failed connections were retried, not reported.
    let mesh = common::p2p_server_side(IstioRelease::new(1, 30), common::SEEDS, &[1, 0, 1]);
    let o = fed_sim::run(&mesh, &load(3, 2000)).unwrap();
    let order: Vec<&str> = o.ejections.iter().map(|e| e.cluster.as_str()).collect();
    assert_eq!(&order[..2], ["c0", "c1"], "{o}");
    assert!(o.served["c2"] > 0, "{o}");
    assert_eq!(o.failed["UF"], 0, "{o}");
    assert!(o.retries > 0, "{o}");
}

#[test]
fn bad_loads_are_named() {
    let mesh = common::p2p(IstioRelease::new(1, 30), common::SEEDS, &[1, 1]);
    let err = fed_sim::run(&mesh, &load(0, 10)).unwrap_err();
    assert!(
        matches!(
            err,
            SimError::BadLoad {
                field: "concurrency",
                ..
            }
        ),
        "{err}"
    );
    let mut l = load(1, 10);
    l.amount = Amount::DurationMs(10 * 86_400_000);
    let err = fed_sim::run(&mesh, &l).unwrap_err();
    assert!(err.to_string().starts_with("duration: "), "{err}");
    let mut l = load(1, 10);
    l.service = "nope".into();
    assert!(matches!(
        fed_sim::run(&mesh, &l).unwrap_err(),
        SimError::UnknownService { .. }
    ));
    let mut l = load(1, 10);
    l.from = "mars".into();
    assert!(matches!(
        fed_sim::run(&mesh, &l).unwrap_err(),
        SimError::UnknownCluster { .. }
    ));
    let mut mesh = mesh;
    mesh.clusters[1].services.clear();
    let mut l = load(1, 10);
    l.from = "c1".into();
    assert!(matches!(
        fed_sim::run(&mesh, &l).unwrap_err(),
        SimError::NotRunIn { .. }
    ));
}

#[test]
fn plot_is_well_formed_svg() {
    let mesh = common::p2p(IstioRelease::new(1, 5), common::SEEDS, &[1, 1]);
    let o = fed_sim::run(&mesh, &load(3, 300)).unwrap();
    let svg = fed_sim::svg(&o);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let paths = doc.descendants().filter(|n| n.has_tag_name("path")).count();
    // The axes, one line per cluster, one for failures.
    assert_eq!(paths, 1 + 2 + 1);
    let ejections = doc
        .descendants()
        .filter(|n| n.has_tag_name("line") && n.attribute("stroke-dasharray").is_some())
        .count();
    assert_eq!(
        ejections,
        o.ejections.len() + 1,
        "one mark per ejection plus the legend"
    );
}

fn thresholds() -> impl Strategy<Value = common::Thresholds> {
    (
        1u32..4,
        1u32..4,
        1u32..4,
        0u32..3,
        1u32..4,
        1u64..2000,
        1u64..5000,
        0u32..=100,
    )
        .prop_map(|(mc, p, mr, pc, e, i, b, m)| common::Thresholds {
            max_connections: mc,
            pending: p,
            max_requests: mr,
            per_connection: pc,
            errors: e,
            interval_ms: i,
            base_ejection_ms: b,
            max_ejection_percent: m,
        })
}

fn release() -> impl Strategy<Value = IstioRelease> {
    (5u32..=32).prop_map(|m| IstioRelease::new(1, m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every request is served or failed, once; the timeline adds up to the totals; the same
    /// seed gives the same run.
    #[test]
    fn prop_conservation_and_determinism(
        release in release(),
        t in thresholds(),
        replicas in proptest::collection::vec(0u32..3, 1..4),
        concurrency in 1u32..8,
        requests in 1u64..400,
        workers in proptest::option::of(1u32..6),
        rate in proptest::option::of(10.0f64..5000.0),
        seed in any::<u64>(),
        sidecar in any::<bool>(),
    ) {
        let mesh = common::p2p(release, t, &replicas);
        let mut l = load(concurrency, requests);
        l.workers = workers;
        l.rate = rate;
        l.seed = seed;
        l.client = if sidecar { ClientKind::Sidecar } else { ClientKind::Gateway };
        let a = fed_sim::run(&mesh, &l).unwrap();
        prop_assert_eq!(a.requests, requests);
        prop_assert_eq!(a.served_total() + a.failed_total(), requests);
        let timeline: u64 = a
            .timeline
            .iter()
            .map(|s| s.served.values().sum::<u64>() + s.failed.values().sum::<u64>())
            .sum();
        prop_assert_eq!(timeline, requests);
        let b = fed_sim::run(&mesh, &l).unwrap();
        prop_assert_eq!(&a, &b);
        // Ejections never exceed what the release's max-ejection rule allows at once.
        let dp = DataPlane::of(release);
        let hosts = u32::try_from(replicas[0] as usize + replicas.len() - 1).unwrap();
        // A maxEjectionPercent of 0 is unset: Envoy's default applies.
        let pct = match t.max_ejection_percent {
            0 => dp.envoy_default_max_ejection_percent.value,
            p => p,
        };
        prop_assert!(a.ejections.is_empty() || dp.max_ejectable(hosts, pct) > 0);
    }

    /// The duration mode stops issuing at the given simulated time.
    #[test]
    fn prop_duration_bounds_issuing(
        release in release(),
        ms in 1u64..500,
        concurrency in 1u32..5,
        seed in any::<u64>(),
    ) {
        let mesh = common::p2p(release, common::SEEDS, &[1, 1]);
        let mut l = load(concurrency, 1);
        l.amount = Amount::DurationMs(ms);
        l.seed = seed;
        let o = fed_sim::run(&mesh, &l).unwrap();
        prop_assert!(o.requests >= u64::from(concurrency));
        prop_assert_eq!(o.served_total() + o.failed_total(), o.requests);
    }
}

#[test]
fn unlabelled_nodes_still_rank_local_pods_first() {
    // Istio compares locality parts as strings, an absent one being empty: with the client's
    // nodes unlabelled its own pods match fully (priority 0) and the peers' gateways, which
    // carry a region, do not. The table's rule says so; a rule that needs a part on the
    // proxy's side to match would put every endpoint in one priority.
    let mut mesh = common::p2p(IstioRelease::new(1, 30), common::SEEDS, &[1, 1, 1]);
    mesh.clusters[0].locality = None;
    let prio = priorities(&fed_sim::translate(&mesh, &load(1, 1)).unwrap());
    assert_eq!(prio, vec![(0, 0), (1, 1), (2, 1)]);
    let dp = DataPlane::of(IstioRelease::new(1, 30));
    assert_eq!(
        dp.locality_priorities(None, &[None, Some("us/us-a"), Some("eu/eu-a")], &[]),
        vec![0, 1, 1]
    );
}
