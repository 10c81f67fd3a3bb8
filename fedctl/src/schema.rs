//! `fedctl schema`: the JSON Schema of the Federation document.

use std::io::Write;

use crate::exit;

/// Print the JSON Schema of the Federation document.
///
/// Every field has a description. Save it next to your documents and point editors at it with a
/// first line such as `# yaml-language-server: $schema=federation.schema.json` (the examples
/// use examples/federation.schema.json, made with `fedctl schema > examples/federation.schema.json`).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> u8 {
    let schema = fed_model::json_schema();
    exit::to_stdout("the schema", |out| {
        serde_json::to_writer_pretty(&mut *out, &schema)?;
        writeln!(out)
    })
    .err()
    .unwrap_or(exit::OK)
}
