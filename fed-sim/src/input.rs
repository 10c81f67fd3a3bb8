//! What the simulator is given: the objects of every cluster and the load to run.

use std::collections::BTreeMap;

use istio_types::IstioResource;
use istio_types::release::IstioRelease;

/// The clusters of a mesh and the objects each one holds.
#[derive(Clone, Debug)]
pub struct Mesh {
    /// The Istio release every cluster runs.
    pub release: IstioRelease,
    /// The cluster domain: service hosts are `<name>.<namespace>.svc.<domain>`.
    pub cluster_domain: String,
    /// Istio's root namespace (`istio-system`), where mesh-wide DestinationRules live.
    pub root_namespace: String,
    /// Every cluster.
    pub clusters: Vec<Cluster>,
}

/// One cluster: where it is, how peers reach it, and its objects.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Its name.
    pub name: String,
    /// `region[/zone[/subzone]]` of its nodes.
    pub locality: Option<String>,
    /// The address and port peers send mTLS traffic to (its gateway in AUTO_PASSTHROUGH):
    /// a ServiceEntry or WorkloadEntry endpoint at this address is this cluster.
    pub gateway: Option<(String, u32)>,
    /// Its Istio objects.
    pub istio: Vec<IstioResource>,
    /// Its Kubernetes Services.
    pub services: Vec<KubeService>,
    /// Its workloads (Deployments): the pods that serve.
    pub workloads: Vec<Workload>,
}

/// A Kubernetes Service, as far as routing needs it.
#[derive(Clone, Debug, Default)]
pub struct KubeService {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `spec.selector`.
    pub selector: BTreeMap<String, String>,
    /// `spec.ports`.
    pub ports: Vec<KubePort>,
}

/// One port of a Kubernetes Service.
#[derive(Clone, Debug)]
pub struct KubePort {
    /// Its name.
    pub name: Option<String>,
    /// The Service port.
    pub port: u32,
    /// Where it sends traffic on the pods.
    pub target_port: TargetPort,
}

/// A Service port's `targetPort`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    /// A port number.
    Number(u32),
    /// The name of a container port.
    Name(String),
}

/// A workload (a Deployment): pods with labels and annotations.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The pods' labels.
    pub labels: BTreeMap<String, String>,
    /// The pods' annotations.
    pub annotations: BTreeMap<String, String>,
    /// How many pods.
    pub replicas: u32,
}

/// Which proxy sends the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientKind {
    /// The `from` cluster's ingress gateway (`istio: ingressgateway` in the root namespace):
    /// the seeds' requests entered through it.
    #[default]
    Gateway,
    /// A meshed pod in the service's namespace.
    Sidecar,
}

/// How many requests, and for how long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    /// This many requests.
    Requests(u64),
    /// Requests issued during this many milliseconds of simulated time.
    DurationMs(u64),
}

/// Round-trip times the model assumes, in microseconds. Not facts about Istio: properties of
/// the network the user runs on, with defaults of the right order for pods in one cluster and
/// clusters on different continents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    /// Between pods of one cluster (and between the load generator and the client proxy).
    pub local_rtt_us: u64,
    /// Between clusters in one region.
    pub region_rtt_us: u64,
    /// Between clusters in different regions (or without localities).
    pub remote_rtt_us: u64,
    /// From a server pod's sidecar to the application container (loopback connect).
    pub app_connect_us: u64,
    /// Round trips a new upstream connection takes before its first request (TCP, then mTLS).
    pub connect_round_trips: u64,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            local_rtt_us: 500,
            region_rtt_us: 10_000,
            remote_rtt_us: 150_000,
            app_connect_us: 50,
            connect_round_trips: 2,
        }
    }
}

/// The traffic to run.
#[derive(Clone, Debug)]
pub struct Load {
    /// The service's name.
    pub service: String,
    /// Its namespace, when the name alone is ambiguous.
    pub namespace: Option<String>,
    /// The cluster the requests start in.
    pub from: String,
    /// The client proxy.
    pub client: ClientKind,
    /// The client Envoy's worker threads; `None`: the default for the client kind (a sidecar's
    /// `proxy.concurrency` from the release table, [`DEFAULT_GATEWAY_WORKERS`] for a gateway).
    pub workers: Option<u32>,
    /// Requests in flight at once (the load generator's parallel connections).
    pub concurrency: u32,
    /// How many requests or for how long.
    pub amount: Amount,
    /// Requests per second, spread evenly (at most `concurrency` in flight); `None`: each
    /// connection sends its next request when the previous one is answered.
    pub rate: Option<f64>,
    /// Mean service time of the application, in microseconds (exponentially distributed).
    pub service_time_us: u64,
    /// Requests one application container works on at once (0: no limit).
    pub pod_concurrency: u32,
    /// Replicas of the service in every cluster that runs it; `None`: the workloads' own.
    pub replicas: Option<u32>,
    /// The random seed: the same seed, the same run.
    pub seed: u64,
    /// Network timings.
    pub network: Network,
}

/// Worker threads of a gateway Envoy when none are given: it runs one per core of its node,
/// and a small node has 4.
pub const DEFAULT_GATEWAY_WORKERS: u32 = 4;

/// Limits on a load, so that a typo does not start a run that never ends.
pub mod limits {
    /// Most requests in one run.
    pub const MAX_REQUESTS: u64 = 100_000_000;
    /// Longest simulated run, in milliseconds (one day).
    pub const MAX_DURATION_MS: u64 = 86_400_000;
    /// Most requests in flight.
    pub const MAX_CONCURRENCY: u32 = 100_000;
    /// Most worker threads of the client proxy.
    pub const MAX_WORKERS: u32 = 1024;
    /// Longest mean service time, in microseconds (one hour).
    pub const MAX_SERVICE_TIME_US: u64 = 3_600_000_000;
    /// Most replicas of the service in one cluster.
    pub const MAX_REPLICAS: u32 = 10_000;
    /// Longest round trip, in microseconds (one minute).
    pub const MAX_RTT_US: u64 = 60_000_000;
}

impl Default for Load {
    fn default() -> Self {
        Self {
            service: String::new(),
            namespace: None,
            from: String::new(),
            client: ClientKind::Gateway,
            workers: None,
            concurrency: 1,
            amount: Amount::Requests(1000),
            rate: None,
            service_time_us: 5_000,
            pod_concurrency: 0,
            replicas: None,
            seed: 1,
            network: Network::default(),
        }
    }
}

impl Cluster {
    /// Adds a Kubernetes Service (its name, namespace, selector and ports).
    pub fn add_service(&mut self, s: &k8s_openapi::api::core::v1::Service) {
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        let spec = s.spec.clone().unwrap_or_default();
        self.services.push(KubeService {
            name: s.metadata.name.clone().unwrap_or_default(),
            namespace: s
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            selector: spec.selector.unwrap_or_default(),
            ports: spec
                .ports
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    let port = u32::try_from(p.port).unwrap_or(0);
                    KubePort {
                        name: p.name,
                        port,
                        target_port: match p.target_port {
                            Some(IntOrString::Int(n)) => {
                                TargetPort::Number(u32::try_from(n).unwrap_or(0))
                            }
                            Some(IntOrString::String(name)) => TargetPort::Name(name),
                            None => TargetPort::Number(port),
                        },
                    }
                })
                .collect(),
        });
    }

    /// Adds a Deployment's pods (its replicas, default 1, and its pod template's labels and
    /// annotations).
    pub fn add_deployment(&mut self, d: &k8s_openapi::api::apps::v1::Deployment) {
        let spec = d.spec.as_ref();
        let meta = spec
            .and_then(|s| s.template.metadata.clone())
            .unwrap_or_default();
        self.workloads.push(Workload {
            name: d.metadata.name.clone().unwrap_or_default(),
            namespace: d
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            labels: meta.labels.unwrap_or_default(),
            annotations: meta.annotations.unwrap_or_default(),
            replicas: spec
                .and_then(|s| s.replicas)
                .map_or(1, |r| u32::try_from(r).unwrap_or(0)),
        });
    }
}
