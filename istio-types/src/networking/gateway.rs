//! `Gateway`: the listeners (ports, protocols, hosts, TLS) of a standalone Envoy at the edge of
//! the mesh, selected by pod labels. [`ServerTlsSettings`] is also a Sidecar's ingress TLS.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::primitives::Protocol;
use crate::resource::istio_object;

/// The spec of a Gateway.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewaySpec {
    /// The servers (listeners) the gateway exposes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Labels of the gateway pods this configuration applies to (in the Gateway's namespace,
    /// or any namespace unless the mesh restricts it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
}

/// One listener of a gateway.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Server {
    /// The port the listener accepts connections on (required).
    pub port: Port,
    /// The IP address or `unix://` socket to listen on; all addresses when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// The hosts served (required, at least one): `[namespace/]dnsName`, where the namespace
    /// (`*` or `.` or a name) limits which namespaces' VirtualServices may bind to it and
    /// the name may start with `*`.
    pub hosts: Vec<String>,
    /// TLS settings; required for HTTPS and TLS ports, and on HTTP ports only for
    /// `httpsRedirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// The loopback address (`127.0.0.1:PORT`) or socket to forward traffic to; unused by
    /// gateways in practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// A name for the server, used in listener naming and metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A gateway server's port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Port {
    /// The port number (1-65535; 0 with a `unix://` bind).
    #[serde(deserialize_with = "crate::strict::number")]
    pub number: u32,
    /// The protocol: HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP or TLS.
    pub protocol: Protocol,
    /// The port's name (unique within the Gateway).
    pub name: String,
    /// Deprecated and ignored on gateways; Istio rejects it when set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub target_port: Option<u32>,
}

impl Default for Port {
    fn default() -> Self {
        Self {
            number: 80,
            protocol: Protocol::from(crate::primitives::ProtocolKind::Http),
            name: "http".to_owned(),
            target_port: None,
        }
    }
}

/// How a server terminates (or passes through) TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerTlsMode {
    /// Forward the connection by SNI without terminating TLS (the default).
    #[default]
    Passthrough,
    /// Terminate TLS with a server certificate.
    Simple,
    /// Terminate TLS and require a client certificate.
    Mutual,
    /// Pass mTLS traffic through by SNI to the service named in it, with no VirtualService:
    /// the east-west gateway of multi-network meshes.
    AutoPassthrough,
    /// Terminate TLS with Istio's own workload certificates (mTLS inside the mesh).
    IstioMutual,
    /// Like MUTUAL, but a client certificate is optional.
    OptionalMutual,
}

/// A TLS protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum TlsProtocol {
    /// Envoy's default.
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    /// TLS 1.0.
    #[serde(rename = "TLSV1_0")]
    TlsV1_0,
    /// TLS 1.1.
    #[serde(rename = "TLSV1_1")]
    TlsV1_1,
    /// TLS 1.2.
    #[serde(rename = "TLSV1_2")]
    TlsV1_2,
    /// TLS 1.3.
    #[serde(rename = "TLSV1_3")]
    TlsV1_3,
}

/// A certificate, its key and CA bundle as files on the gateway (one of up to two
/// `tlsCertificates`, e.g. one RSA and one ECDSA).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TlsCertificate {
    /// Path of the PEM server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Path of the PEM private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Path of the PEM CA bundle to verify clients with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
}

/// Where a server's certificates come from besides file paths: at most one of
/// `credentialName`, `credentialNames` and `tlsCertificates`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerCredentials {
    /// A Secret (in the gateway's namespace) holding key, certificate and optionally CA
    /// (`credentialName`).
    CredentialName(String),
    /// One or two Secrets, e.g. one RSA and one ECDSA (`credentialNames`).
    CredentialNames(Vec<String>),
    /// One or two certificate file sets (`tlsCertificates`).
    TlsCertificates(Vec<TlsCertificate>),
}

/// TLS settings of a gateway server or a sidecar ingress listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "ServerTlsSettingsRepr"))]
#[serde(try_from = "ServerTlsSettingsRepr", into = "ServerTlsSettingsRepr")]
pub struct ServerTlsSettings {
    /// Answer plain HTTP requests with a 301 redirect to HTTPS.
    pub https_redirect: Option<bool>,
    /// The TLS mode; PASSTHROUGH when unset.
    pub mode: Option<ServerTlsMode>,
    /// Path of the PEM server certificate (SIMPLE/MUTUAL without a credential).
    pub server_certificate: Option<String>,
    /// Path of the PEM private key.
    pub private_key: Option<String>,
    /// Path of the PEM CA bundle to verify client certificates with (MUTUAL).
    pub ca_certificates: Option<String>,
    /// Path of a certificate revocation list.
    pub ca_crl: Option<String>,
    /// Secrets or certificate files (at most one of the three forms).
    pub credentials: Option<ServerCredentials>,
    /// Subject alternative names a client certificate must carry.
    pub subject_alt_names: Vec<String>,
    /// Base64 SHA-256 SPKI hashes a client certificate must match.
    pub verify_certificate_spki: Vec<String>,
    /// Hex SHA-256 hashes a client certificate must match.
    pub verify_certificate_hash: Vec<String>,
    /// The lowest TLS version accepted.
    pub min_protocol_version: Option<TlsProtocol>,
    /// The highest TLS version accepted.
    pub max_protocol_version: Option<TlsProtocol>,
    /// Cipher suites offered (OpenSSL names); Envoy's defaults when empty.
    pub cipher_suites: Vec<String>,
    /// ECDH curves offered; Envoy's defaults when empty.
    pub ecdh_curves: Vec<String>,
    /// Accept any client certificate (MUTUAL/OPTIONAL_MUTUAL without verification).
    pub insecure_skip_verify: Option<bool>,
    /// A Secret or ConfigMap holding only the CA certificates to verify clients with.
    pub ca_cert_credential_name: Option<String>,
}

impl ServerTlsSettings {
    /// The mode, PASSTHROUGH when unset.
    pub fn mode(&self) -> ServerTlsMode {
        self.mode.unwrap_or_default()
    }

    /// The `credentialName`, if that is the credential form used.
    pub fn credential_name(&self) -> Option<&str> {
        match &self.credentials {
            Some(ServerCredentials::CredentialName(n)) => Some(n),
            _ => None,
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ServerTlsSettings"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ServerTlsSettingsRepr {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    https_redirect: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<ServerTlsMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server_certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_certificates: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_crl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credential_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(length(min = 1, max = 2)))]
    credential_names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(length(min = 1, max = 2)))]
    tls_certificates: Option<Vec<TlsCertificate>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    subject_alt_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    verify_certificate_spki: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    verify_certificate_hash: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_protocol_version: Option<TlsProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_protocol_version: Option<TlsProtocol>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cipher_suites: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ecdh_curves: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    insecure_skip_verify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_cert_credential_name: Option<String>,
}

impl TryFrom<ServerTlsSettingsRepr> for ServerTlsSettings {
    type Error = String;
    fn try_from(r: ServerTlsSettingsRepr) -> Result<Self, String> {
        let credentials = match (r.credential_name, r.credential_names, r.tls_certificates) {
            (None, None, None) => None,
            (Some(n), None, None) => Some(ServerCredentials::CredentialName(n)),
            (None, Some(n), None) => Some(ServerCredentials::CredentialNames(n)),
            (None, None, Some(c)) => Some(ServerCredentials::TlsCertificates(c)),
            _ => {
                return Err(
                    "only one of credentialName, credentialNames, tlsCertificates may be set"
                        .into(),
                );
            }
        };
        Ok(Self {
            https_redirect: r.https_redirect,
            mode: r.mode,
            server_certificate: r.server_certificate,
            private_key: r.private_key,
            ca_certificates: r.ca_certificates,
            ca_crl: r.ca_crl,
            credentials,
            subject_alt_names: r.subject_alt_names,
            verify_certificate_spki: r.verify_certificate_spki,
            verify_certificate_hash: r.verify_certificate_hash,
            min_protocol_version: r.min_protocol_version,
            max_protocol_version: r.max_protocol_version,
            cipher_suites: r.cipher_suites,
            ecdh_curves: r.ecdh_curves,
            insecure_skip_verify: r.insecure_skip_verify,
            ca_cert_credential_name: r.ca_cert_credential_name,
        })
    }
}

impl From<ServerTlsSettings> for ServerTlsSettingsRepr {
    fn from(v: ServerTlsSettings) -> Self {
        let (credential_name, credential_names, tls_certificates) = match v.credentials {
            None => (None, None, None),
            Some(ServerCredentials::CredentialName(n)) => (Some(n), None, None),
            Some(ServerCredentials::CredentialNames(n)) => (None, Some(n), None),
            Some(ServerCredentials::TlsCertificates(c)) => (None, None, Some(c)),
        };
        Self {
            https_redirect: v.https_redirect,
            mode: v.mode,
            server_certificate: v.server_certificate,
            private_key: v.private_key,
            ca_certificates: v.ca_certificates,
            ca_crl: v.ca_crl,
            credential_name,
            credential_names,
            tls_certificates,
            subject_alt_names: v.subject_alt_names,
            verify_certificate_spki: v.verify_certificate_spki,
            verify_certificate_hash: v.verify_certificate_hash,
            min_protocol_version: v.min_protocol_version,
            max_protocol_version: v.max_protocol_version,
            cipher_suites: v.cipher_suites,
            ecdh_curves: v.ecdh_curves,
            insecure_skip_verify: v.insecure_skip_verify,
            ca_cert_credential_name: v.ca_cert_credential_name,
        }
    }
}

istio_object! {
    /// A `networking.istio.io` Gateway: the listeners of an edge proxy.
    ///
    /// ```
    /// use istio_types::networking::{Gateway, GatewaySpec, Port, Server, ServerTlsMode, ServerTlsSettings};
    /// let gw = Gateway::new("cross-network-gateway", "istio-system", GatewaySpec {
    ///     selector: [("istio".to_owned(), "eastwestgateway".to_owned())].into(),
    ///     servers: vec![Server {
    ///         port: Port { number: 15443, protocol: "TLS".parse()?, name: "tls".into(), target_port: None },
    ///         hosts: vec!["*.local".into()],
    ///         tls: Some(ServerTlsSettings { mode: Some(ServerTlsMode::AutoPassthrough), ..Default::default() }),
    ///         ..Default::default()
    ///     }],
    /// });
    /// use istio_types::validate::Validate;
    /// assert!(gw.validate().is_clean(), "{:?}", gw.validate());
    /// # Ok::<(), istio_types::primitives::PrimitiveError>(())
    /// ```
    Gateway {
        spec: GatewaySpec,
        group: Networking,
        plural: "gateways",
        served: [V1alpha3, V1beta1, V1],
        storage: V1,
    }
}

impl crate::validate::Validate for GatewaySpec {
    fn validate_at(&self, _path: &str, _report: &mut crate::validate::Report) {}
}
