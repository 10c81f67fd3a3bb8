//! `fedctl graph FILE [--format mermaid|dot|svg]`.

use std::io::Write as _;
use std::path::PathBuf;

use fed_render::graph::Graph;

use crate::{exit, load};

/// Draw the federation: clusters by locality, their gateways and services, overflow edges.
///
/// Clusters are grouped by their locality's region and show their gateway (`address:port`)
/// and the services they run. Each overflow rule becomes one edge per target, in priority
/// order, labelled with the rule's thresholds and with whether the document's Istio release
/// can overflow as the rule is written (a dashed red edge when it never can, and why). For a
/// consumer/provider federation the edges go from the consumer to each provider, labelled with
/// the namespaces it offloads.
///
/// Formats: `mermaid` (default; GitHub renders it inside a ```` ```mermaid ```` block), `dot`
/// (Graphviz: `fedctl graph FILE --format dot | dot -Tpng -o federation.png`) and `svg` (drawn
/// by fedctl, for a browser). `fedctl render -o DIR` writes the picture too, as
/// `DIR/federation.svg` and `DIR/federation.md`.
///
/// Exit status: 0 drawn, 1 the document is invalid (problems on stderr), 2 usage or I/O error.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// The picture's format.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    pub(crate) format: Format,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// A standalone SVG document.
    Svg,
}

pub(crate) fn run(args: &Args) -> u8 {
    let fed = match load::federation(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let graph = Graph::of(&fed);
    let text = match args.format {
        Format::Mermaid => graph.to_mermaid(),
        Format::Dot => graph.to_dot(),
        Format::Svg => graph.to_svg(),
    };
    match exit::to_stdout("the picture", |out| out.write_all(text.as_bytes())) {
        Ok(()) => exit::OK,
        Err(code) => code,
    }
}
