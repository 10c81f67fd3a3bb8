//! What rendering produces: per cluster, an ordered list of typed objects plus the files that
//! are not applied (install values, runbooks).

use istio_types::IstioResource;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::liqo::NamespaceOffloading;
use crate::prometheus::PrometheusRule;

/// One Kubernetes object of a bundle, typed.
///
/// Each variant holds its object boxed: the k8s-openapi types are large (a `Deployment` is
/// over 2 KB inline) and a bundle of a big federation holds thousands of objects, which a
/// vector of unboxed objects would copy on every growth and sort. Build one with `From`:
/// `Object::from(deployment)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// A Namespace.
    Namespace(Box<Namespace>),
    /// A LIQO NamespaceOffloading.
    NamespaceOffloading(Box<NamespaceOffloading>),
    /// A ServiceAccount.
    ServiceAccount(Box<ServiceAccount>),
    /// A Secret (`istio-system/cacerts`).
    Secret(Box<Secret>),
    /// A ConfigMap (the Grafana dashboard).
    ConfigMap(Box<ConfigMap>),
    /// A Prometheus Operator PrometheusRule (the alerts).
    PrometheusRule(Box<PrometheusRule>),
    /// A Service.
    Service(Box<Service>),
    /// A Deployment.
    Deployment(Box<Deployment>),
    /// An autoscaling/v2 HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    /// An Istio resource.
    Istio(IstioResource),
}

macro_rules! object_from {
    ($($Variant:ident($T:ty)),+ $(,)?) => {
        $(
            impl From<$T> for Object {
                fn from(o: $T) -> Self {
                    Object::$Variant(Box::new(o))
                }
            }
        )+
    };
}

object_from!(
    Namespace(Namespace),
    NamespaceOffloading(NamespaceOffloading),
    ServiceAccount(ServiceAccount),
    Secret(Secret),
    ConfigMap(ConfigMap),
    PrometheusRule(PrometheusRule),
    Service(Service),
    Deployment(Deployment),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
);

impl From<IstioResource> for Object {
    fn from(o: IstioResource) -> Self {
        Object::Istio(o)
    }
}

impl Object {
    /// The object's kind, e.g. `Deployment`.
    pub fn kind(&self) -> &str {
        use k8s_openapi::Resource as _;
        match self {
            Object::Namespace(_) => Namespace::KIND,
            Object::NamespaceOffloading(_) => NamespaceOffloading::KIND,
            Object::ServiceAccount(_) => ServiceAccount::KIND,
            Object::Secret(_) => Secret::KIND,
            Object::ConfigMap(_) => ConfigMap::KIND,
            Object::PrometheusRule(_) => PrometheusRule::KIND,
            Object::Service(_) => Service::KIND,
            Object::Deployment(_) => Deployment::KIND,
            Object::HorizontalPodAutoscaler(_) => HorizontalPodAutoscaler::KIND,
            Object::Istio(r) => r.kind(),
        }
    }

    /// The lower-case plural of the object's kind, as in REST paths, e.g. `deployments`.
    pub fn plural(&self) -> &str {
        use k8s_openapi::Resource as _;
        match self {
            Object::Namespace(_) => Namespace::URL_PATH_SEGMENT,
            Object::NamespaceOffloading(_) => NamespaceOffloading::PLURAL,
            Object::ServiceAccount(_) => ServiceAccount::URL_PATH_SEGMENT,
            Object::Secret(_) => Secret::URL_PATH_SEGMENT,
            Object::ConfigMap(_) => ConfigMap::URL_PATH_SEGMENT,
            Object::PrometheusRule(_) => PrometheusRule::PLURAL,
            Object::Service(_) => Service::URL_PATH_SEGMENT,
            Object::Deployment(_) => Deployment::URL_PATH_SEGMENT,
            Object::HorizontalPodAutoscaler(_) => HorizontalPodAutoscaler::URL_PATH_SEGMENT,
            Object::Istio(r) => r.plural(),
        }
    }

    /// `group/version` (or `v1` for the core group).
    pub fn api_version(&self) -> String {
        use k8s_openapi::Resource as _;
        match self {
            Object::Namespace(_) => Namespace::API_VERSION.to_owned(),
            Object::NamespaceOffloading(_) => NamespaceOffloading::API_VERSION.to_owned(),
            Object::ServiceAccount(_) => ServiceAccount::API_VERSION.to_owned(),
            Object::Secret(_) => Secret::API_VERSION.to_owned(),
            Object::ConfigMap(_) => ConfigMap::API_VERSION.to_owned(),
            Object::PrometheusRule(_) => PrometheusRule::API_VERSION.to_owned(),
            Object::Service(_) => Service::API_VERSION.to_owned(),
            Object::Deployment(_) => Deployment::API_VERSION.to_owned(),
            Object::HorizontalPodAutoscaler(_) => HorizontalPodAutoscaler::API_VERSION.to_owned(),
            Object::Istio(r) => r.api_version_string(),
        }
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::NamespaceOffloading(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::Secret(o) => &o.metadata,
            Object::ConfigMap(o) => &o.metadata,
            Object::PrometheusRule(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::HorizontalPodAutoscaler(o) => &o.metadata,
            Object::Istio(r) => r.metadata(),
        }
    }

    /// The object's metadata, to change it.
    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Namespace(o) => &mut o.metadata,
            Object::NamespaceOffloading(o) => &mut o.metadata,
            Object::ServiceAccount(o) => &mut o.metadata,
            Object::Secret(o) => &mut o.metadata,
            Object::ConfigMap(o) => &mut o.metadata,
            Object::PrometheusRule(o) => &mut o.metadata,
            Object::Service(o) => &mut o.metadata,
            Object::Deployment(o) => &mut o.metadata,
            Object::HorizontalPodAutoscaler(o) => &mut o.metadata,
            Object::Istio(r) => r.metadata_mut(),
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// `metadata.namespace`, `None` for cluster-scoped objects.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// The stage the object is applied in: Namespaces first, then what they hold, then what
    /// refers to it. Objects of one stage do not depend on each other.
    pub fn stage(&self) -> u8 {
        match self {
            Object::Namespace(_) => 0,
            Object::NamespaceOffloading(_) => 1,
            Object::ServiceAccount(_)
            | Object::Secret(_)
            | Object::ConfigMap(_)
            | Object::PrometheusRule(_) => 2,
            Object::Service(_) => 3,
            Object::Deployment(_) => 4,
            Object::HorizontalPodAutoscaler(_) => 5,
            Object::Istio(_) => 6,
        }
    }

    /// The object as a JSON value (what an API server would be sent).
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| {
            // Every variant is a plain data type with string map keys: serializing cannot fail.
            unreachable!("serializing a {} to JSON failed: {e}", self.kind())
        })
    }

    /// A key that orders objects for output: stage, kind, namespace, name.
    pub(crate) fn sort_key(&self) -> (u8, &str, &str, &str) {
        (
            self.stage(),
            self.kind(),
            self.namespace().unwrap_or_default(),
            self.name(),
        )
    }
}

impl Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Object::Namespace(o) => o.serialize(s),
            Object::NamespaceOffloading(o) => o.serialize(s),
            Object::ServiceAccount(o) => o.serialize(s),
            Object::Secret(o) => o.serialize(s),
            Object::ConfigMap(o) => o.serialize(s),
            Object::PrometheusRule(o) => o.serialize(s),
            Object::Service(o) => o.serialize(s),
            Object::Deployment(o) => o.serialize(s),
            Object::HorizontalPodAutoscaler(o) => o.serialize(s),
            Object::Istio(o) => o.serialize(s),
        }
    }
}

/// A file rendered for a cluster that is not applied: install values, a runbook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuxFile {
    /// File name inside the cluster's folder, e.g. `istio-values.yaml`.
    pub name: String,
    /// What it holds.
    pub contents: String,
}

/// Everything one cluster needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// The cluster's name in the federation.
    pub cluster: String,
    /// The kubeconfig context to apply it with.
    pub context: String,
    /// The objects, in apply order.
    pub objects: Vec<Object>,
    /// Files that are not applied.
    pub files: Vec<AuxFile>,
}

impl Bundle {
    /// The objects of `kind`.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind() == kind)
    }

    /// The object of `kind` called `namespace/name` (`namespace` empty for cluster-scoped).
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| {
            o.kind() == kind && o.namespace().unwrap_or_default() == namespace && o.name() == name
        })
    }
}
