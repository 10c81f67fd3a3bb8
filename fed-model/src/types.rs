//! Small typed values of the Federation document that are not shared with Istio resources.

use std::fmt;
use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the `networking.istio.io` API that rendered resources use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NetworkingApiVersion {
    /// `networking.istio.io/v1alpha3`: the storage version up to Istio 1.21.
    V1alpha3,
    /// `networking.istio.io/v1beta1`: the storage version for Istio 1.22 to 1.26.
    V1beta1,
    /// `networking.istio.io/v1`: the storage version from Istio 1.27 (served from 1.22).
    V1,
}

impl NetworkingApiVersion {
    /// `v1alpha3`, `v1beta1` or `v1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1alpha3 => "v1alpha3",
            Self::V1beta1 => "v1beta1",
            Self::V1 => "v1",
        }
    }

    /// The first Istio release that serves this version of the networking API.
    pub const fn first_served(self) -> IstioVersion {
        match self {
            Self::V1alpha3 | Self::V1beta1 => IstioVersion::new(1, 5),
            Self::V1 => IstioVersion::new(1, 22),
        }
    }
}

impl fmt::Display for NetworkingApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Istio release, `MAJOR.MINOR`. Ordered by release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IstioVersion {
    major: u32,
    minor: u32,
}

impl IstioVersion {
    /// The oldest release meshfed renders for (the seeds' Istio 1.5).
    pub const OLDEST: Self = Self::new(1, 5);
    /// The newest release meshfed renders for; the default.
    pub const NEWEST: Self = Self::new(1, 32);

    pub(crate) const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses `"MAJOR.MINOR"` within [`Self::OLDEST`]..=[`Self::NEWEST`]; `Err` says why not.
    pub fn parse(text: &str) -> Result<Self, String> {
        let supported = format!("supported: {} to {}", Self::OLDEST, Self::NEWEST);
        let parts: Vec<&str> = text.split('.').collect();
        let number = |s: &str| -> Option<u32> {
            if s.is_empty()
                || !s.bytes().all(|b| b.is_ascii_digit())
                || (s.len() > 1 && s.starts_with('0'))
            {
                None
            } else {
                s.parse().ok()
            }
        };
        let version = match parts.as_slice() {
            [major, minor] => match (number(major), number(minor)) {
                (Some(major), Some(minor)) => Self::new(major, minor),
                _ => {
                    return Err(format!(
                        "{text:?} is not a MAJOR.MINOR version such as \"1.5\""
                    ));
                }
            },
            [major, minor, _patch] if number(major).is_some() && number(minor).is_some() => {
                return Err(format!(
                    "{text:?} names a patch release; write only MAJOR.MINOR (\"{major}.{minor}\"): patch releases do not change what is rendered"
                ));
            }
            _ => {
                return Err(format!(
                    "{text:?} is not a MAJOR.MINOR version such as \"1.5\""
                ));
            }
        };
        if version < Self::OLDEST || version > Self::NEWEST {
            return Err(format!("Istio {version} is not supported ({supported})"));
        }
        Ok(version)
    }

    /// The major number (1).
    pub const fn major(self) -> u32 {
        self.major
    }

    /// The minor number.
    pub const fn minor(self) -> u32 {
        self.minor
    }

    /// Whether this release is `major.minor` or newer.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= Self::new(major, minor)
    }

    /// The same release, as istio-types names it.
    pub const fn release(self) -> istio_types::release::IstioRelease {
        istio_types::release::IstioRelease::new(self.major, self.minor)
    }

    /// What this release's data plane does with the rendered objects.
    pub const fn dataplane(self) -> istio_types::dataplane::DataPlane {
        istio_types::dataplane::DataPlane::of(self.release())
    }

    /// The storage version of `networking.istio.io` in this release: v1alpha3 up to 1.21,
    /// v1beta1 for 1.22 to 1.26, v1 from 1.27.
    pub fn storage_networking_api_version(self) -> NetworkingApiVersion {
        if self.at_least(1, 27) {
            NetworkingApiVersion::V1
        } else if self.at_least(1, 22) {
            NetworkingApiVersion::V1beta1
        } else {
            NetworkingApiVersion::V1alpha3
        }
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Port(u16);

impl Port {
    /// `Err` says what is allowed when `n` is 0 or above 65535.
    pub fn new(n: u32) -> Result<Self, String> {
        match u16::try_from(n) {
            Ok(p) if p != 0 => Ok(Self(p)),
            _ => Err(format!("port {n} is out of range; allowed: 1 to 65535")),
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A percentage, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Percentage(u8);

impl Percentage {
    /// `Err` says what is allowed when `n` is above 100.
    pub fn new(n: u32) -> Result<Self, String> {
        match u8::try_from(n) {
            Ok(p) if p <= 100 => Ok(Self(p)),
            _ => Err(format!("{n} is not a percentage; allowed: 0 to 100")),
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Percentage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The address of a cluster's ingress gateway.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GatewayAddress {
    /// An IP address: what overflow targets need.
    Ip(IpAddr),
    /// A DNS name. Fine for a peer nobody overflows to; an overflow target needs an IP,
    /// because Istio only merges static IP endpoints into a service.
    Hostname(String),
}

impl GatewayAddress {
    /// Parses an IP address or a DNS name; `Err` says why it is neither.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        if text.contains(':') || text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(format!("{text:?} is not an IP address"));
        }
        if crate::check::dns1123_subdomain(text).is_ok() {
            return Ok(Self::Hostname(text.to_owned()));
        }
        Err(format!("{text:?} is neither an IP address nor a DNS name"))
    }

    /// The IP, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Self::Ip(ip) => Some(*ip),
            Self::Hostname(_) => None,
        }
    }
}

impl fmt::Display for GatewayAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => ip.fmt(f),
            Self::Hostname(name) => f.write_str(name),
        }
    }
}

/// A Kubernetes resource quantity (`100m`, `64Mi`, `"20"`, `1.5`), kept as written. YAML
/// numbers are accepted as Kubernetes does (`cpu: 2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
#[schemars(
    description = "A Kubernetes quantity, e.g. 100m, 64Mi, \"20\"",
    extend("type" = ["string", "number"], "pattern" = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
)]
pub struct Quantity(String);

impl Quantity {
    /// Validates `text` as a Kubernetes quantity.
    pub fn new(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        if crate::check::quantity(&text) {
            Ok(Self(text))
        } else {
            Err(format!(
                "{text:?} is not a Kubernetes quantity; allowed: a number with an optional suffix, e.g. 100m, 0.5, 64Mi, 1G"
            ))
        }
    }

    /// The quantity as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Quantity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as 100m or 64Mi")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::new(v).map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                Quantity::new(v.to_string()).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}
