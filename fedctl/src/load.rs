//! Reading and validating the Federation document for the verbs that need a valid one
//! (`render`, `certs`, `explain`, `apply`): problems go to stderr as `validate` prints them.

use std::io::Read;
use std::path::Path;

use fed_model::ValidatedFederation;

use crate::diag::{self, Diagnostic, OutputFormat};
use crate::exit;

/// One input's text, with the name to show for it and the folder relative paths in it start
/// from (`None` for stdin).
pub(crate) struct Input<'a> {
    pub(crate) text: String,
    pub(crate) shown: &'a Path,
    pub(crate) base_dir: Option<&'a Path>,
}

/// Reads `file`, or standard input for `-`. On failure prints why and returns the usage exit
/// code (the file could not be read: nothing about its contents is known).
pub(crate) fn read_input(file: &Path) -> Result<Input<'_>, u8> {
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
    Ok(Input {
        text,
        shown: if stdin { Path::new("<stdin>") } else { file },
        base_dir: (!stdin).then(|| file.parent().unwrap_or(Path::new(""))),
    })
}

/// Reads `file` (`-` for stdin) and validates it. On failure prints every problem to stderr
/// and returns the exit code to end with; warnings are printed and loading goes on.
pub(crate) fn federation(file: &Path) -> Result<ValidatedFederation, u8> {
    let input = read_input(file)?;
    report(fed_model::validate_yaml_str(
        &input.text,
        Some(input.shown),
        input.base_dir,
    ))
}

/// [`federation`] for `fedctl certs`, which makes the files `mesh.ca.dir` names: the document
/// is validated as if it had no `mesh.ca`, so a `ca.dir` written before the folder exists is
/// no reason to refuse to make it.
pub(crate) fn federation_without_ca(file: &Path) -> Result<ValidatedFederation, u8> {
    let input = read_input(file)?;
    report(
        fed_model::from_yaml_str(&input.text, Some(input.shown)).and_then(|mut raw| {
            raw.spec.mesh.ca = None;
            raw.validate(input.base_dir)
        }),
    )
}

/// Prints the problems and warnings of a validation to stderr, as `validate` prints them.
fn report(
    result: Result<fed_model::Validated, fed_model::Report>,
) -> Result<ValidatedFederation, u8> {
    let (fed, found, code) = match result {
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
