//! What the renderer relies on: defaults applied, names resolved, versions mapped.

use std::path::Path;

use fed_model::{ClusterRole, GatewayAddress, NetworkingApiVersion, ProtocolKind, Topology};

fn validated(name: &str) -> fed_model::ValidatedFederation {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    fed_model::validate_yaml_str(&text, Some(&path), path.parent())
        .unwrap_or_else(|r| panic!("{r}"))
        .federation
}

#[test]
fn apan_defaults_and_resolution() {
    let fed = validated("apan.yaml");
    assert_eq!(fed.name().as_str(), "apan-demo");
    assert_eq!(fed.istio().version().to_string(), "1.5");
    assert_eq!(
        fed.istio().networking_api_version(),
        NetworkingApiVersion::V1alpha3
    );
    assert_eq!(fed.mesh().cluster_domain(), "cluster.local");
    let names: Vec<&str> = fed.clusters().map(|c| c.name().as_str()).collect();
    assert_eq!(names, ["tein", "gke"]);
    let gke = fed.cluster("gke").unwrap();
    assert_eq!(gke.role(), ClusterRole::Peer);
    assert_eq!(gke.context(), "gke");
    assert_eq!(gke.locality().zone(), Some("us-west1-b"));
    let gateway = gke.gateway().unwrap();
    assert_eq!(gateway.port().get(), 15443, "default gateway port");
    assert!(
        matches!(gateway.address(), GatewayAddress::Ip(ip) if ip.to_string() == "202.28.193.115")
    );
    assert_eq!(
        gateway.selector().get("istio").map(String::as_str),
        Some("ingressgateway")
    );

    let echo = fed.service("default", "echo").unwrap();
    assert_eq!(echo.fqdn(), "echo.default.svc.cluster.local");
    assert_eq!(echo.selector().get("app").map(String::as_str), Some("echo"));
    assert_eq!(
        echo.service_account(),
        "echo",
        "a rendered workload gets its own account"
    );
    assert_eq!(echo.ports()[0].protocol().kind(), ProtocolKind::Http);
    assert_eq!(echo.ports()[0].effective_target_port().get(), 80);
    let rule = echo.overflow_from("tein").unwrap();
    let to: Vec<&str> = rule
        .to()
        .iter()
        .map(fed_model::Dns1123Label::as_str)
        .collect();
    assert_eq!(to, ["gke"]);
    let t = rule.thresholds();
    assert_eq!(t.max_connections(), Some(1));
    assert_eq!(t.interval().unwrap().as_millis(), 1_000);
    assert_eq!(t.base_ejection_time().unwrap().as_str(), "1m");
    assert_eq!(t.max_ejection_percent().unwrap().get(), 100);
    assert!(echo.thresholds().is_none());
}

#[test]
fn liqo_topology() {
    let fed = validated("liqo.yaml");
    let Topology::ConsumerProvider {
        consumer,
        providers,
    } = fed.topology()
    else {
        panic!("consumerProvider expected");
    };
    assert_eq!(consumer.name().as_str(), "consumer");
    assert_eq!(providers[0].locality().zone(), Some("provider1"));
    assert_eq!(
        providers[0].resources().unwrap().memory().unwrap().as_str(),
        "20Gi"
    );
    assert!(consumer.gateway().is_none());
    assert_eq!(
        fed.istio().networking_api_version(),
        NetworkingApiVersion::V1beta1
    );
    let s0 = &fed.services()[0];
    assert!(s0.overflow().is_empty());
    assert_eq!(s0.thresholds().unwrap().consecutive_errors(), Some(5));
    assert_eq!(
        s0.workload().unwrap().autoscaling().unwrap().max_replicas(),
        10
    );
}

#[test]
fn storage_versions_by_release() {
    for (version, api) in [
        ("1.5", NetworkingApiVersion::V1alpha3),
        ("1.21", NetworkingApiVersion::V1alpha3),
        ("1.22", NetworkingApiVersion::V1beta1),
        ("1.26", NetworkingApiVersion::V1beta1),
        ("1.27", NetworkingApiVersion::V1),
        ("1.32", NetworkingApiVersion::V1),
    ] {
        let v = fed_model::IstioVersion::parse(version).unwrap();
        assert_eq!(v.storage_networking_api_version(), api, "{version}");
    }
    assert!(fed_model::IstioVersion::parse("1.33").is_err());
    assert!(
        fed_model::IstioVersion::parse("1.10").unwrap()
            > fed_model::IstioVersion::parse("1.9").unwrap()
    );
}

#[test]
fn documents_built_in_code_validate_without_a_file() {
    let mut doc = fed_model::from_yaml_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/apan.yaml"),
        )
        .unwrap(),
        None,
    )
    .unwrap();
    doc.spec.services[0].overflow[0].to = vec!["nowhere".to_owned()];
    doc.source = None;
    let report = doc.validate(None).unwrap_err();
    let error = report.errors().next().unwrap();
    assert_eq!(error.path, "spec.services[0].overflow[0].to[0]");
    assert_eq!((error.file.as_ref(), error.line), (None, None));
    assert_eq!(
        error.to_string(),
        r#"error: spec.services[0].overflow[0].to[0]: cluster "nowhere" is not defined (defined: tein, gke)"#
    );
}

#[test]
fn ca_files_must_exist_and_be_pem() {
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ca-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("certs/tein")).unwrap();
    std::fs::write(dir.join("certs/root-cert.pem"), PEM).unwrap();
    for file in [
        "ca-cert.pem",
        "ca-key.pem",
        "cert-chain.pem",
        "root-cert.pem",
    ] {
        std::fs::write(dir.join("certs/tein").join(file), PEM).unwrap();
    }
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/apan.yaml"),
    )
    .unwrap()
    .replacen(
        "    clusterDomain: cluster.local\n",
        "    clusterDomain: cluster.local\n    ca: {dir: ./certs}\n",
        1,
    );
    let doc = dir.join("fed.yaml");
    // gke's files are missing.
    let report = fed_model::validate_yaml_str(&text, Some(&doc), Some(&dir)).unwrap_err();
    let messages: Vec<&str> = report.errors().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 4, "{report}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("/certs/gke/") && m.ends_with(" is missing")),
        "{report}"
    );
    assert!(report.errors().all(|d| d.path == "spec.mesh.ca.dir"));
    // With them, but one not PEM.
    std::fs::create_dir_all(dir.join("certs/gke")).unwrap();
    for file in [
        "ca-cert.pem",
        "ca-key.pem",
        "cert-chain.pem",
        "root-cert.pem",
    ] {
        std::fs::write(dir.join("certs/gke").join(file), PEM).unwrap();
    }
    std::fs::write(dir.join("certs/gke/ca-key.pem"), "not a key").unwrap();
    let report = fed_model::validate_yaml_str(&text, Some(&doc), Some(&dir)).unwrap_err();
    assert_eq!(report.errors().count(), 1, "{report}");
    assert!(
        report.to_string().contains("gke/ca-key.pem is not PEM"),
        "{report}"
    );
    // All good: the resolved directory is handed to the renderer.
    std::fs::write(
        dir.join("certs/gke/ca-key.pem"),
        PEM.replace("CERTIFICATE", "PRIVATE KEY"),
    )
    .unwrap();
    let validated = fed_model::validate_yaml_str(&text, Some(&doc), Some(&dir)).unwrap();
    assert_eq!(
        validated.federation.mesh().ca_dir(),
        Some(dir.join("./certs").as_path())
    );
}

#[test]
fn retry_remote_before_the_field_names_the_tables_first_release() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/apan.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rule = text
        .lines()
        .find(|l| l.trim_start().starts_with("thresholds:"))
        .expect("apan.yaml has an overflow rule with thresholds");
    let indent = &rule[..rule.len() - rule.trim_start().len()];
    let doc = text.replacen(rule, &format!("{indent}retryRemote: true\n{rule}"), 1);
    // apan.yaml is Istio 1.5, which the table says has no retryRemoteLocalities.
    let Err(report) = fed_model::validate_yaml_str(&doc, Some(&path), path.parent()) else {
        panic!("retryRemote on Istio 1.5 is refused");
    };
    let first = (5..=40)
        .map(|m| istio_types::release::IstioRelease::new(1, m))
        .find(|r| {
            istio_types::dataplane::DataPlane::of(*r)
                .retry_remote_localities
                .value
                .is_some()
        })
        .unwrap();
    let text = report.to_string();
    assert!(
        text.contains(&format!("retryRemote needs Istio {first} or newer")),
        "{text}"
    );
    assert!(text.contains("retryRemote"), "{text}");
}
