//! `fedctl render` as a whole process on the 16-peer, 2,000-service federation
//! (`testkit::bench::peer_to_peer`): to standard output, and to a folder (`-o DIR`: one file
//! per kind per cluster, 16 x 12, and the federation's picture), new and replacing the
//! previous render. The folder must cost little more than the stream: the same text goes out,
//! only split into files.
//!
//! `cargo bench -p fedctl --bench render_output`

use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const SERVICES: usize = 2000;

/// Runs the built `fedctl` with `args`, stdout to /dev/null, and checks it succeeded.
fn fedctl(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_fedctl"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("fedctl runs");
    assert!(
        out.status.success(),
        "fedctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn remove(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove the previous render");
    }
}

fn bench(c: &mut Criterion) {
    let work = std::env::temp_dir().join(format!("fedctl-bench-render-{}", std::process::id()));
    remove(&work);
    std::fs::create_dir_all(&work).unwrap();
    let doc = work.join("federation.yaml");
    std::fs::write(&doc, testkit::bench::peer_to_peer(SERVICES)).unwrap();
    let out = work.join("out");
    let (doc_arg, out_arg) = (doc.to_str().unwrap(), out.to_str().unwrap());

    let mut group = c.benchmark_group(format!("render_16x{SERVICES}"));
    group.sample_size(10);
    group.bench_function("stdout", |b| b.iter(|| fedctl(&["render", doc_arg])));
    group.bench_function("folder_new", |b| {
        b.iter_batched(
            || remove(&out),
            |()| fedctl(&["render", doc_arg, "-o", out_arg]),
            BatchSize::PerIteration,
        );
    });
    // Rendering again over the previous output: the old folder is moved aside and removed.
    fedctl(&["render", doc_arg, "-o", out_arg]);
    group.bench_function("folder_replace", |b| {
        b.iter(|| fedctl(&["render", doc_arg, "-o", out_arg]));
    });
    group.finish();
    remove(&work);
}

criterion_group!(benches, bench);
criterion_main!(benches);
