//! The CRD set: loading, lookup by apiVersion/kind, and the `check` pipeline.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::cel::CelTree;
use crate::schema::{self, CompiledSchema};

/// CEL rules known not to work client-side, as `(rule, why)`.
///
/// Rules listed here are still reported as [`ViolationKind::Cel`] violations when their node is
/// present (fail closed), and the conformance test prints this list. It is empty: every rule in
/// Istio's two CRD bundles and LIQO's CRD compiles and every function it calls exists.
pub const UNSUPPORTED_CEL_RULES: &[(&str, &str)] = &[];

/// What kind of problem a [`Violation`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationKind {
    /// No CRD in the set serves this apiVersion/kind (unknown group, version or kind, or a
    /// version with `served: false`). Nothing else is checked.
    NotServed,
    /// A field the schema does not declare: the API server would silently drop it.
    UnknownField,
    /// The OpenAPI schema (or metadata, or list-type uniqueness) rejects the object.
    Schema,
    /// An `x-kubernetes-validations` CEL rule rejects the object (or could not be evaluated).
    Cel,
}

/// One problem found by [`CrdSet::check`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violation {
    /// Where, in the API server's notation: `spec.servers[0].port.number`; empty for the root.
    pub path: String,
    /// What is wrong, for people. CEL violations end with the rule text in parentheses.
    pub message: String,
    /// Which check found it.
    pub rule: ViolationKind,
}

impl Violation {
    pub(crate) fn new(
        rule: ViolationKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            rule,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "<root>"
        } else {
            &self.path
        };
        write!(f, "{path}: {:?}: {}", self.rule, self.message)
    }
}

/// One `x-kubernetes-validations` rule of a [`CrdSet`], as listed by [`CrdSet::cel_rules`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CelRuleReport {
    /// The CRD's `metadata.name`, e.g. `destinationrules.networking.istio.io`.
    pub crd: String,
    /// The version whose schema holds the rule, e.g. `v1`.
    pub version: String,
    /// The schema node, e.g. `spec.trafficPolicy.outlierDetection.interval`; `[*]` marks list
    /// items and `{*}` map values.
    pub path: String,
    /// The CEL expression.
    pub rule: String,
    /// `None` when the rule parses and every function it calls is available; otherwise why not.
    pub problem: Option<String>,
}

/// One version of one CRD.
struct CrdVersion {
    name: String,
    served: bool,
    status_subresource: bool,
    /// Index into `CrdSet::schemas`; versions with byte-identical schemas share one.
    schema: usize,
}

/// One CustomResourceDefinition.
struct Crd {
    name: String,
    group: String,
    kind: String,
    namespaced: bool,
    versions: Vec<CrdVersion>,
}

/// An `openAPIV3Schema` and its compiled forms, built on first use.
struct SchemaSlot {
    raw: Value,
    compiled: OnceLock<Result<Arc<Compiled>, String>>,
}

/// Everything `check` needs for one schema, compiled once.
pub(crate) struct Compiled {
    pub(crate) json_schema: CompiledSchema,
    pub(crate) cel: CelTree,
}

/// The CustomResourceDefinitions of one YAML bundle, ready to check objects against.
///
/// Schemas are compiled lazily, once per distinct schema, on the first object of that
/// kind/version; the compiled forms are shared by every later check (and, for the cached sets
/// from [`CrdSet::istio`] and friends, by every test in the process).
pub struct CrdSet {
    crds: Vec<Crd>,
    schemas: Vec<SchemaSlot>,
}

impl fmt::Debug for CrdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrdSet")
            .field(
                "crds",
                &self
                    .crds
                    .iter()
                    .map(|crd| crd.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

static ISTIO: OnceLock<Option<CrdSet>> = OnceLock::new();
static ISTIO_1_30_3: OnceLock<Option<CrdSet>> = OnceLock::new();
static LIQO: OnceLock<Option<CrdSet>> = OnceLock::new();

fn cached(cell: &'static OnceLock<Option<CrdSet>>, rel: &str) -> Option<&'static CrdSet> {
    let mut loaded_now = false;
    let set = cell.get_or_init(|| {
        loaded_now = true;
        let path = crate::shared_file(rel)?;
        match CrdSet::load(&path) {
            Ok(set) => Some(set),
            Err(err) => panic!("{err}"),
        }
    });
    if set.is_none() && !loaded_now {
        // Print the SKIP line (or fail in CI) for every caller, not only the first.
        crate::shared_file(rel);
    }
    set.as_ref()
}

impl CrdSet {
    /// Istio's CRDs from `istio-crds/crd-all.gen.yaml` in [`crate::shared_dir`], parsed once per
    /// process. `None` (after a loud SKIP line) when the file is missing outside CI.
    ///
    /// # Panics
    /// When the file is missing and `CI=true`, or when it exists but is not a valid CRD bundle.
    pub fn istio() -> Option<&'static CrdSet> {
        cached(&ISTIO, "istio-crds/crd-all.gen.yaml")
    }

    /// Istio 1.30.3's CRDs (`istio-crds/crd-all.gen.1.30.3.yaml`), like [`CrdSet::istio`].
    ///
    /// # Panics
    /// As [`CrdSet::istio`].
    pub fn istio_1_30_3() -> Option<&'static CrdSet> {
        cached(&ISTIO_1_30_3, "istio-crds/crd-all.gen.1.30.3.yaml")
    }

    /// LIQO's NamespaceOffloading CRD
    /// (`liqo-crds/offloading.liqo.io_namespaceoffloadings.yaml`), like [`CrdSet::istio`].
    ///
    /// # Panics
    /// As [`CrdSet::istio`].
    pub fn liqo() -> Option<&'static CrdSet> {
        cached(
            &LIQO,
            "liqo-crds/offloading.liqo.io_namespaceoffloadings.yaml",
        )
    }

    /// Reads a multi-document YAML file of CustomResourceDefinitions (other documents are
    /// ignored). The error names the file and what is wrong.
    pub fn load(path: impl AsRef<Path>) -> Result<CrdSet, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        Self::from_yaml(&text).map_err(|err| format!("{}: {err}", path.display()))
    }

    /// Parses a multi-document YAML string of CustomResourceDefinitions.
    pub fn from_yaml(yaml: &str) -> Result<CrdSet, String> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(yaml).map_err(|err| format!("invalid YAML: {err}"))?;
        let mut set = CrdSet {
            crds: Vec::new(),
            schemas: Vec::new(),
        };
        for (index, doc) in docs.into_iter().enumerate() {
            if doc.is_null()
                || doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition")
            {
                continue;
            }
            set.add_crd(doc)
                .map_err(|err| format!("document {index}: {err}"))?;
        }
        if set.crds.is_empty() {
            return Err("no CustomResourceDefinition documents".to_owned());
        }
        Ok(set)
    }

    fn add_crd(&mut self, mut doc: Value) -> Result<(), String> {
        let text = |value: &Value, what: &str| -> Result<String, String> {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what} must be a string"))
        };
        let name = text(&doc["metadata"]["name"], "metadata.name")?;
        let spec = &mut doc["spec"];
        let group = text(&spec["group"], "spec.group")?;
        let kind = text(&spec["names"]["kind"], "spec.names.kind")?;
        let namespaced = match spec["scope"].as_str() {
            Some("Namespaced") => true,
            Some("Cluster") => false,
            _ => return Err(format!("{name}: spec.scope must be Namespaced or Cluster")),
        };
        let Some(versions) = spec["versions"].as_array_mut() else {
            return Err(format!("{name}: spec.versions must be a list"));
        };
        let mut parsed = Vec::new();
        for version in versions {
            let version_name = text(&version["name"], "spec.versions[].name")?;
            let served = version["served"].as_bool().unwrap_or(false);
            let status_subresource = version["subresources"].get("status").is_some();
            let raw = version["schema"]["openAPIV3Schema"].take();
            if !raw.is_object() {
                return Err(format!(
                    "{name} {version_name}: schema.openAPIV3Schema is missing"
                ));
            }
            let existing = self.schemas.iter().position(|slot| slot.raw == raw);
            let schema = existing.unwrap_or_else(|| {
                self.schemas.push(SchemaSlot {
                    raw,
                    compiled: OnceLock::new(),
                });
                self.schemas.len() - 1
            });
            parsed.push(CrdVersion {
                name: version_name,
                served,
                status_subresource,
                schema,
            });
        }
        self.crds.push(Crd {
            name,
            group,
            kind,
            namespaced,
            versions: parsed,
        });
        Ok(())
    }

    /// `(group, version, kind)` of every served version, sorted.
    pub fn served(&self) -> Vec<(String, String, String)> {
        let mut out: Vec<_> = self
            .crds
            .iter()
            .flat_map(|crd| {
                crd.versions
                    .iter()
                    .filter(|v| v.served)
                    .map(|v| (crd.group.clone(), v.name.clone(), crd.kind.clone()))
            })
            .collect();
        out.sort();
        out
    }

    /// The `openAPIV3Schema` of a served version, as the CRD spells it (for generators that
    /// build objects from it); `None` when no served version matches.
    pub fn schema(&self, group: &str, version: &str, kind: &str) -> Option<&Value> {
        let crd = self
            .crds
            .iter()
            .find(|crd| crd.group == group && crd.kind == kind)?;
        let v = crd
            .versions
            .iter()
            .find(|v| v.served && v.name == version)?;
        Some(&self.schemas[v.schema].raw)
    }

    fn compiled(&self, index: usize) -> Result<Arc<Compiled>, String> {
        let slot = &self.schemas[index];
        slot.compiled
            .get_or_init(|| {
                Ok(Arc::new(Compiled {
                    json_schema: schema::compile(&slot.raw)?,
                    cel: CelTree::build(&slot.raw),
                }))
            })
            .clone()
    }

    /// Every `x-kubernetes-validations` rule of every version of every CRD, compiled, with the
    /// reason it cannot be used client-side if any. Compiles every schema of the set.
    pub fn cel_rules(&self) -> Vec<CelRuleReport> {
        let mut out = Vec::new();
        for crd in &self.crds {
            for version in &crd.versions {
                let cel = CelTree::build(&self.schemas[version.schema].raw);
                cel.for_each_rule(&mut |path, rule, problem| {
                    out.push(CelRuleReport {
                        crd: crd.name.clone(),
                        version: version.name.clone(),
                        path: path.to_owned(),
                        rule: rule.to_owned(),
                        problem: problem.map(str::to_owned),
                    });
                });
            }
        }
        out
    }

    /// Checks one object (a whole resource: `apiVersion`, `kind`, `metadata`, `spec`...) as the
    /// API server would on create, and returns every violation, sorted by kind then path.
    /// An empty list means the API server would accept it as written (no field pruned).
    ///
    /// See the crate docs for exactly what is and is not checked.
    pub fn check(&self, object: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some((crd, version)) = self.find(object, &mut out) else {
            return out;
        };
        let compiled = match self.compiled(version.schema) {
            Ok(compiled) => compiled,
            Err(err) => {
                out.push(Violation::new(
                    ViolationKind::Schema,
                    "",
                    format!(
                        "the schema of {} {} cannot be compiled: {err}",
                        crd.name, version.name
                    ),
                ));
                return out;
            }
        };
        let raw = &self.schemas[version.schema].raw;

        let mut pruned = object.clone();
        if version.status_subresource
            && let Some(map) = pruned.as_object_mut()
        {
            map.remove("status");
        }
        schema::prune(raw, &mut pruned, &mut out);
        let mut meta = Vec::new();
        crate::meta::check(&pruned, crd.namespaced, &mut meta);
        let meta_blocking = meta.iter().any(crate::meta::is_blocking);
        out.append(&mut meta);
        let blocking = compiled.json_schema.validate(&pruned, &mut out) || meta_blocking;
        schema::check_list_types(raw, &pruned, &mut out);
        if blocking {
            out.push(Violation::new(
                ViolationKind::Cel,
                "",
                "some validation rules were not checked because the object was invalid; \
                 correct the existing errors to complete validation",
            ));
        } else {
            compiled.cel.evaluate(&pruned, &mut out);
        }
        out.sort_by(|a, b| (a.rule, &a.path, &a.message).cmp(&(b.rule, &b.path, &b.message)));
        out.dedup();
        out
    }

    /// Parses a YAML stream (one or more `---`-separated objects) and checks each document
    /// with [`CrdSet::check`]; empty documents are skipped. The outer error is a YAML syntax
    /// error.
    pub fn check_yaml(&self, yaml: &str) -> Result<Vec<Vec<Violation>>, String> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(yaml).map_err(|err| format!("invalid YAML: {err}"))?;
        Ok(docs
            .iter()
            .filter(|doc| !doc.is_null())
            .map(|doc| self.check(doc))
            .collect())
    }

    /// Like [`CrdSet::check`], but panics listing every violation (one per line) unless there
    /// are none.
    ///
    /// # Panics
    /// When `object` has any violation.
    #[track_caller]
    pub fn assert_valid(&self, object: &Value) {
        let violations = self.check(object);
        assert!(
            violations.is_empty(),
            "{} {}: {} violation(s):\n{}",
            object["kind"],
            object["metadata"]["name"],
            violations.len(),
            violations
                .iter()
                .map(|v| format!("  {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn find(&self, object: &Value, out: &mut Vec<Violation>) -> Option<(&Crd, &CrdVersion)> {
        let not_served =
            |path: &str, message: String| Violation::new(ViolationKind::NotServed, path, message);
        let Some(api_version) = object.get("apiVersion").and_then(Value::as_str) else {
            out.push(not_served(
                "apiVersion",
                "apiVersion must be a string".to_owned(),
            ));
            return None;
        };
        let Some(kind) = object.get("kind").and_then(Value::as_str) else {
            out.push(not_served("kind", "kind must be a string".to_owned()));
            return None;
        };
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let Some(crd) = self
            .crds
            .iter()
            .find(|crd| crd.group == group && crd.kind == kind)
        else {
            let kinds: Vec<&str> = self
                .crds
                .iter()
                .filter(|crd| crd.group == group)
                .map(|crd| crd.kind.as_str())
                .collect();
            out.push(not_served(
                "kind",
                format!(
                    "no CRD in this set defines kind {kind:?} in group {group:?} (kinds in that group: {kinds:?})"
                ),
            ));
            return None;
        };
        let served: Vec<&str> = crd
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| v.name.as_str())
            .collect();
        match crd.versions.iter().find(|v| v.name == version) {
            Some(found) if found.served => Some((crd, found)),
            _ => {
                out.push(not_served(
                    "apiVersion",
                    format!(
                        "{} does not serve version {version:?} (served: {served:?})",
                        crd.name
                    ),
                ));
                None
            }
        }
    }
}
