//! `PeerAuthentication`: whether workloads accept plain text, mutual TLS or both from their
//! peers, for the whole mesh, a namespace, some workloads or some of their ports.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::common::WorkloadSelector;
use crate::resource::istio_object;

/// The spec of a PeerAuthentication.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {
    /// The workloads the policy applies to; every workload of the namespace (of the mesh, in
    /// the root namespace) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// The mTLS mode for the selected workloads; inherited from the parent policy when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTls>,
    /// Per-port modes, keyed by the workload's port number (1-65535), overriding `mtls` on that
    /// port. Needs a selector with labels. `Some` of an empty map (`portLevelMtls: {}`) is kept
    /// because Istio rejects it, unlike leaving the field out.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "port_level_mtls"
    )]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "Option<BTreeMap<String, MutualTls>>")
    )]
    pub port_level_mtls: Option<BTreeMap<u32, MutualTls>>,
}

/// The mutual TLS setting of a PeerAuthentication (or of one port).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MutualTls {
    /// The mode; `UNSET` (the default) inherits the parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MutualTlsMode>,
}

/// How a workload's proxy treats connections from its peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MutualTlsMode {
    /// Inherit from the parent policy (namespace, then mesh); PERMISSIVE if none is set.
    Unset,
    /// No mTLS: connections are plain text.
    Disable,
    /// Accept both plain text and mTLS.
    Permissive,
    /// Accept mTLS only.
    Strict,
}

/// Reads `portLevelMtls` keys as port numbers. To the API server every map key is a string, so
/// `8080:` and `'8080':` are the same key; both are accepted. Keys that are not numbers are
/// errors (the CRD's rule `int(key)` fails on them).
fn port_level_mtls<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<u32, MutualTls>>, D::Error> {
    struct PortKey(u32);

    impl<'de> Deserialize<'de> for PortKey {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = PortKey;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a port number")
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<PortKey, E> {
                    u32::try_from(v).map(PortKey).map_err(|_| {
                        E::custom(format!("port {v} is out of range: expected 1-65535"))
                    })
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<PortKey, E> {
                    u32::try_from(v).map(PortKey).map_err(|_| {
                        E::custom(format!("port {v} is out of range: expected 1-65535"))
                    })
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<PortKey, E> {
                    v.parse::<u32>().map(PortKey).map_err(|_| {
                        E::custom(format!(
                            "portLevelMtls key {v:?} is not a port number: expected 1-65535"
                        ))
                    })
                }
            }
            d.deserialize_any(V)
        }
    }

    struct MapV;
    impl<'de> Visitor<'de> for MapV {
        type Value = Option<BTreeMap<u32, MutualTls>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of port number to mTLS setting")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(PortKey(port)) = map.next_key()? {
                let value: MutualTls = map.next_value()?;
                if out.insert(port, value).is_some() {
                    return Err(de::Error::custom(format!(
                        "port {port} is listed twice in portLevelMtls"
                    )));
                }
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(MapV)
}

istio_object! {
    /// A `security.istio.io` PeerAuthentication: the mutual TLS mode workloads require of the
    /// traffic they receive.
    ///
    /// ```
    /// use istio_types::security::{MutualTls, MutualTlsMode, PeerAuthentication, PeerAuthenticationSpec};
    /// let pa = PeerAuthentication::new("default", "istio-system", PeerAuthenticationSpec {
    ///     mtls: Some(MutualTls { mode: Some(MutualTlsMode::Strict) }),
    ///     ..Default::default()
    /// });
    /// let yaml = istio_types::write::to_yaml(&pa).unwrap();
    /// assert!(yaml.contains("mode: STRICT"));
    /// ```
    PeerAuthentication {
        spec: PeerAuthenticationSpec,
        group: Security,
        plural: "peerauthentications",
        served: [V1beta1, V1],
        storage: V1,
        absent_spec: empty,
    }
}

impl crate::validate::Validate for PeerAuthenticationSpec {
    /// Istio's `ValidatePeerAuthentication` and the CRD's rules.
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::{join, key};
        if let Some(selector) = &self.selector {
            selector.validate_at(&join(path, "selector"), report);
        }
        let Some(ports) = &self.port_level_mtls else {
            return;
        };
        let ports_path = join(path, "portLevelMtls");
        let empty_selector = self
            .selector
            .as_ref()
            .is_none_or(|s| s.match_labels.is_empty());
        if ports.is_empty() {
            report.error(
                &ports_path,
                "portLevelMtls, if set, must have at least one port",
            );
        } else if empty_selector {
            report.error(
                &ports_path,
                "a mesh- or namespace-wide PeerAuthentication (no selector labels) cannot have portLevelMtls",
            );
        }
        for port in ports.keys() {
            if let Err(m) = crate::rules::validate_port(u64::from(*port)) {
                report.error(key(&ports_path, &port.to_string()), m);
            }
        }
    }
}
