//! `fedctl render FILE [-o DIR] [--cluster NAME]`.

use std::io::Write as _;
use std::path::PathBuf;

use crate::{exit, fsio, load};

/// Render the Kubernetes and Istio objects every cluster needs.
///
/// With `-o DIR`: one folder per cluster, `DIR/<cluster>/`, holding one YAML file per kind of
/// object (`06-destinationrules.yaml`: the stage it is applied in, then the kind), a
/// `kustomization.yaml` listing them in apply order (so `kubectl apply -k DIR/<cluster>`
/// works), the Istio install values and a RUNBOOK.md of the steps no manifest can express. The
/// folder is replaced as a whole, and only if it is empty or was rendered by fedctl before.
///
/// Without `-o`: the same objects as one multi-document YAML stream on standard output.
///
/// The same input always gives byte-identical output. Exit status: 0 rendered, 1 the document
/// is invalid (problems on stderr, as `fedctl validate` prints them), 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// Write one folder per cluster into this folder instead of printing a stream.
    #[arg(short, long, value_name = "DIR")]
    pub(crate) output: Option<PathBuf>,
    /// Only this cluster (default: every cluster).
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
}

pub(crate) fn run(args: &Args) -> u8 {
    let fed = match load::federation(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let all: Vec<&str> = fed.clusters().map(|c| c.name().as_str()).collect();
    let clusters: Vec<&str> = match &args.cluster {
        None => all,
        Some(name) if all.contains(&name.as_str()) => vec![name.as_str()],
        Some(name) => {
            eprintln!(
                "fedctl: no cluster {name:?} in the federation (clusters: {})",
                all.join(", ")
            );
            return exit::USAGE;
        }
    };
    let fail = |e: String| {
        eprintln!("fedctl: {e}");
        exit::USAGE
    };
    let result = match &args.output {
        None => per_cluster(&fed, &clusters, |b| {
            b.to_yaml_stream().map_err(|e| e.to_string())
        })
        .map_err(fail)
        .and_then(|rendered| stream(&rendered)),
        Some(dir) => folders(&fed, &clusters, dir, args).map_err(fail),
    };
    result.err().unwrap_or(exit::OK)
}

/// What was made of one cluster's bundle: its YAML stream, or the number of files written
/// for it.
struct Rendered<T> {
    cluster: String,
    context: String,
    text: T,
}

/// Each cluster is rendered and turned into text on its own, one per core, and its objects
/// dropped before the next: a large federation never holds every bundle at once. The results
/// come back in cluster order; the first error in cluster order is the one returned.
fn per_cluster<T: Send>(
    fed: &fed_model::ValidatedFederation,
    clusters: &[&str],
    text: impl Fn(&fed_render::Bundle) -> Result<T, String> + Sync,
) -> Result<Vec<Rendered<T>>, String> {
    crate::par::map(clusters, |name| {
        let bundle = fed_render::render_cluster(fed, name)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("cluster {name} rendered no bundle"))?;
        Ok(Rendered {
            text: text(&bundle)?,
            cluster: bundle.cluster,
            context: bundle.context,
        })
    })
    .into_iter()
    .collect()
}

/// Every cluster's text is made before the first byte goes out; then each is written as it
/// is, not copied into one text first.
fn stream(rendered: &[Rendered<String>]) -> Result<(), u8> {
    exit::to_stdout("the objects", |out| {
        for r in rendered {
            writeln!(out, "# cluster: {} (context {})", r.cluster, r.context)?;
            out.write_all(r.text.as_bytes())?;
        }
        Ok(())
    })
}

/// Each cluster's files are written into the replacement folder by the thread that rendered
/// them, as soon as they are made, so writing overlaps rendering and a cluster's text is
/// dropped once on disk. An error anywhere drops the staging: the replacement is removed and
/// the output folder is left as it was.
fn folders(
    fed: &fed_model::ValidatedFederation,
    clusters: &[&str],
    dir: &std::path::Path,
    args: &Args,
) -> Result<(), String> {
    let note = format!(
        "rendered by fedctl {} from {}\n",
        env!("CARGO_PKG_VERSION"),
        args.file.display()
    );
    let one = args.cluster.is_some();
    let staging = if one {
        // Only that cluster's folder is replaced (`clusters` is that cluster alone); the
        // others are left as they are.
        fsio::Staging::begin(&dir.join(clusters[0]), &note)
    } else {
        fsio::Staging::begin(dir, &note)
    }
    .map_err(|e| e.to_string())?;
    let written = per_cluster(fed, clusters, |bundle| {
        let files = bundle.to_files().map_err(|e| e.to_string())?;
        let files = if one {
            strip_prefix(files, &bundle.cluster)
        } else {
            files
        };
        staging.write(&files).map_err(|e| e.to_string())?;
        Ok(files.len())
    })?;
    if !one {
        staging
            .write(&fed_render::graph::output_files(fed))
            .map_err(|e| e.to_string())?;
    }
    staging.commit().map_err(|e| e.to_string())?;
    for r in written {
        eprintln!("{}: {} files", dir.join(&r.cluster).display(), r.text);
    }
    Ok(())
}

fn strip_prefix(files: Vec<fed_render::OutputFile>, cluster: &str) -> Vec<fed_render::OutputFile> {
    let prefix = format!("{cluster}/");
    files
        .into_iter()
        .map(|mut f| {
            if let Some(rest) = f.path.strip_prefix(&prefix) {
                f.path = rest.to_owned();
            }
            f
        })
        .collect()
}
