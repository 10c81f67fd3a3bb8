//! [`IstioResource`]: any object of a kind this crate models.

use std::path::Path;

use crate::read::{RawDocument, ReadError};
use crate::{ApiVersion, IstioObject, NotServed};

/// Generates [`IstioResource`] from the list of kinds. Adding a kind is one line here.
macro_rules! istio_resources {
    ($($Kind:ident => $path:path),+ $(,)?) => {
        /// An object of any Istio kind this crate models.
        #[derive(Clone, Debug, PartialEq)]
        pub enum IstioResource {
            $(
                #[doc = concat!("A ", stringify!($Kind), " (boxed: the kinds range from 448 bytes (Gateway) to")]
                #[doc = "1,672 (DestinationRule), and the enum stays 16 bytes whatever it holds)."]
                $Kind(Box<$path>),
            )+
        }

        impl IstioResource {
            /// Every kind, as `(group, kind)`.
            pub const KINDS: &'static [(crate::Group, &'static str)] = &[
                $((<$path as IstioObject>::GROUP, <$path as IstioObject>::KIND)),+
            ];

            /// The object's kind, e.g. `DestinationRule`.
            pub fn kind(&self) -> &'static str {
                match self { $(Self::$Kind(_) => <$path as IstioObject>::KIND),+ }
            }

            /// The lower-case plural of the object's kind, as in REST paths, e.g. `destinationrules`.
            pub fn plural(&self) -> &'static str {
                match self { $(Self::$Kind(_) => <$path as IstioObject>::PLURAL),+ }
            }

            /// The object's API group.
            pub fn group(&self) -> crate::Group {
                match self { $(Self::$Kind(_) => <$path as IstioObject>::GROUP),+ }
            }

            /// The object's API version.
            pub fn api_version(&self) -> ApiVersion {
                match self { $(Self::$Kind(o) => o.api_version()),+ }
            }

            /// `group/version`, e.g. `networking.istio.io/v1`.
            pub fn api_version_string(&self) -> String {
                match self { $(Self::$Kind(o) => o.api_version_string()),+ }
            }

            /// The versions this object's kind is served at.
            pub fn served_versions(&self) -> &'static [ApiVersion] {
                match self { $(Self::$Kind(_) => <$path as IstioObject>::SERVED_VERSIONS),+ }
            }

            /// Moves the object to another served version of its kind.
            pub fn set_api_version(&mut self, version: ApiVersion) -> Result<(), NotServed> {
                match self { $(Self::$Kind(o) => o.set_api_version(version)),+ }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                match self { $(Self::$Kind(o) => &o.metadata),+ }
            }

            /// The object's metadata, to change it.
            pub fn metadata_mut(&mut self) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                match self { $(Self::$Kind(o) => &mut o.metadata),+ }
            }

            /// The JSON Schema of the object type of `kind` (e.g. `"DestinationRule"`), if modeled.
            #[cfg(feature = "schemars")]
            pub fn json_schema_for(kind: &str) -> Option<schemars::Schema> {
                $(
                    if kind == <$path as IstioObject>::KIND {
                        return Some(schemars::schema_for!($path));
                    }
                )+
                None
            }

            /// Checks the object the way the admission webhook of the newest release this
            /// crate knows does.
            pub fn validate(&self) -> crate::validate::Report {
                self.validate_for(crate::release::IstioRelease::NEWEST_KNOWN)
            }

            /// Checks the object the way the admission webhook of Istio `release` does.
            pub fn validate_for(&self, release: crate::release::IstioRelease) -> crate::validate::Report {
                match self { $(Self::$Kind(o) => crate::validate::Validate::validate_for(&**o, release)),+ }
            }

            /// The function that reads a document of this group and kind, if it is one we model.
            #[allow(clippy::result_large_err, reason = "see crate::read")]
            pub(crate) fn reader_for(
                group: &str,
                kind: &str,
            ) -> Option<fn(&RawDocument<'_>, Option<&Path>) -> Result<IstioResource, ReadError>> {
                $(
                    if group == <$path as IstioObject>::GROUP.as_str() && kind == <$path as IstioObject>::KIND {
                        return Some(|doc, file| {
                            crate::read::read_kind::<$path>(doc, file, <$path as IstioObject>::KIND).map(|o| Self::$Kind(Box::new(o)))
                        });
                    }
                )+
                None
            }
        }

        impl serde::Serialize for IstioResource {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Self::$Kind(o) => o.serialize(s)),+ }
            }
        }

        $(
            impl From<$path> for IstioResource {
                fn from(o: $path) -> Self {
                    Self::$Kind(Box::new(o))
                }
            }
        )+
    };
}

istio_resources! {
    WorkloadEntry => crate::networking::WorkloadEntry,
    DestinationRule => crate::networking::DestinationRule,
    ServiceEntry => crate::networking::ServiceEntry,
    WorkloadGroup => crate::networking::WorkloadGroup,
    VirtualService => crate::networking::VirtualService,
    Gateway => crate::networking::Gateway,
    Sidecar => crate::networking::Sidecar,
    EnvoyFilter => crate::networking::EnvoyFilter,
    AuthorizationPolicy => crate::security::AuthorizationPolicy,
    PeerAuthentication => crate::security::PeerAuthentication,
    RequestAuthentication => crate::security::RequestAuthentication,
    ProxyConfig => crate::networking::ProxyConfig,
    Telemetry => crate::telemetry::Telemetry,
    WasmPlugin => crate::extensions::WasmPlugin,
}
