//! `fedctl convert FILE... --to VERSION`.

use std::io::Write as _;
use std::path::PathBuf;

use istio_types::ApiVersion;
use istio_types::read::{Document, read_stream};

use crate::exit;

/// Rewrite Istio resources at another API version, every field kept.
///
/// Parses each document with the typed model (so nothing it does not understand slips
/// through) and writes it back at `--to` (`v1`, `v1beta1`, `v1alpha3` or `v1alpha1`) as one
/// YAML stream on standard output. The networking kinds are served at v1alpha3, v1beta1 and v1
/// with one schema, so only `apiVersion` changes; the security kinds are served at v1beta1 and
/// v1, Telemetry at v1alpha1 and v1, EnvoyFilter only at v1alpha3, ProxyConfig only at v1beta1
/// and WasmPlugin only at v1alpha1: a resource whose kind is not served at `--to` keeps its
/// version, with a note on stderr. Documents of other kinds are copied through unchanged.
///
/// Exit status: 0 converted, 1 a document could not be parsed (nothing is written), 2 usage or
/// I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Files to convert; `-` reads standard input.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// The API version to write.
    #[arg(long, value_parser = parse_version)]
    pub(crate) to: ApiVersion,
}

fn parse_version(s: &str) -> Result<ApiVersion, String> {
    s.parse()
}

pub(crate) fn run(args: &Args) -> u8 {
    let mut out = String::new();
    let mut failed = false;
    for file in &args.files {
        let input = match crate::load::read_input(file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        let (text, shown) = (input.text, input.shown);
        let raw: Vec<_> = istio_types::read::split_documents(&text)
            .into_iter()
            .filter(|d| !d.is_blank())
            .collect();
        for doc in read_stream(&text, Some(shown)) {
            match doc.result {
                Err(e) => {
                    eprintln!("{e}");
                    failed = true;
                }
                Ok(Document::Istio(mut r)) => {
                    if let Err(e) = r.set_api_version(args.to) {
                        eprintln!(
                            "{}:{}: note: {e}; kept at {}",
                            shown.display(),
                            doc.line,
                            r.api_version()
                        );
                    }
                    match istio_types::write::to_yaml(&r) {
                        Ok(y) => {
                            out.push_str("---\n");
                            out.push_str(&y);
                        }
                        Err(e) => {
                            eprintln!("fedctl: {e}");
                            return exit::USAGE;
                        }
                    }
                }
                Ok(Document::Other { .. }) => {
                    // Not ours to rewrite: copied through byte for byte.
                    if let Some(d) = raw.get(doc.index) {
                        out.push_str("---\n");
                        out.push_str(d.text.trim_start_matches('\n'));
                        if !out.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                }
            }
        }
    }
    if failed {
        eprintln!("fedctl: nothing written: fix the documents above first");
        return exit::INVALID;
    }
    exit::to_stdout("the documents", |o| o.write_all(out.as_bytes()))
        .err()
        .unwrap_or(exit::OK)
}
