//! `ProxyConfig`: per-workload proxy settings (concurrency, environment, image), served at
//! `networking.istio.io/v1beta1` only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::WorkloadSelector;
use crate::resource::istio_object;
use crate::validate::{Report, Validate, join, key};

/// The spec of a ProxyConfig.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProxyConfigSpec {
    /// The workloads the settings apply to; every workload of the namespace (of the mesh, in
    /// the root namespace) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Worker threads of the proxy; 0 uses every core, absent keeps the default.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_number"
    )]
    pub concurrency: Option<i32>,
    /// Environment variables set in the proxy (values at most 2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<BTreeMap<String, String>>,
    /// The proxy image to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ProxyImage>,
}

/// Which proxy image a workload runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProxyImage {
    /// The image variant, e.g. `default`, `debug` or `distroless`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
}

istio_object! {
    /// A `networking.istio.io/v1beta1` ProxyConfig: proxy settings for some workloads, applied
    /// when their pods start.
    ///
    /// ```
    /// use istio_types::networking::{ProxyConfig, ProxyConfigSpec};
    /// let pc = ProxyConfig::new("per-workload", "bookinfo", ProxyConfigSpec {
    ///     concurrency: Some(0),
    ///     ..Default::default()
    /// });
    /// assert!(istio_types::write::to_yaml(&pc).unwrap().contains("concurrency: 0"));
    /// ```
    ProxyConfig {
        spec: ProxyConfigSpec,
        group: Networking,
        plural: "proxyconfigs",
        served: [V1beta1],
        storage: V1beta1,
        absent_spec: empty,
    }
}

impl Validate for ProxyConfigSpec {
    /// Istio's `ValidateProxyConfig` (pkg/config/validation/validation.go, 1.30.3) and the CRD's
    /// rules (crd-all.gen.yaml: `concurrency` at least 0, variable values at most 2048).
    fn validate_at(&self, path: &str, report: &mut Report) {
        if let Some(selector) = &self.selector {
            selector.validate_at(&join(path, "selector"), report);
        }
        if let Some(c) = self.concurrency
            && c < 0
        {
            report.error(
                join(path, "concurrency"),
                format!("concurrency {c} must be greater than or equal to 0"),
            );
        }
        let env_path = join(path, "environmentVariables");
        for (name, value) in self.environment_variables.iter().flatten() {
            if value.chars().count() > 2048 {
                report.error(
                    key(&env_path, name),
                    format!(
                        "the value of {name} is {} characters long: at most 2048 are allowed",
                        value.chars().count()
                    ),
                );
            }
        }
    }
}
