//! What can be wrong with a simulator's input.

/// Why a simulation cannot run. Each variant names the input at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No cluster has a Kubernetes Service of that name.
    #[error("service {service:?}: no cluster has a Service of that name (known: {known})")]
    UnknownService {
        /// The name asked for.
        service: String,
        /// The services there are, comma-separated.
        known: String,
    },
    /// The name is used in several namespaces.
    #[error("service {service:?} is in several namespaces ({namespaces}): write namespace/name")]
    AmbiguousService {
        /// The name asked for.
        service: String,
        /// Its namespaces, comma-separated.
        namespaces: String,
    },
    /// No cluster of that name.
    #[error("cluster {cluster:?}: no such cluster (known: {known})")]
    UnknownCluster {
        /// The name asked for.
        cluster: String,
        /// The clusters there are, comma-separated.
        known: String,
    },
    /// The client's cluster has no Service for the host, so its proxies have no route to it.
    #[error("cluster {cluster:?} does not run service {service}: it has no Service of that name")]
    NotRunIn {
        /// The cluster.
        cluster: String,
        /// `namespace/name`.
        service: String,
    },
    /// An endpoint's address is no cluster's gateway.
    #[error(
        "{object}: endpoint address {address:?} is no cluster's gateway address, so the simulator cannot tell where its traffic goes"
    )]
    UnknownEndpoint {
        /// `Kind namespace/name` of the object with the endpoint.
        object: String,
        /// The address.
        address: String,
    },
    /// The client is the ingress gateway and no VirtualService bound to a gateway routes to
    /// the service.
    #[error(
        "cluster {cluster:?}: no VirtualService bound to a gateway routes to {host}, so the ingress gateway has no route for the requests (use --client sidecar, or add the route)"
    )]
    NoGatewayRoute {
        /// The cluster.
        cluster: String,
        /// The service host.
        host: String,
    },
    /// A load parameter is out of range.
    #[error("{field}: {value} is not allowed: {allowed}")]
    BadLoad {
        /// The parameter (`--concurrency`, ...).
        field: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        allowed: String,
    },
}
