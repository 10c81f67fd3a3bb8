//! `fedctl graph` (issue 20): the picture of the APAN, three-peer and LIQO examples in the
//! three formats. The snapshots were read before being accepted; the SVG is also parsed as
//! XML and checked to hold every cluster and every edge.

use fed_render::graph::{EdgeKind, Graph, Verdict};

const APAN: &str = include_str!("../../examples/apan.yaml");
const THREE_PEERS: &str = include_str!("../../examples/three-peers.yaml");
const LIQO: &str = include_str!("../../examples/liqo.yaml");

fn graph(doc: &str) -> Graph {
    let fed = fed_model::validate_yaml_str(doc, None, None)
        .expect("the example is valid")
        .federation;
    Graph::of(&fed)
}

#[test]
fn mermaid_pictures() {
    insta::assert_snapshot!("apan_mermaid", graph(APAN).to_mermaid());
    insta::assert_snapshot!("three_peers_mermaid", graph(THREE_PEERS).to_mermaid());
    insta::assert_snapshot!("liqo_mermaid", graph(LIQO).to_mermaid());
}

#[test]
fn dot_pictures() {
    insta::assert_snapshot!("apan_dot", graph(APAN).to_dot());
    insta::assert_snapshot!("three_peers_dot", graph(THREE_PEERS).to_dot());
    insta::assert_snapshot!("liqo_dot", graph(LIQO).to_dot());
}

#[test]
fn svg_pictures() {
    insta::assert_snapshot!("apan_svg", graph(APAN).to_svg());
    insta::assert_snapshot!("three_peers_svg", graph(THREE_PEERS).to_svg());
    insta::assert_snapshot!("liqo_svg", graph(LIQO).to_svg());
}

/// The SVG parses as XML, is an `svg` document, and has one box per cluster and one arrow
/// (and legend entry) per edge, found by their ids.
#[test]
fn svg_is_well_formed_with_every_cluster_and_edge() {
    for (name, doc) in [("apan", APAN), ("three-peers", THREE_PEERS), ("liqo", LIQO)] {
        let g = graph(doc);
        let svg = g.to_svg();
        let xml = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{name}: the SVG is not well-formed XML: {e}"));
        let root = xml.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg"),
            "{name}"
        );
        let ids: Vec<&str> = xml
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        for cluster in g.nodes() {
            let id = format!("cluster-{}", cluster.name);
            assert!(
                ids.contains(&id.as_str()),
                "{name}: no box for {}",
                cluster.name
            );
        }
        for i in 1..=g.edges.len() {
            let id = format!("edge-{i}");
            assert!(ids.contains(&id.as_str()), "{name}: no arrow {i}");
        }
        let arrows = xml
            .descendants()
            .filter(|n| n.attribute("class") == Some("edge"))
            .count();
        assert_eq!(arrows, g.edges.len(), "{name}");
        // Every edge's label is in the text, under the picture.
        let text: String = xml
            .descendants()
            .filter(roxmltree::Node::is_text)
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join("\n");
        for e in &g.edges {
            for line in e.lines() {
                assert!(text.contains(&line), "{name}: {line:?} is not in the SVG");
            }
        }
    }
}

#[test]
fn edges_are_the_overflow_rules_in_priority_order() {
    let g = graph(THREE_PEERS);
    let edges: Vec<(String, String, usize)> = g
        .edges
        .iter()
        .map(|e| match &e.kind {
            EdgeKind::Overflow { priority, .. } => (e.from.clone(), e.to.clone(), *priority),
            EdgeKind::Offload { .. } => panic!("a peerToPeer federation has no offloading"),
        })
        .collect();
    let expected = [("a", "b", 1), ("a", "c", 2), ("b", "c", 1), ("c", "a", 1)];
    assert_eq!(
        edges,
        expected
            .iter()
            .map(|(f, t, p)| ((*f).to_owned(), (*t).to_owned(), *p))
            .collect::<Vec<_>>()
    );
    assert_eq!(g.groups.len(), 3, "three regions");
    let liqo = graph(LIQO);
    assert_eq!(liqo.edges.len(), 1);
    assert_eq!(
        liqo.edges[0].kind,
        EdgeKind::Offload {
            namespaces: vec![
                "fluidosmesh".to_owned(),
                "istio-ingress-provider1".to_owned()
            ]
        }
    );
}

/// The verdict comes from the data-plane table: APAN's rule (maxEjectionPercent 100) overflows
/// on every release; without maxEjectionPercent Envoy's default 10% stops it from Istio 1.19,
/// when Envoy started counting the ejection itself against the limit.
#[test]
fn the_verdict_follows_the_release() {
    let without_max = APAN.replace("            maxEjectionPercent: 100\n", "");
    assert_ne!(without_max, APAN);
    for minor in 5..=32 {
        let version = format!("version: \"1.{minor}\"");
        let verdict = |doc: &str| {
            let g = graph(&doc.replace("version: \"1.5\"", &version));
            match &g.edges[0].kind {
                EdgeKind::Overflow { verdict, .. } => verdict.clone(),
                EdgeKind::Offload { .. } => unreachable!(),
            }
        };
        assert_eq!(verdict(APAN), Verdict::Overflows, "1.{minor}");
        let expected_never = minor >= 19;
        assert_eq!(
            matches!(verdict(&without_max), Verdict::Never(_)),
            expected_never,
            "1.{minor}"
        );
    }
}

/// The picture and `fedctl lint --istio`'s analyzer answer the same question (can the local
/// pods be ejected far enough for traffic to move?) from two sides: the graph from the
/// document's replicas and targets, the analyzer from the rendered Deployments and endpoints.
/// They must agree for every release, pod count and percentage.
#[test]
fn the_verdict_agrees_with_the_max_ejection_analyzer() {
    use fed_render::analyze::FindingCode;
    use istio_types::analysis::Code;
    let mut never = 0;
    for minor in [5, 6, 9, 18, 19, 26, 27, 32] {
        for replicas in 1..=6 {
            for percent in [1, 10, 20, 25, 34, 40, 50, 67, 100] {
                let doc = APAN
                    .replace("version: \"1.5\"", &format!("version: \"1.{minor}\""))
                    .replace("replicas: 1\n", &format!("replicas: {replicas}\n"))
                    .replace(
                        "maxEjectionPercent: 100\n",
                        &format!("maxEjectionPercent: {percent}\n"),
                    );
                let fed = fed_model::validate_yaml_str(&doc, None, None)
                    .expect("valid")
                    .federation;
                let g = Graph::of(&fed);
                let EdgeKind::Overflow { verdict, .. } = &g.edges[0].kind else {
                    unreachable!("APAN's only edge is its overflow rule")
                };
                let bundles = fed_render::render(&fed).expect("renders");
                let too_low = fed_render::analyze::analyze(&fed, &bundles)
                    .iter()
                    .any(|f| f.code == FindingCode::Istio(Code::MaxEjectionPercentTooLow));
                let case = format!("1.{minor}, {replicas} pods, {percent}%: {verdict:?}");
                assert_eq!(matches!(verdict, Verdict::Never(_)), too_low, "{case}");
                never += usize::from(too_low);
            }
        }
    }
    assert!(never > 20, "the cases include both answers ({never} never)");
}
