//! `fedctl lint FILE...`: Istio's admission rules, offline.

use std::path::{Path, PathBuf};

use istio_types::IstioResource;
use istio_types::analysis::{self, AnalysisContext, IstioRelease, KnownService};
use istio_types::primitives::LineIndex;
use istio_types::read::{Document, read_stream, split_documents};

use crate::diag::{self, Diagnostic, OutputFormat, Severity};
use crate::exit;

/// Check Istio resources the way Istio's admission webhook does, without a cluster.
///
/// Reads every document of every file (multi-document YAML or JSON, mixed kinds): the typed
/// reader rejects what the API server would reject or silently drop (unknown or misplaced
/// fields, bad enum values, quoted numbers), then Istio's webhook rules run on each
/// DestinationRule, ServiceEntry, VirtualService, Gateway, Sidecar, WorkloadEntry,
/// WorkloadGroup, EnvoyFilter, AuthorizationPolicy, PeerAuthentication and
/// RequestAuthentication. Documents of other kinds are skipped with a note on stderr.
///
/// Then the cross-resource analyzers run over everything read, all files together (Services in
/// the files count as the cluster's Services): failover or connection-pool limits without
/// outlier detection, a maxEjectionPercent that cannot eject the local endpoints, ignored or
/// masked error counters, endpoint port names the service does not have, ServiceEntry
/// endpoints Istio will not merge, DestinationRules for unknown hosts or for one host twice,
/// VirtualService subsets no DestinationRule defines. Give `--istio 1.5` (the target release)
/// for the checks that depend on it.
///
/// Output: one `file:line: error|warning: Kind ns/name: path: message` line per finding
/// (`warning[code]:` for the analyzers' findings), or with `--output json` a JSON array of
/// {severity, message, path, kind, name, namespace, file, line, code}. Exit status: 0 no errors
/// (warnings allowed), 1 errors, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Files to check; `-` reads standard input.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// `human` or `json`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,
    /// The Istio release the resources are for, MAJOR.MINOR (e.g. 1.5): enables the analyzers
    /// whose answer depends on it.
    #[arg(long, value_name = "VERSION")]
    pub(crate) istio: Option<IstioRelease>,
}

/// An Istio resource read from a file, kept for the cross-resource analyzers.
struct Read {
    resource: IstioResource,
    file: PathBuf,
    /// The document's text and its first line in the file.
    text: String,
    first_line: usize,
    line: usize,
}

/// What the files hold, for the analyzers.
#[derive(Default)]
struct Set {
    resources: Vec<Read>,
    services: Vec<KnownService>,
}

pub(crate) fn run(args: &Args) -> u8 {
    let mut diagnostics = Vec::new();
    let mut resources = 0usize;
    let mut set = Set::default();
    for file in &args.files {
        let input = match crate::load::read_input(file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        let (text, shown) = (input.text, input.shown);
        resources += lint_text(&text, shown, &mut diagnostics, &mut set);
    }
    analyze(&set, args.istio, &mut diagnostics);
    if let Err(e) = diag::print(&mut std::io::stdout().lock(), &diagnostics, args.output) {
        eprintln!("fedctl: cannot write the report: {e}");
        return exit::USAGE;
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if args.output == OutputFormat::Human {
        eprintln!(
            "{resources} Istio resources checked: {}, {}",
            diag::count(errors, "error"),
            diag::count(diagnostics.len() - errors, "warning")
        );
    }
    if errors > 0 { exit::INVALID } else { exit::OK }
}

/// Lints one file's text into `out`; returns how many Istio resources it held.
fn lint_text(text: &str, file: &Path, out: &mut Vec<Diagnostic>, set: &mut Set) -> usize {
    let raw: Vec<_> = split_documents(text)
        .into_iter()
        .filter(|d| !d.is_blank())
        .collect();
    let mut resources = 0;
    let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for doc in read_stream(text, Some(file)) {
        match doc.result {
            Err(e) => {
                out.push(Diagnostic {
                    severity: Severity::Error,
                    message: e.message,
                    path: e.path.unwrap_or_default(),
                    kind: e.object.kind.unwrap_or_else(|| "document".to_owned()),
                    name: e.object.name,
                    namespace: e.object.namespace,
                    file: e.location.file,
                    line: e.location.line,
                    code: None,
                    show_object: true,
                });
            }
            Ok(Document::Other {
                api_version, kind, ..
            }) => {
                if kind == "Service"
                    && let Some(d) = raw.get(doc.index)
                    && let Ok(value) = serde_saphyr::from_str::<serde_json::Value>(d.text)
                    && let Some(svc) = KnownService::from_json(&value, "default", "cluster.local")
                {
                    set.services.push(svc);
                }
                *skipped
                    .entry(format!("{kind} ({api_version})"))
                    .or_default() += 1;
            }
            Ok(Document::Istio(r)) => {
                resources += 1;
                if let Some(d) = raw.get(doc.index) {
                    set.resources.push(Read {
                        resource: (*r).clone(),
                        file: file.to_path_buf(),
                        text: d.text.to_owned(),
                        first_line: d.first_line,
                        line: doc.line,
                    });
                }
                let report = r.validate();
                if report.is_clean() {
                    continue;
                }
                // Lines only on the path of findings: most documents have none.
                let source = raw.get(doc.index);
                let index = source.map(|d| LineIndex::new(d.text));
                for f in report.findings {
                    let line = match (source, &index) {
                        (Some(d), Some(ix)) => ix.line(&f.path).map(|l| d.first_line + l - 1),
                        _ => None,
                    }
                    .or(Some(doc.line));
                    out.push(Diagnostic {
                        severity: match f.severity {
                            istio_types::validate::Severity::Error => Severity::Error,
                            istio_types::validate::Severity::Warning => Severity::Warning,
                        },
                        message: f.message,
                        path: f.path,
                        kind: r.kind().to_owned(),
                        name: r.metadata().name.clone(),
                        namespace: r.metadata().namespace.clone(),
                        file: Some(file.to_path_buf()),
                        line,
                        code: None,
                        show_object: true,
                    });
                }
            }
        }
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
            "{}: note: skipped what is not an Istio resource: {}",
            file.display(),
            list.join(", ")
        );
    }
    resources
}

/// Runs the cross-resource analyzers over everything read; findings carry the file and line of
/// the field they are about.
fn analyze(set: &Set, istio: Option<IstioRelease>, out: &mut Vec<Diagnostic>) {
    let ctx = AnalysisContext {
        istio,
        services: set.services.clone(),
        // Only when the files show Services do they stand for all of the cluster's.
        services_complete: !set.services.is_empty(),
        ..AnalysisContext::default()
    };
    for f in analysis::analyze(set.resources.iter().map(|r| &r.resource), &ctx) {
        let read = &set.resources[f.resource];
        let line = LineIndex::new(&read.text)
            .line(&f.path)
            .map(|l| read.first_line + l - 1)
            .or(Some(read.line));
        out.push(Diagnostic {
            severity: match f.severity {
                istio_types::validate::Severity::Error => Severity::Error,
                istio_types::validate::Severity::Warning => Severity::Warning,
            },
            message: f.message,
            path: f.path,
            kind: f.kind.to_owned(),
            name: Some(f.name),
            namespace: f.namespace,
            file: Some(read.file.clone()),
            line,
            code: Some(f.code.as_str().to_owned()),
            show_object: true,
        });
    }
}
