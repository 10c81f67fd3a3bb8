#!/usr/bin/env bash
# Builds and runs this crate against the istio-types `.crate` file that `cargo package` made
# (run `cargo package --workspace` first), the way a tool outside this repository would get it,
# then checks with `cargo tree` that no kube client, HTTP stack or TLS stack came along.
#
# It works in a temporary folder outside the repository so that the repository's
# .cargo/config.toml (K8S_OPENAPI_ENABLED_VERSION) does not apply: the packaged crate must build
# with only what its user sets (here, k8s-openapi's v1_34 feature in Cargo.toml).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
version="$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml")"
crate="$target/package/istio-types-$version.crate"
if [[ ! -f "$crate" ]]; then
    echo "downstream: $crate not found: run cargo package --workspace first" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$crate" -C "$work"
packaged="$work/istio-types-$version"
mkdir "$work/downstream"
cp -r "$repo/tests/downstream/Cargo.toml" "$repo/tests/downstream/src" "$work/downstream/"
# The workspace's tested versions; cargo drops what this crate does not use.
cp "$repo/Cargo.lock" "$work/downstream/Cargo.lock"
cd "$work/downstream"
unset K8S_OPENAPI_ENABLED_VERSION

export CARGO_TARGET_DIR="$target/downstream"
patch=(--config "patch.crates-io.istio-types.path=\"$packaged\"")

cargo run "${patch[@]}"

# The istio-types that was built is the unpacked .crate, not the workspace's sources.
cargo tree "${patch[@]}" -i istio-types -e normal --depth 0 | tee "$work/which.txt"
grep -qF "istio-types v$version ($packaged)" "$work/which.txt"

echo "--- cargo tree -e normal,build (what a user of istio-types with features = [\"resources\"] compiles)"
cargo tree "${patch[@]}" -e normal,build | tee "$work/tree.txt"
banned='(kube|kube-client|kube-core|kube-runtime|hyper|hyper-util|hyper-rustls|hyper-openssl|hyper-timeout|rustls|tokio-rustls|openssl|openssl-sys|native-tls|tokio|tower|reqwest|h2|schemars) v'
if grep -E "(^|[ ─])$banned" "$work/tree.txt"; then
    echo "downstream: the packaged istio-types pulls in a client, HTTP or TLS crate (above)" >&2
    exit 1
fi
count="$(cargo tree "${patch[@]}" -e normal,build --prefix none | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)"
echo "downstream: ok: $count crates (this one included), none of: kube, hyper, tokio, tower, rustls, openssl, native-tls, schemars"
