//! A document without `spec`: Istio's CRDs require `spec` for ServiceEntry, WorkloadEntry,
//! WorkloadGroup and WasmPlugin only (`required: [spec]` in crd-all.gen.yaml). For every other
//! kind the API server stores the object and Istio reads it as the empty spec, so we read it
//! too, check the empty spec, and write the object back without `spec` (not as `spec: {}`).

use istio_types::IstioResource;
use istio_types::read::{Document, ReadError, read_stream};

fn read(yaml: &str) -> Result<IstioResource, Box<ReadError>> {
    match read_stream(yaml, None).remove(0).result {
        Ok(Document::Istio(r)) => Ok(r),
        Ok(other) => panic!("not an Istio resource: {other:?}"),
        Err(e) => Err(Box::new(e)),
    }
}

fn doc(api_version: &str, kind: &str) -> String {
    format!(
        "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: no-spec\n  namespace: foo\n"
    )
}

/// Reads the document, checks it against the real CRD, and writes it back byte for byte.
fn round_trips_without_spec(api_version: &str, kind: &str) -> IstioResource {
    let yaml = doc(api_version, kind);
    let r = read(&yaml).unwrap_or_else(|e| panic!("{kind}: {e}"));
    let written = istio_types::write::to_yaml(&r).unwrap();
    assert_eq!(written, yaml, "{kind} must be written back without spec");
    assert_eq!(read(&written).unwrap(), r);
    if let Some(crds) = testkit::CrdSet::istio() {
        crds.assert_valid(&serde_json::to_value(&r).unwrap());
    }
    r
}

#[test]
fn kinds_whose_crd_does_not_require_spec_read_and_write_without_it() {
    // Valid to Istio: the empty spec of each passes its webhook rules (an AuthorizationPolicy
    // that allows nothing, a PeerAuthentication that inherits, a RequestAuthentication and an
    // EnvoyFilter that do nothing).
    for (api_version, kind) in [
        ("security.istio.io/v1", "AuthorizationPolicy"),
        ("security.istio.io/v1beta1", "PeerAuthentication"),
        ("security.istio.io/v1", "RequestAuthentication"),
        ("networking.istio.io/v1alpha3", "EnvoyFilter"),
    ] {
        let r = round_trips_without_spec(api_version, kind);
        let report = r.validate();
        assert!(!report.has_errors(), "{kind}: {report:?}");
    }
}

#[test]
fn an_absent_spec_is_checked_as_the_empty_spec() {
    // Istio's ValidateSidecar: "sidecar: empty configuration provided"; a DestinationRule needs
    // its host. Reading succeeds (the API server stores them); the webhook refuses them.
    for (api_version, kind, field) in [
        ("networking.istio.io/v1", "Sidecar", "spec"),
        ("networking.istio.io/v1", "DestinationRule", "spec.host"),
    ] {
        let r = round_trips_without_spec(api_version, kind);
        let report = r.validate();
        assert!(
            report.errors().any(|f| f.path == field),
            "{kind}: {report:?}"
        );
    }
}

#[test]
fn an_explicit_empty_spec_stays_written() {
    let yaml = format!(
        "{}spec: {{}}\n",
        doc("security.istio.io/v1", "PeerAuthentication")
    );
    let r = read(&yaml).unwrap();
    assert_eq!(istio_types::write::to_yaml(&r).unwrap(), yaml);
    let yaml = format!(
        "{}spec:\n  workloadSelector:\n    labels:\n      app: a\n",
        doc("networking.istio.io/v1alpha3", "EnvoyFilter")
    );
    assert_eq!(
        istio_types::write::to_yaml(&read(&yaml).unwrap()).unwrap(),
        yaml
    );
}

#[test]
fn convert_keeps_the_spec_absent() {
    let mut r = read(&doc("security.istio.io/v1beta1", "AuthorizationPolicy")).unwrap();
    r.set_api_version(istio_types::ApiVersion::V1).unwrap();
    assert_eq!(
        istio_types::write::to_yaml(&r).unwrap(),
        doc("security.istio.io/v1", "AuthorizationPolicy")
    );
}

#[test]
fn kinds_whose_crd_requires_spec_refuse_a_document_without_it() {
    for (api_version, kind) in [
        ("networking.istio.io/v1", "ServiceEntry"),
        ("networking.istio.io/v1", "WorkloadEntry"),
        ("networking.istio.io/v1", "WorkloadGroup"),
    ] {
        let e = read(&doc(api_version, kind)).unwrap_err();
        assert!(e.message.contains("missing field `spec`"), "{kind}: {e}");
        if let Some(crds) = testkit::CrdSet::istio() {
            let v: serde_json::Value = serde_saphyr::from_str(&doc(api_version, kind)).unwrap();
            assert!(!crds.check(&v).is_empty(), "{kind}: the CRD requires spec");
        }
    }
}
