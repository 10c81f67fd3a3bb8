//! `fedctl validate FILE`: check a Federation document.

use std::path::{Path, PathBuf};

use crate::diag::{self, Affected, Diagnostic, OutputFormat, Severity};
use crate::exit;

/// Check a Federation document and report every problem at once.
///
/// Reports unknown keys, wrong types, invalid names, durations, localities, ports and
/// protocols, undefined clusters, impossible overflow rules and missing CA files, each with its
/// field path and line, and warns about settings that are valid but cannot work as intended.
///
/// A valid document is then rendered and the rendered objects go through the cross-resource
/// analyzers (as `fedctl lint` runs them) and the federation checks (an overflow endpoint at a
/// port the peer's gateway does not serve, ISTIO_MUTUAL between peers without a shared CA).
/// Their findings are reported against the document's own fields
/// (`spec.services[0].overflow[0].thresholds: warning[code]: ...`), naming the cluster and
/// object they come from. The same finding about many objects rendered from one field is
/// reported once, with the number of objects and the first of them; with `--output json`, as
/// one entry whose `objects` lists them all (and `count` says how many).
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
    let input = match crate::load::read_input(&args.file) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let (text, origin, base_dir) = (input.text, input.shown, input.base_dir);
    let result = fed_model::validate_yaml_str(&text, Some(origin), base_dir);
    let name = document_name(&text);
    let (valid, found, federation) = match result {
        Ok(validated) => (true, validated.warnings, Some(validated.federation)),
        Err(report) => (false, report.into_diagnostics(), None),
    };
    let mut diagnostics: Vec<Diagnostic> = found
        .into_iter()
        .map(|d| Diagnostic::from_federation(d, name.as_deref()))
        .collect();
    if let Some(fed) = &federation {
        analyzer_findings(fed, &text, origin, name.as_deref(), &mut diagnostics);
    }
    let diagnostics = diag::merge_repeats(diagnostics);
    if let Err(code) = exit::to_stdout("the report", |out| {
        diag::print(out, &diagnostics, args.output)
    }) {
        return code;
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

/// The analyzers' findings on every cluster's bundle. Peers are rendered and analyzed one per
/// core, each bundle dropped once analyzed (consumer/provider bundles are small and made
/// together).
fn analyze(
    fed: &fed_model::ValidatedFederation,
) -> Result<Vec<fed_render::analyze::FederationFinding>, fed_render::RenderError> {
    if !fed.topology().is_peer_to_peer() {
        return Ok(fed_render::analyze::analyze(fed, &fed_render::render(fed)?));
    }
    let analyzer = fed_render::analyze::Analyzer::new(fed);
    let names: Vec<&str> = fed.clusters().map(|c| c.name().as_str()).collect();
    let mut parts = Vec::with_capacity(names.len());
    for part in crate::par::map(&names, |name| {
        fed_render::render_cluster(fed, name).map(|b| b.map(|b| analyzer.bundle(&b)))
    }) {
        parts.extend(part?);
    }
    Ok(analyzer.finish(parts))
}

/// Renders `fed` and runs the analyzers over the bundles; findings go against the document's
/// own paths, with their lines in `text`.
fn analyzer_findings(
    fed: &fed_model::ValidatedFederation,
    text: &str,
    origin: &Path,
    name: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let findings = match analyze(fed) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fedctl: note: not rendered, so not analyzed: {e}");
            return;
        }
    };
    let lines = istio_types::primitives::LineIndex::new(text);
    for f in findings {
        let object = Affected::from(&f);
        out.push(Diagnostic {
            severity: match f.severity {
                istio_types::validate::Severity::Error => Severity::Error,
                istio_types::validate::Severity::Warning => Severity::Warning,
            },
            message: f.message,
            line: lines.line(&f.federation_path),
            path: f.federation_path,
            kind: "Federation".to_owned(),
            name: name.map(str::to_owned),
            namespace: None,
            file: Some(origin.to_path_buf()),
            code: Some(f.code.as_str().to_owned()),
            show_object: false,
            count: Some(1),
            objects: vec![object],
        });
    }
}
