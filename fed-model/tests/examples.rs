//! The shipped examples validate cleanly.

use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

#[test]
fn examples_validate_without_warnings() {
    for name in ["apan.yaml", "liqo.yaml"] {
        let path = example(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let validated = fed_model::from_yaml_str(&text, Some(&path))
            .and_then(|f| f.validate(path.parent()))
            .unwrap_or_else(|report| panic!("{name}:\n{report}"));
        assert!(
            validated.warnings.is_empty(),
            "{name}: {:?}",
            validated.warnings
        );
    }
}
