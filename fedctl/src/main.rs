//! `fedctl`: declare, check, render and apply multi-cluster Istio federations.
//!
//! One module per verb: `Command` has a variant per verb holding that module's `Args`, and
//! `main` hands the arguments to the module's `run`, which returns the exit code. To add a verb,
//! add a module with `Args` and `run`, and a variant here. Only this binary prints and exits.

mod apply;
mod certs;
mod check;
mod convert;
mod diag;
mod explain;
mod fsio;
mod graph;
mod lint;
mod load;
mod par;
mod render;
mod schema;
mod simulate;
mod validate;

/// mimalloc instead of the system allocator: `lint` on a 20,000-document stream allocates
/// millions of small nodes on two threads, and glibc's malloc spent about half of the time
/// (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes shared by every verb (see federation-spec.md section 2).
pub(crate) mod exit {
    /// Success (warnings allowed).
    pub(crate) const OK: u8 = 0;
    /// The input is invalid.
    pub(crate) const INVALID: u8 = 1;
    /// Usage or I/O error (clap also exits with 2 on bad arguments).
    pub(crate) const USAGE: u8 = 2;

    /// Writes `what` (for the error message: "the report", "the schema") to standard output
    /// with `write`, then flushes. Every verb writes its stdout through here.
    ///
    /// A reader that went away (`fedctl lint | head`) is the reader's choice, not a failure:
    /// fedctl stops writing and ends quietly, with the status the run had (as `grep` or `cat`
    /// do, short of dying by SIGPIPE, which Rust programs ignore). Any other error is printed
    /// and gives [`USAGE`].
    pub(crate) fn to_stdout(
        what: &str,
        write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
    ) -> Result<(), u8> {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        match write(&mut out).and_then(|()| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("fedctl: cannot write {what} to stdout: {e}");
                Err(USAGE)
            }
            _ => Ok(()),
        }
    }
}

/// Declare, check, render and apply multi-cluster Istio federations.
///
/// A Federation document (see `fedctl schema` and examples/apan.yaml) lists the clusters,
/// how they federate (peer to peer through Istio gateways, or LIQO consumer/provider) and which
/// services run where and overflow to whom. fedctl checks it and turns it into the Istio and
/// Kubernetes objects each cluster needs.
#[derive(Debug, Parser)]
#[command(name = "fedctl", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    // A verb's help text is its `Args` doc comment.
    Validate(validate::Args),
    Schema(schema::Args),
    /// Render the Kubernetes and Istio objects every cluster needs.
    Render(render::Args),
    /// Make the shared root CA and one intermediate CA per cluster.
    Certs(certs::Args),
    /// Check Istio resources the way Istio's admission webhook does, offline.
    Lint(lint::Args),
    /// Rewrite Istio resources at another API version, every field kept.
    Convert(convert::Args),
    /// Say in plain words where a service's requests go in each cluster, and when they overflow.
    Explain(explain::Args),
    /// Draw the federation as Mermaid, Graphviz DOT or SVG.
    Graph(graph::Args),
    /// Simulate where a service's requests go through the proxies the objects configure.
    Simulate(simulate::Args),
    /// Server-side apply every cluster's bundle (with --dry-run, --prune, --force-conflicts).
    Apply(apply::ApplyArgs),
    /// Show field by field what apply would change; exit 3 when something would.
    Diff(apply::DiffArgs),
    /// Check the live clusters against the document (read-only); exit 1 when a check fails.
    Check(check::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Render(args) => render::run(args),
        Command::Certs(args) => certs::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Apply(args) => apply::run_apply(args),
        Command::Diff(args) => apply::run_diff(args),
        Command::Check(args) => check::run(args),
    };
    ExitCode::from(code)
}
