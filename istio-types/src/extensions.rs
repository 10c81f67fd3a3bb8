//! `extensions.istio.io`: the WasmPlugin kind, which adds a WebAssembly filter to the proxies
//! of some workloads. Served at v1alpha1 only (crd-all.gen.yaml, `wasmplugins.extensions.istio.io`).

use serde::{Deserialize, Serialize};

use crate::common::PolicyTarget;
use crate::resource::istio_object;
use crate::validate::{Report, Validate, index, join};

/// The spec of a WasmPlugin.
///
/// Serialized as Istio's fields; `target` stands for `selector`, `targetRef` and `targetRefs`
/// (at most one may be set).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WasmPluginSpecRepr", into = "WasmPluginSpecRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "WasmPluginSpecRepr"))]
pub struct WasmPluginSpec {
    /// The workloads or objects the plugin applies to; `None` applies it to every workload of
    /// its namespace (of the mesh, in the root namespace).
    pub target: Option<PolicyTarget>,
    /// Where the module comes from: `oci://`, `file://`, `http(s)://`, or an image reference
    /// without a scheme (required).
    pub url: String,
    /// The module's SHA-256, 64 lower-case hexadecimal digits.
    pub sha256: Option<String>,
    /// When an OCI image is pulled again.
    pub image_pull_policy: Option<PullPolicy>,
    /// The name of a Secret holding registry credentials (1-253 characters).
    pub image_pull_secret: Option<String>,
    /// A key to verify the module's signature.
    pub verification_key: Option<String>,
    /// The plugin's configuration, handed to it as JSON.
    pub plugin_config: Option<serde_json::Map<String, serde_json::Value>>,
    /// The plugin's name in Envoy's configuration (1-256 characters).
    pub plugin_name: Option<String>,
    /// Where in the filter chain the plugin goes.
    pub phase: Option<PluginPhase>,
    /// Order among plugins of the same phase (higher first).
    pub priority: Option<i32>,
    /// What the proxy does when the module cannot be fetched or fails.
    pub fail_strategy: Option<FailStrategy>,
    /// The plugin's VM settings.
    pub vm_config: Option<VmConfig>,
    /// The traffic the plugin applies to; all of it when empty.
    pub match_: Vec<TrafficSelector>,
    /// HTTP or network filter.
    pub type_: Option<PluginType>,
}

crate::common::policy_target_wire! {
    /// The wire form of [`WasmPluginSpec`]: Istio's fields.
    struct WasmPluginSpecRepr for WasmPluginSpec as "WasmPluginSpec" {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_pull_policy: Option<PullPolicy>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_pull_secret: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verification_key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plugin_config: Option<serde_json::Map<String, serde_json::Value>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plugin_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phase: Option<PluginPhase>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::strict::opt_number"
        )]
        priority: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fail_strategy: Option<FailStrategy>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vm_config: Option<VmConfig>,
        #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
        match_: Vec<TrafficSelector>,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        type_: Option<PluginType>,
    }
}

/// When an OCI image is pulled (Kubernetes' spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum PullPolicy {
    /// The default: `Always` for the `latest` tag, `IfNotPresent` otherwise.
    #[serde(rename = "UNSPECIFIED_POLICY")]
    UnspecifiedPolicy,
    /// Pull only when the image is not cached.
    IfNotPresent,
    /// Pull every time the plugin is applied.
    Always,
}

/// Where in the filter chain a plugin goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PluginPhase {
    /// At the end of the chain, before the router.
    UnspecifiedPhase,
    /// Before Istio's authentication filters.
    Authn,
    /// Before Istio's authorization filters, after authentication.
    Authz,
    /// Before Istio's stats filters, after authorization.
    Stats,
}

/// What the proxy does when a plugin cannot be fetched or fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailStrategy {
    /// Refuse the traffic (the default).
    FailClose,
    /// Let the traffic through without the plugin.
    FailOpen,
    /// Reload the plugin and retry.
    FailReload,
}

/// Whether a plugin is an HTTP or a network filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PluginType {
    /// HTTP (the default).
    UnspecifiedPluginType,
    /// An HTTP filter.
    Http,
    /// A network filter.
    Network,
}

/// A plugin's VM settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VmConfig {
    /// Environment variables of the VM (at most 256).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

/// One environment variable of a plugin's VM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    /// The name (required, 1-256 characters, unique).
    pub name: String,
    /// Where the value comes from; INLINE when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvValueSource>,
    /// The value, with INLINE only (at most 2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Where a VM environment variable's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvValueSource {
    /// The `value` field (protobuf's default).
    Inline,
    /// The proxy's own environment variable of the same name.
    Host,
}

/// The traffic a plugin applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficSelector {
    /// The side of the traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WasmWorkloadMode>,
    /// The workload's ports; every port when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<WasmPortSelector>,
}

/// The side of the traffic a plugin applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WasmWorkloadMode {
    /// Both sides (the default).
    Undefined,
    /// Traffic the workload sends.
    Client,
    /// Traffic the workload receives.
    Server,
    /// Both sides.
    ClientAndServer,
}

/// A port of the workload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WasmPortSelector {
    /// The port number, 1-65535 (required).
    #[serde(deserialize_with = "crate::strict::number")]
    pub number: u32,
}

istio_object! {
    /// An `extensions.istio.io/v1alpha1` WasmPlugin: a WebAssembly filter added to the proxies
    /// of the workloads it applies to.
    ///
    /// ```
    /// use istio_types::extensions::{WasmPlugin, WasmPluginSpec};
    /// use istio_types::validate::Validate;
    /// let wp = WasmPlugin::new("openid-connect", "istio-ingress", WasmPluginSpec {
    ///     url: "oci://private-registry:5000/openid-connect/openid:latest".into(),
    ///     ..Default::default()
    /// });
    /// assert!(wp.validate().is_clean());
    /// ```
    WasmPlugin {
        spec: WasmPluginSpec,
        group: Extensions,
        plural: "wasmplugins",
        served: [V1alpha1],
        storage: V1alpha1,
        absent_spec: refused,
    }
}

/// The scheme of `url` as Go's `url.ParseRequestURI` reads it, retried with `http://` in front
/// when that fails, as Istio's `strictParseURL` does (and the CRD's `isURL` rule); `Err` when
/// neither parses. Follows Go's net/url (go1.24 `parse`, `getScheme`, `parseAuthority`,
/// `validUserinfo`, `unescape`) on what decides the verdict here: control characters, the
/// scheme's spelling, a rootless path without a scheme, `%` escapes, the characters allowed in
/// user information and host names, and a numeric port.
fn go_request_uri_scheme(url: &str) -> Result<String, String> {
    fn escapes_ok(s: &str) -> bool {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                if !(i + 2 < b.len()
                    && b[i + 1].is_ascii_hexdigit()
                    && b[i + 2].is_ascii_hexdigit())
                {
                    return false;
                }
                i += 3;
            } else {
                i += 1;
            }
        }
        true
    }
    fn parse(url: &str) -> Result<String, String> {
        if url.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err("invalid control character in URL".into());
        }
        // Go's getScheme: a letter, then letters, digits, `+`, `-`, `.`, up to `:`.
        let mut scheme = "";
        let mut rest = url;
        for (i, c) in url.char_indices() {
            match c {
                'a'..='z' | 'A'..='Z' => {}
                '0'..='9' | '+' | '-' | '.' if i > 0 => {}
                ':' if i == 0 => return Err("missing protocol scheme".into()),
                ':' => {
                    scheme = &url[..i];
                    rest = &url[i + 1..];
                    break;
                }
                _ => break,
            }
        }
        // A request URI keeps `#` in its path; the query is not decoded.
        let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
        if !rest.starts_with('/') {
            if scheme.is_empty() {
                return Err("invalid URI for request".into());
            }
            // A rootless path after a scheme is opaque: accepted as is.
            return Ok(scheme.to_ascii_lowercase());
        }
        let path = if let Some(after) = rest.strip_prefix("//") {
            let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
            let (userinfo, host) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, authority),
            };
            let userinfo_ok = |u: &str| {
                u.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || b >= 0x80 || b"-._:~!$&'()*+,;=%@".contains(&b)
                })
            };
            if userinfo.is_some_and(|u| !userinfo_ok(u)) {
                return Err("invalid userinfo".into());
            }
            let host_ok = host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b >= 0x80 || b"-._~!$&'()*+,;=:[]<>\"%".contains(&b)
            });
            if !host_ok || !escapes_ok(host) {
                return Err(format!("invalid character in host name {host:?}"));
            }
            let port = match host.rsplit_once(']') {
                Some((_, after)) => after.strip_prefix(':'),
                None => host.rsplit_once(':').map(|(_, p)| p),
            };
            if let Some(port) = port
                && !port.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!("invalid port \":{port}\" after host"));
            }
            path
        } else {
            rest
        };
        if !escapes_ok(path) {
            return Err("invalid URL escape".into());
        }
        Ok(scheme.to_ascii_lowercase())
    }
    parse(url).or_else(|first| parse(&format!("http://{url}")).map_err(|_| first))
}

impl Validate for WasmPluginSpec {
    /// Istio's `ValidateWasmPlugin` (pkg/config/validation/validation.go, 1.30.3) and the CRD's
    /// rules (crd-all.gen.yaml).
    fn validate_at(&self, path: &str, report: &mut Report) {
        crate::common::validate_target(self.target.as_ref(), path, report);
        let url_path = join(path, "url");
        if self.url.is_empty() {
            report.error(&url_path, "url field needs to be set");
        } else {
            match go_request_uri_scheme(&self.url) {
                Err(e) => report.error(
                    &url_path,
                    format!("failed to parse url {:?}: {e}", self.url),
                ),
                Ok(scheme)
                    if !matches!(scheme.as_str(), "" | "file" | "http" | "https" | "oci") =>
                {
                    report.error(
                        &url_path,
                        format!("url contains unsupported scheme: {scheme} (use oci, file, http or https)"),
                    );
                }
                Ok(_) => {}
            }
        }
        if let Some(sha) = self.sha256.as_deref().filter(|s| !s.is_empty()) {
            if sha.len() != 64 {
                report.error(
                    join(path, "sha256"),
                    "sha256 field must be 64 characters long",
                );
            } else if !sha.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
                report.error(
                    join(path, "sha256"),
                    "sha256 field must match [a-f0-9]{64} pattern",
                );
            }
        }
        if let Some(secret) = &self.image_pull_secret {
            let n = secret.chars().count();
            if n == 0 || n > 253 {
                report.error(
                    join(path, "imagePullSecret"),
                    format!("imagePullSecret is {n} characters long: 1-253 are allowed"),
                );
            }
        }
        if let Some(name) = &self.plugin_name {
            let n = name.chars().count();
            if n == 0 || n > 256 {
                report.error(
                    join(path, "pluginName"),
                    format!("pluginName is {n} characters long: 1-256 are allowed"),
                );
            }
        }
        if let Some(vm) = &self.vm_config {
            vm.validate_at(&join(path, "vmConfig"), report);
        }
        let match_path = join(path, "match");
        for (i, m) in self.match_.iter().enumerate() {
            let ports_path = join(&index(&match_path, i), "ports");
            for (j, p) in m.ports.iter().enumerate() {
                if !(1..=65535).contains(&p.number) {
                    report.error(
                        join(&index(&ports_path, j), "number"),
                        format!("port {} is out of range: expected 1-65535", p.number),
                    );
                }
            }
        }
    }
}

impl Validate for VmConfig {
    /// Istio's `validateWasmPluginVMConfig` and the CRD's limits on `env`.
    fn validate_at(&self, path: &str, report: &mut Report) {
        let env_path = join(path, "env");
        if self.env.len() > 256 {
            report.error(
                &env_path,
                format!("{} variables: at most 256 are allowed", self.env.len()),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, env) in self.env.iter().enumerate() {
            let p = index(&env_path, i);
            let n = env.name.chars().count();
            if n == 0 {
                report.error(
                    join(&p, "name"),
                    "spec.vmConfig.env invalid: the name is empty",
                );
            } else if n > 256 {
                report.error(
                    join(&p, "name"),
                    format!("env.name is {n} characters long: at most 256 are allowed"),
                );
            }
            if !seen.insert(env.name.as_str()) {
                report.error(join(&p, "name"), format!("duplicate env {:?}", env.name));
            }
            // Protobuf's default source is INLINE; the CRD's rule refuses any `value` with HOST.
            if env.value_from == Some(EnvValueSource::Host) && env.value.is_some() {
                report.error(
                    join(&p, "value"),
                    "value may only be set when valueFrom is INLINE",
                );
            }
            if let Some(v) = &env.value
                && v.chars().count() > 2048
            {
                report.error(
                    join(&p, "value"),
                    format!(
                        "the value is {} characters long: at most 2048 are allowed",
                        v.chars().count()
                    ),
                );
            }
        }
    }
}
