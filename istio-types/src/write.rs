//! Writing resources as YAML or JSON.
//!
//! Fields that are absent stay absent, fields come out in the order Istio's API defines them,
//! and maps are sorted, so the same value always gives the same bytes. YAML is written with
//! serde-saphyr, which quotes strings that YAML 1.1 readers (Kubernetes' among them) would
//! otherwise take for booleans or numbers (`on`, `yes`, `0755`).

use serde::Serialize;

/// Something could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The YAML writer failed.
    #[error("cannot write YAML: {0}")]
    Yaml(#[from] serde_saphyr::SerializeError),
    /// The JSON writer failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// One value as a YAML document (no leading `---`).
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, WriteError> {
    Ok(serde_saphyr::to_string(value)?)
}

/// [`to_yaml`] appended to `out`, for writing many documents into one text without a String
/// for each. On an error `out` may hold part of the document.
///
/// ```
/// let mut out = String::from("---\n");
/// istio_types::write::append_yaml(&mut out, &std::collections::BTreeMap::from([("a", 1)]))?;
/// assert_eq!(out, "---\na: 1\n");
/// # Ok::<(), istio_types::write::WriteError>(())
/// ```
pub fn append_yaml<T: Serialize>(out: &mut String, value: &T) -> Result<(), WriteError> {
    Ok(serde_saphyr::to_fmt_writer(out, value)?)
}

/// Several values as one multi-document YAML stream, each document introduced by `---`.
pub fn to_yaml_stream<'a, T, I>(values: I) -> Result<String, WriteError>
where
    T: Serialize + 'a,
    I: IntoIterator<Item = &'a T>,
{
    let mut out = String::new();
    for v in values {
        out.push_str("---\n");
        append_yaml(&mut out, v)?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// One value as compact JSON.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, WriteError> {
    Ok(serde_json::to_string(value)?)
}

/// One value as indented JSON, with a final newline.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, WriteError> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}
