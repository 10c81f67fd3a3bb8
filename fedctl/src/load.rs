//! Reading and validating the Federation document for the verbs that need a valid one
//! (`render`, `certs`, `explain`, `apply`): problems go to stderr as `validate` prints them.

use std::io::Read;
use std::path::Path;

use fed_model::ValidatedFederation;

use crate::diag::{self, Diagnostic, OutputFormat};
use crate::exit;

/// Reads `file` (`-` for stdin) and validates it. On failure prints every problem to stderr
/// and returns the exit code to end with; warnings are printed and loading goes on.
pub(crate) fn federation(file: &Path) -> Result<ValidatedFederation, u8> {
    let stdin = file == Path::new("-");
    let text = if stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    };
    let text = text.map_err(|e| {
        eprintln!("fedctl: cannot read {}: {e}", file.display());
        exit::USAGE
    })?;
    let origin = if stdin { Path::new("<stdin>") } else { file };
    let base_dir = (!stdin).then(|| file.parent().unwrap_or(Path::new("")));
    let (fed, found, code) = match fed_model::validate_yaml_str(&text, Some(origin), base_dir) {
        Ok(v) => (Some(v.federation), v.warnings, exit::OK),
        Err(report) => (None, report.into_diagnostics(), exit::INVALID),
    };
    if !found.is_empty() {
        let diagnostics: Vec<Diagnostic> = found
            .into_iter()
            .map(|d| Diagnostic::from_federation(d, None))
            .collect();
        // Best effort: if stderr is gone there is nobody to tell.
        let _ = diag::print(
            &mut std::io::stderr().lock(),
            &diagnostics,
            OutputFormat::Human,
        );
    }
    fed.ok_or(code)
}
