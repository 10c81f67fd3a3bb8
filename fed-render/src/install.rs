//! The commands that install Istio with Helm, shared by both topologies' runbooks.

use fed_model::IstioVersion;

use crate::consumer_provider::GATEWAY_RELEASE;
use crate::p2p::ISTIO_SYSTEM;

/// Whether `version` installs with Helm charts only, the gateway on its own
/// ([`istio_types::dataplane::DataPlane::helm_gateway_chart`]).
pub(crate) fn has_helm_gateway_chart(version: IstioVersion) -> bool {
    version.dataplane().helm_gateway_chart.value
}

/// The chart versions of `version`'s patch releases.
fn chart_version(version: IstioVersion) -> String {
    format!("~{version}.0")
}

/// Adding Istio's chart repository, then `istio/base` and `istio/istiod` (with
/// `istiod_values`) into `istio-system` of context `ctx`.
pub(crate) fn helm_control_plane(
    ctx: &str,
    version: IstioVersion,
    istiod_values: &str,
) -> Vec<String> {
    let v = chart_version(version);
    vec![
        "helm repo add istio https://istio-release.storage.googleapis.com/charts".to_owned(),
        "helm repo update".to_owned(),
        format!(
            "helm install istio-base istio/base -n {ISTIO_SYSTEM} --kube-context {ctx} --version '{v}'"
        ),
        format!(
            "helm install istiod istio/istiod -n {ISTIO_SYSTEM} --kube-context {ctx} --version '{v}' -f {istiod_values} --wait"
        ),
    ]
}

/// `istio/gateway` released as [`GATEWAY_RELEASE`] into `namespace` of context `ctx`: its pods
/// are labelled `istio: ingressgateway` (the release name without `istio-`), which the rendered
/// Gateways select, and its Service is named `istio-ingressgateway`.
pub(crate) fn helm_gateway(
    ctx: &str,
    version: IstioVersion,
    namespace: &str,
    values: &str,
) -> String {
    format!(
        "helm install {GATEWAY_RELEASE} istio/gateway -n {namespace} --kube-context {ctx} --version '{v}' -f {values}",
        v = chart_version(version)
    )
}
