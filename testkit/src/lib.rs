//! Test support for the meshfed workspace (not published).
//!
//! Two jobs, both for tests only:
//!
//! 1. **Finding the shared data.** The repository's tests read real files (Istio's and LIQO's CRD
//!    bundles, seeds) from the `shared` folder that sits beside the repository root.
//!    [`shared_dir`] finds it, [`shared_file`] resolves one file in it and, when the file is
//!    missing, either skips the test loudly (locally) or fails it (in CI, `CI=true`).
//!    [`require_shared!`] is the one-line form for a test body.
//!
//! 2. **Checking objects the way the Kubernetes API server would, offline.** A [`CrdSet`] holds
//!    the CustomResourceDefinitions of one YAML bundle (Istio's `crd-all.gen.yaml`, LIQO's
//!    NamespaceOffloading CRD). [`CrdSet::check`] takes one object as JSON and returns every
//!    [`Violation`] the API server would raise on a create, plus the fields it would silently
//!    prune (which our typed readers reject, so tests want to see them).
//!
//! Beside them, [`bench`](mod@bench) writes the large Federation document the render benchmarks and tests
//! share.
//!
//! # What `check` does, in the API server's order
//!
//! 1. **Served?** `apiVersion` (group/version) and `kind` must name a served version of a CRD in
//!    the set ([`ViolationKind::NotServed`]).
//! 2. **Pruning.** Every field the structural schema does not declare (and no
//!    `x-kubernetes-preserve-unknown-fields` keeps) is reported as
//!    [`ViolationKind::UnknownField`] and removed, as the API server removes it. `null` values of
//!    non-nullable fields are removed silently (the API server prunes them too, it does not
//!    reject them). When the version has the `status` subresource, `status` is dropped silently:
//!    a create through the main resource ignores it.
//! 3. **Metadata** ([`ViolationKind::Schema`]): `name` (or `generateName`) must be a DNS-1123
//!    subdomain, `namespace` a DNS-1123 label (and absent on cluster-scoped kinds), label keys
//!    and annotation keys qualified names, label values valid label values; unknown
//!    `ObjectMeta` fields are [`ViolationKind::UnknownField`].
//! 4. **OpenAPI schema** ([`ViolationKind::Schema`]): the version's `openAPIV3Schema`, converted
//!    from the Kubernetes structural dialect to JSON Schema and checked with the `jsonschema`
//!    crate: `type`, `nullable`, `x-kubernetes-int-or-string`, `enum`, `required`,
//!    `min/maxLength`, `pattern` (RE2 semantics, like Go), `min/maxItems`, `min/maxProperties`,
//!    `minimum`/`maximum` (with OpenAPI's boolean `exclusiveMinimum/Maximum`), `multipleOf`,
//!    `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not` as written, plus `x-kubernetes-list-type`
//!    `set`/`map` uniqueness. Formats: the API server only checks a fixed list of string formats
//!    and drops every other one; `int32`, `int64`, `uint32`, `double` and `float` are **not**
//!    range-checked by the API server, so they are not checked here either (Istio writes
//!    explicit `minimum`/`maximum` where it wants a range). Of the string formats the API
//!    server checks, `byte`, `date-time`/`datetime`, `date`, `ipv4`, `ipv6`, `cidr` and
//!    `uuid`/`uuid3`/`uuid4`/`uuid5` are checked here; the rest (`email`, `hostname`, `uri`,
//!    `mac`, `isbn*`, `creditcard`, `ssn`, `hexcolor`, `rgbcolor`, `bsonobjectid`,
//!    `password`, `duration`) appear in none of the CRDs we check and are ignored.
//! 5. **CEL** ([`ViolationKind::Cel`]): every `x-kubernetes-validations` rule is evaluated at its
//!    schema node for each instance of that node, with `self` bound to the node's value, using
//!    the Kubernetes CEL function library from `kube-cel`. Field names are escaped as the API
//!    server escapes them (`__` → `__underscores__`, `.` → `__dot__`, `-` → `__dash__`,
//!    `/` → `__slash__`, CEL keywords → `__kw__`; a single `_` is **not** escaped). Like the API
//!    server, CEL rules are not run when the schema step found a type, required, enum,
//!    too-long or too-many error; a single `Cel` violation at the root says so.
//!    `duration()` follows Go's `time.ParseDuration` exactly (the `cel` crate's own parser
//!    accepts `1e3s`, `1h-1m` and trailing garbage, which the API server rejects).
//!    `messageExpression` and `fieldPath` are honoured. Transition rules (those using
//!    `oldSelf`) are skipped: we only check creates. Every rule of the Istio (master and
//!    1.30.3) and LIQO CRDs parses and uses only functions this environment defines; see
//!    [`CrdSet::cel_rules`] and [`UNSUPPORTED_CEL_RULES`] (empty).
//!
//! Schemas are compiled once per distinct schema, on first use, and cached; a check then
//! takes roughly 10–100 µs in a release build and up to about 0.6 ms in a debug build
//! (`cargo run -p testkit --release --example check_timing`).
//!
//! # What it does not do (a real API server would)
//!
//! - No admission webhooks: Istio's own validating webhook (istiod) rejects more than the CRD
//!   schema does (host names, regexes, semantic checks). Passing here is necessary, not
//!   sufficient.
//! - Creates only: no `oldSelf` (transition rules are skipped unless `optionalOldSelf`), no
//!   ratcheting, no immutable fields, no `resourceVersion`/`generation`/`managedFields`.
//! - No CEL cost budget or cost estimate, and no CEL type-checking when a CRD is registered
//!   (each rule is parsed and every function and variable it uses must exist; a type mismatch
//!   only shows up when the rule runs, as a `Cel` "evaluation error" violation).
//! - No defaulting before the schema step (none of Istio's CRDs declare defaults; LIQO's do,
//!   and they only matter to the CEL step, which sees the object as written).
//! - kube-openapi quirks are not reproduced: its type check lets a zero value (`0`, `""`,
//!   `false`) through on a `nullable` field of another type, and null values inside
//!   `oneOf`/`anyOf` branches are checked against the branches here.
//! - `x-kubernetes-embedded-resource` is not handled (no CRD we check uses it);
//!   `x-kubernetes-validations` inside `allOf`/`anyOf`/`oneOf`/`not` are not evaluated (none
//!   exist; [`CrdSet::cel_rules`] would report them as unsupported).
//! - `metadata`: `ownerReferences`, `finalizers`, `managedFields` and timestamps are not
//!   validated; `metadata.name` constraints declared in a CRD's own schema are ignored.
//! - Error messages are the `jsonschema` crate's, not the API server's wording; paths use the
//!   API server's form (`spec.servers[0].port.number`, map keys as `.key`).
//!
//! # Example
//!
//! ```no_run
//! use serde_json::json;
//!
//! let Some(istio) = testkit::CrdSet::istio() else { return }; // skipped: no shared dir
//! let violations = istio.check(&json!({
//!     "apiVersion": "networking.istio.io/v1",
//!     "kind": "DestinationRule",
//!     "metadata": {"name": "reviews", "namespace": "default"},
//!     "spec": {"host": "reviews.default.svc.cluster.local"}
//! }));
//! assert!(violations.is_empty(), "{violations:#?}");
//! ```

pub mod bench;
mod cel;
mod crd;
mod duration;
mod formats;
mod meta;
mod schema;

use std::path::PathBuf;

pub use crd::{CelRuleReport, CrdSet, UNSUPPORTED_CEL_RULES, Violation, ViolationKind};

/// Environment variable that overrides where the shared data folder is.
pub const SHARED_DIR_ENV: &str = "MESHFED_SHARED_DIR";

/// The shared data folder: `$MESHFED_SHARED_DIR` if set, else the `shared` folder beside the
/// repository root (`<repo>/../shared`).
///
/// Every crate sits at the top level of the repository, so the path computed from this crate's
/// manifest directory is the same one every crate's tests would compute from theirs.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os(SHARED_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("..")
            .join("shared"),
    }
}

/// Resolves `rel` (a `/`-separated path relative to [`shared_dir`]) to an existing file or
/// folder.
///
/// When it does not exist:
/// - with `CI=true` in the environment this **panics**, naming the path and
///   `MESHFED_SHARED_DIR`, so CI can never pass by checking nothing;
/// - otherwise it prints `SKIPPED: <path> not found (set MESHFED_SHARED_DIR) — this test checked
///   nothing` to stderr and returns `None`.
///
/// # Panics
/// When the path does not exist and `CI=true`.
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let path = rel
        .split('/')
        .filter(|part| !part.is_empty())
        .fold(shared_dir(), |dir, part| dir.join(part));
    if path.exists() {
        return Some(path);
    }
    let in_ci = std::env::var("CI").is_ok_and(|ci| ci == "true");
    assert!(
        !in_ci,
        "shared test data {} not found; CI=true so this is an error, not a skip \
         (set {SHARED_DIR_ENV} to the folder holding `{rel}`)",
        path.display()
    );
    eprintln!(
        "SKIPPED: {} not found (set {SHARED_DIR_ENV}) — this test checked nothing",
        path.display()
    );
    None
}

/// Resolves a shared file with [`shared_file`] and returns from the enclosing function (the
/// test) when it is missing outside CI.
///
/// ```no_run
/// fn my_test() {
///     let crds = testkit::require_shared!("istio-crds/crd-all.gen.yaml");
///     assert!(crds.is_file());
/// }
/// ```
#[macro_export]
macro_rules! require_shared {
    ($rel:expr) => {
        match $crate::shared_file($rel) {
            ::core::option::Option::Some(path) => path,
            ::core::option::Option::None => return,
        }
    };
}
