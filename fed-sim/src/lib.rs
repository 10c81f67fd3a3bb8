//! Where every request goes, before anything is applied.
//!
//! Nobody can read off a DestinationRule what Envoy's circuit breakers, outlier detection and
//! locality priorities will do with a given load; users find out in production. This crate
//! runs a service's traffic through a model of the Envoy proxies that Istio objects configure,
//! for one Istio release, and says where every request went.
//!
//! It works in two steps, both pure (no I/O, no clock) and deterministic for a seed:
//!
//! 1. [`translate`]: the Istio objects of every cluster ([`Mesh`]: DestinationRules, Sidecars,
//!    VirtualServices, ServiceEntries, WorkloadEntries, plus the Kubernetes Services and
//!    workloads) become the Envoy-level configuration istiod would give each proxy that
//!    matters ([`Plan`]): the client's outbound cluster (endpoints with locality priorities
//!    and failover, circuit breakers shared by every endpoint, outlier detection as the
//!    release translates it, the route's retry policy) and each server pod's inbound limits.
//!    DestinationRules are looked up as istiod does (the proxy's namespace, the service's,
//!    the root namespace; `exportTo`; workload selectors), so the simulator follows whatever
//!    objects it is given, edited or not.
//! 2. [`simulate`]: a discrete-event run. The client proxy (an ingress gateway or a sidecar)
//!    has worker threads, each with its own connection pool per endpoint; requests take a
//!    ready connection or wait in the pending queue, overflow into a local `503 UO`, and are
//!    scored by outlier detection where the release scores them. Ejections grow with each
//!    repeat up to the release's cap and obey its max-ejection rule; priority loads follow
//!    Envoy's overprovisioning factor; retries honour `previous_hosts` and
//!    `previous_priorities`. Server pods have their own sidecar (workers, inbound limits whose
//!    overflow reaches the client as an upstream 503, with or without `x-envoy-overloaded`),
//!    and an application with a service time. A peer's gateway passes a connection through to
//!    one of the peer's pods.
//!
//! Every behaviour that changed between releases comes from
//! [`istio_types::dataplane::DataPlane`]: this crate states none of its own.
//!
//! ```
//! use fed_sim::{Amount, Cluster, KubePort, KubeService, Load, Mesh, TargetPort, Workload};
//! use istio_types::release::IstioRelease;
//! use std::collections::BTreeMap;
//!
//! let labels = BTreeMap::from([("app".to_owned(), "echo".to_owned())]);
//! let cluster = Cluster {
//!     name: "east".into(),
//!     locality: Some("us-east1/b".into()),
//!     services: vec![KubeService {
//!         name: "echo".into(),
//!         namespace: "default".into(),
//!         selector: labels.clone(),
//!         ports: vec![KubePort { name: Some("http".into()), port: 80, target_port: TargetPort::Number(8080) }],
//!     }],
//!     workloads: vec![Workload {
//!         name: "echo".into(), namespace: "default".into(), labels, replicas: 2, ..Workload::default()
//!     }],
//!     ..Cluster::default()
//! };
//! let mesh = Mesh {
//!     release: IstioRelease::new(1, 30),
//!     cluster_domain: "cluster.local".into(),
//!     root_namespace: "istio-system".into(),
//!     clusters: vec![cluster],
//! };
//! let load = Load {
//!     service: "echo".into(),
//!     from: "east".into(),
//!     client: fed_sim::ClientKind::Sidecar,
//!     concurrency: 4,
//!     amount: Amount::Requests(1_000),
//!     ..Load::default()
//! };
//! let outcome = fed_sim::run(&mesh, &load)?;
//! assert_eq!(outcome.served["east"], 1_000);
//! # Ok::<(), fed_sim::SimError>(())
//! ```
//!
//! # Where the model simplifies
//!
//! - HTTP/1.1 only, one request per connection at a time (no HTTP/2 multiplexing); a new
//!   connection costs [`Network::connect_round_trips`] round trips (TCP, then mTLS), with no
//!   slow start, loss or bandwidth limit. Round trips are per cluster pair, from localities.
//! - The application's service time is exponential with the given mean; its concurrency is
//!   unlimited unless [`Load::pod_concurrency`] is set.
//! - Within a priority the endpoint is picked by the rule's `simple` algorithm or the
//!   release's default (`DataPlane::lb_policy`: ROUND_ROBIN before 1.14, LEAST_REQUEST from
//!   it, two choices), among the healthy ones. ROUND_ROBIN keeps one index per client worker
//!   and priority; LEAST_REQUEST compares the requests active on each endpoint's connections.
//!   Consistent hash and `PASSTHROUGH` run as RANDOM; weights, slow start (`warmup`) and
//!   `distribute` are ignored, and so are port-level traffic policies and subsets.
//! - A failed connection fails one round trip after it starts, whatever the cause: the
//!   connect timeout (`DataPlane::connect_timeout_ms`, or `tcp.connectTimeout`) a silent
//!   address would cost is not modelled yet.
//! - Retries wait Envoy's jittered back-off (from the release table); per-try timeouts,
//!   `maxRetries` and retry budgets are not modelled.
//! - A consecutive-error ejection happens at the error that reaches the threshold; hosts come
//!   back at the first interval tick after their ejection time; an ejection count never
//!   decreases. Success-rate ejection is off (Istio sets its enforcement to 0).
//! - Each request of the load generator is a new downstream connection, landing on a random
//!   worker of the client proxy; each connection to a server pod lands on a random worker of
//!   its sidecar; a peer's gateway passes each connection to a random pod of the peer.
//! - A peer's gateway is reachable when the endpoint's port is the gateway's port; whether
//!   the gateway is installed in the router mode AUTO_PASSTHROUGH needs is not seen in the
//!   objects and is assumed.
//! - Locality load balancing is on unless a rule turns it off (mesh-wide settings are not
//!   read); `failoverPriority` is not modelled.

mod engine;
mod error;
mod input;
mod outcome;
mod params;
mod plot;
mod translate;

pub use error::SimError;
pub use input::{
    Amount, ClientKind, Cluster, DEFAULT_GATEWAY_WORKERS, KubePort, KubeService, Load, Mesh,
    Network, TargetPort, Workload, limits,
};
pub use outcome::{Ejection, Flag, Latency, Outcome, Slice};
pub use plot::svg;
pub use translate::{EndpointPlan, Limits, Plan, PodPlan, RetryPlan, translate};

/// Runs a translated plan under a load.
pub fn simulate(plan: &Plan, load: &Load) -> Result<Outcome, SimError> {
    translate::check_load(load)?;
    Ok(engine::run(plan, load).finish(plan))
}

/// [`translate`], then [`simulate`].
pub fn run(mesh: &Mesh, load: &Load) -> Result<Outcome, SimError> {
    let plan = translate(mesh, load)?;
    simulate(&plan, load)
}
