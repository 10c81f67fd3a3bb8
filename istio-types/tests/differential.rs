//! Differential test against the API server's own checks: whatever Istio's CRD schema and its
//! CEL rules reject, `istio-types` (the strict reader, then Istio's webhook rules) rejects too.
//!
//! The corpus comes from `../shared/bench/gen_corpus.py` (fixed seed, with and without
//! `--invalid-rate`), and every document is checked twice: by `testkit::CrdSet::istio()`
//! (OpenAPI schema, unknown fields as `kubectl --validate=strict` reports them, CEL rules) and by
//! `read_stream` + `IstioResource::validate`. The reverse direction (we reject what the CRD
//! accepts; fine, Istio's webhook is stricter than its CRD) is printed as a summary by reason.
//!
//! Needs `python3` with PyYAML. Outside CI a missing one is a loud skip; with `CI=true` it is a
//! failure, so CI never passes by checking nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use istio_types::read::{Document, read_stream, split_documents};
use serde_json::Value;
use testkit::{CrdSet, Violation};

/// Runs the generator into a fresh temporary folder; `None` (after a loud skip line) when
/// python3 or PyYAML is missing outside CI.
fn generate(n: usize, invalid_rate: Option<&str>, tag: &str) -> Option<(String, PathBuf)> {
    let script = testkit::shared_file("bench/gen_corpus.py")?;
    let dir =
        std::env::temp_dir().join(format!("meshfed-differential-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let out = dir.join("corpus.yaml");
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .arg(n.to_string())
        .arg(&out)
        .args(["--seed", "8"]);
    if let Some(rate) = invalid_rate {
        cmd.args(["--invalid-rate", rate]);
    }
    let in_ci = std::env::var("CI").is_ok_and(|ci| ci == "true");
    let ran = cmd.output();
    let ok = matches!(&ran, Ok(o) if o.status.success());
    if !ok {
        let why = match &ran {
            Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        assert!(
            !in_ci,
            "gen_corpus.py failed and CI=true, so this is an error, not a skip \
             (it needs python3 with PyYAML: pip install pyyaml): {why}"
        );
        eprintln!(
            "SKIPPED: cannot run {} (needs python3 with PyYAML: pip install pyyaml) — this \
             test checked nothing: {why}",
            script.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(&out).expect("generated corpus");
    Some((text, dir))
}

/// What `istio-types` says about one document: `None` if accepted, else the first error.
fn our_verdict(doc: &istio_types::read::ReadDocument) -> Option<String> {
    match &doc.result {
        Err(e) => Some(format!(
            "read: {}: {}",
            e.path.as_deref().unwrap_or(""),
            e.message
        )),
        Ok(Document::Other { kind, .. }) => Some(format!("not an Istio kind: {kind}")),
        Ok(Document::Istio(r)) => r
            .validate()
            .errors()
            .next()
            .map(|f| format!("validate: {}: {}", f.path, f.message)),
    }
}

/// A short reason for the reverse-direction summary: the message without values.
fn reason(verdict: &str) -> String {
    let cut: String = verdict
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    cut.split(['"', '`', '\''])
        .next()
        .unwrap_or(&cut)
        .to_owned()
}

struct Outcome {
    documents: usize,
    crd_rejected: usize,
    both_rejected: usize,
    /// Documents the CRD rejects and we accept: the failures.
    missed: Vec<String>,
    /// Reasons we reject documents the CRD accepts.
    stricter: BTreeMap<String, usize>,
    /// Indexes we reject.
    rejected: Vec<usize>,
}

fn compare(crds: &CrdSet, text: &str) -> Outcome {
    let raw: Vec<_> = split_documents(text)
        .into_iter()
        .filter(|d| !d.is_blank())
        .collect();
    let ours = read_stream(text, Some(Path::new("corpus.yaml")));
    assert_eq!(raw.len(), ours.len());
    let mut outcome = Outcome {
        documents: ours.len(),
        crd_rejected: 0,
        both_rejected: 0,
        missed: Vec::new(),
        stricter: BTreeMap::new(),
        rejected: Vec::new(),
    };
    for (doc, source) in ours.iter().zip(&raw) {
        let value: Value = serde_saphyr::from_str(source.text)
            .unwrap_or_else(|e| panic!("document {}: not YAML: {e}", doc.index));
        let violations: Vec<Violation> = crds.check(&value);
        let verdict = our_verdict(doc);
        if verdict.is_some() {
            outcome.rejected.push(doc.index);
        }
        match (violations.is_empty(), verdict) {
            (false, Some(_)) => {
                outcome.crd_rejected += 1;
                outcome.both_rejected += 1;
            }
            (false, None) => {
                outcome.crd_rejected += 1;
                outcome.missed.push(format!(
                    "document {} (line {}) {}: the CRD rejects it, we accept it: {}",
                    doc.index,
                    doc.line,
                    value["metadata"]["name"],
                    violations
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            (true, Some(v)) => *outcome.stricter.entry(reason(&v)).or_default() += 1,
            (true, None) => {}
        }
    }
    eprintln!(
        "differential: {} documents, the CRD rejects {}, we reject {} of those; we also reject \
         {} the CRD accepts:",
        outcome.documents,
        outcome.crd_rejected,
        outcome.both_rejected,
        outcome.stricter.values().sum::<usize>()
    );
    for (why, n) in &outcome.stricter {
        eprintln!("  {n:5}  {why}");
    }
    outcome
}

#[test]
fn a_valid_corpus_is_accepted_by_both() {
    let Some(crds) = CrdSet::istio() else { return };
    let Some((text, dir)) = generate(600, None, "valid") else {
        return;
    };
    let outcome = compare(crds, &text);
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(outcome.documents, 600);
    assert!(outcome.missed.is_empty(), "{}", outcome.missed.join("\n"));
    // The generator writes only valid documents: the CRD accepts them all, and so do we.
    assert_eq!(outcome.crd_rejected, 0);
    assert!(
        outcome.stricter.is_empty(),
        "we reject valid documents: {:?}",
        outcome.stricter
    );
}

#[test]
fn whatever_the_crd_rejects_we_reject() {
    let Some(crds) = CrdSet::istio() else { return };
    let Some((text, dir)) = generate(1500, Some("0.2"), "invalid") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("corpus.yaml.invalid.tsv"))
        .expect("the generator's list of broken documents");
    let outcome = compare(crds, &text);
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(outcome.documents, 1500);
    assert!(
        outcome.missed.is_empty(),
        "{} of {} documents the CRD rejects are accepted:\n{}",
        outcome.missed.len(),
        outcome.crd_rejected,
        outcome.missed.join("\n")
    );
    // Every document the generator broke is one we reject (the CRD catches them all too, the
    // unknown fields as strict field validation does).
    let broken: Vec<usize> = manifest
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(broken.len(), 300);
    let missed: Vec<_> = broken
        .iter()
        .filter(|i| outcome.rejected.binary_search(i).is_err())
        .collect();
    assert!(missed.is_empty(), "broken documents we accept: {missed:?}");
    assert!(outcome.crd_rejected >= 300, "{}", outcome.crd_rejected);
}
