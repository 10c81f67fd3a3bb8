//! `fedctl render FILE [-o DIR] [--cluster NAME]`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use crate::{exit, fsio, load};

/// Render the Kubernetes and Istio objects every cluster needs.
///
/// With `-o DIR`: one folder per cluster, `DIR/<cluster>/`, holding one YAML file per object, a
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
    let bundles = match fed_render::render(&fed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("fedctl: {e}");
            return exit::USAGE;
        }
    };
    let bundles: Vec<_> = match &args.cluster {
        None => bundles,
        Some(name) => {
            let picked: Vec<_> = bundles.into_iter().filter(|b| &b.cluster == name).collect();
            if picked.is_empty() {
                let all: Vec<_> = fed.clusters().map(|c| c.name().as_str()).collect();
                eprintln!(
                    "fedctl: no cluster {name:?} in the federation (clusters: {})",
                    all.join(", ")
                );
                return exit::USAGE;
            }
            picked
        }
    };
    let result = match &args.output {
        None => stream(&bundles),
        Some(dir) => folders(&bundles, dir, args),
    };
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("fedctl: {e}");
            exit::USAGE
        }
    }
}

fn stream(bundles: &[fed_render::Bundle]) -> Result<(), String> {
    // Writing YAML is most of the work and each bundle's is independent: one core per bundle.
    let streams = crate::par::map(bundles, fed_render::Bundle::to_yaml_stream);
    let mut out = String::new();
    for (b, yaml) in bundles.iter().zip(streams) {
        let _ = writeln!(out, "# cluster: {} (context {})", b.cluster, b.context);
        out.push_str(&yaml.map_err(|e| e.to_string())?);
    }
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

fn folders(
    bundles: &[fed_render::Bundle],
    dir: &std::path::Path,
    args: &Args,
) -> Result<(), String> {
    let note = format!(
        "rendered by fedctl {} from {}\n",
        env!("CARGO_PKG_VERSION"),
        args.file.display()
    );
    let mut written = Vec::new();
    // Every bundle's YAML first (in parallel, see `stream`), before anything is written.
    let rendered = crate::par::map(bundles, fed_render::Bundle::to_files);
    if args.cluster.is_some() {
        // Only that cluster's folder is replaced; the others are left as they are.
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (b, files) in bundles.iter().zip(rendered) {
            let files: Vec<_> = strip_prefix(files.map_err(|e| e.to_string())?, &b.cluster);
            fsio::replace_dir(&dir.join(&b.cluster), &files, &note).map_err(|e| e.to_string())?;
            written.push((b.cluster.clone(), files.len()));
        }
    } else {
        let mut files = Vec::new();
        for (b, f) in bundles.iter().zip(rendered) {
            let f = f.map_err(|e| e.to_string())?;
            written.push((b.cluster.clone(), f.len()));
            files.extend(f);
        }
        fsio::replace_dir(dir, &files, &note).map_err(|e| e.to_string())?;
    }
    for (cluster, n) in written {
        eprintln!("{}: {n} files", dir.join(cluster).display());
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
