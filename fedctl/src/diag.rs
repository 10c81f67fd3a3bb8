//! Printing diagnostics, for people (one line each) or for tools (a JSON array).
//!
//! Verbs that check something (`validate`, `lint`) turn their findings into [`Diagnostic`]s and
//! call [`print()`].
//!
//! A finding about rendered objects (`validate` runs the analyzers over the bundles it renders)
//! names them in [`Diagnostic::objects`]. The same finding about many objects (one field of the
//! document behind 2,000 DestinationRules) is one problem to fix: [`merge_repeats`] makes it
//! one diagnostic, printed as one line with the count of objects, and in JSON as one entry with
//! `count` and every object in `objects`.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// One `file:line: error|warning: path: message` line per problem.
    #[default]
    Human,
    /// A JSON array of `{severity, message, path, kind, name, file, line}` objects; a finding
    /// about rendered objects adds `count` and `objects` (`validate`).
    Json,
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
}

impl From<fed_model::Severity> for Severity {
    fn from(s: fed_model::Severity) -> Self {
        match s {
            fed_model::Severity::Error => Self::Error,
            fed_model::Severity::Warning => Self::Warning,
        }
    }
}

/// One finding about one object (a Federation document, an Istio resource).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub(crate) struct Diagnostic {
    pub(crate) severity: Severity,
    pub(crate) message: String,
    /// Field path inside the object; empty for the whole object.
    pub(crate) path: String,
    /// The object's kind, e.g. `Federation`.
    pub(crate) kind: String,
    /// The object's `metadata.name`, when it has one.
    pub(crate) name: Option<String>,
    /// The object's `metadata.namespace`, for namespaced resources (`lint`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    pub(crate) file: Option<PathBuf>,
    pub(crate) line: Option<usize>,
    /// The analyzer's stable code (e.g. `failover-without-outlier-detection`), for findings of
    /// the cross-resource analyzers; shown as `warning[code]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    /// Whether the human form names the object (`lint` reads many objects per file;
    /// `validate` reads one).
    #[serde(skip)]
    pub(crate) show_object: bool,
    /// How many rendered objects the finding is about (the length of `objects`); absent for a
    /// finding about the input alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) count: Option<usize>,
    /// The rendered objects the finding is about, in the order found (`validate`'s analyzer
    /// findings: the objects rendered from the document's `path`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) objects: Vec<Affected>,
}

/// A rendered object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub(crate) struct Affected {
    /// The cluster whose bundle holds it.
    pub(crate) cluster: String,
    pub(crate) kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    /// The field path inside the object.
    pub(crate) path: String,
    /// `cluster C: Kind ns/name path`, as the human form names it.
    #[serde(skip)]
    pub(crate) subject: String,
}

impl From<&fed_render::analyze::FederationFinding> for Affected {
    fn from(f: &fed_render::analyze::FederationFinding) -> Self {
        Self {
            cluster: f.cluster.clone(),
            kind: f.kind.clone(),
            namespace: f.namespace.clone(),
            name: f.name.clone(),
            path: f.object_path.clone(),
            subject: f.subject(),
        }
    }
}

impl Diagnostic {
    /// A fed-model diagnostic about the Federation called `name`.
    pub(crate) fn from_federation(d: fed_model::Diagnostic, name: Option<&str>) -> Self {
        Self {
            severity: d.severity.into(),
            message: d.message,
            path: d.path,
            kind: "Federation".to_owned(),
            name: name.map(str::to_owned),
            namespace: None,
            file: d.file,
            line: d.line,
            code: None,
            show_object: false,
            count: None,
            objects: Vec::new(),
        }
    }
}

/// `file:line: error|warning: path: message`, leaving out what is unknown. A finding about one
/// rendered object names it before the message; about several, it ends with their count and
/// the first of them: `... (2,000 DestinationRules in 16 clusters; the first: cluster p0:
/// DestinationRule ns0/svc0 spec.trafficPolicy.tls.mode)`.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        f.write_str(match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })?;
        match &self.code {
            Some(code) => write!(f, "[{code}]: ")?,
            None => f.write_str(": ")?,
        }
        if self.show_object {
            f.write_str(&self.kind)?;
            match (&self.namespace, &self.name) {
                (Some(ns), Some(n)) => write!(f, " {ns}/{n}: ")?,
                (None, Some(n)) => write!(f, " {n}: ")?,
                _ => f.write_str(": ")?,
            }
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        match self.objects.as_slice() {
            [] => f.write_str(&self.message),
            [one] => write!(f, "{}: {}", one.subject, self.message),
            [first, ..] => write!(
                f,
                "{} ({}; the first: {})",
                self.message,
                objects_summary(&self.objects),
                first.subject
            ),
        }
    }
}

/// `2,000 DestinationRules in 16 clusters`, `1 ServiceEntry and 2 WorkloadEntries in 1 cluster`.
fn objects_summary(objects: &[Affected]) -> String {
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for o in objects {
        match kinds.iter_mut().find(|(k, _)| *k == o.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((&o.kind, 1)),
        }
    }
    let clusters: BTreeSet<&str> = objects.iter().map(|o| o.cluster.as_str()).collect();
    let parts: Vec<String> = kinds
        .iter()
        .map(|&(kind, n)| thousands(n, &plural(kind, n)))
        .collect();
    let list = match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    format!(
        "{list} in {}",
        thousands(clusters.len(), &plural("cluster", clusters.len()))
    )
}

/// `n` with a comma every three digits, then `what`: `2,000 DestinationRules`.
fn thousands(n: usize, what: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} {what}")
}

/// English plural of a Kubernetes kind or a noun: `ServiceEntry` -> `ServiceEntries`.
fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if word.ends_with('s') {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// Merges diagnostics that say the same about the same place of the input and differ only in
/// the rendered objects they are about: one diagnostic per problem, listing every object, at
/// the place of the first. Diagnostics about no rendered object are left as they are.
pub(crate) fn merge_repeats(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut seen: HashMap<Diagnostic, usize> = HashMap::new();
    for mut d in diagnostics {
        if d.objects.is_empty() {
            out.push(d);
            continue;
        }
        let objects = std::mem::take(&mut d.objects);
        d.count = None;
        match seen.entry(d) {
            Entry::Occupied(at) => out[*at.get()].objects.extend(objects),
            Entry::Vacant(slot) => {
                let mut d = slot.key().clone();
                d.objects = objects;
                slot.insert(out.len());
                out.push(d);
            }
        }
    }
    for d in &mut out {
        if !d.objects.is_empty() {
            d.count = Some(d.objects.len());
        }
    }
    out
}

/// Prints `diagnostics` to `out` in `format`.
pub(crate) fn print(
    out: &mut impl Write,
    diagnostics: &[Diagnostic],
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => {
            for d in diagnostics {
                writeln!(out, "{d}")?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, diagnostics)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

/// `"1 error"`, `"2 warnings"`.
pub(crate) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
