//! Istio's port protocols.

use super::{PrimitiveError, str_newtype_impls};

/// The protocols Istio recognises on a port (`protocol.Parse` in istio/istio
/// `pkg/config/protocol`). Istio reads them case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProtocolKind {
    /// `TCP`.
    Tcp,
    /// `UDP` (Istio passes it through without proxying).
    Udp,
    /// `GRPC`.
    Grpc,
    /// `GRPC-Web`.
    GrpcWeb,
    /// `HTTP`.
    Http,
    /// `HTTP_PROXY`.
    HttpProxy,
    /// `HTTP2`.
    Http2,
    /// `HTTPS`.
    Https,
    /// `TLS`.
    Tls,
    /// `Mongo`.
    Mongo,
    /// `Redis`.
    Redis,
    /// `MySQL`.
    MySql,
}

impl ProtocolKind {
    /// Every kind, in the order Istio's documentation lists them.
    pub const ALL: [Self; 12] = [
        Self::Http,
        Self::Https,
        Self::Grpc,
        Self::GrpcWeb,
        Self::Http2,
        Self::HttpProxy,
        Self::Mongo,
        Self::MySql,
        Self::Redis,
        Self::Tcp,
        Self::Tls,
        Self::Udp,
    ];

    /// Istio's spelling of the name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
            Self::Grpc => "GRPC",
            Self::GrpcWeb => "GRPC-Web",
            Self::Http => "HTTP",
            Self::HttpProxy => "HTTP_PROXY",
            Self::Http2 => "HTTP2",
            Self::Https => "HTTPS",
            Self::Tls => "TLS",
            Self::Mongo => "Mongo",
            Self::Redis => "Redis",
            Self::MySql => "MySQL",
        }
    }

    /// Whether Istio treats traffic of this kind as HTTP (routes, retries, HTTP connection pool
    /// settings apply): HTTP, HTTP2, GRPC, GRPC-Web.
    pub const fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Http2 | Self::Grpc | Self::GrpcWeb)
    }

    /// Looks a name up case-insensitively, as Istio does.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A port protocol as the user spelled it (`http` stays `http` on the way out), with its
/// [`ProtocolKind`].
///
/// ```
/// use istio_types::primitives::{Protocol, ProtocolKind};
///
/// let p: Protocol = "http".parse()?;
/// assert_eq!(p.kind(), ProtocolKind::Http);
/// assert_eq!(p.to_string(), "http");
/// assert_eq!(Protocol::from(ProtocolKind::GrpcWeb).as_str(), "GRPC-Web");
/// assert!(Protocol::new("QUIC").is_err());
/// # Ok::<(), istio_types::primitives::PrimitiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocol {
    kind: ProtocolKind,
    text: String,
}

impl Protocol {
    /// Validates `s` as one of Istio's protocol names, in any case.
    pub fn new(s: impl Into<String>) -> Result<Self, PrimitiveError> {
        let text = s.into();
        match ProtocolKind::parse(&text) {
            Some(kind) => Ok(Self { kind, text }),
            None => Err(PrimitiveError::Protocol { value: text }),
        }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which protocol it is.
    pub fn kind(&self) -> ProtocolKind {
        self.kind
    }
}

impl From<ProtocolKind> for Protocol {
    fn from(kind: ProtocolKind) -> Self {
        Self {
            kind,
            text: kind.as_str().to_owned(),
        }
    }
}

str_newtype_impls!(Protocol, "an Istio protocol name such as \"HTTP\"");

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Protocol {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Protocol".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // JSON Schema patterns have no case-insensitive flag: spell each letter as [xX].
        let alternatives: Vec<String> = ProtocolKind::ALL
            .iter()
            .map(|kind| {
                kind.as_str()
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphabetic() {
                            format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                        } else {
                            c.to_string()
                        }
                    })
                    .collect()
            })
            .collect();
        let names: Vec<&str> = ProtocolKind::ALL.iter().map(|k| k.as_str()).collect();
        super::string_schema(
            &format!("^({})$", alternatives.join("|")),
            &format!("An Istio port protocol, in any case: {}.", names.join(", ")),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_case_insensitive_and_spelling_is_kept() {
        for (text, kind) in [
            ("HTTP", ProtocolKind::Http),
            ("http", ProtocolKind::Http),
            ("grpc-web", ProtocolKind::GrpcWeb),
            ("GRPC-Web", ProtocolKind::GrpcWeb),
            ("http_proxy", ProtocolKind::HttpProxy),
            ("mysql", ProtocolKind::MySql),
            ("Tcp", ProtocolKind::Tcp),
        ] {
            let p = Protocol::new(text).unwrap();
            assert_eq!((p.kind(), p.as_str()), (kind, text));
        }
    }

    #[test]
    fn unknown_names_list_the_allowed_ones() {
        let err = Protocol::new("QUIC").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"QUIC\" is not a protocol Istio knows; allowed (any case): HTTP, HTTPS, GRPC, \
             GRPC-Web, HTTP2, HTTP_PROXY, Mongo, MySQL, Redis, TCP, TLS, UDP"
        );
        assert!(Protocol::new("").is_err());
        assert!(Protocol::new("http ").is_err());
    }

    #[test]
    fn http_kinds() {
        let http: Vec<_> = ProtocolKind::ALL
            .into_iter()
            .filter(|k| k.is_http())
            .collect();
        assert_eq!(
            http,
            [
                ProtocolKind::Http,
                ProtocolKind::Grpc,
                ProtocolKind::GrpcWeb,
                ProtocolKind::Http2
            ]
        );
    }

    proptest! {
        #[test]
        fn prop_any_case_round_trips(index in 0usize..12, mask in any::<u64>()) {
            let kind = ProtocolKind::ALL[index];
            let text: String = kind
                .as_str()
                .chars()
                .enumerate()
                .map(|(i, c)| if mask >> (i % 64) & 1 == 1 { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
                .collect();
            let p = Protocol::new(text.clone()).unwrap();
            prop_assert_eq!(p.kind(), kind);
            prop_assert_eq!(p.to_string(), text);
            let yaml = serde_saphyr::to_string(&p).unwrap();
            prop_assert_eq!(serde_saphyr::from_str::<Protocol>(&yaml).unwrap(), p.clone());
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<Protocol>(&json).unwrap(), p);
        }

        #[test]
        fn prop_random_strings_never_panic(s in any::<String>()) {
            if let Ok(p) = Protocol::new(s.clone()) {
                prop_assert!(p.kind().as_str().eq_ignore_ascii_case(&s));
            }
        }
    }
}
