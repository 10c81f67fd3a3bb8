//! `fedctl apply FILE` and `fedctl diff FILE`: the rendered bundles, server-side applied to
//! the clusters named by each cluster's `context`.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

use fed_apply::{Action, Applier, ApplyOptions, ApplyReport, ApplySetParent, ClusterTarget, Event};

use crate::{exit, load};

/// The exit code of `diff` when something would change.
const CHANGES: u8 = 3;

/// Where the ApplySet parent of every federation lives in each cluster.
const PARENT_NAMESPACE: &str = "kube-system";

/// What both verbs take.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// The kubeconfig to read contexts from (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "PATH")]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// Only this cluster (default: every cluster).
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
    /// How the change sets are printed.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub(crate) output: ReportFormat,
}

/// How `apply` and `diff` print what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// A table per cluster: each object's action (created, configured, unchanged, pruned,
    /// failed, skipped) and how many fields changed; `diff` then lists the changed fields.
    #[default]
    Human,
    /// The change sets as a JSON array, one per cluster: every object with its action, changed
    /// fields and error.
    Json,
}

/// Apply every cluster's bundle with server-side apply (field manager `fedctl`).
///
/// Per cluster, in parallel: discovery, a server-side dry-run of everything (any failure stops
/// that cluster before it writes anything), then only the objects that drifted are patched, in
/// order (Namespaces and CRDs first, Istio objects last), so re-applying an unchanged bundle
/// writes nothing. Objects are members of a kubectl ApplySet (parent Secret
/// `kube-system/meshfed-<federation>`), so `--prune` deletes only what this federation applied
/// before and no longer renders (never Namespaces or CRDs). One cluster failing does not stop
/// the others. Exit status: 0 every cluster succeeded, 1 a cluster failed or the document is
/// invalid, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Ask the API servers what would change (server-side dry-run); write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Delete this federation's objects that are no longer rendered.
    #[arg(long)]
    pub(crate) prune: bool,
    /// Take over fields another field manager owns instead of reporting the conflict.
    #[arg(long)]
    pub(crate) force_conflicts: bool,
}

/// Show, field by field, what `apply` would change (Secret values masked).
///
/// Runs `apply --dry-run --prune` and prints each object's field-level differences. Exit
/// status: 0 no changes, 3 changes, 1 a cluster failed or the document is invalid, 2 usage or
/// I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    pub(crate) common: Common,
}

pub(crate) fn run_apply(args: &ApplyArgs) -> u8 {
    let report = match run(&args.common, |o| {
        o.dry_run = args.dry_run;
        o.prune = args.prune;
        o.force_conflicts = args.force_conflicts;
    }) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = print(&report, &args.common, false) {
        return code;
    }
    if report.is_success() {
        exit::OK
    } else {
        exit::INVALID
    }
}

pub(crate) fn run_diff(args: &DiffArgs) -> u8 {
    let report = match run(&args.common, |o| {
        o.dry_run = true;
        o.prune = true;
    }) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = print(&report, &args.common, true) {
        return code;
    }
    if !report.is_success() {
        return exit::INVALID;
    }
    let changed = report
        .clusters
        .iter()
        .any(|cs| cs.changes.iter().any(|c| c.action != Action::Unchanged));
    if changed { CHANGES } else { exit::OK }
}

fn run(common: &Common, configure: impl FnOnce(&mut ApplyOptions)) -> Result<ApplyReport, u8> {
    let fed = load::federation(&common.file)?;
    let bundles = fed_render::render(&fed).map_err(|e| {
        eprintln!("fedctl: {e}");
        exit::USAGE
    })?;
    let mut targets = Vec::new();
    for b in bundles {
        if common.cluster.as_ref().is_some_and(|c| c != &b.cluster) {
            continue;
        }
        let target = ClusterTarget::new(&b.cluster, &b.context)
            .with_json_objects(b.objects.iter().map(fed_render::Object::to_json_value))
            .map_err(|e| {
                eprintln!("fedctl: {e}");
                exit::USAGE
            })?;
        targets.push(target);
    }
    if targets.is_empty() {
        let all: Vec<_> = fed.clusters().map(|c| c.name().as_str()).collect();
        eprintln!(
            "fedctl: no cluster {:?} in the federation (clusters: {})",
            common.cluster.as_deref().unwrap_or(""),
            all.join(", ")
        );
        return Err(exit::USAGE);
    }
    let mut options = ApplyOptions::new(ApplySetParent::new(
        format!("meshfed-{}", fed.name()),
        PARENT_NAMESPACE,
    ));
    configure(&mut options);
    let applier = Applier::new(kubeconfig(common.kubeconfig.as_deref())?, options);
    let runtime = runtime()?;
    let tty = std::io::stderr().is_terminal();
    let progress = move |e: &Event<'_>| progress_line(e, tty);
    Ok(runtime.block_on(applier.apply(&targets, &progress)))
}

/// The kubeconfig at `path`, else the one of `$KUBECONFIG` or `~/.kube/config`; on failure
/// prints why and returns the usage exit code.
pub(crate) fn kubeconfig(path: Option<&Path>) -> Result<Kubeconfig, u8> {
    let fail = |e: fed_apply::Error| {
        eprintln!("fedctl: {e}");
        exit::USAGE
    };
    if let Some(path) = path {
        Applier::check_kubeconfig_file(path).map_err(fail)?;
        return Kubeconfig::read_from(path).map_err(|source| {
            fail(fed_apply::Error::Kubeconfig {
                path: path.display().to_string(),
                source,
            })
        });
    }
    // kube reads these files itself; check first that it can do so without panicking.
    for file in default_kubeconfig_files() {
        Applier::check_kubeconfig_file(&file).map_err(fail)?;
    }
    Kubeconfig::read().map_err(|source| {
        fail(fed_apply::Error::Kubeconfig {
            path: "$KUBECONFIG or ~/.kube/config".into(),
            source,
        })
    })
}

/// The runtime the cluster verbs run on; on failure prints why and returns the usage exit code.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("fedctl: cannot start the async runtime: {e}");
            exit::USAGE
        })
}

/// The files `Kubeconfig::read` reads: every path in `$KUBECONFIG`, else `~/.kube/config`.
fn default_kubeconfig_files() -> Vec<PathBuf> {
    match std::env::var_os("KUBECONFIG") {
        Some(list) if !list.is_empty() => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".kube").join("config"))
            .into_iter()
            .collect(),
    }
}

/// One line per step on stderr; on a terminal per-object lines are left out (the table at the
/// end says it all), in logs they are kept.
fn progress_line(e: &Event<'_>, tty: bool) {
    match e {
        Event::ClusterStarted { cluster, objects } => eprintln!("{cluster}: {objects} objects"),
        Event::DryRunFinished {
            cluster,
            changes,
            failed,
        } => {
            eprintln!("{cluster}: dry-run: {changes} to change, {failed} failed");
        }
        Event::StageStarted {
            cluster,
            stage,
            writes,
        } => eprintln!("{cluster}: {stage:?}: {writes} to write"),
        Event::Object {
            cluster,
            object,
            action,
        } if !tty => eprintln!("{cluster}: {action:?} {object}"),
        Event::Waiting {
            cluster,
            object,
            condition,
        } => eprintln!("{cluster}: waiting for {object} to be {condition}"),
        Event::Retrying {
            cluster,
            attempt,
            delay,
            error,
        } => {
            eprintln!("{cluster}: retry {attempt} in {delay:?}: {error}");
        }
        _ => {}
    }
}

fn print(report: &ApplyReport, common: &Common, diffs: bool) -> Result<(), u8> {
    exit::to_stdout("the report", |out| {
        if common.output == ReportFormat::Json {
            serde_json::to_writer_pretty(&mut *out, &report.clusters)?;
            return writeln!(out);
        }
        for cs in &report.clusters {
            writeln!(out, "{cs}")?;
            if diffs {
                for c in cs.changes.iter().filter(|c| !c.diff.is_empty()) {
                    writeln!(out, "{}:", c.object)?;
                    for d in &c.diff {
                        writeln!(out, "    {d}")?;
                    }
                }
            }
        }
        Ok(())
    })
}
