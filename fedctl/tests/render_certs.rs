//! `fedctl render` and `fedctl certs` as a user runs them: exit codes, files, and nothing
//! half-written or overwritten.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::scratch;

fn fedctl(args: &[&str]) -> Output {
    common::fedctl(args, "")
}

fn apan() -> PathBuf {
    common::example("apan.yaml")
}

fn read_tree(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn render_to_stdout_is_deterministic_and_labelled() {
    let a = fedctl(&["render", apan().to_str().unwrap()]);
    let b = fedctl(&["render", apan().to_str().unwrap()]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(text.contains("kind: DestinationRule") && text.contains("kind: ServiceEntry"));
    let one = fedctl(&["render", apan().to_str().unwrap(), "--cluster", "gke"]);
    let one = String::from_utf8(one.stdout).unwrap();
    assert!(one.contains("meshfed.io/cluster: gke") && !one.contains("meshfed.io/cluster: tein"));
}

#[test]
fn render_to_a_folder_writes_kustomizations_and_replaces_only_its_own_output() {
    let dir = scratch("render");
    let out = dir.join("out");
    let r = fedctl(&[
        "render",
        apan().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let first = read_tree(&out);
    for cluster in ["tein", "gke"] {
        assert!(
            first
                .iter()
                .any(|(p, _)| p == &format!("{cluster}/kustomization.yaml"))
        );
        assert!(
            first
                .iter()
                .any(|(p, _)| p == &format!("{cluster}/RUNBOOK.md"))
        );
    }
    // Again: the same bytes, in place.
    let r = fedctl(&[
        "render",
        apan().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(read_tree(&out), first);

    // A folder of the user's is never replaced.
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let r = fedctl(&[
        "render",
        apan().to_str().unwrap(),
        "-o",
        mine.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("refusing to replace"));
    assert_eq!(
        read_tree(&mine),
        vec![("notes.txt".to_owned(), "keep me".to_owned())]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_of_an_invalid_document_writes_nothing() {
    let dir = scratch("invalid");
    let doc = dir.join("bad.yaml");
    let text = std::fs::read_to_string(apan())
        .unwrap()
        .replace("to: [gke]", "to: [gke2]");
    std::fs::write(&doc, text).unwrap();
    let out = dir.join("out");
    let r = fedctl(&["render", doc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("overflow[0].to[0]") && err.contains("gke2"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn certs_then_render_puts_each_cluster_ca_in_cacerts() {
    let dir = scratch("certs");
    let certs = dir.join("certs");
    let r = fedctl(&[
        "certs",
        apan().to_str().unwrap(),
        "-o",
        certs.to_str().unwrap(),
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&r.stderr).contains("PRIVATE KEY"),
        "keys are never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for key in ["root-key.pem", "tein/ca-key.pem", "gke/ca-key.pem"] {
            let mode = std::fs::metadata(certs.join(key))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{key}");
        }
    }
    // Never overwrite keys: the second run refuses and changes nothing.
    let before = read_tree(&certs);
    let r = fedctl(&[
        "certs",
        apan().to_str().unwrap(),
        "-o",
        certs.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("refusing to overwrite"));
    assert_eq!(read_tree(&certs), before);

    // Point mesh.ca.dir at them and render: each cluster's Secret holds its own intermediate.
    let doc = dir.join("fed.yaml");
    let text = std::fs::read_to_string(apan()).unwrap().replace("    # ca:                      # optional shared root CA (make one with `fedctl certs`)\n    #   dir: ./certs           # relative to this file", "    ca:\n      dir: ./certs");
    assert!(
        text.contains("dir: ./certs\n"),
        "the example's commented ca block was found"
    );
    std::fs::write(&doc, text).unwrap();
    let r = fedctl(&["render", doc.to_str().unwrap(), "--cluster", "tein"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let stream = String::from_utf8(r.stdout).unwrap();
    assert!(stream.contains("name: cacerts"));
    let tein_ca = std::fs::read(certs.join("tein/ca-cert.pem")).unwrap();
    let b64 = base64_encode(&tein_ca);
    assert!(
        stream.contains(&b64),
        "tein's ca-cert.pem is in tein's Secret"
    );

    // In a folder, the Secret's file is the only one only its owner reads, and the runbook's
    // step that applies it before Istio names that file.
    let out = dir.join("out");
    let r = fedctl(&["render", doc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let runbook = std::fs::read_to_string(out.join("tein/RUNBOOK.md")).unwrap();
    let applies_secret = runbook
        .lines()
        .find(|l| l.contains("# the shared root CA"))
        .expect("a step applies the CA Secret");
    let file = applies_secret
        .split_whitespace()
        .skip_while(|w| *w != "-f")
        .nth(1)
        .expect("the step names a file");
    let secrets = std::fs::read_to_string(out.join("tein").join(file)).unwrap();
    assert!(secrets.contains("kind: Secret\n") && secrets.contains("name: cacerts\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for entry in std::fs::read_dir(out.join("tein")).unwrap() {
            let path = entry.unwrap().path();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            let expected = if path.ends_with(file) { 0o600 } else { 0o644 };
            assert_eq!(mode, expected, "{}", path.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Standard base64, as k8s-openapi writes Secret data.
fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `mesh.ca.dir` written first, then `fedctl certs` makes the folder it names: `certs` does not
/// check the CA files it is about to write. Until they exist, `validate` says (once per
/// problem, one line each) to run `fedctl certs`; after, the document is valid.
#[test]
fn certs_runs_when_mesh_ca_names_a_folder_not_made_yet() {
    let dir = scratch("ca-first");
    // The example's commented-out `ca:` and `dir:` lines, uncommented.
    let text: String = std::fs::read_to_string(apan())
        .unwrap()
        .lines()
        .map(|l| match l.trim_start() {
            t if t.starts_with("# ca:") => "    ca:\n".to_owned(),
            t if t.starts_with("#   dir: ./certs") => "      dir: ./certs\n".to_owned(),
            _ => format!("{l}\n"),
        })
        .collect();
    assert!(text.contains("\n    ca:\n      dir: ./certs\n"), "{text}");
    let doc = dir.join("federation.yaml");
    std::fs::write(&doc, &text).unwrap();
    let (doc, certs) = (doc.to_str().unwrap(), dir.join("certs"));

    let before = fedctl(&["validate", doc]);
    assert_eq!(before.status.code(), Some(1));
    let stdout = String::from_utf8(before.stdout).unwrap();
    let ca_line = text
        .lines()
        .position(|l| l.contains("dir: ./certs"))
        .unwrap()
        + 1;
    assert_eq!(
        stdout,
        format!(
            "{doc}:{ca_line}: error: spec.mesh.ca.dir: {}/./certs is not a directory; run `fedctl certs FILE -o DIR` to make the CA files\n",
            dir.display()
        )
    );

    let made = fedctl(&["certs", doc, "-o", certs.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&made.stderr);
    assert_eq!(made.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(certs.join("gke/cert-chain.pem").is_file());

    let after = fedctl(&["validate", doc]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
