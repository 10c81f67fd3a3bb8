//! Printing diagnostics, for people (one line each) or for tools (a JSON array).
//!
//! Verbs that check something (`validate`, `lint`) turn their findings into [`Diagnostic`]s and
//! call [`print()`].

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// One `file:line: error|warning: path: message` line per problem.
    #[default]
    Human,
    /// A JSON array of `{severity, message, path, kind, name, file, line}` objects.
    Json,
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        }
    }
}

/// `file:line: error|warning: path: message`, leaving out what is unknown.
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
        f.write_str(&self.message)
    }
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
