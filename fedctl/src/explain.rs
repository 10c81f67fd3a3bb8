//! `fedctl explain FILE --service NAME`.

use std::io::Write as _;
use std::path::PathBuf;

use crate::{exit, load};

/// Say in plain words where a service's requests go in each cluster.
///
/// For every cluster: where clients' requests for the service go, whether and to which peers
/// they overflow, and which threshold triggers it (the connection-pool limits that make the
/// client's sidecar refuse requests, the outlier detection that then ejects the local pods
/// after N consecutive gateway errors and for how long, the locality failover that sends the
/// rest on), worked through for the APAN experiment (1 connection, then 3 in parallel). Ends
/// with the analyzers' findings about the service's objects, as `fedctl validate` reports them.
///
/// Exit status: 0 explained, 1 the document is invalid (problems on stderr), 2 usage or I/O
/// error, or no such service.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// The service: `name`, or `namespace/name` when the name is in several namespaces.
    #[arg(long, value_name = "NAME")]
    pub(crate) service: String,
}

pub(crate) fn run(args: &Args) -> u8 {
    let fed = match load::federation(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let findings = match fed_render::render(&fed) {
        Ok(bundles) => fed_render::analyze::analyze(&fed, &bundles),
        Err(e) => {
            eprintln!("fedctl: note: not rendered, so not analyzed: {e}");
            Vec::new()
        }
    };
    let explanation = match fed_render::explain::explain(&fed, &args.service, &findings) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("fedctl: {e}");
            return exit::USAGE;
        }
    };
    exit::to_stdout("the explanation", |o| write!(o, "{explanation}"))
        .err()
        .unwrap_or(exit::OK)
}
