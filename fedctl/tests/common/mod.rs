//! What the fedctl tests share: the binary under test, the bundled examples and scratch
//! folders. Each test binary uses part of it.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The fedctl binary Cargo built for these tests.
pub const FEDCTL: &str = env!("CARGO_BIN_EXE_fedctl");

/// A file of the workspace's `examples/` folder.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// A new empty folder under Cargo's folder for test files, its name unique to this process
/// and call (tests run in parallel, and a test binary may run twice at once).
pub fn scratch(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "fedctl-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs fedctl with `args` and `stdin` as its standard input. A verb that stops reading its
/// input early (it failed, or reads no input) is not an error here: its exit status says.
pub fn fedctl(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(FEDCTL)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fedctl runs");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().expect("fedctl finishes")
}
