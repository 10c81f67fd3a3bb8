//! The analyzers over rendered federations, the federation-level checks, and `explain`.

use std::fmt::Write as _;

use fed_model::ValidatedFederation;
use fed_render::analyze::{FederationFinding, FindingCode, analyze};
use fed_render::{Bundle, Object};
use istio_types::IstioResource;

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn validated(text: &str) -> ValidatedFederation {
    fed_model::validate_yaml_str(text, None, None)
        .unwrap_or_else(|r| panic!("{r}"))
        .federation
}

fn findings(fed: &ValidatedFederation) -> (Vec<Bundle>, Vec<FederationFinding>) {
    let bundles = fed_render::render(fed).unwrap();
    let found = analyze(fed, &bundles);
    (bundles, found)
}

/// One line per finding: what a reviewer reads in the snapshot.
fn listing(found: &[FederationFinding]) -> String {
    if found.is_empty() {
        return "(no findings)\n".to_owned();
    }
    let mut out = String::new();
    for f in found {
        let _ = writeln!(out, "{f}");
    }
    out
}

/// The APAN example at the Istio it was run on and at a current one, and the LIQO example:
/// no errors, and only the warnings listed (and reviewed) in the snapshot.
#[test]
fn rendered_examples_have_only_the_reviewed_warnings() {
    let apan = example("apan.yaml");
    let mut out = String::new();
    for (label, text) in [
        ("apan.yaml (Istio 1.5)", apan.clone()),
        (
            "apan.yaml at Istio 1.30",
            apan.replace("version: \"1.5\"", "version: \"1.30\""),
        ),
        ("liqo.yaml (Istio 1.22)", example("liqo.yaml")),
    ] {
        let fed = validated(&text);
        let (_, found) = findings(&fed);
        assert!(
            found
                .iter()
                .all(|f| f.severity == istio_types::validate::Severity::Warning),
            "{label}: {found:#?}"
        );
        let _ = writeln!(out, "## {label}\n{}", listing(&found));
    }
    insta::assert_snapshot!("rendered_examples_findings", out);
}

#[test]
fn apan_without_shared_ca_is_the_only_apan_warning_and_names_the_document_path() {
    let fed = validated(&example("apan.yaml"));
    let (_, found) = findings(&fed);
    let codes: Vec<_> = found
        .iter()
        .map(|f| {
            (
                f.code,
                f.cluster.as_str(),
                f.object_path.as_str(),
                f.federation_path.as_str(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [(
            FindingCode::IstioMutualWithoutSharedCa,
            "tein",
            "spec.trafficPolicy.tls.mode",
            "spec.mesh.ca"
        )]
    );
}

#[test]
fn istio_mutual_without_shared_ca_fixed_by_mesh_ca() {
    let dir = std::env::temp_dir().join(format!("meshfed-analyze-ca-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ca =
        fed_render::certs::generate(&["tein", "gke"], time::OffsetDateTime::UNIX_EPOCH).unwrap();
    for f in ca.files() {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &f.contents).unwrap();
    }
    let text = example("apan.yaml").replace(
        "    # ca:                      # optional shared root CA (make one with `fedctl certs`)\n    #   dir: ./certs           # relative to this file\n",
        &format!("    ca:\n      dir: {}\n", dir.display()),
    );
    assert!(text.contains("    ca:\n"), "the example's ca comment moved");
    let fed = validated(&text);
    let (_, found) = findings(&fed);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, []);
}

#[test]
fn peer_gateway_port_missing_when_the_peer_serves_another_port() {
    let fed = validated(&example("apan.yaml"));
    let (mut bundles, _) = findings(&fed);
    let before = analyze(&fed, &bundles);
    assert!(
        before
            .iter()
            .all(|f| f.code != FindingCode::PeerGatewayPortMissing)
    );
    // gke's gateway serves passthrough on another port than tein's endpoint uses.
    let gke = bundles.iter_mut().find(|b| b.cluster == "gke").unwrap();
    for o in &mut gke.objects {
        if let Object::Istio(r) = o
            && let IstioResource::Gateway(g) = r
        {
            for s in &mut g.spec.servers {
                if s.port.number == 15443 {
                    s.port.number = 15444;
                }
            }
        }
    }
    let after = analyze(&fed, &bundles);
    let missing: Vec<_> = after
        .iter()
        .filter(|f| f.code == FindingCode::PeerGatewayPortMissing)
        .collect();
    assert_eq!(missing.len(), 1, "{after:#?}");
    assert_eq!(missing[0].cluster, "tein");
    assert_eq!(missing[0].kind, "ServiceEntry");
    assert_eq!(missing[0].object_path, "spec.endpoints[0].ports[http]");
    assert_eq!(
        missing[0].federation_path,
        "spec.topology.peerToPeer.peers[1].gateway.port"
    );
    assert!(
        missing[0].message.contains("15444"),
        "{}",
        missing[0].message
    );
    // One bundle at a time, in either order of analysis: the same findings, the port check
    // included (it reads the other bundle's gateway only in `finish`).
    let analyzer = fed_render::analyze::Analyzer::new(&fed);
    let mut parts: Vec<_> = bundles.iter().rev().map(|b| analyzer.bundle(b)).collect();
    parts.reverse();
    assert_eq!(analyzer.finish(parts), after);
}

#[test]
fn one_bundle_at_a_time_finds_what_all_at_once_finds() {
    let mut compared = 0;
    for text in [
        example("apan.yaml"),
        example("three-peers.yaml"),
        example("liqo.yaml"),
        example("apan.yaml").replace("version: \"1.5\"", "version: \"1.30\""),
    ] {
        let fed = validated(&text);
        let (bundles, found) = findings(&fed);
        compared += found.len();
        let analyzer = fed_render::analyze::Analyzer::new(&fed);
        let parts = bundles.iter().map(|b| analyzer.bundle(b)).collect();
        assert_eq!(analyzer.finish(parts), found);
    }
    assert!(compared > 0, "the examples have findings to compare");
}

#[test]
fn thresholds_findings_map_to_the_overflow_rule() {
    // maxEjectionPercent 50: the local pod can never be ejected with one remote endpoint.
    let text = example("apan.yaml")
        .replace("version: \"1.5\"", "version: \"1.30\"")
        .replace("maxEjectionPercent: 100", "maxEjectionPercent: 40");
    let fed = validated(&text);
    let (_, found) = findings(&fed);
    let low: Vec<_> = found
        .iter()
        .filter(|f| {
            f.code == FindingCode::Istio(istio_types::analysis::Code::MaxEjectionPercentTooLow)
        })
        .collect();
    assert_eq!(low.len(), 1, "{found:#?}");
    assert_eq!(
        low[0].federation_path,
        "spec.services[0].overflow[0].thresholds.maxEjectionPercent"
    );
    assert_eq!(
        low[0].object_path,
        "spec.trafficPolicy.outlierDetection.maxEjectionPercent"
    );
}

#[test]
fn explain_apan() {
    let fed = validated(&example("apan.yaml"));
    let (_, found) = findings(&fed);
    let text = fed_render::explain::explain(&fed, "echo", &found)
        .unwrap()
        .to_string();
    insta::assert_snapshot!("explain_apan", text);
    assert!(text.contains(
        "1 connection at a time stays within the limits: every request is served in tein"
    ));
    assert!(text.contains("3 parallel connections exceed the 2 requests"));
    assert!(text.contains("requests go to gke for 1m"));
}

#[test]
fn explain_liqo_and_unknown_service() {
    let fed = validated(&example("liqo.yaml"));
    let text = fed_render::explain::explain(&fed, "fluidosmesh/s0", &[])
        .unwrap()
        .to_string();
    insta::assert_snapshot!("explain_liqo", text);
    let err = fed_render::explain::explain(&fed, "s1", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no service \"s1\" in federation fluidosmesh (services: fluidosmesh/s0)"
    );
}

/// A peer's Deployments are its local pods: with four replicas one ejected pod moves nothing,
/// reported against the overflow rule's thresholds. A consumer/provider bundle's Deployments
/// (one per zone, behind one Service) are not counted as local.
#[test]
fn peer_deployments_count_as_the_local_pods() {
    let four = example("apan.yaml").replacen("replicas: 1", "replicas: 4", 1);
    let fed = validated(&four);
    let (bundles, found) = findings(&fed);
    let tein = bundles.iter().find(|b| b.cluster == "tein").unwrap();
    let ctx = fed_render::analyze::context(&fed, tein);
    assert_eq!(
        ctx.workloads
            .iter()
            .map(|w| (w.name.as_str(), w.replicas))
            .collect::<Vec<_>>(),
        [("echo", 4)]
    );
    let one: Vec<_> = found
        .iter()
        .filter(|f| {
            f.code == FindingCode::Istio(istio_types::analysis::Code::OneEjectionMovesNothing)
        })
        .collect();
    assert_eq!(one.len(), 1, "{found:#?}");
    assert_eq!(one[0].cluster, "tein");
    assert_eq!(
        one[0].federation_path,
        "spec.services[0].overflow[0].thresholds"
    );
    assert!(one[0].message.contains("4 local pods (default/echo)"));
    // One replica: nothing to say.
    let (_, found) = findings(&validated(&example("apan.yaml")));
    assert!(found.iter().all(
        |f| f.code != FindingCode::Istio(istio_types::analysis::Code::OneEjectionMovesNothing)
    ));

    let liqo = validated(&example("liqo.yaml"));
    let bundles = fed_render::render(&liqo).unwrap();
    assert!(
        bundles
            .iter()
            .any(|b| b.of_kind("Deployment").next().is_some())
    );
    for b in &bundles {
        assert!(fed_render::analyze::context(&liqo, b).workloads.is_empty());
    }
}
