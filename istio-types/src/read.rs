//! Reading Istio YAML (or JSON) streams into typed resources.
//!
//! A stream is split into documents at every `---` line at column 0 (YAML forbids that
//! sequence at column 0 inside a document, so the split is exact). Documents are independent,
//! so large streams are parsed on all cores. Each document is dispatched on its `apiVersion` and
//! `kind` and parsed strictly: unknown fields, unknown enum values, quoted numbers and plain
//! numbers where strings belong are errors with the file, line and field path, because the API
//! server would otherwise silently drop or reject them.

#![allow(
    clippy::result_large_err,
    reason = "a ReadError is one value per failed document, kept in the results; boxing it would \
              make every caller's pattern matching clumsier to save a few bytes of copying"
)]

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::IstioResource;

mod fast;
mod goyaml;

/// One document of a stream, as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// 0-based position in the stream, counting empty documents.
    pub index: usize,
    /// 1-based line of the stream on which the document's text starts.
    pub first_line: usize,
    /// Byte offset of `text` in the stream: `&stream[offset..offset + text.len()] == text`.
    pub offset: usize,
    /// The document's text (without its `---` line).
    pub text: &'a str,
}

/// Splits a YAML stream into its documents at `---` lines at column 0.
///
/// Text after `---` on the same line (`--- {a: 1}`) belongs to the document. A `...` line ends a
/// document. Documents that hold nothing but comments and blank lines are returned too (so that
/// indexes match what a YAML library counts); [`RawDocument::is_blank`] tells them apart.
pub fn split_documents(text: &str) -> Vec<RawDocument<'_>> {
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut start = 0usize; // byte offset of the current document
    let mut start_line = 1usize;
    let mut seen_marker = false;
    // Only a line that begins with `-` or `.` can be a marker: walk the line starts (newlines
    // found with memchr) and look closer at those alone. A 16 MB stream has 600,000 lines.
    let mut newlines = memchr::memchr_iter(b'\n', bytes);
    let mut line_no = 1usize;
    let mut offset = 0usize; // byte offset of the current line
    loop {
        let newline = newlines.next();
        let end = newline.map_or(bytes.len(), |i| i + 1);
        if matches!(bytes.get(offset), Some(b'-' | b'.')) {
            let line = &text[offset..end];
            let bare = line.trim_end_matches(['\n', '\r']);
            let is_start = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
            let is_end = bare == "..." || bare.starts_with("... ");
            if is_start || is_end {
                if start < offset || (seen_marker && is_start) {
                    docs.push(RawDocument {
                        index: docs.len(),
                        first_line: start_line,
                        offset: start,
                        text: &text[start..offset],
                    });
                }
                seen_marker = is_start;
                if is_start {
                    // Keep what follows the marker on the same line, blanking the marker
                    // itself so columns stay right.
                    start = offset + 3;
                    start_line = line_no;
                } else {
                    start = end;
                    start_line = line_no + 1;
                }
            }
        }
        let Some(newline) = newline else { break };
        offset = newline + 1;
        line_no += 1;
    }
    if start < text.len() || seen_marker {
        docs.push(RawDocument {
            index: docs.len(),
            first_line: start_line,
            offset: start.min(text.len()),
            text: &text[start.min(text.len())..],
        });
    }
    docs
}

impl RawDocument<'_> {
    /// True when the document holds nothing but blank lines and comments.
    pub fn is_blank(&self) -> bool {
        self.text.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        })
    }
}

/// Where a problem was found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, when reading one.
    pub file: Option<PathBuf>,
    /// 1-based line in the file.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self
            .file
            .as_deref()
            .map_or_else(|| "<input>".into(), Path::to_string_lossy);
        write!(f, "{file}")?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// Which object a problem is about, as far as it could be told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRef {
    /// `kind`, when the document has one.
    pub kind: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_deref().unwrap_or("document"))?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}"),
            (None, Some(n)) => write!(f, " {n}"),
            _ => Ok(()),
        }
    }
}

/// A document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {object}: {}{message}", path.as_deref().map(|p| format!("{p}: ")).unwrap_or_default())]
pub struct ReadError {
    /// File and line.
    pub location: Location,
    /// The object the document describes.
    pub object: ObjectRef,
    /// The field path, e.g. `spec.trafficPolicy.tls`, when the problem is in a field.
    pub path: Option<String>,
    /// What is wrong, and what is allowed.
    pub message: String,
}

/// What a document turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    /// An Istio resource of a kind this crate models.
    Istio(IstioResource),
    /// A Kubernetes object of another kind (a Service, a Deployment, ...): not read further.
    Other {
        /// Its `apiVersion`.
        api_version: String,
        /// Its `kind`.
        kind: String,
        /// Its `metadata.name` when it has one.
        name: Option<String>,
    },
}

/// One document of a stream, read.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadDocument {
    /// 0-based position among the stream's non-blank documents.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    /// The document, or why it could not be read.
    pub result: Result<Document, ReadError>,
}

/// Below this many documents a stream is read on the calling thread only (and no thread reads
/// fewer).
const PARALLEL_THRESHOLD: usize = 64;

/// Reads every document of a YAML (or JSON) stream. Blank documents are skipped; every other
/// document gives one [`ReadDocument`], in order. `file` is only used in messages.
///
/// ```
/// let yaml = "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: vm1}\nspec:\n  address: 10.0.0.1\n";
/// let docs = istio_types::read::read_stream(yaml, None);
/// assert!(matches!(docs[0].result, Ok(istio_types::read::Document::Istio(_))));
/// ```
pub fn read_stream(text: &str, file: Option<&Path>) -> Vec<ReadDocument> {
    read_stream_map(text, file, |_, doc| doc)
}

/// [`read_stream`], with `then` applied to each document (and its text) on the thread that read
/// it, so that work per document (validating it, finding the lines of its findings) runs in
/// parallel too. Results come back in stream order.
///
/// ```
/// use istio_types::read::{Document, read_stream_map};
///
/// let yaml = "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: vm1}\nspec:\n  address: 10.0.0.1\n";
/// let clean = read_stream_map(yaml, None, |_raw, doc| match doc.result {
///     Ok(Document::Istio(r)) => r.validate().is_clean(),
///     _ => false,
/// });
/// assert_eq!(clean, [true]);
/// ```
pub fn read_stream_map<R, F>(text: &str, file: Option<&Path>, then: F) -> Vec<R>
where
    R: Send,
    F: Fn(&RawDocument<'_>, ReadDocument) -> R + Sync,
{
    let docs: Vec<RawDocument<'_>> = split_documents(text)
        .into_iter()
        .filter(|d| !d.is_blank())
        .collect();
    let read = |(i, d): (usize, &RawDocument<'_>)| {
        let doc = ReadDocument {
            index: i,
            line: first_content_line(d),
            result: read_document(d, file),
        };
        then(d, doc)
    };
    crate::par::map_chunks(&docs, PARALLEL_THRESHOLD, |offset, part| {
        part.iter()
            .enumerate()
            .map(|(i, d)| read((offset + i, d)))
            .collect()
    })
}

fn first_content_line(d: &RawDocument<'_>) -> usize {
    let skipped = d
        .text
        .lines()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        })
        .count();
    d.first_line + skipped
}

/// The line (1-based, in `text`) of each field path in one document, or of its closest ancestor
/// present: what [`LineIndex::line`](crate::primitives::LineIndex::line) answers, for many
/// paths at once. Block-style documents are located without a general YAML parse (an order of
/// magnitude faster, which matters when every document of a large stream has a finding); any
/// other text goes through [`LineIndex`](crate::primitives::LineIndex).
///
/// ```
/// let doc = "spec:\n  http:\n  - route:\n    - destination: {host: a}\n    - destination:\n        host: b\n";
/// let lines = istio_types::read::lines_of(doc, &["spec.http[0].route[1].destination.host", "spec.tls"]);
/// assert_eq!(lines, [Some(6), Some(1)]);
/// ```
pub fn lines_of(text: &str, paths: &[&str]) -> Vec<Option<usize>> {
    if paths.is_empty() {
        return Vec::new();
    }
    fast::walk(text, paths)
        .or_else(|| fast::locate(text, paths))
        .unwrap_or_else(|| {
            let index = crate::primitives::LineIndex::new(text);
            paths.iter().map(|p| index.line(p)).collect()
        })
}

/// Reads one document of a stream.
pub fn read_document(doc: &RawDocument<'_>, file: Option<&Path>) -> Result<Document, ReadError> {
    let head = scan_head(doc.text);
    let (api_version, kind) = if let (Some(a), Some(k)) = (head.api_version, head.kind) {
        (a, k)
    } else {
        // Flow style or JSON: ask a real parser.
        {
            let value: serde_json::Value = parse_as(doc, file, &ObjectRef::default())?;
            let get = |k: &str| {
                value
                    .get(k)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            match (get("apiVersion"), get("kind")) {
                (Some(a), Some(k)) => (a, k),
                _ => {
                    return Err(ReadError {
                        location: Location {
                            file: file.map(Path::to_path_buf),
                            line: Some(first_content_line(doc)),
                            column: None,
                        },
                        object: ObjectRef::default(),
                        path: None,
                        message:
                            "not a Kubernetes object: it needs string fields apiVersion and kind"
                                .into(),
                    });
                }
            }
        }
    };
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    match IstioResource::reader_for(group, &kind) {
        Some(read) => read(doc, file).map(Document::Istio),
        None => Ok(Document::Other {
            api_version,
            kind,
            name: head.name,
        }),
    }
}

/// `apiVersion`, `kind` and `metadata.name` read off a block-style document without parsing it.
#[derive(Default)]
struct Head {
    api_version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
}

fn scan_head(text: &str) -> Head {
    let mut head = Head::default();
    let mut in_metadata = false;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("apiVersion:") {
            head.api_version = plain_scalar(v);
        } else if let Some(v) = line.strip_prefix("kind:") {
            head.kind = plain_scalar(v);
        } else if line.starts_with("metadata:") {
            in_metadata = true;
            continue;
        } else if let Some(v) = line
            .strip_prefix("  name:")
            .filter(|_| in_metadata && head.name.is_none())
        {
            head.name = plain_scalar(v);
        }
        if !line.starts_with([' ', '#']) && !line.is_empty() {
            in_metadata = false;
        }
        if head.api_version.is_some() && head.kind.is_some() && head.name.is_some() {
            break;
        }
    }
    head
}

/// `metadata.namespace` of a block-style document, read off the text as [`scan_head`] does.
fn scan_namespace(text: &str) -> Option<String> {
    let mut in_metadata = false;
    for line in text.lines() {
        if line.starts_with("metadata:") {
            in_metadata = true;
        } else if !line.starts_with([' ', '#']) && !line.is_empty() {
            in_metadata = false;
        } else if let Some(v) = line.strip_prefix("  namespace:").filter(|_| in_metadata) {
            return plain_scalar(v);
        }
    }
    None
}

/// The value of a one-line scalar (`v`, `"v"` or `'v'`, with an optional trailing comment);
/// `None` for anything more complicated, which then goes to the real parser.
fn plain_scalar(raw: &str) -> Option<String> {
    let v = raw.trim();
    let v = match v.find(" #") {
        Some(i) => v[..i].trim_end(),
        None => v,
    };
    let unquoted = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let simple = !unquoted.is_empty()
        && unquoted
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'));
    simple.then(|| unquoted.to_owned())
}

/// The serde-saphyr options for strict reading, matching what the API server accepts.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // `name: 80` is a number to Kubernetes, not a string.
    options.no_schema = true;
    // Plain scalars reach serde-saphyr already spelled as Kubernetes' go-yaml v2 types them
    // (`goyaml::normalize`: `yes` arrives as `true`); only `true`/`false` are booleans then.
    options.strict_booleans = true;
    // The budget, stated rather than inherited. Streams are split into documents before
    // parsing (`split_documents`), so serde-saphyr sees one document per call and its stream
    // limit of 1,024 documents never applies to a stream; one is all a call may hold. The
    // other figures are serde-saphyr's defaults, which the limits tests pin: nesting
    // (64 levels), nodes per document (250,000) and alias expansion bound the time and memory
    // one document can take.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = 1;
    budget.max_depth = 64;
    budget.max_nodes = 250_000;
    options.budget = Some(budget);
    options
}

/// Parses one document as `T`, with the field path and line of any error.
pub(crate) fn parse_as<T: DeserializeOwned>(
    doc: &RawDocument<'_>,
    file: Option<&Path>,
    object: &ObjectRef,
) -> Result<T, ReadError> {
    let trimmed = doc.text.trim_start();
    if trimmed.starts_with('{') {
        // JSON (or a flow mapping): serde_json is an order of magnitude faster; fall back to
        // YAML if it is not JSON after all.
        let mut de = serde_json::Deserializer::from_str(doc.text);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            // Trailing text means it was not JSON after all: the YAML reader decides.
            Ok(v) if de.end().is_ok() => return Ok(v),
            Err(e) if e.inner().is_data() => {
                let line = doc.first_line + e.inner().line().saturating_sub(1);
                return Err(error_at(
                    file,
                    Some(line),
                    Some(e.inner().column()),
                    object,
                    &e.path().to_string(),
                    &e.inner().to_string(),
                ));
            }
            // Not JSON after all (trailing text, YAML syntax): the YAML reader decides.
            Ok(_) | Err(_) => {}
        }
    }
    // The fast path reads the block-style subset most manifests are written in; what it does
    // not read, or what does not fit `T`, the precise reader reads (and reports on).
    if let Some(node) = fast::parse(doc.text)
        && let Ok(value) = T::deserialize(node)
    {
        return Ok(value);
    }
    // Plain scalars typed as Kubernetes types them (go-yaml v2), not as serde-saphyr would.
    let text = goyaml::normalize(doc.text).map_err(|r| {
        error_at(
            file,
            Some(doc.first_line + r.line.saturating_sub(1)),
            Some(r.column),
            object,
            &r.path,
            &r.message,
        )
    })?;
    let mut path = None;
    let parsed =
        serde_saphyr::with_deserializer_from_str_with_options(&text, yaml_options(), |de| {
            serde_path_to_error::deserialize(de).map_err(|e| {
                path = Some(e.path().to_string());
                e.into_inner()
            })
        });
    parsed.map_err(|e| {
        let loc = e.location();
        let line =
            loc.map(|l| doc.first_line + usize::try_from(l.line()).unwrap_or(0).saturating_sub(1));
        let column = loc.and_then(|l| usize::try_from(l.column()).ok());
        let message = saphyr_message(&e);
        error_at(
            file,
            line,
            column,
            object,
            path.as_deref().unwrap_or(""),
            &message,
        )
    })
}

/// serde-saphyr's message without its source snippet and location suffix (we print both
/// ourselves, once).
fn saphyr_message(e: &serde_saphyr::Error) -> String {
    let full = e.without_snippet().to_string();
    let first = full.lines().next().unwrap_or_default();
    if let Some(words) = crate::primitives::budget_breach_message(first) {
        // Where the limit was hit is said by our own location (and is the line of the field).
        return match words.find(" at line ") {
            Some(i) => words[..i].to_owned(),
            None => words,
        };
    }
    // "… at line 3, column 5" is said again by our own location.
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}

fn error_at(
    file: Option<&Path>,
    line: Option<usize>,
    column: Option<usize>,
    object: &ObjectRef,
    path: &str,
    message: &str,
) -> ReadError {
    let mut path = if path.is_empty() || path == "." {
        None
    } else {
        Some(path.to_owned())
    };
    // serde reports an unknown field at its parent; name the field itself, which is what the
    // user has to delete or fix.
    if let Some(field) = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next())
    {
        path = Some(match path {
            Some(p) if !p.ends_with(field) => format!("{p}.{field}"),
            Some(p) => p,
            None => field.to_owned(),
        });
    }
    ReadError {
        location: Location {
            file: file.map(Path::to_path_buf),
            line,
            column,
        },
        object: object.clone(),
        path,
        message: message.to_owned(),
    }
}

/// Reads one typed object of kind `T` from a document (used by [`IstioResource::reader_for`]).
pub(crate) fn read_kind<T: DeserializeOwned>(
    doc: &RawDocument<'_>,
    file: Option<&Path>,
    kind: &str,
) -> Result<T, ReadError> {
    let head = scan_head(doc.text);
    let mut object = ObjectRef {
        kind: Some(kind.to_owned()),
        name: head.name,
        namespace: None,
    };
    parse_as(doc, file, &object).map_err(|mut e| {
        // On the error path only: find the name and namespace for the message.
        if let Ok(v) = parse_as::<serde_json::Value>(doc, file, &object) {
            let meta = v.get("metadata");
            let get = |k: &str| {
                meta.and_then(|m| m.get(k))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            object.name = get("name").or(object.name.take());
            object.namespace = get("namespace");
        } else {
            // Beyond the reader's limits (an alias bomb, say): the text itself still tells.
            object.namespace = scan_namespace(doc.text);
        }
        e.object = object;
        e
    })
}

/// Reads a single YAML or JSON document as `T` (any type, e.g. one Istio kind), strictly.
///
/// ```
/// use istio_types::networking::WorkloadEntry;
/// let we: WorkloadEntry = istio_types::read::from_str(
///     "apiVersion: networking.istio.io/v1beta1\nkind: WorkloadEntry\nmetadata: {name: vm1}\nspec: {address: 10.0.0.1}\n",
/// ).unwrap();
/// assert_eq!(we.spec.address.as_deref(), Some("10.0.0.1"));
/// ```
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, ReadError> {
    let doc = RawDocument {
        index: 0,
        first_line: 1,
        offset: 0,
        text,
    };
    parse_as(&doc, None, &ObjectRef::default())
}
