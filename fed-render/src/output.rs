//! Turning bundles into text: one YAML stream, or one folder per cluster with a
//! `kustomization.yaml` so that `kubectl apply -k DIR/<cluster>` works.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::{Bundle, Object, RenderError};

/// A file to write, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `tein/06-destinationrules.yaml`.
    pub path: String,
    /// Contents.
    pub contents: String,
    /// Whether the file holds private keys (written with mode 0600, never printed).
    pub secret: bool,
}

/// Appends `value` as one YAML document (without the `---` line) to `out`.
fn append<T: Serialize>(out: &mut String, value: &T) -> Result<(), RenderError> {
    istio_types::write::append_yaml(out, value).map_err(|e| RenderError::Write(e.to_string()))
}

/// The file that holds an object in its cluster's folder: `<stage>-<kind plural>.yaml`, e.g.
/// `06-destinationrules.yaml`, one file per kind. The stage comes first so that a directory
/// listing reads in apply order.
///
/// One file per kind keeps a folder as small as the number of kinds (about a dozen) whatever the
/// number of services. One file per object made thousands of files per cluster for a federation
/// of 2,000 services: slow to create and to remove (the kernel's cost per file was most of the
/// time `render -o` took; BENCHMARKS.md), and a listing nobody reads. `kubectl apply -f` and
/// kustomize read multi-document files.
pub fn file_name(o: &Object) -> String {
    format!("{:02}-{}.yaml", o.stage(), o.plural())
}

impl Bundle {
    /// The bundle's objects as one multi-document YAML stream, in apply order.
    pub fn to_yaml_stream(&self) -> Result<String, RenderError> {
        let mut out = String::new();
        for o in &self.objects {
            out.push_str("---\n");
            append(&mut out, o)?;
        }
        Ok(out)
    }

    /// The bundle as files in folder `<cluster>/`: one per kind of object ([`file_name`]), each
    /// a multi-document stream in apply order, a `kustomization.yaml` listing them in apply
    /// order, and the files that are not applied (not listed). A file holding a Secret is marked
    /// [`OutputFile::secret`].
    pub fn to_files(&self) -> Result<Vec<OutputFile>, RenderError> {
        let mut files: Vec<OutputFile> = Vec::new();
        // Objects come sorted by stage and kind, so a kind's file is nearly always the last
        // one made; the map keeps a bundle built in another order right too.
        let mut index: HashMap<String, usize> = HashMap::new();
        for o in &self.objects {
            let path = format!("{}/{}", self.cluster, file_name(o));
            let i = *index.entry(path).or_insert_with_key(|path| {
                files.push(OutputFile {
                    path: path.clone(),
                    contents: String::new(),
                    secret: false,
                });
                files.len() - 1
            });
            let file = &mut files[i];
            file.contents.push_str("---\n");
            append(&mut file.contents, o)?;
            file.secret |= matches!(o, Object::Secret(_));
        }
        // The stage leads each name: name order is apply order.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut kustomization = String::from(
            "# Rendered by fedctl; apply with `kubectl apply -k .` (or `fedctl apply`).\n\
             apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
        );
        let prefix = self.cluster.len() + 1;
        for f in &files {
            // The names are a stage and a kind's plural: nothing to quote.
            let _ = writeln!(kustomization, "- {}", &f.path[prefix..]);
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
