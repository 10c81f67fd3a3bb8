//! Renders seed 004's LIQO federation (examples/liqo.yaml: a consumer and provider1, service
//! s0) and prints every cluster's objects as one YAML stream, then each cluster's runbook and
//! Helm values: `cargo run --example liqo`.
//!
//! Every object belongs to the consumer, from which LIQO offloads them; the provider only gets
//! its runbook. This is what `fedctl render examples/liqo.yaml` does, through the libraries.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("liqo.yaml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    // Parse and validate: every problem at once, each with its path and line.
    let validated = match fed_model::validate_yaml_str(&text, Some(&path), path.parent()) {
        Ok(v) => v,
        Err(report) => {
            for d in report.into_diagnostics() {
                eprintln!("{d}");
            }
            return ExitCode::from(1);
        }
    };
    for w in &validated.warnings {
        eprintln!("{w}");
    }
    let bundles = match fed_render::render(&validated.federation) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    for bundle in &bundles {
        println!(
            "# cluster: {} ({} objects)",
            bundle.cluster,
            bundle.objects.len()
        );
        match bundle.to_yaml_stream() {
            Ok(yaml) => print!("{yaml}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    }
    // The steps no manifest can express: LIQO install and peering, node labels, Helm installs.
    for bundle in &bundles {
        for file in &bundle.files {
            println!("# ----- {}/{} -----", bundle.cluster, file.name);
            for line in file.contents.lines() {
                println!("# {line}");
            }
        }
    }
    ExitCode::SUCCESS
}
