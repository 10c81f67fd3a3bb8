//! `x-kubernetes-validations`: compiling every rule of a schema once and evaluating the rules at
//! each instance of their node.
//!
//! kube-cel provides the Kubernetes CEL function library; the walk and the JSON → CEL conversion
//! are ours because kube-cel 0.8's validator escapes every `_` in field names (`jwks_uri` becomes
//! `jwks__uri`) where the API server only escapes `__`, which silently disables Istio's rule
//! `(has(self.jwksUri) ? 1 : 0) + (has(self.jwks_uri) ? 1 : 0) + (has(self.jwks) ? 1 : 0) <= 1`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kube_cel::KubeCelExt;
use kube_cel::cel::common::ast::{EntryExpr, Expr};
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, ExecutionError, IdedExpr, Program, Value as Cel};
use serde_json::Value;

use crate::crd::{Violation, ViolationKind};
use crate::schema::join;

thread_local! {
    /// The Kubernetes CEL environment: the `cel` crate's standard functions plus kube-cel's
    /// Kubernetes libraries, with `duration()` replaced by Go's grammar. Built once per thread
    /// (registration is not free).
    static BASE: Context<'static> = {
        let mut ctx = Context::default().with_all();
        ctx.add_function("duration", crate::duration::cel_duration);
        ctx
    };
}

/// CEL reserved words the API server escapes as `__word__`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The API server's property-name escaping; `None` when the name is not accessible from CEL.
pub(crate) fn escape(name: &str) -> Option<String> {
    let first = name.chars().next()?;
    if first.is_ascii_digit() {
        return None;
    }
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
                out.push_str("__underscores__");
            }
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// One compiled rule.
struct Rule {
    text: String,
    message: Option<String>,
    message_expression: Option<Program>,
    field_path: Option<String>,
    /// The program, or why it cannot be evaluated client-side.
    program: Result<Program, String>,
    transition: bool,
    optional_old_self: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Plain,
    DateTime,
    Duration,
}

enum Shape {
    /// An object with declared properties (names escaped in CEL).
    Object(BTreeMap<String, Node>),
    /// A map: `additionalProperties` (keys are data, not escaped).
    Map(Box<Node>),
    /// A list.
    List(Box<Node>),
    /// A scalar, an int-or-string, or a schema-less preserved value.
    Leaf,
}

struct Node {
    rules: Vec<Rule>,
    shape: Shape,
    format: Format,
    integer: bool,
    /// Whether this node or any below it has rules (so the walk can skip rule-free subtrees).
    has_rules: bool,
}

/// Every rule of one `openAPIV3Schema`, compiled.
pub(crate) struct CelTree {
    root: Node,
}

fn compile_rule(raw: &Value) -> Rule {
    let text = raw
        .get("rule")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let get = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
    let (program, mut problem) = match Program::compile(&text) {
        Ok(program) => {
            let problem = unsupported_references(&program);
            (Some(program), problem)
        }
        Err(err) => (None, Some(format!("does not parse: {err}"))),
    };
    let message_expression = match get("messageExpression").map(|e| Program::compile(&e)) {
        Some(Ok(program)) => Some(program),
        Some(Err(err)) => {
            problem.get_or_insert(format!("messageExpression does not parse: {err}"));
            None
        }
        None => None,
    };
    let transition = program
        .as_ref()
        .is_some_and(|p| p.references().has_variable("oldSelf"));
    let program = match (program, problem) {
        (Some(program), None) => Ok(program),
        (_, Some(problem)) => Err(problem),
        (None, None) => Err("does not parse".to_owned()),
    };
    Rule {
        text,
        message: get("message"),
        message_expression,
        field_path: get("fieldPath"),
        program,
        transition,
        optional_old_self: raw.get("optionalOldSelf").and_then(Value::as_bool) == Some(true),
    }
}

/// Why a parsed program cannot run here: a free variable other than `self`/`oldSelf`, a
/// function this CEL environment does not define, or a two-variable comprehension.
fn unsupported_references(program: &Program) -> Option<String> {
    let mut missing = Vec::new();
    let mut bound = vec!["self".to_owned(), "oldSelf".to_owned()];
    free_references(program.expression(), &mut bound, &mut missing);
    missing.sort();
    missing.dedup();
    (!missing.is_empty()).then(|| format!("not available client-side: {}", missing.join(", ")))
}

/// Walks the AST collecting unresolvable identifiers and functions into `missing`.
fn free_references(expr: &IdedExpr, bound: &mut Vec<String>, missing: &mut Vec<String>) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(name) {
                missing.push(format!("variable `{name}`"));
            }
        }
        Expr::Call(call) => {
            let namespaced = match call.target.as_deref().map(|t| &t.expr) {
                Some(Expr::Ident(ns)) if !bound.contains(ns) => {
                    Some(format!("{ns}.{}", call.func_name))
                }
                _ => None,
            };
            if let Some(name) = namespaced {
                if !function_exists(&name) {
                    missing.push(format!("function `{name}`"));
                }
            } else {
                if !function_exists(&call.func_name) {
                    missing.push(format!("function `{}`", call.func_name));
                }
                if let Some(target) = &call.target {
                    free_references(target, bound, missing);
                }
            }
            for arg in &call.args {
                free_references(arg, bound, missing);
            }
        }
        Expr::Comprehension(comp) => {
            free_references(&comp.iter_range, bound, missing);
            free_references(&comp.accu_init, bound, missing);
            if comp.iter_var2.is_some() {
                missing.push("two-variable comprehension".to_owned());
            }
            let depth = bound.len();
            bound.push(comp.iter_var.clone());
            bound.extend(comp.iter_var2.clone());
            bound.push(comp.accu_var.clone());
            for part in [&comp.loop_cond, &comp.loop_step, &comp.result] {
                free_references(part, bound, missing);
            }
            bound.truncate(depth);
        }
        Expr::List(list) => {
            for element in &list.elements {
                free_references(element, bound, missing);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    free_references(&entry.key, bound, missing);
                    free_references(&entry.value, bound, missing);
                }
            }
        }
        Expr::Select(select) => free_references(&select.operand, bound, missing),
        Expr::Struct(_) => missing.push("message construction".to_owned()),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Whether `name` resolves in the CEL environment: calling it with no arguments must fail for
/// any reason but an undeclared reference. Operators (`_&&_`...) are built into the
/// interpreter.
fn function_exists(name: &str) -> bool {
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        || name.starts_with('_')
    {
        return true;
    }
    let Ok(probe) = Program::compile(&format!("{name}()")) else {
        return false;
    };
    BASE.with(|ctx| {
        !matches!(
            probe.execute(ctx),
            Err(ExecutionError::UndeclaredReference(_))
        )
    })
}

fn rule_nested_in_value_validation(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.contains_key("x-kubernetes-validations")
                || map.values().any(rule_nested_in_value_validation)
        }
        Value::Array(items) => items.iter().any(rule_nested_in_value_validation),
        _ => false,
    }
}

fn build(schema: &Value) -> Node {
    let mut rules: Vec<Rule> = schema
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .map(|raw| raw.iter().map(compile_rule).collect())
        .unwrap_or_default();
    for keyword in ["allOf", "anyOf", "oneOf", "not"] {
        if schema
            .get(keyword)
            .is_some_and(rule_nested_in_value_validation)
        {
            rules.push(Rule {
                text: format!("<rules inside {keyword}>"),
                message: None,
                message_expression: None,
                field_path: None,
                program: Err(format!(
                    "x-kubernetes-validations inside {keyword} are not evaluated by this checker"
                )),
                transition: false,
                optional_old_self: false,
            });
        }
    }
    let shape = if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        Shape::Object(
            props
                .iter()
                .map(|(name, child)| (name.clone(), build(child)))
                .collect(),
        )
    } else if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        Shape::Map(Box::new(build(additional)))
    } else if let Some(items) = schema.get("items") {
        Shape::List(Box::new(build(items)))
    } else {
        Shape::Leaf
    };
    let format = match schema.get("format").and_then(Value::as_str) {
        Some("date-time" | "datetime") => Format::DateTime,
        Some("duration") => Format::Duration,
        _ => Format::Plain,
    };
    let below = match &shape {
        Shape::Object(props) => props.values().any(|n| n.has_rules),
        Shape::Map(child) | Shape::List(child) => child.has_rules,
        Shape::Leaf => false,
    };
    Node {
        has_rules: below || !rules.is_empty(),
        rules,
        shape,
        format,
        integer: schema.get("type").and_then(Value::as_str) == Some("integer"),
    }
}

/// JSON → CEL, as the API server builds `self` for a node.
fn to_cel(value: &Value, node: Option<&Node>) -> Cel {
    match value {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Cel::Int(i)
            } else if let Some(u) = n.as_u64() {
                Cel::UInt(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "only integral values inside i64's range reach the cast"
                )]
                let integral = f.fract() == 0.0 && f.abs() < 9.2e18;
                if node.is_some_and(|n| n.integer) && integral {
                    #[allow(clippy::cast_possible_truncation, reason = "checked just above")]
                    Cel::Int(f as i64)
                } else {
                    Cel::Float(f)
                }
            }
        }
        Value::String(s) => {
            let s = Arc::new(s.clone());
            let converted = match node.map_or(Format::Plain, |n| n.format) {
                Format::DateTime => kube_cel::cel::functions::timestamp(s.clone()).ok(),
                Format::Duration => crate::duration::to_value(&s).ok(),
                Format::Plain => None,
            };
            converted.unwrap_or(Cel::String(s))
        }
        Value::Array(items) => {
            let child = node.and_then(|n| match &n.shape {
                Shape::List(child) => Some(&**child),
                _ => None,
            });
            Cel::List(Arc::new(items.iter().map(|v| to_cel(v, child)).collect()))
        }
        Value::Object(map) => {
            let mut out = HashMap::with_capacity(map.len());
            for (key, child_value) in map {
                // Null-valued fields are absent in CEL.
                if child_value.is_null() {
                    continue;
                }
                let (name, child) = match node.map(|n| &n.shape) {
                    Some(Shape::Map(child)) => (Some(key.clone()), Some(&**child)),
                    Some(Shape::Object(props)) => (escape(key), props.get(key)),
                    _ => (escape(key), None),
                };
                if let Some(name) = name {
                    out.insert(Key::String(Arc::new(name)), to_cel(child_value, child));
                }
            }
            Cel::Map(Map { map: Arc::new(out) })
        }
    }
}

/// The root `self`: only `apiVersion`, `kind`, `metadata.name` and `metadata.generateName` of
/// the metadata are visible.
fn root_to_cel(object: &Value, node: &Node) -> Cel {
    let mut visible = object.clone();
    if let Some(meta) = visible.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|key, _| key == "name" || key == "generateName");
    }
    to_cel(&visible, Some(node))
}

impl CelTree {
    /// Compiles every rule of a root `openAPIV3Schema`.
    pub(crate) fn build(schema: &Value) -> Self {
        Self {
            root: build(schema),
        }
    }

    /// Calls `each(path, rule, problem)` for every rule, in schema order.
    pub(crate) fn for_each_rule(&self, each: &mut dyn FnMut(&str, &str, Option<&str>)) {
        fn visit(node: &Node, path: &str, each: &mut dyn FnMut(&str, &str, Option<&str>)) {
            for rule in &node.rules {
                each(
                    path,
                    &rule.text,
                    rule.program.as_ref().err().map(String::as_str),
                );
            }
            match &node.shape {
                Shape::Object(props) => {
                    for (name, child) in props {
                        visit(child, &join(path, name), each);
                    }
                }
                Shape::Map(child) => visit(child, &format!("{path}{{*}}"), each),
                Shape::List(child) => visit(child, &format!("{path}[*]"), each),
                Shape::Leaf => {}
            }
        }
        visit(&self.root, "", each);
    }

    /// Evaluates every rule at every instance of its node in `object` (already pruned).
    pub(crate) fn evaluate(&self, object: &Value, out: &mut Vec<Violation>) {
        BASE.with(|ctx| walk(&self.root, object, "", true, ctx, out));
    }
}

fn walk(
    node: &Node,
    value: &Value,
    path: &str,
    root: bool,
    ctx: &Context<'_>,
    out: &mut Vec<Violation>,
) {
    if !node.has_rules || value.is_null() {
        return;
    }
    if !node.rules.is_empty() {
        let this = if root {
            root_to_cel(value, node)
        } else {
            to_cel(value, Some(node))
        };
        let mut scope = ctx.new_inner_scope();
        scope.add_variable_from_value("self", this);
        for rule in &node.rules {
            evaluate_rule(rule, &scope, path, out);
        }
    }
    match (&node.shape, value) {
        (Shape::Object(props), Value::Object(map)) => {
            for (name, child) in props {
                if root && name == "metadata" {
                    continue;
                }
                if let Some(child_value) = map.get(name) {
                    walk(child, child_value, &join(path, name), false, ctx, out);
                }
            }
        }
        (Shape::Map(child), Value::Object(map)) => {
            for (key, child_value) in map {
                walk(child, child_value, &join(path, key), false, ctx, out);
            }
        }
        (Shape::List(child), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                walk(child, item, &format!("{path}[{index}]"), false, ctx, out);
            }
        }
        _ => {}
    }
}

fn evaluate_rule(rule: &Rule, scope: &Context<'_>, path: &str, out: &mut Vec<Violation>) {
    if rule.transition && !rule.optional_old_self {
        return; // a transition rule: only runs on updates
    }
    let at = match rule.field_path.as_deref() {
        Some(field) => join(path, field.trim_start_matches('.')),
        None => path.to_owned(),
    };
    let program = match &rule.program {
        Ok(program) => program,
        Err(problem) => {
            out.push(Violation::new(
                ViolationKind::Cel,
                at,
                format!(
                    "rule cannot be evaluated client-side: {problem} (rule: {})",
                    rule.text
                ),
            ));
            return;
        }
    };
    let mut old_scope;
    let scope = if rule.transition {
        // optionalOldSelf on a create: oldSelf is optional.none().
        old_scope = scope.new_inner_scope();
        let none = Program::compile("optional.none()")
            .ok()
            .and_then(|p| p.execute(scope).ok())
            .unwrap_or(Cel::Null);
        old_scope.add_variable_from_value("oldSelf", none);
        &old_scope
    } else {
        scope
    };
    let message = match program.execute(scope) {
        Ok(Cel::Bool(true)) => return,
        Ok(Cel::Bool(false)) => rule
            .message_expression
            .as_ref()
            .and_then(|expr| match expr.execute(scope) {
                Ok(Cel::String(s)) if !s.trim().is_empty() => Some((*s).clone()),
                _ => None,
            })
            .or_else(|| rule.message.clone())
            .unwrap_or_else(|| format!("failed rule: {}", rule.text)),
        Ok(other) => format!("rule did not evaluate to a bool but to {other:?}"),
        Err(err) => format!("rule evaluation error: {err}"),
    };
    out.push(Violation::new(
        ViolationKind::Cel,
        at,
        format!("{message} (rule: {})", rule.text),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_the_api_server() {
        assert_eq!(escape("jwks_uri").as_deref(), Some("jwks_uri"));
        assert_eq!(
            escape("redact__d").as_deref(),
            Some("redact__underscores__d")
        );
        assert_eq!(escape("x-prop").as_deref(), Some("x__dash__prop"));
        assert_eq!(escape("a.b/c").as_deref(), Some("a__dot__b__slash__c"));
        assert_eq!(escape("namespace").as_deref(), Some("__namespace__"));
        assert_eq!(escape("1abc"), None);
        assert_eq!(escape("a b"), None);
    }

    #[test]
    fn unknown_functions_are_reported() {
        assert!(function_exists("size"));
        assert!(function_exists("isIP"));
        assert!(function_exists("duration"));
        assert!(!function_exists("noSuchFunction"));
        let rule = compile_rule(&serde_json::json!({"rule": "noSuchFunction(self)"}));
        assert!(rule.program.is_err());
    }
}
