//! `Gateway`: the listeners (ports, protocols, hosts, TLS) of a standalone Envoy at the edge of
//! the mesh, selected by pod labels. [`ServerTlsSettings`] is also a Sidecar's ingress TLS.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::primitives::{Protocol, ProtocolKind};
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

impl Port {
    /// A port with this number, protocol and name.
    ///
    /// ```
    /// use istio_types::networking::Port;
    /// use istio_types::primitives::ProtocolKind;
    /// let p = Port::new(15443, ProtocolKind::Tls, "tls");
    /// assert_eq!(p.protocol.as_str(), "TLS");
    /// ```
    pub fn new(number: u32, protocol: ProtocolKind, name: impl Into<String>) -> Self {
        Self {
            number,
            protocol: Protocol::from(protocol),
            name: name.into(),
            target_port: None,
        }
    }
}

impl Default for Port {
    fn default() -> Self {
        Self {
            number: 80,
            protocol: Protocol::from(ProtocolKind::Http),
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
        // protobuf reads `credentialName: ""` as unset (Helm writes it for an empty value), so
        // beside another form it is no second credential; alone it is kept as written.
        let others = r.credential_names.is_some() || r.tls_certificates.is_some();
        let credential_name = r.credential_name.filter(|n| !(n.is_empty() && others));
        let credentials = match (credential_name, r.credential_names, r.tls_certificates) {
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
        absent_spec: empty,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation: Istio's `ValidateGateway`, `validateServer`, `validateServerPort`,
// `validateServerBind` and `validateTLSOptions` (pkg/config/validation/validation.go).
// ---------------------------------------------------------------------------------------------

use crate::rules;
use crate::validate::{Report, Validate, index, join};

/// The cipher suites Istio knows (`security.ValidCipherSuites`, BoringSSL's non-PSK list).
const CIPHER_SUITES: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

/// Istio's `security.IsValidCipherSuite`: a known name, `ALL`, empty, or an expression that
/// starts with an operator (`-`, `+`, `!`, `[`), which Istio does not parse.
fn is_valid_cipher_suite(cs: &str) -> bool {
    cs.is_empty()
        || cs == "ALL"
        || !cs.chars().next().is_some_and(char::is_alphanumeric)
        || CIPHER_SUITES.contains(&cs)
}

/// Istio's `protocol.IsTLS`.
pub(crate) fn is_tls(p: ProtocolKind) -> bool {
    matches!(p, ProtocolKind::Https | ProtocolKind::Tls)
}

/// Istio's `protocol.IsHTTP` (which, unlike [`ProtocolKind::is_http`], counts `HTTP_PROXY`).
pub(crate) fn is_http(p: ProtocolKind) -> bool {
    p.is_http() || p == ProtocolKind::HttpProxy
}

/// Istio's `ValidateNamespaceSlashWildcardHostname` (with `validateSidecarOrGatewayHostnamePart`):
/// `namespace/dnsName` for Sidecar egress hosts; Gateway hosts may also omit the namespace or be
/// an IP. The namespace is `*`, `.`, a DNS label, or (sidecars only) `~`. With `exclusions`
/// (Sidecars from Istio 1.31, istio/istio#60581, `pkg/config/validation/agent/validation.go`)
/// a sidecar namespace may also be any of those prefixed with `~`, which excludes it (`~ns/*`).
/// The name is an FQDN or `*`-prefixed wildcard, never a short name or partial wildcard.
pub(crate) fn validate_namespace_slash_host(
    host: &str,
    is_gateway: bool,
    exclusions: bool,
) -> Vec<String> {
    let mut errs = Vec::new();
    let Some((ns, name)) = host.split_once('/') else {
        if is_gateway {
            host_part(host, true, &mut errs);
        } else {
            errs.push(format!(
                "host {host:?} must be of the form namespace/dnsName"
            ));
        }
        return errs;
    };
    if ns.is_empty() || name.is_empty() {
        errs.push(format!(
            "host {host:?}: the namespace and the dnsName cannot be empty"
        ));
    }
    let ns_ok = if is_gateway {
        ns == "*" || ns == "." || rules::is_dns1123_label(ns)
    } else if exclusions {
        let kept = ns.strip_prefix('~').unwrap_or(ns);
        kept.is_empty() || kept == "*" || kept == "." || rules::is_dns1123_label(kept)
    } else {
        ns == "*" || ns == "." || ns == "~" || rules::is_dns1123_label(ns)
    };
    if !ns_ok {
        let what = if is_gateway { "gateway" } else { "sidecar" };
        errs.push(format!("invalid namespace {ns:?} in {what} host {host:?}"));
    }
    host_part(name, is_gateway, &mut errs);
    errs
}

fn host_part(name: &str, is_gateway: bool, errs: &mut Vec<String>) {
    if name != "*" && !name.contains('.') {
        errs.push(format!(
            "{name:?} is a short name; use a fully qualified name (or *)"
        ));
    }
    if let Err(e) = rules::validate_wildcard_domain(name) {
        if !is_gateway {
            errs.push(e.clone());
        }
        if !rules::is_ip(name) {
            errs.push(e);
        }
    }
    if let Err(e) = rules::validate_partial_wildcard(name) {
        errs.push(e);
    }
}

/// Istio's `validateTLSOptions`, plus the CRD's item limits on `credentialNames` and
/// `tlsCertificates` (1 to 2).
#[allow(
    clippy::too_many_lines,
    reason = "one Istio function, kept in its order so it can be compared rule by rule"
)]
pub(crate) fn validate_server_tls(tls: &ServerTlsSettings, path: &str, report: &mut Report) {
    let non_empty = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    match &tls.credentials {
        Some(ServerCredentials::CredentialNames(n)) if n.is_empty() || n.len() > 2 => {
            report.error(
                join(path, "credentialNames"),
                format!(
                    "credentialNames must have 1 or 2 entries (it has {})",
                    n.len()
                ),
            );
        }
        Some(ServerCredentials::TlsCertificates(c)) if c.is_empty() || c.len() > 2 => {
            report.error(
                join(path, "tlsCertificates"),
                format!(
                    "tlsCertificates must have 1 or 2 entries (it has {})",
                    c.len()
                ),
            );
        }
        _ => {}
    }
    if matches!(
        tls.min_protocol_version,
        Some(TlsProtocol::TlsV1_0 | TlsProtocol::TlsV1_1)
    ) && tls.cipher_suites.is_empty()
    {
        report.warning(join(path, "cipherSuites"), "TLS versions below 1.2 need cipherSuites set: the default ciphers no longer include compatible ones");
    }
    let mut invalid = std::collections::BTreeSet::new();
    let mut valid = std::collections::BTreeSet::new();
    let mut dup = std::collections::BTreeSet::new();
    for cs in &tls.cipher_suites {
        if !is_valid_cipher_suite(cs) {
            invalid.insert(cs.as_str());
        } else if !valid.insert(cs.as_str()) {
            dup.insert(cs.as_str());
        }
    }
    if !invalid.is_empty() {
        report.warning(
            join(path, "cipherSuites"),
            format!("invalid cipher suites are ignored: {invalid:?}"),
        );
    }
    if !dup.is_empty() {
        report.warning(
            join(path, "cipherSuites"),
            format!("duplicate cipher suites are ignored: {dup:?}"),
        );
    }
    let credential = tls.credential_name().is_some_and(|n| !n.is_empty());
    let mode = tls.mode();
    if mode == ServerTlsMode::IstioMutual {
        for (field, v, what) in [
            (
                "serverCertificate",
                &tls.server_certificate,
                "a server certificate",
            ),
            ("privateKey", &tls.private_key, "a private key"),
            ("caCertificates", &tls.ca_certificates, "a CA bundle"),
        ] {
            if non_empty(v) {
                report.error(
                    join(path, field),
                    format!("ISTIO_MUTUAL uses Istio's certificates and cannot have {what}"),
                );
            }
        }
        if credential {
            report.error(
                join(path, "credentialName"),
                "ISTIO_MUTUAL uses Istio's certificates and cannot have a credentialName",
            );
        }
        match &tls.credentials {
            Some(ServerCredentials::CredentialNames(n)) if !n.is_empty() => report.error(
                join(path, "credentialNames"),
                "ISTIO_MUTUAL uses Istio's certificates and cannot have credentialNames",
            ),
            Some(ServerCredentials::TlsCertificates(c)) if !c.is_empty() => report.error(
                join(path, "tlsCertificates"),
                "ISTIO_MUTUAL uses Istio's certificates and cannot have tlsCertificates",
            ),
            _ => {}
        }
        return;
    }
    let names =
        matches!(&tls.credentials, Some(ServerCredentials::CredentialNames(n)) if !n.is_empty());
    let certificates = match &tls.credentials {
        Some(ServerCredentials::TlsCertificates(c)) if !c.is_empty() => Some(c),
        _ => None,
    };
    let files = non_empty(&tls.server_certificate) && non_empty(&tls.private_key);
    if matches!(
        mode,
        ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough
    ) && (non_empty(&tls.ca_crl)
        || non_empty(&tls.server_certificate)
        || non_empty(&tls.private_key)
        || non_empty(&tls.ca_certificates)
        || credential
        || names
        || certificates.is_some())
    {
        report.warning(
            join(path, "mode"),
            format!(
                "{} does not terminate TLS: its certificates are ignored",
                mode_name(mode)
            ),
        );
    }
    // The reader lets one of the three credential forms through; files beside one of them
    // is a second source.
    if files && (credential || names || certificates.is_some()) {
        let other = if credential {
            "credentialName"
        } else if names {
            "credentialNames"
        } else {
            "tlsCertificates"
        };
        report.error(
            path,
            format!(
                "serverCertificate/privateKey and {other} are two certificate sources: set only one of credentialName, credentialNames, serverCertificate/privateKey and tlsCertificates"
            ),
        );
    }
    let terminating = matches!(
        mode,
        ServerTlsMode::Simple | ServerTlsMode::Mutual | ServerTlsMode::OptionalMutual
    );
    // Secrets are fetched remotely: no file is needed.
    if terminating && (credential || names) {
        return;
    }
    // Otherwise the files are named here: the certificate and key of each of tlsCertificates,
    // or of the server itself; MUTUAL also needs the client CA bundle.
    if terminating {
        let prefix = if mode == ServerTlsMode::Simple {
            "SIMPLE"
        } else {
            "MUTUAL"
        };
        let mut need = |at: &str, field: &str, v: &Option<String>, what: &str| {
            if !non_empty(v) {
                report.error(join(at, field), format!("{prefix} TLS needs {field}{what}"));
            }
        };
        if let Some(certificates) = certificates {
            for (i, c) in certificates.iter().enumerate() {
                let at = index(&join(path, "tlsCertificates"), i);
                let what = " in each of tlsCertificates";
                need(&at, "serverCertificate", &c.server_certificate, what);
                need(&at, "privateKey", &c.private_key, what);
            }
        } else {
            let what = " (or a credentialName)";
            need(path, "serverCertificate", &tls.server_certificate, what);
            need(path, "privateKey", &tls.private_key, what);
        }
        if mode != ServerTlsMode::Simple {
            need(
                path,
                "caCertificates",
                &tls.ca_certificates,
                " (the client CA bundle), or a credentialName",
            );
        }
    }
    if non_empty(&tls.ca_crl) {
        if credential {
            report.error(
                join(path, "caCrl"),
                "caCrl cannot be used with credentialName: put the CRL in the credential",
            );
        }
        if mode == ServerTlsMode::Simple {
            report.error(
                join(path, "caCrl"),
                "caCrl is not supported with SIMPLE TLS",
            );
        }
    }
}

fn mode_name(mode: ServerTlsMode) -> &'static str {
    match mode {
        ServerTlsMode::Passthrough => "PASSTHROUGH",
        ServerTlsMode::Simple => "SIMPLE",
        ServerTlsMode::Mutual => "MUTUAL",
        ServerTlsMode::AutoPassthrough => "AUTO_PASSTHROUGH",
        ServerTlsMode::IstioMutual => "ISTIO_MUTUAL",
        ServerTlsMode::OptionalMutual => "OPTIONAL_MUTUAL",
    }
}

/// Istio's `validateServer` (with `validateServerPort` and `validateServerBind`).
fn validate_server(s: &Server, path: &str, report: &mut Report) {
    if s.hosts.is_empty() {
        report.error(join(path, "hosts"), "a server needs at least one host");
    }
    for (i, h) in s.hosts.iter().enumerate() {
        for e in validate_namespace_slash_host(h, true, false) {
            report.error(index(&join(path, "hosts"), i), e);
        }
    }
    let port_path = join(path, "port");
    let before = report.findings.len();
    let bind = s.bind.as_deref().unwrap_or("");
    let unix = bind.starts_with("unix://");
    if (s.port.number > 0 || !unix)
        && let Err(e) = rules::validate_port(u64::from(s.port.number))
    {
        report.error(join(&port_path, "number"), e);
    }
    if s.port.target_port.is_some_and(|t| t > 0) {
        report.error(
            join(&port_path, "targetPort"),
            "targetPort has no effect on Gateways",
        );
    }
    if s.port.name.is_empty() {
        report.error(join(&port_path, "name"), "the port name must be set");
    }
    let port_ok = report.findings.len() == before;
    if let Some(socket) = bind.strip_prefix("unix://") {
        if let Err(e) = rules::validate_unix_address(socket) {
            report.error(join(path, "bind"), e);
        }
        if s.port.number != 0 {
            report.error(
                join(&port_path, "number"),
                "the port number must be 0 with a unix:// bind",
            );
        }
    } else if !bind.is_empty()
        && let Err(e) = rules::validate_ip(bind)
    {
        report.error(join(path, "bind"), e);
    }
    if let Some(tls) = &s.tls {
        validate_server_tls(tls, &join(path, "tls"), report);
    }
    if port_ok {
        let p = s.port.protocol.kind();
        match &s.tls {
            None if is_tls(p) => report.error(
                join(path, "tls"),
                format!("a {} server needs tls settings", s.port.protocol),
            ),
            Some(tls) if !is_tls(p) => {
                if is_http(p) {
                    let passthrough = matches!(
                        tls.mode(),
                        ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough
                    );
                    let files = [
                        &tls.ca_certificates,
                        &tls.private_key,
                        &tls.server_certificate,
                    ]
                    .iter()
                    .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()));
                    if !passthrough || files {
                        report.error(
                            join(path, "tls"),
                            "a plain-text HTTP server can only have tls.httpsRedirect",
                        );
                    }
                } else {
                    report.error(
                        join(path, "tls"),
                        format!(
                            "a {} server cannot have tls settings (only HTTPS and TLS servers)",
                            s.port.protocol
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

impl Validate for GatewaySpec {
    fn validate_at(&self, path: &str, report: &mut Report) {
        let servers = join(path, "servers");
        if self.servers.is_empty() {
            report.error(servers.clone(), "a Gateway needs at least one server");
        }
        for (i, s) in self.servers.iter().enumerate() {
            validate_server(s, &index(&servers, i), report);
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, s) in self.servers.iter().enumerate() {
            let at = index(&servers, i);
            if !names.insert(s.port.name.as_str()) {
                report.error(
                    join(&join(&at, "port"), "name"),
                    format!(
                        "port names must be unique across servers: {:?} is used twice",
                        s.port.name
                    ),
                );
            }
            if !is_http(s.port.protocol.kind())
                && s.tls
                    .as_ref()
                    .is_some_and(|t| t.https_redirect == Some(true))
            {
                report.warning(
                    join(&join(&at, "tls"), "httpsRedirect"),
                    "tls.httpsRedirect only makes sense on HTTP servers",
                );
            }
        }
    }
}
