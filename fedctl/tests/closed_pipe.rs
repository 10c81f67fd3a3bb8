//! `fedctl ... | head`: when the reader of stdout goes away, fedctl stops writing and ends with
//! the status the run had, without an error message (as `grep` or `cat` do).

mod common;

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use common::FEDCTL;

/// Runs fedctl with `stdin`, reads one line of its stdout, closes the pipe and waits.
fn first_line_then_close(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(FEDCTL)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fedctl runs");
    let stdin_text = stdin.to_owned();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(stdin_text.as_bytes());
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: fedctl's next writes meet a closed pipe.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code(),
        first,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Far more report than a pipe buffers (64 KiB), so the writes after the first line fail.
fn many_bad_rules() -> String {
    let mut text = String::new();
    for i in 0..3000 {
        let _ = write!(
            text,
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: r{i}, namespace: default}}\nspec:\n  host: r{i}\n  trafficPolicy:\n    outlierDetection: {{maxEjectionPercent: 150}}\n---\n"
        );
    }
    text
}

#[test]
fn lint_into_a_closed_pipe_ends_quietly_with_its_status() {
    let (code, first, stderr) = first_line_then_close(&["lint", "-"], &many_bad_rules());
    assert!(first.contains("maxEjectionPercent"), "{first}");
    // Errors were found: 1, as without the pipe; not 2 (an I/O failure of fedctl's own).
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}

#[test]
fn render_into_a_closed_pipe_ends_quietly() {
    let mut doc = String::from(
        "apiVersion: meshfed.io/v1alpha1\nkind: Federation\nmetadata: {name: big}\nspec:\n  topology:\n    peerToPeer:\n      peers:\n        - {name: a, locality: r1/z1, gateway: {address: 10.0.0.1}}\n        - {name: b, locality: r2/z2, gateway: {address: 10.0.0.2}}\n  services:\n",
    );
    for i in 0..300 {
        let _ = write!(
            doc,
            "    - name: s{i}\n      ports: [{{name: http, number: 80, protocol: HTTP}}]\n      workload: {{image: example/s:1}}\n"
        );
    }
    let (code, first, stderr) = first_line_then_close(&["render", "-"], &doc);
    assert!(first.starts_with("# cluster: a"), "{first}");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

/// Runs fedctl with `args`, stdout a pipe whose read end is closed before fedctl starts, so its
/// first write to stdout fails; and again with stdout read in full. Returns both runs' (exit
/// code, stderr).
fn closed_and_open(args: &[&str]) -> ((Option<i32>, String), (Option<i32>, String)) {
    let run = |stdout: Stdio| {
        let out = Command::new(FEDCTL)
            .args(args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .output()
            .expect("fedctl runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    (run(Stdio::from(writer)), run(Stdio::piped()))
}

/// Every verb that prints to stdout, on the example documents: with stdout closed it ends with
/// the status and the stderr it has when stdout is read, so no message about the pipe and no
/// panic (`println!` panics on a closed stdout). `apply` and `diff` need a cluster to get as
/// far as printing; they print through the same helper.
#[test]
fn every_verb_ends_quietly_when_stdout_is_closed() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let apan = format!("{examples}/apan.yaml");
    let dr = std::env::temp_dir().join(format!("fedctl-closed-pipe-{}.yaml", std::process::id()));
    std::fs::write(
        &dr,
        "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: r\n  trafficPolicy:\n    outlierDetection: {maxEjectionPercent: 0}\n",
    )
    .unwrap();
    let dr = dr.to_str().unwrap();
    let runs: [&[&str]; 8] = [
        &["schema"],
        &["validate", &apan],
        &["validate", &apan, "--output", "json"],
        &["render", &apan],
        &["explain", &apan, "--service", "echo"],
        &["lint", dr],
        &["convert", dr, "--to", "v1"],
        &["--help"],
    ];
    for args in runs {
        let (closed, open) = closed_and_open(args);
        assert_eq!(closed, open, "fedctl {args:?}");
        assert_eq!(open.0, Some(0), "fedctl {args:?}: {}", open.1);
        for bad in ["Broken pipe", "cannot write", "panicked"] {
            assert!(!closed.1.contains(bad), "fedctl {args:?}: {}", closed.1);
        }
    }
    let _ = std::fs::remove_file(dr);
}
