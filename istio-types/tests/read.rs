//! The reader's promises: strict types, exact paths and lines, documents kept apart.

use istio_types::IstioResource;
use istio_types::read::{Document, ReadDocument, read_stream, split_documents};

fn only_err(docs: &[ReadDocument]) -> &istio_types::read::ReadError {
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs[0].result.as_ref().expect_err("expected an error")
}

const WE: &str = "apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata:
  name: gw
  namespace: default
spec:
  address: 10.0.0.1
  ports:
    http: 15443
  weight: 3
";

#[test]
fn a_valid_document_reads_and_keeps_its_version() {
    let docs = read_stream(WE, None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!("{docs:?}")
    };
    assert_eq!(r.api_version_string(), "networking.istio.io/v1beta1");
    let IstioResource::WorkloadEntry(we) = r else {
        panic!()
    };
    assert_eq!(we.spec.weight, Some(3));
    assert_eq!(we.metadata.namespace.as_deref(), Some("default"));
}

#[test]
fn unknown_field_names_its_path_and_line() {
    let text = WE.replace("  weight: 3", "  wieght: 3");
    let e = only_err(&read_stream(&text, Some("f.yaml".as_ref()))).clone();
    assert_eq!(e.path.as_deref(), Some("spec.wieght"));
    assert_eq!(e.location.line, Some(10));
    assert_eq!(e.object.to_string(), "WorkloadEntry default/gw");
    let shown = e.to_string();
    assert!(shown.starts_with("f.yaml:10:"), "{shown}");
    assert!(
        shown.contains("WorkloadEntry default/gw: spec.wieght: unknown field `wieght`"),
        "{shown}"
    );
}

#[test]
fn quoted_number_is_a_string_as_for_the_api_server() {
    let text = WE.replace("weight: 3", "weight: '3'");
    let e = only_err(&read_stream(&text, None)).clone();
    assert_eq!(e.path.as_deref(), Some("spec.weight"));
    assert!(e.message.contains("quoted number"), "{}", e.message);
    let text = WE.replace("http: 15443", "http: \"15443\"");
    let e = only_err(&read_stream(&text, None)).clone();
    assert_eq!(e.path.as_deref(), Some("spec.ports.http"));
}

#[test]
fn plain_number_where_a_string_belongs_is_an_error() {
    let text = WE.replace("address: 10.0.0.1", "address: 10");
    let e = only_err(&read_stream(&text, None)).clone();
    assert_eq!(e.path.as_deref(), Some("spec.address"));
}

#[test]
fn out_of_range_number_is_an_error() {
    let text = WE.replace("weight: 3", "weight: -1");
    let e = only_err(&read_stream(&text, None)).clone();
    assert_eq!(e.path.as_deref(), Some("spec.weight"));
    assert!(e.message.contains("out of range"), "{}", e.message);
}

#[test]
fn lines_count_from_the_start_of_the_stream() {
    let text = format!(
        "# leading comment\n---\n{WE}---\n{}",
        WE.replace("  address: 10.0.0.1", "  adress: 10.0.0.1")
    );
    let docs = read_stream(&text, None);
    assert_eq!(docs.len(), 2);
    assert!(docs[0].result.is_ok());
    assert_eq!(docs[0].line, 3);
    assert_eq!(docs[1].line, 14);
    let e = docs[1].result.as_ref().unwrap_err();
    assert_eq!(e.location.line, Some(20), "{e}");
}

#[test]
fn other_kinds_are_kept_apart_not_errors() {
    let text = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: echo\n---\n{WE}");
    let docs = read_stream(&text, None);
    assert_eq!(
        docs[0].result,
        Ok(Document::Other {
            api_version: "v1".into(),
            kind: "Service".into(),
            name: Some("echo".into())
        })
    );
    assert!(matches!(docs[1].result, Ok(Document::Istio(_))));
}

#[test]
fn json_documents_read_the_same() {
    let json = r#"{"apiVersion":"networking.istio.io/v1","kind":"WorkloadEntry","metadata":{"name":"gw"},"spec":{"address":"10.0.0.1","ports":{"http":15443}}}"#;
    let docs = read_stream(json, None);
    assert!(matches!(docs[0].result, Ok(Document::Istio(_))), "{docs:?}");
    let bad = json.replace("15443", "\"15443\"");
    let e = only_err(&read_stream(&bad, None)).clone();
    assert_eq!(e.path.as_deref(), Some("spec.ports.http"));
}

#[test]
fn flow_style_head_is_read_by_the_parser() {
    let text = "{apiVersion: networking.istio.io/v1, kind: WorkloadEntry, metadata: {name: a}, spec: {address: 1.2.3.4}}";
    let docs = read_stream(text, None);
    assert!(matches!(docs[0].result, Ok(Document::Istio(_))), "{docs:?}");
}

#[test]
fn wrong_version_for_the_kind_is_an_error() {
    let text = WE.replace("v1beta1", "v2");
    let e = only_err(&read_stream(&text, None)).clone();
    assert!(
        e.message.contains("does not serve WorkloadEntry"),
        "{}",
        e.message
    );
}

#[test]
fn a_document_without_kind_is_an_error() {
    let e = only_err(&read_stream("foo: bar\n", None)).clone();
    assert!(e.message.contains("apiVersion and kind"), "{}", e.message);
}

#[test]
fn splitting_handles_markers_and_blank_documents() {
    let docs = split_documents("---\na: 1\n--- # c\n---\nb: 2\n...\n");
    let texts: Vec<_> = docs.iter().map(|d| (d.first_line, d.text)).collect();
    assert_eq!(texts, vec![(1, "\na: 1\n"), (3, " # c\n"), (4, "\nb: 2\n")]);
    assert!(docs[1].is_blank());
}

#[test]
fn large_streams_are_read_in_order() {
    let one = WE.replace("name: gw", "name: gw-N");
    let mut text = String::new();
    for i in 0..300 {
        text.push_str("---\n");
        text.push_str(&one.replace("gw-N", &format!("gw-{i}")));
    }
    let docs = read_stream(&text, None);
    assert_eq!(docs.len(), 300);
    for (i, d) in docs.iter().enumerate() {
        let Ok(Document::Istio(r)) = &d.result else {
            panic!()
        };
        assert_eq!(
            r.metadata().name.as_deref(),
            Some(format!("gw-{i}").as_str())
        );
        assert_eq!(d.index, i);
    }
}

#[test]
fn written_yaml_reads_back_equal() {
    let docs = read_stream(WE, None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!()
    };
    let yaml = istio_types::write::to_yaml(r).unwrap();
    let again = read_stream(&yaml, None);
    let Ok(Document::Istio(r2)) = &again[0].result else {
        panic!("{yaml}\n{again:?}")
    };
    assert_eq!(r, r2);
    // Field order kept, absent fields absent; the writer quotes a dotted number-like string so
    // that no YAML 1.1 reader can take it for a number.
    assert_eq!(yaml, WE.replace("10.0.0.1", "\"10.0.0.1\""));
}

/// Fuzz find (lint target, FUZZING.md): with classic Mac line endings (a lone `\r`) the error's
/// line counts those lines, as YAML and editors do; the fuzz check counted `\n` only.
#[test]
fn lone_carriage_returns_are_line_breaks_in_error_lines() {
    let text = format!(
        "\"untrmie{}]\u{0}{}adtnc\n\n",
        "\r".repeat(23),
        "\r".repeat(53)
    );
    let docs = read_stream(&text, None);
    let e = only_err(&docs);
    // The NUL is on line 24: 23 `\r` line breaks before it.
    assert_eq!(e.location.line, Some(24), "{e}");
    assert!(e.message.contains("unexpected character"), "{e}");
}

/// Fuzz find (lint target, 2026-12-02): validators write a map entry's path as
/// `matchLabels[version]`; the fast locator gave up on that spelling (no line: `fedctl lint`
/// fell back to the document's first line) while `LineIndex` found only the map. Both now read
/// a bracketed key that is not a number as a key, and point at the entry itself.
#[test]
fn a_finding_on_a_map_entry_is_located_at_the_entry() {
    let text = "apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n  name: full\n  namespace: foo\nspec:\n  selector:\n    matchLabels:\n      app^: httpbin\n      versiop: 9llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll9999}}]\n";
    let docs = read_stream(text, None);
    let Ok(Document::Istio(r)) = &docs[0].result else {
        panic!("reads: {:?}", docs[0].result)
    };
    let report = r.validate();
    let paths: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.contains(&"spec.selector.matchLabels[versiop]"),
        "{paths:?}"
    );
    let index = istio_types::primitives::LineIndex::new(text);
    let fast = istio_types::read::lines_of(text, &paths);
    for (path, line) in paths.iter().zip(fast) {
        assert_eq!(line, index.line(path), "{path}");
    }
    let at = |p: &str| istio_types::read::lines_of(text, &[p])[0];
    assert_eq!(at("spec.selector.matchLabels[versiop]"), Some(10));
    assert_eq!(at("spec.selector.matchLabels[app^]"), Some(9));
    assert_eq!(index.line("spec.selector.matchLabels[app^]"), Some(9));
    // A key that is not there: the map's line; an index stays an index.
    assert_eq!(at("spec.selector.matchLabels[nope]"), Some(8));
    assert_eq!(index.line("spec.selector.matchLabels[0]"), Some(8));
}
