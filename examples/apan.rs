//! Renders the APAN study's federation (examples/apan.yaml) and prints every cluster's
//! objects as one YAML stream: `cargo run --example apan`.
//!
//! This is what `fedctl render examples/apan.yaml` does, through the libraries.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("apan.yaml");
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
    ExitCode::SUCCESS
}
