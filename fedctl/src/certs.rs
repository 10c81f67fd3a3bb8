//! `fedctl certs FILE -o DIR`.

use std::path::PathBuf;

use crate::{exit, fsio, load};

/// Make the federation's shared root CA and one intermediate CA per cluster.
///
/// Writes what Istio's tools/certs Makefile makes: DIR/root-cert.pem and DIR/root-key.pem, and
/// per cluster `DIR/<cluster>/{ca-cert,ca-key,cert-chain,root-cert}.pem` (cert-chain = ca-cert +
/// root-cert). Point `mesh.ca.dir` at DIR and `fedctl render` puts each cluster's four files in
/// its Secret istio-system/cacerts. Keys are ECDSA P-256, written with mode 0600 and never
/// printed. Existing keys are never overwritten: the command refuses before writing anything.
/// The document's `mesh.ca` is not checked (these are the files it names), so `mesh.ca.dir`
/// may name DIR before DIR exists.
///
/// Exit status: 0 written, 1 the document is invalid, 2 usage or I/O error (including keys that
/// already exist).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// The folder to write the CA files into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) output: PathBuf,
}

pub(crate) fn run(args: &Args) -> u8 {
    let fed = match load::federation_without_ca(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let clusters: Vec<&str> = fed.clusters().map(|c| c.name().as_str()).collect();
    // Refuse before generating anything if any file we would write is already there.
    let planned = [String::from("root-cert.pem"), String::from("root-key.pem")]
        .into_iter()
        .chain(
            clusters
                .iter()
                .flat_map(|c| fed_render::k8s::CACERTS_FILES.map(|f| format!("{c}/{f}"))),
        );
    let existing: Vec<String> = planned.filter(|p| args.output.join(p).exists()).collect();
    if !existing.is_empty() {
        eprintln!(
            "fedctl: refusing to overwrite existing CA files in {}: {}\n(move them away to make a new CA)",
            args.output.display(),
            existing.join(", ")
        );
        return exit::USAGE;
    }
    let ca = match fed_render::certs::generate(&clusters, time::OffsetDateTime::now_utc()) {
        Ok(ca) => ca,
        Err(e) => {
            eprintln!("fedctl: {e}");
            return exit::USAGE;
        }
    };
    for f in ca.files() {
        let path = args.output.join(&f.path);
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            eprintln!("fedctl: cannot create {}: {e}", dir.display());
            return exit::USAGE;
        }
        if let Err(e) = fsio::write_new(&path, f.contents.as_bytes(), f.secret) {
            eprintln!("fedctl: {e}");
            return exit::USAGE;
        }
        eprintln!(
            "wrote {}{}",
            path.display(),
            if f.secret {
                " (private key, mode 0600)"
            } else {
                ""
            }
        );
    }
    exit::OK
}
