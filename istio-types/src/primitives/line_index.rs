//! Where each field of a YAML document is: a map from field paths to line numbers.

use std::collections::BTreeMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// The line of every node of one YAML document, by field path, so that errors found after
/// parsing (a semantic check on a typed value) can still say `file:line`.
///
/// Paths are written the way diagnostics write them: keys joined with `.`, sequence indexes in
/// brackets, and keys that are not plain identifiers (`[A-Za-z0-9_-]+`) quoted in brackets:
/// `spec.services[0].ports[1].name`, `metadata.labels["app.kubernetes.io/name"]`. Build them
/// with [`join_key`] and [`join_index`] to get the same spelling. A mapping entry's line is the
/// line of its key; a sequence item's line is where the item starts.
///
/// ```
/// use istio_types::primitives::LineIndex;
///
/// let yaml = "spec:\n  peers:\n    - name: tein\n    - name: gke\n      locality: us-west1\n";
/// let index = LineIndex::new(yaml);
/// assert_eq!(index.line("spec.peers[1].locality"), Some(5));
/// assert_eq!(index.line("spec.peers[0]"), Some(3));
/// // A path that does not exist (a missing field) falls back to its closest ancestor.
/// assert_eq!(index.line("spec.peers[1].gateway.port"), Some(4));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    lines: BTreeMap<String, usize>,
}

impl LineIndex {
    /// Indexes the first document of `yaml`. Text the parser cannot read ends the index early
    /// (what was read before stays usable); it never panics.
    pub fn new(yaml: &str) -> Self {
        Self::for_documents(yaml)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Indexes every document of a multi-document stream, in order.
    pub fn for_documents(yaml: &str) -> Vec<Self> {
        let mut documents = Vec::new();
        let mut walker = Walker::default();
        for item in Parser::new_from_str(yaml) {
            let Ok((event, span)) = item else { break };
            let line = span.start.line();
            match event {
                Event::DocumentStart(..) => walker = Walker::default(),
                Event::DocumentEnd => documents.push(Self {
                    lines: std::mem::take(&mut walker.lines),
                }),
                Event::Scalar(value, ..) => walker.node(Node::Scalar(&value), line),
                Event::Alias(..) => walker.node(Node::Scalar(""), line),
                Event::SequenceStart(..) => walker.node(Node::Sequence, line),
                Event::MappingStart(..) => walker.node(Node::Mapping, line),
                Event::SequenceEnd | Event::MappingEnd => walker.end(),
                _ => {}
            }
        }
        if !walker.lines.is_empty() {
            documents.push(Self {
                lines: walker.lines,
            });
        }
        documents
    }

    /// The line (1-based) of `path`, or of its closest ancestor present in the document.
    pub fn line(&self, path: &str) -> Option<usize> {
        let canonical = canonical(path);
        let mut path = canonical.as_ref();
        loop {
            if let Some(&line) = self.lines.get(path) {
                return Some(line);
            }
            path = parent(path)?;
        }
    }

    /// The line (1-based) of exactly `path`, if the document has that node.
    pub fn line_exact(&self, path: &str) -> Option<usize> {
        self.lines.get(canonical(path).as_ref()).copied()
    }

    /// Every indexed path with its line, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        self.lines.iter().map(|(path, &line)| (path.as_str(), line))
    }
}

/// `base.key`, or `base["key"]` when `key` is not a plain identifier; `key` alone at the root.
///
/// ```
/// use istio_types::primitives::{join_index, join_key};
///
/// assert_eq!(join_key("", "spec"), "spec");
/// assert_eq!(join_index(&join_key("spec", "peers"), 2), "spec.peers[2]");
/// assert_eq!(join_key("selector", "app.kubernetes.io/name"), r#"selector["app.kubernetes.io/name"]"#);
/// ```
pub fn join_key(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !plain {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("{key:?}"));
        return format!("{base}[{quoted}]");
    }
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[index]`.
pub fn join_index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}

/// One step of a field path.
#[derive(Debug, PartialEq)]
pub(crate) enum PathSegment {
    Key(String),
    Index(usize),
}

/// Splits a field path into its steps: `spec.a[0]["b.c"].d`, and `labels[app]` as validators
/// write a map entry (a bracketed key that is not a number); `None` for a path not written
/// any of these ways. The one reading of paths that both locators ([`LineIndex::line`] and
/// the fast reader's) share, so that they find the same node.
pub(crate) fn path_segments(path: &str) -> Option<Vec<PathSegment>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            if inner.starts_with('"') {
                // A JSON string, then `]`.
                let mut de = serde_json::Deserializer::from_str(inner).into_iter::<String>();
                let key = de.next()?.ok()?;
                rest = inner[de.byte_offset()..].strip_prefix(']')?;
                out.push(PathSegment::Key(key));
            } else {
                let (text, after) = inner.split_once(']')?;
                out.push(match text.parse() {
                    Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => PathSegment::Index(n),
                    _ => PathSegment::Key(text.to_owned()),
                });
                rest = after;
            }
        } else {
            let rest_key = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_key.find(['.', '[']).unwrap_or(rest_key.len());
            if end == 0 {
                return None;
            }
            out.push(PathSegment::Key(rest_key[..end].to_owned()));
            rest = &rest_key[end..];
        }
    }
    Some(out)
}

/// `path` as the index spells it: a map entry written `labels[app]` (validators write them
/// so) becomes `labels.app`, or `labels["a.b"]` for a key that is not plain. Other paths are
/// returned as they are.
fn canonical(path: &str) -> std::borrow::Cow<'_, str> {
    let bytes = path.as_bytes();
    let bracketed_key = bytes
        .windows(2)
        .any(|w| w[0] == b'[' && !w[1].is_ascii_digit() && w[1] != b'"');
    if !bracketed_key {
        return std::borrow::Cow::Borrowed(path);
    }
    let Some(segments) = path_segments(path) else {
        return std::borrow::Cow::Borrowed(path);
    };
    let spelled = segments
        .into_iter()
        .fold(String::new(), |out, segment| match segment {
            PathSegment::Key(k) => join_key(&out, &k),
            PathSegment::Index(i) => join_index(&out, i),
        });
    std::borrow::Cow::Owned(spelled)
}

/// The path without its last segment, or `None` at the root.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    if path.ends_with(']') {
        // `[n]` or `["key"]`: find the bracket that opens it, outside any quoted key.
        let mut open = None;
        let mut in_quotes = false;
        let mut escaped = false;
        for (i, c) in path.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_quotes => escaped = true,
                '"' => in_quotes = !in_quotes,
                '[' if !in_quotes => open = Some(i),
                _ => {}
            }
        }
        return open.map(|i| &path[..i]);
    }
    Some(path.rfind(['.', ']']).map_or("", |i| {
        if path.as_bytes()[i] == b'.' {
            &path[..i]
        } else {
            &path[..=i]
        }
    }))
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Scalar(&'a str),
    Sequence,
    Mapping,
}

enum Frame {
    Sequence { next: usize, pushed: bool },
    Mapping { key: Option<String>, pushed: bool },
}

/// Tracks the current path through the event stream.
#[derive(Default)]
struct Walker {
    lines: BTreeMap<String, usize>,
    /// The path of each open node, root first (the root's is empty).
    paths: Vec<String>,
    frames: Vec<Frame>,
}

impl Walker {
    fn current(&self) -> &str {
        self.paths.last().map_or("", String::as_str)
    }

    fn record(&mut self, path: &str, line: usize) {
        self.lines.entry(path.to_owned()).or_insert(line);
    }

    fn node(&mut self, node: Node<'_>, line: usize) {
        let base = self.current().to_owned();
        // The path of this node, if it is a value (not a mapping key).
        let path = match self.frames.last_mut() {
            None => Some(base),
            Some(Frame::Sequence { next, .. }) => {
                let path = join_index(&base, *next);
                *next += 1;
                Some(path)
            }
            Some(Frame::Mapping { key, .. }) => {
                if let Some(key) = key.take() {
                    Some(join_key(&base, &key))
                } else {
                    // This node is a key.
                    let text = match node {
                        Node::Scalar(text) => text.to_owned(),
                        // A collection as a key: nothing can name its paths; index under "?".
                        Node::Sequence | Node::Mapping => "?".to_owned(),
                    };
                    let path = join_key(&base, &text);
                    self.record(&path, line);
                    if let Some(Frame::Mapping { key, .. }) = self.frames.last_mut() {
                        *key = Some(text);
                    }
                    if matches!(node, Node::Scalar(_)) {
                        return;
                    }
                    None
                }
            }
        };
        let pushed = path.is_some();
        if let Some(path) = path {
            self.record(&path, line);
            if matches!(node, Node::Scalar(_)) {
                return;
            }
            self.paths.push(path);
        }
        self.frames.push(match node {
            Node::Sequence => Frame::Sequence { next: 0, pushed },
            _ => Frame::Mapping { key: None, pushed },
        });
    }

    fn end(&mut self) {
        let pushed = match self.frames.pop() {
            Some(Frame::Sequence { pushed, .. } | Frame::Mapping { pushed, .. }) => pushed,
            None => false,
        };
        if pushed {
            self.paths.pop();
        }
    }
}

/// serde-saphyr's "budget breached" error text in words, for the limits this crate's readers
/// set (250,000 nodes with aliases counted each time they are used, 64 levels of nesting):
/// `None` when `text` is not such an error.
///
/// ```
/// use istio_types::primitives::budget_breach_message;
///
/// let raw = "budget breached: Nodes { nodes: 250001 } at line 20841, column 22";
/// assert_eq!(
///     budget_breach_message(raw).as_deref(),
///     Some("beyond the YAML reader's limits: more than 250,000 YAML nodes at line 20841, column 22")
/// );
/// assert_eq!(budget_breach_message("unknown field `x`"), None);
/// ```
pub fn budget_breach_message(text: &str) -> Option<String> {
    let detail = text.strip_prefix("budget breached: ")?;
    // The detail is `Nodes { nodes: 250001 } at line L, column C`: the limit, then where.
    let (limit, location) = match detail.split_once("} ") {
        Some((limit, location)) => (limit, format!(" {location}")),
        None => (detail, String::new()),
    };
    let what = match limit.split_whitespace().next().unwrap_or_default() {
        "Nodes" => "more than 250,000 YAML nodes".to_owned(),
        "Depth" => "nesting deeper than 64 levels".to_owned(),
        "Aliases" | "AliasAnchorRatio" => "too many alias expansions".to_owned(),
        _ => limit.trim_end().to_owned(),
    };
    Some(format!("beyond the YAML reader's limits: {what}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOC: &str = "\
apiVersion: meshfed.io/v1alpha1
kind: Federation
metadata:
  name: demo
  labels:
    app.kubernetes.io/name: x
spec:
  services:
    - name: echo
      ports: [{name: http, number: 80}]
      runsIn:
        - tein
        - gke
";

    #[test]
    fn paths_map_to_lines() {
        let index = LineIndex::new(DOC);
        for (path, line) in [
            ("apiVersion", 1),
            ("metadata", 3),
            ("metadata.name", 4),
            (r#"metadata.labels["app.kubernetes.io/name"]"#, 6),
            ("spec.services[0]", 9),
            ("spec.services[0].name", 9),
            ("spec.services[0].ports[0].number", 10),
            ("spec.services[0].runsIn", 11),
            ("spec.services[0].runsIn[1]", 13),
        ] {
            assert_eq!(index.line_exact(path), Some(line), "{path}");
        }
        assert_eq!(index.line("spec.services[0].runsIn[7]"), Some(11));
        assert_eq!(index.line(r#"metadata.labels["a.b"].x"#), Some(5));
        // Unknown paths fall back to the document root.
        assert_eq!(index.line("nothing.here"), Some(1));
        assert_eq!(LineIndex::new("").line("a"), None);
    }

    #[test]
    fn streams_index_each_document() {
        let docs = LineIndex::for_documents("a: 1\n---\nb:\n  c: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].line_exact("a"), Some(1));
        assert_eq!(docs[1].line_exact("b.c"), Some(4));
    }

    #[test]
    fn parents() {
        assert_eq!(parent("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent(r#"a["x.y[1]"]"#), Some("a"));
        assert_eq!(parent(r#"a["x"].b"#), Some(r#"a["x"]"#));
        assert_eq!(parent("a"), Some(""));
        assert_eq!(parent(""), None);
    }

    proptest! {
        #[test]
        fn prop_any_text_never_panics(s in any::<String>()) {
            let index = LineIndex::new(&s);
            for (path, _) in index.iter() {
                let _ = index.line(path);
            }
        }

        #[test]
        fn prop_yamlish_text_never_panics(s in "[-a-z:\\[\\]{}, \\n\"'&*!?|>]{0,80}") {
            let _ = LineIndex::for_documents(&s);
        }
    }
}
