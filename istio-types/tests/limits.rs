//! Input limits of the reader: large files, huge lists, deep nesting and alias bombs end in a
//! result or a clear error, never in a crash, a hang or unbounded memory.
//!
//! No timing assertions here; the time and peak memory of each case are measured separately
//! (BENCHMARKS.md, "Lint and parse").

use istio_types::IstioResource;
use istio_types::read::{Document, ReadDocument, read_stream};
use std::fmt::Write as _;

const DR: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: dr-N
  namespace: shop
spec:
  host: cart.shop.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 30ms
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
    tls:
      mode: ISTIO_MUTUAL
";

fn only_err(docs: &[ReadDocument]) -> &istio_types::read::ReadError {
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs[0].result.as_ref().expect_err("expected an error")
}

#[test]
fn a_ten_megabyte_stream_reads_every_document_in_order() {
    let mut text = String::with_capacity(11 << 20);
    let mut n = 0;
    while text.len() < 10 << 20 {
        text.push_str("---\n");
        text.push_str(&DR.replace("dr-N", &format!("dr-{n}")));
        n += 1;
    }
    let docs = read_stream(&text, None);
    // Far more than serde-saphyr's default budget of 1,024 documents per stream.
    assert!(n > 20_000, "{n}");
    assert_eq!(docs.len(), n);
    for (i, d) in docs.iter().enumerate().step_by(997) {
        let Ok(Document::Istio(r)) = &d.result else {
            panic!("document {i}: {:?}", d.result)
        };
        assert_eq!(
            r.metadata().name.as_deref(),
            Some(format!("dr-{i}").as_str())
        );
    }
    assert!(docs.iter().all(|d| d.result.is_ok()));
}

/// A ServiceEntry with `n` hosts.
fn many_hosts(n: usize) -> String {
    let mut text = String::from(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: big\nspec:\n  hosts:\n",
    );
    for i in 0..n {
        writeln!(text, "  - h{i}.example.com").unwrap();
    }
    text.push_str(
        "  ports:\n  - number: 443\n    name: tls\n    protocol: TLS\n  resolution: DNS\n",
    );
    text
}

#[test]
fn a_list_of_100_000_scalars_reads() {
    let docs = read_stream(&many_hosts(100_000), None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!("{:?}", docs[0].result)
    };
    let IstioResource::ServiceEntry(se) = r else {
        panic!()
    };
    assert_eq!(se.spec.hosts.len(), 100_000);
    assert_eq!(se.spec.hosts[99_999], "h99999.example.com");
}

#[test]
fn a_list_of_100_000_mappings_hits_the_node_budget_with_a_clear_error() {
    let mut text = String::from(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: big\nspec:\n  hosts:\n  - big.example.com\n  ports:\n  - number: 80\n    name: http\n    protocol: HTTP\n  resolution: STATIC\n  endpoints:\n",
    );
    for i in 0..100_000u32 {
        writeln!(
            text,
            "  - address: 10.{}.{}.{}",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        )
        .unwrap();
    }
    let e = only_err(&read_stream(&text, Some("big.yaml".as_ref()))).clone();
    // 100,000 endpoints are 300,000 YAML nodes: more than one document may hold.
    assert_eq!(
        e.message,
        "beyond the YAML reader's limits: more than 250,000 YAML nodes"
    );
    assert_eq!(e.object.to_string(), "ServiceEntry big");
    assert!(e.to_string().starts_with("big.yaml:"), "{e}");
}

/// An EnvoyFilter whose patch value (free-form, like protobuf's Struct) nests `depth` mappings.
fn deep_envoy_filter(depth: usize, block: bool) -> String {
    let mut text = String::from(
        "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: deep\n  namespace: istio-system\nspec:\n  configPatches:\n  - applyTo: CLUSTER\n    patch:\n      operation: MERGE\n      value:\n",
    );
    if block {
        for i in 0..depth {
            text.push_str(&" ".repeat(8 + 2 * i));
            text.push_str("a:\n");
        }
        text.push_str(&" ".repeat(8 + 2 * depth));
        text.push_str("b: 1\n");
    } else {
        text.push_str("        a: ");
        text.push_str(&"{a: ".repeat(depth));
        text.push('1');
        text.push_str(&"}".repeat(depth));
        text.push('\n');
    }
    text
}

#[test]
fn moderate_nesting_reads() {
    for block in [true, false] {
        let docs = read_stream(&deep_envoy_filter(40, block), None);
        assert!(
            matches!(docs[0].result, Ok(Document::Istio(_))),
            "block {block}: {:?}",
            docs[0].result
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for (depth, block) in [(70, true), (2_000, true), (70, false), (100_000, false)] {
        let e = only_err(&read_stream(&deep_envoy_filter(depth, block), None)).clone();
        assert!(
            e.message.contains("depth") || e.message.contains("nesting"),
            "depth {depth}, block {block}: {e}"
        );
        assert!(e.location.line.is_some(), "{e}");
    }
}

#[test]
fn deep_json_is_an_error_not_a_stack_overflow() {
    let json = format!(
        r#"{{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{{"name":"deep"}},"spec":{{"configPatches":[{{"applyTo":"CLUSTER","patch":{{"operation":"MERGE","value":{{"a":{}1{}}}}}}}]}}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    let e = only_err(&read_stream(&json, None)).clone();
    assert!(
        e.message.contains("recursion") || e.message.contains("nesting deeper than 64 levels"),
        "{e}"
    );
}

#[test]
fn an_alias_bomb_is_refused() {
    // "Billion laughs": nine levels of ten aliases each would expand to 10^9 strings.
    let mut text = String::from(
        "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: lol\n  namespace: istio-system\nspec:\n  configPatches:\n  - applyTo: CLUSTER\n    patch:\n      operation: MERGE\n      value:\n        l0: &l0 lol\n",
    );
    for level in 1..=9 {
        let prev = format!("*l{}", level - 1);
        writeln!(
            text,
            "        l{level}: &l{level} [{}]",
            [prev.as_str(); 10].join(", ")
        )
        .unwrap();
    }
    let e = only_err(&read_stream(&text, Some("lol.yaml".as_ref()))).clone();
    assert!(
        e.message.contains("alias") || e.message.contains("beyond the YAML reader's limits"),
        "{e}"
    );
    assert_eq!(e.object.to_string(), "EnvoyFilter istio-system/lol");
}

#[test]
fn a_few_aliases_are_fine() {
    let text = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: ok\n  namespace: istio-system\nspec:\n  configPatches:\n  - applyTo: CLUSTER\n    patch:\n      operation: MERGE\n      value:\n        a: &x {b: 1}\n        c: *x\n";
    let docs = read_stream(text, None);
    assert!(
        matches!(docs[0].result, Ok(Document::Istio(_))),
        "{:?}",
        docs[0].result
    );
}
