//! What every Istio kind has in common: its API group, the versions it is served at, and the
//! object envelope (`apiVersion`, `kind`, `metadata`, `spec`, `status`).
//!
//! Istio serves most kinds at several versions whose schemas are byte-identical (istio/api's
//! v1 and v1beta1 Go types are aliases of v1alpha3). So there is one Rust type per kind, and the
//! version is a field of the object: reading keeps it, writing writes it back, and
//! [`IstioObject::set_api_version`] moves an object to another served version.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An Istio API group this crate models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Group {
    /// `networking.istio.io`
    Networking,
    /// `security.istio.io`
    Security,
    /// `telemetry.istio.io`
    Telemetry,
    /// `extensions.istio.io`
    Extensions,
}

impl Group {
    /// The group's DNS name, as it appears in `apiVersion`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Group::Networking => "networking.istio.io",
            Group::Security => "security.istio.io",
            Group::Telemetry => "telemetry.istio.io",
            Group::Extensions => "extensions.istio.io",
        }
    }

    /// The group with this DNS name, if we model it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "networking.istio.io" => Some(Group::Networking),
            "security.istio.io" => Some(Group::Security),
            "telemetry.istio.io" => Some(Group::Telemetry),
            "extensions.istio.io" => Some(Group::Extensions),
            _ => None,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version of an Istio API group. Which kinds serve which version is in
/// [`IstioObject::SERVED_VERSIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ApiVersion {
    /// `v1alpha1`: Telemetry (its storage version; v1 is served too since Istio 1.22) and
    /// WasmPlugin (its only version).
    V1alpha1,
    /// `v1alpha3`: the networking kinds' first version (Istio 1.0); still served.
    V1alpha3,
    /// `v1beta1`: networking since Istio 1.5 (storage version 1.22-1.26), security since 1.5;
    /// ProxyConfig's only version.
    V1beta1,
    /// `v1`: every networking and security kind but EnvoyFilter and ProxyConfig, and Telemetry,
    /// since Istio 1.22 (storage version of the networking and security kinds since 1.27).
    #[default]
    V1,
}

impl ApiVersion {
    /// All versions, oldest first.
    pub const ALL: [ApiVersion; 4] = [
        ApiVersion::V1alpha1,
        ApiVersion::V1alpha3,
        ApiVersion::V1beta1,
        ApiVersion::V1,
    ];

    /// The version's name, as it appears in `apiVersion`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1alpha1 => "v1alpha1",
            ApiVersion::V1alpha3 => "v1alpha3",
            ApiVersion::V1beta1 => "v1beta1",
            ApiVersion::V1 => "v1",
        }
    }

    /// The version with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiVersion::from_name(s).ok_or_else(|| {
            format!("unknown API version {s:?} (expected v1alpha1, v1alpha3, v1beta1 or v1)")
        })
    }
}

/// The error when an object is asked to move to a version its kind is not served at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} is not served at {group}/{version} (served: {served})")]
pub struct NotServed {
    /// The kind, e.g. `EnvoyFilter`.
    pub kind: &'static str,
    /// The group.
    pub group: Group,
    /// The requested version.
    pub version: ApiVersion,
    /// The versions that kind is served at, comma-separated.
    pub served: String,
}

/// What every Istio object type in this crate implements.
pub trait IstioObject: Serialize + for<'de> Deserialize<'de> + Clone + fmt::Debug {
    /// The kind, e.g. `DestinationRule`.
    const KIND: &'static str;
    /// The API group.
    const GROUP: Group;
    /// The lower-case plural used in REST paths, e.g. `destinationrules`.
    const PLURAL: &'static str;
    /// The versions Istio serves this kind at, oldest first.
    const SERVED_VERSIONS: &'static [ApiVersion];
    /// The version Istio stores this kind at (the newest served one).
    const STORAGE_VERSION: ApiVersion;

    /// The spec type.
    type Spec;

    /// The object's current API version.
    fn api_version(&self) -> ApiVersion;

    /// Moves the object to another served version. Since every served version of a kind has the
    /// same schema, nothing else changes.
    fn set_api_version(&mut self, version: ApiVersion) -> Result<(), NotServed> {
        if Self::SERVED_VERSIONS.contains(&version) {
            self.set_api_version_unchecked(version);
            Ok(())
        } else {
            Err(NotServed {
                kind: Self::KIND,
                group: Self::GROUP,
                version,
                served: Self::SERVED_VERSIONS
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }

    #[doc(hidden)]
    fn set_api_version_unchecked(&mut self, version: ApiVersion);

    /// The object's metadata.
    fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    /// The object's spec.
    fn spec(&self) -> &Self::Spec;

    /// `group/version`, e.g. `networking.istio.io/v1`.
    fn api_version_string(&self) -> String {
        format!("{}/{}", Self::GROUP, self.api_version())
    }
}

/// Defines the object type of one Istio kind around its spec type: the struct, its envelope
/// (de)serialization, [`IstioObject`] and, with the `kube` feature, `kube::Resource`.
///
/// `absent_spec` says what a document without `spec` is: `refused` where the CRD requires `spec`
/// (the API server refuses the object), `empty` where it does not (Istio reads it as the empty
/// spec, and the object is written back without `spec`, as it was read).
macro_rules! istio_object {
    (@absent refused) => { None };
    (@absent empty) => { Some(Default::default()) };
    (
        $(#[$doc:meta])*
        $Kind:ident {
            spec: $Spec:ty,
            group: $Group:ident,
            plural: $plural:literal,
            served: [$($Served:ident),+ $(,)?],
            storage: $Storage:ident,
            absent_spec: $absent:ident $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $Kind {
            /// The served version this object is written at.
            pub api_version: $crate::ApiVersion,
            /// Standard Kubernetes object metadata.
            pub metadata: ::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            /// The resource's specification.
            pub spec: $Spec,
            /// True when the document had no `spec` at all (only kinds whose CRD does not require
            /// one read that way, as the empty spec): `spec` is then not written. A `spec: {}`
            /// that was written stays written.
            pub spec_absent: bool,
            /// Status written by Istio's controllers; kept as-is when read, never interpreted.
            pub status: Option<::serde_json::Value>,
        }

        impl $Kind {
            /// A new object at the kind's storage version with the given name and namespace.
            pub fn new(name: &str, namespace: &str, spec: $Spec) -> Self {
                Self {
                    api_version: <Self as $crate::IstioObject>::STORAGE_VERSION,
                    metadata: ::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        name: Some(name.to_owned()),
                        namespace: Some(namespace.to_owned()),
                        ..Default::default()
                    },
                    spec,
                    spec_absent: false,
                    status: None,
                }
            }
        }

        impl $crate::IstioObject for $Kind {
            const KIND: &'static str = stringify!($Kind);
            const GROUP: $crate::Group = $crate::Group::$Group;
            const PLURAL: &'static str = $plural;
            const SERVED_VERSIONS: &'static [$crate::ApiVersion] = &[$($crate::ApiVersion::$Served),+];
            const STORAGE_VERSION: $crate::ApiVersion = $crate::ApiVersion::$Storage;
            type Spec = $Spec;

            fn api_version(&self) -> $crate::ApiVersion {
                self.api_version
            }

            fn set_api_version_unchecked(&mut self, version: $crate::ApiVersion) {
                self.api_version = version;
            }

            fn metadata(&self) -> &::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }

            fn spec(&self) -> &$Spec {
                &self.spec
            }
        }

        impl ::serde::Serialize for $Kind {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::resource::envelope::serialize(
                    s,
                    &<Self as $crate::IstioObject>::api_version_string(self),
                    <Self as $crate::IstioObject>::KIND,
                    &self.metadata,
                    (!self.spec_absent).then_some(&self.spec),
                    self.status.as_ref(),
                )
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Kind {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let e: $crate::resource::envelope::Envelope<$Spec> = ::serde::Deserialize::deserialize(d)?;
                let api_version = $crate::resource::envelope::check::<D::Error>(
                    &e.api_version,
                    &e.kind,
                    <Self as $crate::IstioObject>::KIND,
                    <Self as $crate::IstioObject>::GROUP,
                    <Self as $crate::IstioObject>::SERVED_VERSIONS,
                )?;
                let (spec, spec_absent) = match e.spec {
                    Some(spec) => (spec, false),
                    None => {
                        let empty: Option<$Spec> = $crate::resource::istio_object!(@absent $absent);
                        let spec = empty.ok_or_else(|| <D::Error as ::serde::de::Error>::missing_field("spec"))?;
                        (spec, true)
                    }
                };
                Ok(Self { api_version, metadata: e.metadata, spec, spec_absent, status: e.status })
            }
        }

        impl $crate::validate::Validate for $Kind {
            fn validate_at(&self, path: &str, report: &mut $crate::validate::Report) {
                let meta_path = $crate::validate::join(path, "metadata");
                $crate::validate::metadata(&self.metadata, &meta_path, report);
                $crate::validate::kind_name(<Self as $crate::IstioObject>::KIND, &self.metadata, &meta_path, report);
                self.spec.validate_at(&$crate::validate::join(path, "spec"), report);
                $crate::validate::object_rules(&self.metadata, &self.spec, path, report);
            }
        }

        #[cfg(feature = "kube")]
        impl ::kube::Resource for $Kind {
            /// The served version to talk to; defaults to the storage version.
            type DynamicType = $crate::ApiVersion;
            type Scope = ::k8s_openapi::NamespaceResourceScope;

            fn kind(_: &$crate::ApiVersion) -> ::std::borrow::Cow<'_, str> {
                <Self as $crate::IstioObject>::KIND.into()
            }
            fn group(_: &$crate::ApiVersion) -> ::std::borrow::Cow<'_, str> {
                <Self as $crate::IstioObject>::GROUP.as_str().into()
            }
            fn version(v: &$crate::ApiVersion) -> ::std::borrow::Cow<'_, str> {
                v.as_str().into()
            }
            fn plural(_: &$crate::ApiVersion) -> ::std::borrow::Cow<'_, str> {
                <Self as $crate::IstioObject>::PLURAL.into()
            }
            fn meta(&self) -> &::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $Kind {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($Kind).into()
            }
            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                $crate::resource::envelope::schema::<$Spec>(
                    generator,
                    <Self as $crate::IstioObject>::KIND,
                    <Self as $crate::IstioObject>::GROUP,
                    <Self as $crate::IstioObject>::SERVED_VERSIONS,
                    {
                        let empty: Option<$Spec> = $crate::resource::istio_object!(@absent $absent);
                        empty.is_none()
                    },
                )
            }
        }
    };
}
pub(crate) use istio_object;

/// The object envelope shared by every kind. Not public API: used by the `istio_object!` macro.
#[doc(hidden)]
pub mod envelope {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::ser::SerializeStruct;
    use serde::{Deserialize, Serialize, Serializer};

    use super::{ApiVersion, Group};

    /// What a document of any kind looks like before its kind is checked.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Envelope<S> {
        pub api_version: String,
        pub kind: String,
        #[serde(default)]
        pub metadata: ObjectMeta,
        #[serde(default)]
        pub spec: Option<S>,
        #[serde(default)]
        pub status: Option<serde_json::Value>,
    }

    /// Checks `apiVersion` and `kind` against what the type expects.
    pub fn check<E: serde::de::Error>(
        api_version: &str,
        kind: &str,
        want_kind: &str,
        group: Group,
        served: &[ApiVersion],
    ) -> Result<ApiVersion, E> {
        if kind != want_kind {
            return Err(E::custom(format!(
                "kind is {kind:?}, expected {want_kind:?}"
            )));
        }
        let served_list = || {
            served
                .iter()
                .map(|v| format!("{group}/{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let version = api_version
            .split_once('/')
            .filter(|(g, _)| *g == group.as_str())
            .and_then(|(_, v)| ApiVersion::from_name(v))
            .filter(|v| served.contains(v));
        version.ok_or_else(|| {
            E::custom(format!(
                "apiVersion {api_version:?} does not serve {want_kind} (served: {})",
                served_list()
            ))
        })
    }

    /// Writes the envelope in Kubernetes' customary order.
    pub fn serialize<S: Serializer, T: Serialize>(
        s: S,
        api_version: &str,
        kind: &str,
        metadata: &ObjectMeta,
        spec: Option<&T>,
        status: Option<&serde_json::Value>,
    ) -> Result<S::Ok, S::Error> {
        let fields = 3 + usize::from(spec.is_some()) + usize::from(status.is_some());
        let mut st = s.serialize_struct("Object", fields)?;
        st.serialize_field("apiVersion", api_version)?;
        st.serialize_field("kind", kind)?;
        st.serialize_field("metadata", metadata)?;
        if let Some(spec) = spec {
            st.serialize_field("spec", spec)?;
        }
        if let Some(status) = status {
            st.serialize_field("status", status)?;
        }
        st.end()
    }

    /// The JSON Schema of an object: the envelope with `spec` from the spec type, required
    /// when `spec_required`.
    #[cfg(feature = "schemars")]
    pub fn schema<T: schemars::JsonSchema>(
        generator: &mut schemars::SchemaGenerator,
        kind: &str,
        group: Group,
        served: &[ApiVersion],
        spec_required: bool,
    ) -> schemars::Schema {
        let versions: Vec<String> = served.iter().map(|v| format!("{group}/{v}")).collect();
        let required: &[&str] = if spec_required {
            &["apiVersion", "kind", "spec"]
        } else {
            &["apiVersion", "kind"]
        };
        let spec = generator.subschema_for::<T>();
        let metadata = generator.subschema_for::<ObjectMeta>();
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": false,
            "required": required,
            "properties": {
                "apiVersion": { "type": "string", "enum": versions },
                "kind": { "type": "string", "const": kind },
                "metadata": metadata,
                "spec": spec,
                "status": { "type": "object" }
            }
        })
    }
}
