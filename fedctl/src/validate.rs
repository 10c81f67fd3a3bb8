//! `fedctl validate FILE`: check a Federation document.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic, OutputFormat, Severity};
use crate::exit;

/// Check a Federation document and report every problem at once.
///
/// Reports unknown keys, wrong types, invalid names, durations, localities, ports and
/// protocols, undefined clusters, impossible overflow rules and missing CA files, each with its
/// field path and line, and warns about settings that are valid but cannot work as intended.
///
/// Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document (YAML or JSON); `-` reads standard input.
    pub(crate) file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,
}

pub(crate) fn run(args: &Args) -> u8 {
    let stdin = args.file == Path::new("-");
    let text = if stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(&args.file)
    };
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            eprintln!("fedctl: cannot read {}: {e}", args.file.display());
            return exit::USAGE;
        }
    };
    let origin = if stdin {
        Path::new("<stdin>")
    } else {
        args.file.as_path()
    };
    // `ca.dir` is relative to the document.
    let base_dir = if stdin {
        None
    } else {
        Some(args.file.parent().unwrap_or(Path::new("")))
    };
    let result = fed_model::validate_yaml_str(&text, Some(origin), base_dir);
    let name = document_name(&text);
    let (valid, found) = match result {
        Ok(validated) => (true, validated.warnings),
        Err(report) => (false, report.into_diagnostics()),
    };
    let diagnostics: Vec<Diagnostic> = found
        .into_iter()
        .map(|d| Diagnostic::from_federation(d, name.as_deref()))
        .collect();
    if let Err(e) = diag::print(&mut std::io::stdout().lock(), &diagnostics, args.output) {
        eprintln!("fedctl: cannot write the report: {e}");
        return exit::USAGE;
    }
    if args.output == OutputFormat::Human {
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = diagnostics.len() - errors;
        let verdict = if valid { "valid" } else { "invalid" };
        eprintln!(
            "{}: {verdict} ({}, {})",
            origin.display(),
            diag::count(errors, "error"),
            diag::count(warnings, "warning")
        );
    }
    if valid { exit::OK } else { exit::INVALID }
}

/// `metadata.name`, if the document has a readable one, for the diagnostics' `name`.
fn document_name(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_saphyr::from_str(text).ok()?;
    value.pointer("/metadata/name")?.as_str().map(str::to_owned)
}
