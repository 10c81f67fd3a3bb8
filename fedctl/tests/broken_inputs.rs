//! Every verb on a corpus of broken files (`tests/broken/`): exit 1 or 2 with a message on
//! stderr, never a panic (exit 101), never a network connection, never half-written output.
//!
//! Corpus file names say what is broken: `yaml-*` is not readable YAML (every verb fails),
//! `fed-*` is YAML but not a valid Federation document (the Federation verbs fail; lint and
//! convert may accept or skip it), `istio-*` holds invalid Istio resources (every verb fails).
//! Files that stress the readers' limits (billion laughs, 10 MB, deep nesting) are generated.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{FEDCTL, example, scratch};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus is there: {files:?}");
    files
}

/// Runs fedctl with no usable cluster anywhere: `KUBECONFIG` is a file that is not a
/// kubeconfig, `HOME` is empty, proxies point nowhere.
fn fedctl(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let home = scratch("home");
    let kubeconfig = home.join("broken-kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nclusters: {{{ not yaml\n").unwrap();
    let mut cmd = Command::new(FEDCTL);
    cmd.args(args)
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", &home)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("fedctl runs");
    if let Some(bytes) = stdin {
        use std::io::Write as _;
        // The verb may fail before reading all of it; a broken pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(bytes);
    }
    child.wait_with_output().expect("fedctl finishes")
}

fn describe(args: &[&str], out: &Output) -> String {
    format!(
        "fedctl {}: exit {:?}\nstdout: {}\nstderr: {}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Exit 1 or 2, with something on stderr, and no panic.
fn assert_clean_failure(args: &[&str], out: &Output) {
    assert_no_panic(args, out);
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "{}",
        describe(args, out)
    );
    // With `--output json` the diagnostics are the JSON array on stdout.
    let json = args.contains(&"json")
        && serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|v| v.as_array().map(|a| !a.is_empty()))
            .unwrap_or(false);
    assert!(
        json || !String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "a failure says why on stderr (or in --output json): {}",
        describe(args, out)
    );
}

fn assert_no_panic(args: &[&str], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "{}",
        describe(args, out)
    );
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {}",
        describe(args, out)
    );
}

/// Every file and folder under `dir` with its contents, to compare before and after.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.insert(path.clone(), None);
            out.extend(tree(&path));
        } else {
            out.insert(path.clone(), Some(std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn federation_verbs_fail_cleanly_on_every_broken_file() {
    for file in corpus() {
        let f = file.to_str().unwrap();
        let out_dir = scratch("out");
        let target = out_dir.join("rendered");
        let certs = out_dir.join("certs");
        let verbs: [&[&str]; 9] = [
            &["validate", f],
            &["validate", f, "--output", "json"],
            &["render", f],
            &["render", f, "-o", target.to_str().unwrap()],
            &["render", f, "--cluster", "a"],
            &["certs", f, "-o", certs.to_str().unwrap()],
            &["apply", f],
            &["apply", f, "--dry-run", "--prune"],
            &["diff", f],
        ];
        // `certs` makes the files a missing `mesh.ca.dir` names: that document is no reason to
        // refuse (`render_certs.rs` checks it succeeds).
        let ca_missing = f.ends_with("fed-missing-ca-dir.yaml");
        for args in verbs {
            if ca_missing && args[0] == "certs" {
                continue;
            }
            let out = fedctl(args, None);
            assert_clean_failure(args, &out);
        }
        // Nothing was written anywhere: not the output folders, not a temporary one.
        assert_eq!(tree(&out_dir), BTreeMap::new(), "{f} left files behind");
        // And the same through standard input.
        let bytes = std::fs::read(&file).unwrap();
        for verb in ["validate", "render"] {
            let args = [verb, "-"];
            let out = fedctl(&args, Some(&bytes));
            assert_clean_failure(&args, &out);
        }
    }
}

#[test]
fn lint_and_convert_never_panic_and_fail_on_broken_yaml_and_istio() {
    for file in corpus() {
        let f = file.to_str().unwrap();
        let name = file.file_name().unwrap().to_str().unwrap();
        let must_fail = name.starts_with("yaml-") || name.starts_with("istio-");
        for args in [
            &["lint", f][..],
            &["lint", f, "--output", "json"],
            &["convert", f, "--to", "v1"],
            &["convert", f, "--to", "v1alpha3"],
        ] {
            let out = fedctl(args, None);
            assert_no_panic(args, &out);
            // Comments-only and empty files hold no resource: nothing to fail on. lint and
            // convert read a document's apiVersion and kind first and leave other kinds alone
            // (lint skips them with a note, convert passes them through), broken or not.
            let empty = name == "yaml-empty.yaml" || name == "yaml-only-comments.yaml";
            let not_istio = String::from_utf8_lossy(&std::fs::read(&file).unwrap())
                .contains("kind: Federation");
            if must_fail && !empty && !not_istio {
                assert_clean_failure(args, &out);
            } else {
                assert!(
                    matches!(out.status.code(), Some(0..=2)),
                    "{}",
                    describe(args, &out)
                );
            }
        }
        let bytes = std::fs::read(&file).unwrap();
        let args = ["lint", "-"];
        assert_no_panic(&args, &fedctl(&args, Some(&bytes)));
    }
}

#[test]
fn render_with_a_bad_input_leaves_the_output_folder_untouched() {
    let dir = scratch("keep");
    let target = dir.join("out");
    let good = example("apan.yaml");
    let args = [
        "render",
        good.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ];
    let out = fedctl(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&args, &out));
    let before = tree(&dir);
    assert!(before.len() > 5, "the example rendered files: {before:?}");
    for file in corpus() {
        let f = file.to_str().unwrap();
        for args in [
            &["render", f, "-o", target.to_str().unwrap()][..],
            &[
                "render",
                f,
                "-o",
                target.to_str().unwrap(),
                "--cluster",
                "tein",
            ],
        ] {
            let out = fedctl(args, None);
            assert_clean_failure(args, &out);
            assert_eq!(tree(&dir), before, "{} changed the folder", args.join(" "));
        }
    }
    // A folder of the user's (no marker) is refused, and left as it was.
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let args = [
        "render",
        good.to_str().unwrap(),
        "-o",
        mine.to_str().unwrap(),
    ];
    let out = fedctl(&args, None);
    assert_clean_failure(&args, &out);
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);
}

#[test]
fn apply_and_diff_without_a_usable_kubeconfig_fail_cleanly_offline() {
    let good = example("apan.yaml");
    let g = good.to_str().unwrap();
    let dir = scratch("kubeconfig");
    let missing = dir.join("missing");
    let garbage = dir.join("garbage");
    std::fs::write(&garbage, [0xff_u8, 0xfe, 0, 1, 2]).unwrap();
    let no_contexts = dir.join("empty-config");
    std::fs::write(&no_contexts, "apiVersion: v1\nkind: Config\n").unwrap();
    for config in [&missing, &garbage, &no_contexts] {
        let c = config.to_str().unwrap();
        for args in [
            &["apply", g, "--kubeconfig", c][..],
            &["apply", g, "--dry-run", "--kubeconfig", c],
            &["diff", g, "--kubeconfig", c],
        ] {
            let start = Instant::now();
            let out = fedctl(args, None);
            assert_clean_failure(args, &out);
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} took {:?}: it must not wait on a network",
                args.join(" "),
                start.elapsed()
            );
        }
    }
    // $KUBECONFIG itself broken (fedctl() sets it so).
    for args in [&["apply", g][..], &["diff", g]] {
        let out = fedctl(args, None);
        assert_clean_failure(args, &out);
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("usage");
    let missing = dir.join("missing.yaml");
    let m = missing.to_str().unwrap();
    let d = dir.to_str().unwrap();
    let cases: [&[&str]; 12] = [
        &[],
        &["no-such-verb"],
        &["validate"],
        &["validate", m],
        &["validate", d],
        &["render", m],
        &["render", d, "-o", m],
        &["lint", m],
        &["convert", m, "--to", "v1"],
        &["convert", m, "--to", "v2"],
        &["schema", "extra"],
        &["certs", m, "-o", d],
    ];
    for args in cases {
        let out = fedctl(args, None);
        assert_clean_failure(args, &out);
        assert_eq!(out.status.code(), Some(2), "{}", describe(args, &out));
    }
}

/// Writes `text` to a file and runs `fedctl validate` on it: exit code, the report (stdout
/// then stderr), time taken (printed for FUZZING.md; never asserted: speed is measured in
/// benchmarks, and a hang stops CI).
fn validate_timed(text: &str) -> (Option<i32>, String, Duration) {
    let dir = scratch("limits");
    let path = dir.join("doc.yaml");
    std::fs::write(&path, text).unwrap();
    let args = ["validate", path.to_str().unwrap()];
    let start = Instant::now();
    let out = fedctl(&args, None);
    let elapsed = start.elapsed();
    assert_no_panic(&args, &out);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), report, elapsed)
}

#[test]
fn validate_on_a_billion_laughs_federation_is_bounded() {
    let mut text = String::from("apiVersion: meshfed.io/v1alpha1\nkind: Federation\n");
    text.push_str("metadata: {name: lol}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        writeln!(
            text,
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
        )
        .unwrap();
    }
    text.push_str("spec: {services: *a9}\n");
    let (code, stderr, elapsed) = validate_timed(&text);
    eprintln!("billion laughs: exit {code:?} in {elapsed:?}: {stderr}");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.trim().is_empty());
    // serde-saphyr's node budget stops the expansion (about 5 s and 70 MB peak for a debug
    // build on a loaded machine); unbounded, 9^9 nodes would never finish.
    assert!(
        stderr.contains("beyond the YAML reader's limits"),
        "{stderr}"
    );
}

#[test]
fn validate_on_deeply_nested_yaml_is_bounded() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let depth = 100_000;
        let text = format!(
            "apiVersion: meshfed.io/v1alpha1\nkind: Federation\nmetadata: {{name: deep}}\nspec: {}{}\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let (code, stderr, elapsed) = validate_timed(&text);
        eprintln!("nesting {depth} x {open}: exit {code:?} in {elapsed:?}");
        assert_eq!(code, Some(1), "{stderr}");
        assert!(!stderr.trim().is_empty());
    }
}

#[test]
fn validate_on_large_federations_is_bounded() {
    // 100,000 list items (services) and a 10 MB file.
    let mut many = String::from(
        "apiVersion: meshfed.io/v1alpha1\nkind: Federation\nmetadata: {name: big}\nspec:\n  topology:\n    peerToPeer:\n      peers:\n        - {name: a, locality: r1/z1, gateway: {address: 10.0.0.1}}\n        - {name: b, locality: r2/z1, gateway: {address: 10.0.0.2}}\n  services:\n",
    );
    for i in 0..100_000 {
        writeln!(
            many,
            "    - {{name: s{i}, ports: [{{name: http, number: 80, protocol: HTTP}}]}}"
        )
        .unwrap();
    }
    let mut big = many.clone();
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("    # padding padding padding padding padding padding padding padding\n");
    }
    for (what, text) in [("100,000 services", &many), ("10 MB", &big)] {
        let (code, stderr, elapsed) = validate_timed(text);
        eprintln!(
            "{what} ({} bytes): exit {code:?} in {elapsed:?}: {stderr:.300}",
            text.len()
        );
        // Both are far beyond a real federation: the reader's node budget (250,000 nodes)
        // refuses them with a message that says so.
        assert_eq!(code, Some(1), "{what}: {stderr:.2000}");
        assert!(
            stderr.contains("beyond the YAML reader's limits"),
            "{what}: {stderr:.2000}"
        );
    }
}
