//! The Istio objects of the peer-to-peer topology.

use fed_model::{Cluster, Service as FedService, Thresholds, ValidatedFederation};
use istio_types::networking::{
    Destination, Gateway, GatewaySpec, HttpMatchRequest, HttpRoute, HttpRouteDestination, Port,
    PortSelector, Server, ServerTlsMode, ServerTlsSettings, StringMatch, VirtualService,
    VirtualServiceSpec,
};
use istio_types::primitives::{Protocol, ProtocolKind};
use istio_types::{ApiVersion, IstioObject, IstioResource};

use crate::bundle::Object;
use crate::p2p::{CROSS_NETWORK_GATEWAY, ISTIO_SYSTEM};

/// The networking API version the federation renders at.
pub(crate) fn networking_version(fed: &ValidatedFederation) -> ApiVersion {
    match fed.istio().networking_api_version() {
        fed_model::NetworkingApiVersion::V1alpha3 => ApiVersion::V1alpha3,
        fed_model::NetworkingApiVersion::V1beta1 => ApiVersion::V1beta1,
        fed_model::NetworkingApiVersion::V1 => ApiVersion::V1,
    }
}

/// Wraps a new object at the federation's networking version.
pub(crate) fn at_version<T: IstioObject + Into<IstioResource>>(
    fed: &ValidatedFederation,
    mut o: T,
) -> Object {
    o.set_api_version(networking_version(fed))
        .unwrap_or_else(|e| unreachable!("networking kinds are served at every version: {e}"));
    Object::from(o.into())
}

/// The SNI hosts AUTO_PASSTHROUGH accepts: `*.local` for the usual `cluster.local` (as the
/// seeds have it), else `*.<clusterDomain>`.
pub(crate) fn passthrough_host(fed: &ValidatedFederation) -> String {
    let domain = fed.mesh().cluster_domain();
    // Cluster domains are DNS names, lower-case by validation.
    if domain == "local" || domain.rsplit('.').next() == Some("local") {
        "*.local".to_owned()
    } else {
        format!("*.{domain}")
    }
}

/// The peer's cross-network Gateway: mTLS passthrough on the gateway port, and plain HTTP on
/// port 80 when a service is exposed through it.
pub(crate) fn cross_network_gateway(
    fed: &ValidatedFederation,
    peer: &Cluster,
    http: bool,
) -> Object {
    let gw = peer.gateway();
    let port = gw.map_or(fed_model::DEFAULT_GATEWAY_PORT, |g| g.port().get());
    let mut servers = vec![Server {
        port: Port {
            number: u32::from(port),
            protocol: Protocol::from(ProtocolKind::Tls),
            name: "tls".to_owned(),
            target_port: None,
        },
        hosts: vec![passthrough_host(fed)],
        tls: Some(ServerTlsSettings {
            mode: Some(ServerTlsMode::AutoPassthrough),
            ..ServerTlsSettings::default()
        }),
        ..Server::default()
    }];
    if http {
        servers.push(Server {
            port: Port {
                number: 80,
                protocol: Protocol::from(ProtocolKind::Http),
                name: "http".to_owned(),
                target_port: None,
            },
            hosts: vec!["*".to_owned()],
            ..Server::default()
        });
    }
    let selector = gw.map_or_else(
        || std::collections::BTreeMap::from([("istio".to_owned(), "ingressgateway".to_owned())]),
        |g| g.selector().clone(),
    );
    at_version(
        fed,
        Gateway::new(
            CROSS_NETWORK_GATEWAY,
            ISTIO_SYSTEM,
            GatewaySpec { servers, selector },
        ),
    )
}

/// Routes `ingress.path` on the cross-network Gateway's HTTP server to the service.
/// With `retries`, the route retries as they say (the overflow rule's `retryRemote`: the
/// ingress gateway is a client of the service too).
pub(crate) fn ingress_virtual_service(
    fed: &ValidatedFederation,
    svc: &FedService,
    retries: Option<istio_types::networking::HttpRetry>,
) -> Object {
    ingress_virtual_service_on(
        fed,
        svc,
        &format!("{ISTIO_SYSTEM}/{CROSS_NETWORK_GATEWAY}"),
        retries,
    )
}

/// Routes `ingress.path` on the Gateway `gateway` (`namespace/name`) to the service, at the
/// service's first port.
pub(crate) fn ingress_virtual_service_on(
    fed: &ValidatedFederation,
    svc: &FedService,
    gateway: &str,
    retries: Option<istio_types::networking::HttpRetry>,
) -> Object {
    let path = svc.ingress().map_or("/", |i| i.path());
    let port = svc.ports().first().map(|p| PortSelector {
        number: Some(u32::from(p.number().get())),
    });
    let spec = VirtualServiceSpec {
        hosts: vec!["*".to_owned()],
        gateways: vec![gateway.to_owned()],
        http: vec![HttpRoute {
            r#match: vec![HttpMatchRequest {
                uri: Some(StringMatch::Prefix(path.to_owned())),
                ..HttpMatchRequest::default()
            }],
            route: vec![HttpRouteDestination {
                destination: Destination {
                    host: svc.fqdn().to_owned(),
                    subset: None,
                    port,
                },
                ..HttpRouteDestination::default()
            }],
            retries,
            ..HttpRoute::default()
        }],
        ..VirtualServiceSpec::default()
    };
    at_version(
        fed,
        VirtualService::new(svc.name().as_str(), svc.namespace().as_str(), spec),
    )
}

/// Which of an overflow rule's DestinationRules to build: where it lives, whom it is visible
/// to, and whether it carries the connection-pool limits.
pub(crate) struct DestinationRuleShape<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `exportTo` (empty: visible everywhere).
    pub export_to: Vec<String>,
    /// Whether `connectionPool` is written.
    pub connection_pool: bool,
}

/// A DestinationRule of the overflow rule from `from`: outlier detection ejects the local
/// endpoints after the configured errors and locality load balancing sends the rest to the
/// next locality, the targets' gateways; with `shape.connection_pool` it also carries the
/// limits (which Istio applies to the clients and to the server pods' inbound side).
pub(crate) fn overflow_destination_rule(
    fed: &ValidatedFederation,
    svc: &FedService,
    from: &Cluster,
    t: &Thresholds,
    targets: &[&Cluster],
    shape: DestinationRuleShape<'_>,
) -> Object {
    use istio_types::networking::{
        ClientTlsSettings, DestinationRule, DestinationRuleSpec, Failover, LoadBalancerSettings,
        LocalityLoadBalancerSetting, TlsMode, TrafficPolicy,
    };
    let version = fed.istio().version();
    let load_balancer = version
        .dataplane()
        .locality_lb_setting_field
        .value
        .then(|| {
            let region = from.locality().region();
            let failover: Vec<Failover> = targets
                .iter()
                .map(|c| c.locality().region())
                .find(|r| *r != region)
                .map(|to| Failover {
                    from: Some(region.to_owned()),
                    to: Some(to.to_owned()),
                })
                .into_iter()
                .collect();
            LoadBalancerSettings {
                locality_lb_setting: Some(LocalityLoadBalancerSetting {
                    failover,
                    enabled: Some(true),
                    ..LocalityLoadBalancerSetting::default()
                }),
                ..LoadBalancerSettings::default()
            }
        });
    let spec = DestinationRuleSpec {
        host: svc.fqdn().to_owned(),
        traffic_policy: Some(TrafficPolicy {
            load_balancer,
            connection_pool: if shape.connection_pool {
                connection_pool(t)
            } else {
                None
            },
            outlier_detection: outlier_detection(version, t),
            tls: Some(ClientTlsSettings {
                mode: Some(TlsMode::IstioMutual),
                ..ClientTlsSettings::default()
            }),
            ..TrafficPolicy::default()
        }),
        export_to: shape.export_to,
        ..DestinationRuleSpec::default()
    };
    at_version(fed, DestinationRule::new(shape.name, shape.namespace, spec))
}

/// The Sidecar `<svc>-inbound` that puts the overflow rule's limits on the inbound side of
/// the service's pods (`inboundConnectionPool`): over them the pod's own sidecar answers 503,
/// an upstream error its clients' outlier detection counts. `None` when `t` sets no limit.
pub(crate) fn inbound_limits_sidecar(
    fed: &ValidatedFederation,
    svc: &FedService,
    t: &Thresholds,
) -> Option<Object> {
    use istio_types::networking::{Sidecar, SidecarSpec, WorkloadSelector};
    let pool = connection_pool(t)?;
    let spec = SidecarSpec {
        workload_selector: Some(WorkloadSelector {
            labels: svc.selector().clone(),
        }),
        inbound_connection_pool: Some(pool),
        ..SidecarSpec::default()
    };
    Some(at_version(
        fed,
        Sidecar::new(&inbound_sidecar_name(svc), svc.namespace().as_str(), spec),
    ))
}

/// The name of the Sidecar holding a service's inbound limits.
pub(crate) fn inbound_sidecar_name(svc: &FedService) -> String {
    format!("{}-inbound", svc.name())
}

/// The retries that send a request refused by the local pods to the next locality:
/// `retryOn: 503` with `retryRemoteLocalities` (Envoy's `previous_priorities`, so once the
/// local priority was tried the retry goes to the peer).
pub(crate) fn retry_remote(fed: &ValidatedFederation) -> istio_types::networking::HttpRetry {
    use istio_types::networking::HttpRetry;
    let defaults = fed.istio().version().dataplane().default_retry.value;
    HttpRetry {
        attempts: Some(i32::try_from(defaults.attempts).unwrap_or(2)),
        retry_on: Some("503".to_owned()),
        retry_remote_localities: Some(true),
        ..HttpRetry::default()
    }
}

/// The VirtualService `<svc>-mesh` that gives the mesh's clients of `svc` (sidecars) the
/// [`retry_remote`] retries.
pub(crate) fn retry_remote_virtual_service(fed: &ValidatedFederation, svc: &FedService) -> Object {
    let spec = VirtualServiceSpec {
        hosts: vec![svc.fqdn().to_owned()],
        http: vec![HttpRoute {
            route: vec![HttpRouteDestination {
                destination: Destination {
                    host: svc.fqdn().to_owned(),
                    subset: None,
                    port: None,
                },
                ..HttpRouteDestination::default()
            }],
            retries: Some(retry_remote(fed)),
            ..HttpRoute::default()
        }],
        ..VirtualServiceSpec::default()
    };
    at_version(
        fed,
        VirtualService::new(
            &format!("{}-mesh", svc.name()),
            svc.namespace().as_str(),
            spec,
        ),
    )
}

/// The targets' gateways as extra endpoints of `svc` in cluster `from`.
///
/// Istio 1.5-1.6: a ServiceEntry with the service's own host and port names and STATIC
/// endpoints, which Istio 1.5 merges into the Kubernetes service's endpoints (the seeds'
/// recipe). From 1.7: one WorkloadEntry per target, selected by the Kubernetes Service itself
/// (the ServiceEntry merge is gone, and from 1.11 a same-host ServiceEntry only decorates).
pub(crate) fn overflow_endpoints(
    fed: &ValidatedFederation,
    svc: &FedService,
    from: &Cluster,
    targets: &[&Cluster],
) -> Vec<Object> {
    use istio_types::networking::{WorkloadEntry, WorkloadEntrySpec};
    let endpoint = |target: &Cluster| {
        let gw = target
            .gateway()
            .unwrap_or_else(|| unreachable!("validation: every overflow target has a gateway"));
        WorkloadEntrySpec {
            address: Some(gw.address().to_string()),
            ports: svc
                .ports()
                .iter()
                .map(|p| (p.name().as_str().to_owned(), u32::from(gw.port().get())))
                .collect(),
            locality: Some(target.locality().to_string()),
            ..WorkloadEntrySpec::default()
        }
    };
    if fed.istio().version().dataplane().remote_endpoints.value
        == istio_types::dataplane::RemoteEndpoints::WorkloadEntries
    {
        targets
            .iter()
            .map(|target| {
                let spec = WorkloadEntrySpec {
                    labels: crate::p2p::overflow_labels(svc, from),
                    service_account: Some(svc.service_account().to_owned()),
                    ..endpoint(target)
                };
                let name = format!("{}-{}", svc.name(), target.name());
                at_version(
                    fed,
                    WorkloadEntry::new(&name, svc.namespace().as_str(), spec),
                )
            })
            .collect()
    } else {
        use istio_types::networking::{
            Location, Resolution, ServiceEntry, ServiceEntrySpec, ServiceEntryWorkloads,
            ServicePort,
        };
        let spec = ServiceEntrySpec {
            hosts: vec![svc.fqdn().to_owned()],
            ports: svc
                .ports()
                .iter()
                .map(|p| ServicePort {
                    number: u32::from(p.number().get()),
                    protocol: Some(p.protocol().as_str().to_owned()),
                    name: p.name().as_str().to_owned(),
                    ..ServicePort::default()
                })
                .collect(),
            location: Some(Location::MeshInternal),
            resolution: Some(Resolution::Static),
            workloads: Some(ServiceEntryWorkloads::Endpoints(
                targets.iter().map(|t| endpoint(t)).collect(),
            )),
            ..ServiceEntrySpec::default()
        };
        vec![at_version(
            fed,
            ServiceEntry::new(svc.name().as_str(), svc.namespace().as_str(), spec),
        )]
    }
}

/// A Gateway with one plain-HTTP server on port 80 for any host, on the gateway pods that
/// carry `selector`.
pub(crate) fn http_gateway(
    fed: &ValidatedFederation,
    name: &str,
    namespace: &str,
    selector: std::collections::BTreeMap<String, String>,
) -> Object {
    let servers = vec![Server {
        port: Port {
            number: 80,
            protocol: Protocol::from(ProtocolKind::Http),
            name: "http".to_owned(),
            target_port: None,
        },
        hosts: vec!["*".to_owned()],
        ..Server::default()
    }];
    at_version(
        fed,
        Gateway::new(name, namespace, GatewaySpec { servers, selector }),
    )
}

/// The outlier detection of `t`, with `consecutiveErrors` spelt the way `version` reads it
/// ([`istio_types::dataplane::DataPlane::consecutive_errors`]): `consecutiveErrors` where it
/// counts gateway errors, else `consecutiveGatewayErrors` (502/503/504: what a pod's own
/// sidecar answers over its inbound limits). `None` when `t` sets no outlier-detection field.
pub(crate) fn outlier_detection(
    version: fed_model::IstioVersion,
    t: &Thresholds,
) -> Option<istio_types::networking::OutlierDetection> {
    use istio_types::dataplane::ConsecutiveErrors;
    use istio_types::networking::OutlierDetection;
    let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    t.has_outlier_detection().then(|| {
        let mut od = OutlierDetection {
            interval: t.interval().cloned(),
            base_ejection_time: t.base_ejection_time().cloned(),
            max_ejection_percent: t.max_ejection_percent().map(|p| i32::from(p.get())),
            ..OutlierDetection::default()
        };
        match version.dataplane().consecutive_errors.value {
            ConsecutiveErrors::GatewayFailures => {
                od.consecutive_errors = t.consecutive_errors().map(int);
            }
            ConsecutiveErrors::Ignored => od.consecutive_gateway_errors = t.consecutive_errors(),
        }
        od
    })
}

/// The connection pool of `t`; `None` when `t` sets no connection-pool field.
pub(crate) fn connection_pool(
    t: &Thresholds,
) -> Option<istio_types::networking::ConnectionPoolSettings> {
    use istio_types::networking::{ConnectionPoolSettings, HttpSettings, TcpSettings};
    let int = |v: Option<u32>| v.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
    let tcp = t.max_connections().map(|n| TcpSettings {
        max_connections: int(Some(n)),
        ..TcpSettings::default()
    });
    let http = (t.http1_max_pending_requests().is_some()
        || t.http2_max_requests().is_some()
        || t.max_requests_per_connection().is_some())
    .then(|| HttpSettings {
        http1_max_pending_requests: int(t.http1_max_pending_requests()),
        http2_max_requests: int(t.http2_max_requests()),
        max_requests_per_connection: int(t.max_requests_per_connection()),
        ..HttpSettings::default()
    });
    (tcp.is_some() || http.is_some()).then_some(ConnectionPoolSettings { tcp, http })
}

/// The DestinationRule of a service whose instances run in several clusters of one mesh
/// (LIQO): locality load balancing keeps requests in the caller's zone while its instances
/// are healthy, and the outlier detection of `thresholds` is what marks them unhealthy (Istio
/// does no locality failover without it). No `tls`: one control plane, so auto mTLS applies.
///
/// For Istio 1.5 `loadBalancer` is left out, as in the peer-to-peer DestinationRule: the
/// per-rule `enabled` switch is not certain to exist there, and the mesh-wide setting (on by
/// default since 1.4) gives the same behaviour.
pub(crate) fn locality_destination_rule(
    fed: &ValidatedFederation,
    svc: &FedService,
    thresholds: Option<&Thresholds>,
) -> Object {
    use istio_types::networking::{
        DestinationRule, DestinationRuleSpec, LoadBalancerSettings, LocalityLoadBalancerSetting,
        TrafficPolicy,
    };
    let version = fed.istio().version();
    let load_balancer = version
        .dataplane()
        .locality_lb_setting_field
        .value
        .then(|| LoadBalancerSettings {
            locality_lb_setting: Some(LocalityLoadBalancerSetting {
                enabled: Some(true),
                ..LocalityLoadBalancerSetting::default()
            }),
            ..LoadBalancerSettings::default()
        });
    let policy = TrafficPolicy {
        load_balancer,
        connection_pool: thresholds.and_then(connection_pool),
        outlier_detection: thresholds.and_then(|t| outlier_detection(version, t)),
        ..TrafficPolicy::default()
    };
    let spec = DestinationRuleSpec {
        host: svc.fqdn().to_owned(),
        // Istio refuses an empty `trafficPolicy` (1.5 with `thresholds: {}` leaves nothing).
        traffic_policy: (policy != TrafficPolicy::default()).then_some(policy),
        ..DestinationRuleSpec::default()
    };
    at_version(
        fed,
        DestinationRule::new(svc.name().as_str(), svc.namespace().as_str(), spec),
    )
}
