//! Turning bundles into text: one YAML stream, or one folder per cluster with a
//! `kustomization.yaml` so that `kubectl apply -k DIR/<cluster>` works.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{Bundle, Object, RenderError};

/// A file to write, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `tein/06-destinationrule.default.echo.yaml`.
    pub path: String,
    /// Contents.
    pub contents: String,
    /// Whether the file holds private keys (written with mode 0600, never printed).
    pub secret: bool,
}

fn yaml<T: Serialize>(value: &T) -> Result<String, RenderError> {
    istio_types::write::to_yaml(value).map_err(|e| RenderError::Write(e.to_string()))
}

/// The file name of an object in its cluster's folder: stage, kind, namespace, name. Stage
/// first so that a directory listing reads in apply order; `.` separates the parts because
/// DNS-1123 labels never contain one.
pub fn file_name(o: &Object) -> String {
    let kind = o.kind().to_ascii_lowercase();
    match o.namespace() {
        Some(ns) => format!("{:02}-{kind}.{ns}.{}.yaml", o.stage(), o.name()),
        None => format!("{:02}-{kind}.{}.yaml", o.stage(), o.name()),
    }
}

impl Bundle {
    /// The bundle's objects as one multi-document YAML stream, in apply order.
    pub fn to_yaml_stream(&self) -> Result<String, RenderError> {
        let mut out = String::new();
        for o in &self.objects {
            out.push_str("---\n");
            istio_types::write::append_yaml(&mut out, o)
                .map_err(|e| RenderError::Write(e.to_string()))?;
        }
        Ok(out)
    }

    /// The bundle as files in folder `<cluster>/`: one per object, a `kustomization.yaml`
    /// listing them in apply order, and the files that are not applied (not listed).
    pub fn to_files(&self) -> Result<Vec<OutputFile>, RenderError> {
        let mut files = Vec::with_capacity(self.objects.len() + self.files.len() + 1);
        let mut kustomization = String::from(
            "# Rendered by fedctl; apply with `kubectl apply -k .` (or `fedctl apply`).\n\
             apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
        );
        for o in &self.objects {
            let name = file_name(o);
            // The names are DNS labels with a known prefix: nothing to quote.
            let _ = writeln!(kustomization, "- {name}");
            files.push(OutputFile {
                path: format!("{}/{name}", self.cluster),
                contents: yaml(o)?,
                secret: matches!(o, Object::Secret(_)),
            });
        }
        files.push(OutputFile {
            path: format!("{}/kustomization.yaml", self.cluster),
            contents: kustomization,
            secret: false,
        });
        for f in &self.files {
            files.push(OutputFile {
                path: format!("{}/{}", self.cluster, f.name),
                contents: f.contents.clone(),
                secret: false,
            });
        }
        Ok(files)
    }
}
