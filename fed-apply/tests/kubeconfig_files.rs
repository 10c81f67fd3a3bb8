//! Regression: kube-client 5.0.0 panics (index out of bounds) reading a kubeconfig that starts
//! with a UTF-16 byte-order mark followed by an odd number of bytes. fedctl's broken-input
//! tests found it (`fedctl apply --kubeconfig <5 bytes of garbage>` exited 101); the applier
//! must refuse such a file with an error naming it instead.

use std::path::Path;

use fed_apply::{Applier, ApplyOptions, ApplySetParent, Error};

fn options() -> ApplyOptions {
    ApplyOptions::new(ApplySetParent::new(
        "meshfed-test".to_owned(),
        "kube-system",
    ))
}

fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kubeconfig-files");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn odd_length_utf16_kubeconfigs_are_errors_not_panics() {
    for (name, bytes) in [
        ("le", &[0xFF_u8, 0xFE, 0, 1, 2][..]),
        ("be", &[0xFE, 0xFF, 0]),
        ("le-one", &[0xFF, 0xFE, b'a', 0, b'b']),
    ] {
        let path = write(name, bytes);
        let err = Applier::from_kubeconfig_path(&path, options())
            .err()
            .unwrap_or_else(|| panic!("{name}: an error"));
        assert!(matches!(err, Error::Kubeconfig { .. }), "{name}: {err}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("odd number of bytes"), "{message}");
        assert!(Applier::check_kubeconfig_file(&path).is_err());
    }
}

#[test]
fn even_length_and_missing_files_pass_the_check() {
    // "a" in UTF-16 LE: kube reads it (and finds no kubeconfig in it); the check lets it by.
    let path = write("even", &[0xFF, 0xFE, b'a', 0]);
    assert!(Applier::check_kubeconfig_file(&path).is_ok());
    assert!(Applier::check_kubeconfig_file(Path::new("/nonexistent/kubeconfig")).is_ok());
}
