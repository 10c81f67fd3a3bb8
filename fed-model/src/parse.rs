//! Reading a document: YAML -> JSON value -> raw types, collecting every structural problem.
//!
//! serde stops at the first error. To report all of them, the reader first reads the YAML into
//! a [`serde_json::Value`] (which keeps YAML's types exactly: a quoted `'100'` stays a string, a
//! plain `30` a number), then deserializes the raw types from it; when that fails, it notes the
//! error with its path, removes the offending field from the value and tries again. Every raw
//! field has a default, so removing one never creates a new error.

use std::path::Path;

use istio_types::primitives::{LineIndex, join_index, join_key};
use serde::Deserialize;
use serde_json::Value;

use crate::diag::{Diagnostic, Report};
use crate::raw::{Federation, Source};

/// More problems than this in one document are not worth listing.
const MAX_PARSE_ERRORS: usize = 200;

/// Reads one Federation document (YAML or JSON) without validating it.
///
/// All structural problems (unknown keys, wrong types, YAML syntax) are reported together in
/// the [`Report`]; `origin` is the file name used in diagnostics. The returned document
/// remembers its origin and the line of every field, so that [`Federation::validate`] can say
/// `file:line` too.
pub fn from_yaml_str(text: &str, origin: Option<&Path>) -> Result<Federation, Report> {
    let (federation, diagnostics) = parse_lenient(text, origin);
    match federation {
        Some(federation) if diagnostics.is_empty() => Ok(federation),
        _ => Err(Report::new(diagnostics)),
    }
}

/// Reads and validates a document, reporting structural and semantic problems together.
///
/// When some fields could not be read, the rest of the document is still validated (the
/// unreadable fields count as absent, and problems under their paths are not repeated), so one
/// run lists everything there is to fix. `base_dir` is where `mesh.ca.dir` is resolved from
/// (normally the document's directory).
pub fn validate_yaml_str(
    text: &str,
    origin: Option<&Path>,
    base_dir: Option<&Path>,
) -> Result<crate::Validated, Report> {
    let (federation, mut diagnostics) = parse_lenient(text, origin);
    let Some(federation) = federation else {
        return Err(Report::new(diagnostics));
    };
    let unreadable: Vec<String> = diagnostics.iter().map(|d| d.path.clone()).collect();
    let covered = |path: &str| {
        unreadable.iter().any(|bad| {
            path == bad
                || path
                    .strip_prefix(bad.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
    };
    match federation.validate(base_dir) {
        Ok(validated) if diagnostics.is_empty() => Ok(validated),
        Ok(validated) => {
            diagnostics.extend(validated.warnings);
            Err(Report::new(diagnostics))
        }
        Err(report) => {
            diagnostics.extend(
                report
                    .into_diagnostics()
                    .into_iter()
                    .filter(|d| !covered(&d.path)),
            );
            Err(Report::new(diagnostics))
        }
    }
}

/// The document as far as it could be read (`None` when not at all), and every problem found.
/// The diagnostics carry file and line.
fn parse_lenient(text: &str, origin: Option<&Path>) -> (Option<Federation>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let source = Source {
        file: origin.map(Path::to_path_buf),
        lines,
    };
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: serde_saphyr::budget! { max_documents: 1 },
    };
    let mut value: Value = match serde_saphyr::from_str_with_options(text, options) {
        Ok(Value::Null) => {
            let mut d = Diagnostic::error("", "the document is empty");
            d.line = Some(1);
            return (None, located(vec![d], &source));
        }
        Ok(value) => value,
        Err(err) => {
            let mut d = Diagnostic::error("", yaml_message(&err));
            d.line = err
                .location()
                .and_then(|l| usize::try_from(l.line()).ok())
                .filter(|&l| l > 0);
            d.file.clone_from(&source.file);
            return (None, vec![d]);
        }
    };
    let mut diagnostics = Vec::new();
    loop {
        match serde_path_to_error::deserialize::<_, Federation>(&value) {
            Ok(mut federation) => {
                let diagnostics = located(diagnostics, &source);
                federation.source = Some(source);
                return (Some(federation), diagnostics);
            }
            Err(err) => {
                let segments: Vec<Segment> = err.path().iter().filter_map(Segment::from).collect();
                let path = render_path(&segments);
                diagnostics.push(Diagnostic::error(path, humanize(&err.inner().to_string())));
                if segments.is_empty()
                    || diagnostics.len() >= MAX_PARSE_ERRORS
                    || !remove(&mut value, &segments)
                {
                    return (None, located(diagnostics, &source));
                }
            }
        }
    }
}

fn located(mut diagnostics: Vec<Diagnostic>, source: &Source) -> Vec<Diagnostic> {
    for d in &mut diagnostics {
        d.file.clone_from(&source.file);
        d.line = d.line.or_else(|| source.lines.line(&d.path));
    }
    diagnostics
}

fn yaml_message(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    // serde-saphyr prefixes "error: line L column C: "; the diagnostic carries the line.
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let text = match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => text,
    };
    if text.contains("multiple YAML documents") || text.contains("budget breached: Documents") {
        return "the file holds more than one YAML document; a Federation file holds exactly one"
            .to_owned();
    }
    if let Some(words) = istio_types::primitives::budget_breach_message(text) {
        return format!(
            "the document is {words}; a Federation document is far smaller (anchors and aliases count every time they are used)"
        );
    }
    format!("not valid YAML: {text}")
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Segment {
    fn from(segment: &serde_path_to_error::Segment) -> Option<Self> {
        match segment {
            serde_path_to_error::Segment::Map { key } => Some(Self::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Self::Index(*index)),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        }
    }
}

fn render_path(segments: &[Segment]) -> String {
    segments.iter().fold(String::new(), |path, s| match s {
        Segment::Key(key) => join_key(&path, key),
        Segment::Index(i) => join_index(&path, *i),
    })
}

/// Removes the node at `segments`; false if there was none.
fn remove(value: &mut Value, segments: &[Segment]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut node = value;
    for segment in parents {
        node = match (segment, node) {
            (Segment::Key(key), Value::Object(map)) => match map.get_mut(key) {
                Some(child) => child,
                None => return false,
            },
            (Segment::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Segment::Key(key), Value::Object(map)) => map.remove(key).is_some(),
        (Segment::Index(i), Value::Array(items)) if *i < items.len() => {
            // Keep the indexes of later items: replace the item rather than remove it, with an
            // empty mapping (struct items) or, if that failed too, an empty string (name items).
            let empty_map = Value::Object(serde_json::Map::new());
            let empty_string = Value::String(String::new());
            let replacement = if items[*i] == empty_map {
                empty_string
            } else if items[*i] == empty_string {
                return false;
            } else {
                empty_map
            };
            items[*i] = replacement;
            true
        }
        _ => false,
    }
}

/// Rewrites serde's messages for people who write YAML, not Rust.
fn humanize(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, allowed)) = rest.split_once("`, expected ") {
            let allowed = allowed.trim_start_matches("one of ").replace('`', "");
            return format!("unknown field {field:?}; allowed here: {allowed}");
        }
        if let Some(field) = rest.strip_suffix("`, there are no fields") {
            return format!("unknown field {field:?}; no fields are allowed here");
        }
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        let expected = plain_type(expected);
        let hint = if expected == "a whole number" && got.starts_with("string") {
            " (write numbers without quotes)"
        } else if expected.starts_with("a string")
            && !got.starts_with("map")
            && !got.starts_with("sequence")
        {
            " (quote it so YAML reads it as text)"
        } else {
            ""
        };
        return format!("expected {expected}, got {}{hint}", got.replace('`', ""));
    }
    if let Some(rest) = message.strip_prefix("invalid value: integer `")
        && let Some((n, expected)) = rest.split_once("`, expected ")
    {
        if n.starts_with('-') {
            return format!("{n} is negative; allowed: 0 or more");
        }
        let max = match expected {
            "u8" => "255",
            "u16" => "65535",
            _ => "4294967295",
        };
        return format!("{n} is too large; allowed: at most {max}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((variant, allowed)) = rest.split_once("`, expected ")
    {
        let allowed = allowed.trim_start_matches("one of ").replace('`', "");
        return format!("{variant:?} is not allowed; allowed: {allowed}");
    }
    message.to_owned()
}

fn plain_type(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" => "a whole number".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "a mapping".to_owned(),
        other if other.starts_with("struct ") => "a mapping".to_owned(),
        other => other.to_owned(),
    }
}

/// `istio.version`: a string only. A YAML number is refused with a message that says to quote
/// it, because YAML reads an unquoted `1.10` as the number 1.1.
pub(crate) fn quoted_version<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Err(serde::de::Error::custom(format!(
            "write the version as a quoted string such as \"1.5\", not the number {n}: \
             unquoted, YAML reads 1.10 as the number 1.1"
        ))),
        other => Err(serde::de::Error::custom(format!(
            "expected a quoted \"MAJOR.MINOR\" version such as \"1.5\", got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_for_people() {
        assert_eq!(
            humanize("unknown field `localty`, expected one of `name`, `locality`"),
            "unknown field \"localty\"; allowed here: name, locality"
        );
        assert_eq!(
            humanize("invalid type: string \"100\", expected u32"),
            "expected a whole number, got string \"100\" (write numbers without quotes)"
        );
        assert_eq!(
            humanize("invalid type: integer `30`, expected a string"),
            "expected a string, got integer 30 (quote it so YAML reads it as text)"
        );
        assert_eq!(
            humanize("invalid value: integer `-1`, expected u32"),
            "-1 is negative; allowed: 0 or more"
        );
    }
}
