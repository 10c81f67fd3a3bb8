//! `fedctl lint FILE...`: Istio's admission rules, offline.

use std::path::{Path, PathBuf};

use istio_types::IstioResource;
use istio_types::analysis::{self, AnalysisContext, IstioRelease, KnownService, KnownWorkload};
use istio_types::read::{Document, lines_of, read_stream_map};

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
/// the files count as the cluster's Services, Deployments and StatefulSets as its pods):
/// failover or connection-pool limits without outlier detection, a maxEjectionPercent that
/// cannot eject enough local pods, ignored or masked error counters, endpoint port names the
/// service does not have, ServiceEntry endpoints Istio will not merge, DestinationRules for
/// unknown hosts or for one host twice, VirtualService subsets no DestinationRule defines (an
/// error when the host's DestinationRule is among the files and lacks the subset, a warning
/// when none is), two Sidecars selecting the same pods, so many pods that one ejection moves
/// nothing. The webhook rules follow the newest Istio release fedctl knows; give `--istio 1.5`
/// (the target release) for that release's verdict where the rules changed, and for the checks
/// that depend on what its data plane does: client-side limits that never eject or that eject
/// the remote endpoints, retries that cannot reach the other cluster (without it, the ejection
/// checks use the newest release known).
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
    /// The Istio release the resources are for, MAJOR.MINOR (e.g. 1.5): its admission rules
    /// apply (the newest release known when absent), and the analyzers whose answer depends on
    /// it run.
    #[arg(long, value_name = "VERSION")]
    pub(crate) istio: Option<IstioRelease>,
}

/// An Istio resource read from a file, kept for the cross-resource analyzers.
struct Read {
    resource: IstioResource,
    /// Which of [`Set::files`] it is in.
    file: usize,
    /// Where the document's text is in the file's, and its first line in the file.
    text: std::ops::Range<usize>,
    first_line: usize,
    line: usize,
}

/// What the files hold, for the analyzers.
#[derive(Default)]
struct Set {
    resources: Vec<Read>,
    services: Vec<KnownService>,
    workloads: Vec<KnownWorkload>,
    /// Each file as shown in messages, and its text (documents are kept as ranges of it).
    files: Vec<(PathBuf, String)>,
}

impl Set {
    fn text(&self, read: &Read) -> &str {
        &self.files[read.file].1[read.text.clone()]
    }
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
        let release = args.istio.unwrap_or(IstioRelease::NEWEST_KNOWN);
        resources += lint_text(
            &input.text,
            input.shown,
            release,
            &mut diagnostics,
            &mut set,
        );
        set.files.push((input.shown.to_path_buf(), input.text));
    }
    analyze(&set, args.istio, &mut diagnostics);
    if let Err(code) = exit::to_stdout("the report", |out| {
        diag::print(out, &diagnostics, args.output)
    }) {
        return code;
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
    // The process ends after this: freeing every typed resource one by one would only add
    // time (3% of a 20,000-document run), so the memory goes back with the process.
    std::mem::forget(set);
    if errors > 0 { exit::INVALID } else { exit::OK }
}

/// A document of another kind the analyzers use.
enum Known {
    Service(KnownService),
    Workload(KnownWorkload),
}

/// What one document of a file gave.
enum Outcome {
    /// It could not be read.
    Unreadable(Diagnostic),
    /// Another kind (`Kind (apiVersion)`), and the Service or workload it is when it is one.
    Other(String, Option<Known>),
    /// An Istio resource, kept for the analyzers, with its webhook-rule findings.
    Istio(Read, Vec<Diagnostic>),
}

/// Lints one file's text into `out` with the admission rules of `release`; returns how many
/// Istio resources it held. Documents are read, validated and located in parallel
/// ([`read_stream_map`]). The caller adds the file to `set.files` afterwards, at the index it
/// has now.
fn lint_text(
    text: &str,
    file: &Path,
    release: IstioRelease,
    out: &mut Vec<Diagnostic>,
    set: &mut Set,
) -> usize {
    let file_index = set.files.len();
    let outcomes = read_stream_map(text, Some(file), |raw, doc| match doc.result {
        Err(e) => Outcome::Unreadable(Diagnostic {
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
            count: None,
            objects: Vec::new(),
        }),
        Ok(Document::Other {
            api_version, kind, ..
        }) => {
            let value = || serde_saphyr::from_str::<serde_json::Value>(raw.text).ok();
            let known = match kind.as_str() {
                "Service" => value()
                    .and_then(|v| KnownService::from_json(&v, "default", "cluster.local"))
                    .map(Known::Service),
                "Deployment" | "StatefulSet" => value()
                    .and_then(|v| KnownWorkload::from_json(&v, "default"))
                    .map(Known::Workload),
                _ => None,
            };
            Outcome::Other(format!("{kind} ({api_version})"), known)
        }
        Ok(Document::Istio(r)) => {
            let report = r.validate_for(release);
            // Lines only on the path of findings: most documents have none.
            let paths: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
            let lines = lines_of(raw.text, &paths);
            let diagnostics = report
                .findings
                .into_iter()
                .zip(lines)
                .map(|(f, line)| Diagnostic {
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
                    line: Some(line.map_or(doc.line, |l| raw.first_line + l - 1)),
                    code: None,
                    show_object: true,
                    count: None,
                    objects: Vec::new(),
                })
                .collect();
            // Keep where the document is in the file's text, not a copy.
            let start = raw.offset;
            let read = Read {
                resource: r,
                file: file_index,
                text: start..start + raw.text.len(),
                first_line: raw.first_line,
                line: doc.line,
            };
            Outcome::Istio(read, diagnostics)
        }
    });
    let mut resources = 0;
    let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Unreadable(d) => out.push(d),
            Outcome::Other(what, known) => {
                match known {
                    Some(Known::Service(s)) => set.services.push(s),
                    Some(Known::Workload(w)) => set.workloads.push(w),
                    None => {}
                }
                *skipped.entry(what).or_default() += 1;
            }
            Outcome::Istio(read, diagnostics) => {
                resources += 1;
                set.resources.push(read);
                out.extend(diagnostics);
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
        workloads: set.workloads.clone(),
        ..AnalysisContext::default()
    };
    let findings = analysis::analyze(set.resources.iter().map(|r| &r.resource), &ctx);
    // Findings come ordered by resource: one lookup per resource for all of its paths, the
    // resources shared out between threads.
    let groups: Vec<&[analysis::AnalysisFinding]> =
        findings.chunk_by(|a, b| a.resource == b.resource).collect();
    let locate = |groups: &[&[analysis::AnalysisFinding]]| -> Vec<usize> {
        let mut lines = Vec::new();
        for group in groups {
            let read = &set.resources[group[0].resource];
            let paths: Vec<&str> = group.iter().map(|f| f.path.as_str()).collect();
            lines.extend(
                lines_of(set.text(read), &paths)
                    .into_iter()
                    .map(|l| l.map_or(read.line, |l| read.first_line + l - 1)),
            );
        }
        lines
    };
    let lines: Vec<usize> = crate::par::map_chunks(&groups, 256, locate);
    for (f, line) in findings.into_iter().zip(lines) {
        let read = &set.resources[f.resource];
        let line = Some(line);
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
            file: Some(set.files[read.file].0.clone()),
            line,
            code: Some(f.code.as_str().to_owned()),
            show_object: true,
            count: None,
            objects: Vec::new(),
        });
    }
}
