//! The YAML in the project's source documents (the APAN-50 seeds) reads with our types.
//!
//! The seeds are text extracted from slides, so some blocks lost their indentation. The
//! corrections are a per-block table below, applied mechanically: every line of the block is
//! stripped of its leading spaces and re-indented by the number of spaces the table gives for
//! that line. Blocks not in the table are read exactly as they are in the seed.

use istio_types::IstioResource;
use istio_types::read::{Document, read_stream};
use istio_types::validate::Severity;

/// ```-fenced blocks of a seed, in order.
fn fenced_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match current.take() {
                Some(b) => blocks.push(b),
                None => current = Some(String::new()),
            }
        } else if let Some(b) = current.as_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

/// Indentation corrections: (seed file, block index, spaces for each line of the block).
///
/// - Seed 001, block 0 (the ServiceEntry): every line was at column 0. The table restores the
///   structure the document evidently has (and that seed 002 shows for its first 14 lines):
///   `name` under `metadata`; `hosts`, `ports`, `resolution`, `location`, `endpoints` under
///   `spec`; `number`/`protocol` inside the port item; `locality` and `ports` inside the
///   endpoint item; `http: 15443` inside the endpoint's `ports`.
/// - Seed 002, block 0 (the same ServiceEntry): lines 0-14 are correct; the endpoint's
///   `locality`, `ports` and `http: 15443` were flattened to the level of `endpoints` (as
///   written, `ports` would be a duplicate key of `spec`). They get the same indentation as in
///   seed 001's corrected block. Nothing else changes.
/// - Seed 002's DestinationRule puts `tls` under `spec` instead of `spec.trafficPolicy`. That is
///   a real mistake, not an extraction artefact: it is left alone and must fail.
const FIXES: &[(&str, usize, &[usize])] = &[
    (
        "seeds/001_a782047e751aa1ba.txt",
        0,
        &[0, 0, 0, 2, 0, 2, 2, 2, 2, 4, 4, 2, 2, 2, 2, 4, 4, 6],
    ),
    (
        "seeds/002_50146ed4c937dee1.txt",
        0,
        &[0, 0, 0, 2, 0, 2, 2, 2, 2, 4, 4, 2, 2, 2, 2, 4, 4, 6],
    ),
];

fn reindent(block: &str, spaces: &[usize]) -> String {
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(
        lines.len(),
        spaces.len(),
        "the correction table no longer matches the block:\n{block}"
    );
    lines
        .iter()
        .zip(spaces)
        .fold(String::new(), |mut out, (l, n)| {
            out.push_str(&" ".repeat(*n));
            out.push_str(l.trim_start());
            out.push('\n');
            out
        })
}

/// The seed's blocks, corrected where the table says so.
fn blocks(seed: &str) -> Option<Vec<String>> {
    let path = testkit::shared_file(seed)?;
    let text = std::fs::read_to_string(path).unwrap();
    Some(
        fenced_blocks(&text)
            .into_iter()
            .enumerate()
            .map(
                |(i, b)| match FIXES.iter().find(|(s, bi, _)| *s == seed && *bi == i) {
                    Some((_, _, spaces)) => reindent(&b, spaces),
                    None => b,
                },
            )
            .collect(),
    )
}

fn read_istio(block: &str) -> IstioResource {
    let docs = read_stream(block, None);
    assert_eq!(docs.len(), 1, "{block}");
    match &docs[0].result {
        Ok(Document::Istio(r)) => r.clone(),
        other => panic!("expected an Istio object, got {other:?}\n{block}"),
    }
}

#[test]
fn seed_001_service_entry_and_destination_rule_read() {
    let Some(b) = blocks("seeds/001_a782047e751aa1ba.txt") else {
        return;
    };
    assert_eq!(
        b.len(),
        2,
        "seed 001 has a ServiceEntry and a DestinationRule"
    );
    let IstioResource::ServiceEntry(se) = read_istio(&b[0]) else {
        panic!("block 0 is not a ServiceEntry")
    };
    assert_eq!(se.spec.hosts, ["a.istio.svc.cluster.local"]);
    // `protocol: http` (lower case) is valid in Istio and kept as written.
    assert_eq!(se.spec.ports[0].protocol.as_deref(), Some("http"));
    let ep = &se.spec.endpoints()[0];
    // `address: #IP address of ...` is a YAML comment: the address is a placeholder.
    assert_eq!(ep.address, None);
    assert_eq!(ep.locality.as_deref(), Some("us-west1/us-west1-b"));
    assert_eq!(ep.ports["http"], 15443);
    // Istio would reject the placeholder (STATIC endpoints need an address), nothing else.
    let report = IstioResource::ServiceEntry(se).validate();
    let errors: Vec<_> = report.errors().map(|f| f.path.as_str()).collect();
    assert_eq!(errors, ["spec.endpoints[0].address"], "{report:?}");

    let IstioResource::DestinationRule(dr) = read_istio(&b[1]) else {
        panic!("block 1 is not a DestinationRule")
    };
    let tp = dr.spec.traffic_policy.as_ref().unwrap();
    assert_eq!(
        tp.outlier_detection.as_ref().unwrap().consecutive_errors,
        Some(1)
    );
    assert_eq!(
        tp.tls.as_ref().unwrap().mode,
        Some(istio_types::networking::TlsMode::IstioMutual)
    );
    // consecutiveErrors is deprecated and ignored since Istio 1.7: a warning, not an error.
    let report = IstioResource::DestinationRule(dr).validate();
    assert!(!report.has_errors(), "{report:?}");
    let warnings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["spec.trafficPolicy.outlierDetection.consecutiveErrors"]
    );
}

#[test]
fn seed_002_service_entry_reads_and_its_destination_rule_fails_at_spec_tls() {
    let Some(b) = blocks("seeds/002_50146ed4c937dee1.txt") else {
        return;
    };
    assert_eq!(b.len(), 2);
    let IstioResource::ServiceEntry(se) = read_istio(&b[0]) else {
        panic!("block 0 is not a ServiceEntry")
    };
    assert_eq!(se.spec.endpoints()[0].ports["http"], 15443);
    let docs = read_stream(&b[1], None);
    let err = docs[0]
        .result
        .as_ref()
        .expect_err("seed 002's DestinationRule has tls under spec");
    assert_eq!(err.path.as_deref(), Some("spec.tls"), "{err}");
    assert!(err.message.contains("unknown field `tls`"), "{err}");
    assert_eq!(err.location.line, Some(20), "{err}");
}

#[test]
fn seed_002_service_entry_block_as_extracted_is_rejected() {
    // Without the correction the endpoint's fields land in `spec`: not silently accepted.
    let Some(path) = testkit::shared_file("seeds/002_50146ed4c937dee1.txt") else {
        return;
    };
    let raw = &fenced_blocks(&std::fs::read_to_string(path).unwrap())[0];
    let docs = read_stream(raw, None);
    assert!(docs[0].result.is_err(), "{:?}", docs[0].result);
}

#[test]
fn seed_003_block_is_helm_values_not_a_kubernetes_object() {
    // Seed 003 names ingress-gw.yaml, echo-vs.yaml, echo-entry.yaml and echo-dr.yaml but does
    // not include them: its only fenced block is the Helm values file (config.yaml). No
    // Gateway or VirtualService YAML is in the seed, so there is nothing of another kind to
    // read as IstioResource or Document::Other here.
    let Some(b) = blocks("seeds/003_31e2287748c25351.txt") else {
        return;
    };
    assert_eq!(b.len(), 1, "{b:?}");
    let values: serde_json::Value = serde_saphyr::from_str(&b[0]).expect("valid YAML");
    assert_eq!(values["global"]["mtls"]["enabled"], true);
    let docs = read_stream(&b[0], None);
    let err = docs[0].result.as_ref().expect_err("not an object");
    assert!(err.message.contains("not a Kubernetes object"), "{err}");
}

/// The seeds' configuration (seed 001: the ServiceEntry that adds cluster 2's gateway to
/// service A, and the DestinationRule whose limits push traffic over) through the cross-resource
/// analyzers, for the Istio the study ran (1.5) and a current one (1.30). Service A itself is a
/// Kubernetes Service in namespace `istio` with port `http` (seed 003 deploys it), which the
/// seed does not show: it is given as known.
#[test]
fn seed_001_configuration_through_the_analyzers_at_istio_1_5_and_1_30() {
    use istio_types::analysis::{
        AnalysisContext, Code, IstioRelease, KnownPort, KnownService, analyze,
    };
    let Some(b) = blocks("seeds/001_a782047e751aa1ba.txt") else {
        return;
    };
    let set = [read_istio(&b[0]), read_istio(&b[1])];
    let ctx = |major, minor| AnalysisContext {
        services: vec![KnownService {
            name: "a".into(),
            namespace: "istio".into(),
            host: "a.istio.svc.cluster.local".into(),
            ports: vec![KnownPort {
                name: Some("http".into()),
                number: 80,
            }],
            selector: [("app".to_owned(), "a".to_owned())].into(),
        }],
        services_complete: true,
        ..AnalysisContext::for_release(IstioRelease::new(major, minor))
    };
    let found = |major, minor| -> Vec<(Code, &'static str, String)> {
        analyze(&set, &ctx(major, minor))
            .into_iter()
            .map(|f| (f.code, f.kind, f.path))
            .collect()
    };
    // Istio 1.5 does what the study saw: the entry's endpoint merges into service A (same
    // host, same port names; the seed's objects carry no namespace, so that is not judged),
    // maxEjectionPercent 100 lets the local endpoint go, consecutiveErrors counts gateway
    // errors. Nothing to report.
    assert_eq!(found(1, 5), []);
    // On Istio 1.30 the same YAML silently stops overflowing, three times over: the entry is
    // not merged, the rule's limits also apply to every client, whose own overflow never
    // ejects on 1.30, and consecutiveErrors is ignored.
    assert_eq!(
        found(1, 30),
        [
            (
                Code::ServiceEntryNotMerged,
                "ServiceEntry",
                "spec.hosts[0]".to_owned()
            ),
            (
                Code::ClientOverflowNeverEjects,
                "DestinationRule",
                "spec.trafficPolicy.connectionPool".to_owned()
            ),
            (
                Code::ConsecutiveErrorsIgnored,
                "DestinationRule",
                "spec.trafficPolicy.outlierDetection.consecutiveErrors".to_owned()
            ),
        ]
    );
}
