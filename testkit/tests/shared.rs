//! `shared_dir`, `shared_file` and `require_shared!`, exercised in child processes (the
//! environment cannot be changed safely inside a test process).

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs one of the ignored probe tests below in a child process of this test binary.
fn probe(name: &str, env: &[(&str, Option<&str>)]) -> Output {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, value) in env {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.output().expect("run probe")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
#[ignore = "child-process probe run by the tests in this file"]
fn probe_require_shared() {
    println!("SHARED_DIR {}", testkit::shared_dir().display());
    let path = testkit::require_shared!("istio-crds/crd-all.gen.yaml");
    println!("FOUND {}", path.display());
}

#[test]
fn missing_outside_ci_skips_loudly_and_returns_early() {
    let out = probe(
        "probe_require_shared",
        &[
            ("MESHFED_SHARED_DIR", Some("/nonexistent-meshfed")),
            ("CI", None),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("SHARED_DIR /nonexistent-meshfed"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("FOUND"),
        "require_shared! did not return: {stdout}"
    );
    assert!(
        stderr.contains(
            "SKIPPED: /nonexistent-meshfed/istio-crds/crd-all.gen.yaml not found \
             (set MESHFED_SHARED_DIR) — this test checked nothing"
        ),
        "{stderr}"
    );
}

#[test]
fn missing_in_ci_fails_naming_the_path_and_the_override() {
    let out = probe(
        "probe_require_shared",
        &[
            ("MESHFED_SHARED_DIR", Some("/nonexistent-meshfed")),
            ("CI", Some("true")),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains("/nonexistent-meshfed/istio-crds/crd-all.gen.yaml"),
        "{all}"
    );
    assert!(all.contains("MESHFED_SHARED_DIR"), "{all}");
}

#[test]
fn default_is_the_shared_folder_beside_the_repository() {
    let out = probe(
        "probe_require_shared",
        &[("MESHFED_SHARED_DIR", None), ("CI", None)],
    );
    let stdout = text(&out.stdout);
    let expected = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    assert!(
        stdout.contains(&format!("SHARED_DIR {}", expected.display())),
        "{stdout}"
    );
}

#[test]
fn override_that_exists_is_used() {
    let real = testkit::require_shared!("istio-crds");
    let shared = real.parent().expect("istio-crds has a parent").to_owned();
    let out = probe(
        "probe_require_shared",
        &[
            (
                "MESHFED_SHARED_DIR",
                Some(shared.to_str().expect("utf-8 path")),
            ),
            ("CI", Some("true")),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FOUND {}",
            shared.join("istio-crds").join("crd-all.gen.yaml").display()
        )),
        "{stdout}"
    );
}
