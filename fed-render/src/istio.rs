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
pub(crate) fn ingress_virtual_service(fed: &ValidatedFederation, svc: &FedService) -> Object {
    ingress_virtual_service_on(fed, svc, &format!("{ISTIO_SYSTEM}/{CROSS_NETWORK_GATEWAY}"))
}

/// Routes `ingress.path` on the Gateway `gateway` (`namespace/name`) to the service, at the
/// service's first port.
pub(crate) fn ingress_virtual_service_on(
    fed: &ValidatedFederation,
    svc: &FedService,
    gateway: &str,
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
            ..HttpRoute::default()
        }],
        ..VirtualServiceSpec::default()
    };
    at_version(
        fed,
        VirtualService::new(svc.name().as_str(), svc.namespace().as_str(), spec),
    )
}

/// The DestinationRule that makes `svc`'s clients in `from` overflow: connection-pool limits
/// make excess requests fail fast, outlier detection ejects the local endpoints after the
/// configured errors, and locality load balancing sends the rest to the next locality, the
/// targets' gateways.
pub(crate) fn overflow_destination_rule(
    fed: &ValidatedFederation,
    svc: &FedService,
    from: &Cluster,
    t: &Thresholds,
    targets: &[&Cluster],
) -> Object {
    use istio_types::networking::{
        ClientTlsSettings, ConnectionPoolSettings, DestinationRule, DestinationRuleSpec, Failover,
        HttpSettings, LoadBalancerSettings, LocalityLoadBalancerSetting, OutlierDetection,
        TcpSettings, TlsMode, TrafficPolicy,
    };
    let version = fed.istio().version();
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
    let connection_pool =
        (tcp.is_some() || http.is_some()).then_some(ConnectionPoolSettings { tcp, http });

    let outlier_detection = t.has_outlier_detection().then(|| {
        let mut od = OutlierDetection {
            interval: t.interval().cloned(),
            base_ejection_time: t.base_ejection_time().cloned(),
            max_ejection_percent: t.max_ejection_percent().map(|p| i32::from(p.get())),
            ..OutlierDetection::default()
        };
        if version.at_least(1, 7) {
            // consecutiveErrors is ignored from 1.7 on; gateway errors (502/503/504) are what
            // an overloaded local endpoint returns through its sidecar.
            od.consecutive_gateway_errors = t.consecutive_errors();
        } else {
            od.consecutive_errors = int(t.consecutive_errors());
        }
        od
    });

    let load_balancer = version.at_least(1, 6).then(|| {
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
            connection_pool,
            outlier_detection,
            tls: Some(ClientTlsSettings {
                mode: Some(TlsMode::IstioMutual),
                ..ClientTlsSettings::default()
            }),
            ..TrafficPolicy::default()
        }),
        ..DestinationRuleSpec::default()
    };
    at_version(
        fed,
        DestinationRule::new(svc.name().as_str(), svc.namespace().as_str(), spec),
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
    if fed.istio().version().at_least(1, 7) {
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

/// The outlier detection of `t`, with `consecutiveErrors` spelt for `version` (Istio ignores
/// `consecutiveErrors` from 1.7 on; gateway errors, 502/503/504, are what a failing instance
/// returns through its sidecar). `None` when `t` sets no outlier-detection field.
pub(crate) fn outlier_detection(
    version: fed_model::IstioVersion,
    t: &Thresholds,
) -> Option<istio_types::networking::OutlierDetection> {
    use istio_types::networking::OutlierDetection;
    let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    t.has_outlier_detection().then(|| {
        let mut od = OutlierDetection {
            interval: t.interval().cloned(),
            base_ejection_time: t.base_ejection_time().cloned(),
            max_ejection_percent: t.max_ejection_percent().map(|p| i32::from(p.get())),
            ..OutlierDetection::default()
        };
        if version.at_least(1, 7) {
            od.consecutive_gateway_errors = t.consecutive_errors();
        } else {
            od.consecutive_errors = t.consecutive_errors().map(int);
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
    let load_balancer = version.at_least(1, 6).then(|| LoadBalancerSettings {
        locality_lb_setting: Some(LocalityLoadBalancerSetting {
            enabled: Some(true),
            ..LocalityLoadBalancerSetting::default()
        }),
        ..LoadBalancerSettings::default()
    });
    let spec = DestinationRuleSpec {
        host: svc.fqdn().to_owned(),
        traffic_policy: Some(TrafficPolicy {
            load_balancer,
            connection_pool: thresholds.and_then(connection_pool),
            outlier_detection: thresholds.and_then(|t| outlier_detection(version, t)),
            ..TrafficPolicy::default()
        }),
        ..DestinationRuleSpec::default()
    };
    at_version(
        fed,
        DestinationRule::new(svc.name().as_str(), svc.namespace().as_str(), spec),
    )
}
