//! Change sets: what happened (or, in a dry run, would happen) to each object of each cluster.

use std::fmt;

use serde::Serialize;

use crate::{Error, FieldDiff, ObjectRef, error::serialize_error};

/// What the applier did with one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The object did not exist and was (dry run: would be) created.
    Created,
    /// The object existed and drifted; it was (would be) patched.
    Configured,
    /// The object matched the bundle; no write was made.
    Unchanged,
    /// The object was an ApplySet member no longer in the bundle and was (would be) deleted.
    Pruned,
    /// Something failed; see the change's error.
    Failed,
    /// Not applied because other objects of the cluster failed first.
    Skipped,
}

impl Action {
    /// All actions, in report order.
    pub const ALL: [Action; 6] = [
        Action::Created,
        Action::Configured,
        Action::Unchanged,
        Action::Pruned,
        Action::Failed,
        Action::Skipped,
    ];
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Configured => "configured",
            Self::Unchanged => "unchanged",
            Self::Pruned => "pruned",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        })
    }
}

/// One object's entry in a [`ChangeSet`].
#[derive(Debug, Serialize)]
pub struct Change {
    /// The object.
    pub object: ObjectRef,
    /// What happened.
    pub action: Action,
    /// For [`Action::Configured`]: the fields that differ between the live object and the
    /// server's dry-run result (Secret data masked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<FieldDiff>,
    /// For [`Action::Failed`]: why.
    #[serde(
        serialize_with = "serialize_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<Error>,
}

/// Everything that happened on one cluster.
#[derive(Debug, Serialize)]
pub struct ChangeSet {
    /// The cluster.
    pub cluster: String,
    /// True when nothing was written (`apply --dry-run`, `diff`): the actions are predictions.
    pub dry_run: bool,
    /// The ApplySet id used to label members.
    pub applyset_id: String,
    /// One entry per object (the ApplySet parent included), in apply order, then pruned ones.
    pub changes: Vec<Change>,
    /// Why the cluster failed as a whole, if it did (unreachable, kind not served, objects
    /// failed). Objects already applied before the failure are still listed.
    #[serde(
        serialize_with = "serialize_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<Error>,
}

impl ChangeSet {
    pub(crate) fn new(cluster: &str, dry_run: bool, applyset_id: String) -> Self {
        Self {
            cluster: cluster.to_string(),
            dry_run,
            applyset_id,
            changes: Vec::new(),
            error: None,
        }
    }

    /// True when the cluster did not fail and no object failed.
    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.count(Action::Failed) == 0
    }

    /// How many entries have `action`.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// The entries with `action`.
    pub fn with_action(&self, action: Action) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.action == action)
    }

    /// The entry for `object`, if any (the version is ignored).
    pub fn get(&self, object: &ObjectRef) -> Option<&Change> {
        self.changes.iter().find(|c| c.object.same_object(object))
    }

    /// `3 created, 1 configured, 10 unchanged, 0 pruned, 0 failed` (skipped only when non-zero).
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Action::ALL
            .iter()
            .filter(|a| **a != Action::Skipped || self.count(**a) > 0)
            .map(|a| format!("{} {a}", self.count(*a)))
            .collect();
        if self.dry_run {
            parts.push("(dry run)".into());
        }
        parts.join(", ")
    }
}

impl fmt::Display for ChangeSet {
    /// A table: one line per object, then the summary and the cluster's error, if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .changes
            .iter()
            .map(|c| c.object.to_string().len())
            .max()
            .unwrap_or(0)
            .max("OBJECT".len());
        writeln!(f, "CLUSTER {}", self.cluster)?;
        writeln!(f, "{:<10}  {:<width$}  DETAIL", "ACTION", "OBJECT")?;
        for c in &self.changes {
            let detail = match (&c.error, c.diff.len()) {
                (Some(e), _) => e.to_string(),
                (None, 0) => String::new(),
                (None, 1) => "1 field".into(),
                (None, n) => format!("{n} fields"),
            };
            writeln!(
                f,
                "{:<10}  {:<width$}  {detail}",
                c.action.to_string(),
                c.object.to_string()
            )?;
        }
        writeln!(f, "{}: {}", self.cluster, self.summary())?;
        if let Some(e) = &self.error {
            writeln!(f, "{}: FAILED: {e}", self.cluster)?;
        }
        Ok(())
    }
}

/// The change sets of every cluster of one apply, in the order the targets were given.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    /// One per cluster.
    pub clusters: Vec<ChangeSet>,
}

impl ApplyReport {
    /// True when every cluster succeeded.
    pub fn is_success(&self) -> bool {
        self.clusters.iter().all(ChangeSet::is_success)
    }

    /// The clusters that failed, as a whole or in some object.
    pub fn failed_clusters(&self) -> Vec<&str> {
        self.clusters
            .iter()
            .filter(|c| !c.is_success())
            .map(|c| c.cluster.as_str())
            .collect()
    }

    /// The change set of `cluster`.
    pub fn cluster(&self, cluster: &str) -> Option<&ChangeSet> {
        self.clusters.iter().find(|c| c.cluster == cluster)
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.clusters.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            group: String::new(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: Some("apan".into()),
            name: name.into(),
        }
    }

    #[test]
    fn table_and_json_name_every_object_and_action() {
        let mut cs = ChangeSet::new("gke", false, "applyset-x-v1".into());
        cs.changes.push(Change {
            object: obj("ConfigMap", "a"),
            action: Action::Created,
            diff: vec![],
            error: None,
        });
        cs.changes.push(Change {
            object: obj("Secret", "b"),
            action: Action::Failed,
            diff: vec![],
            error: Some(Error::InvalidBundle {
                problems: vec!["boom".into()],
            }),
        });
        let table = cs.to_string();
        assert!(table.contains("created     ConfigMap apan/a"), "{table}");
        assert!(table.contains("failed      Secret apan/b"), "{table}");
        assert!(
            table.contains("gke: 1 created, 0 configured, 0 unchanged, 0 pruned, 1 failed"),
            "{table}"
        );
        assert!(!cs.is_success());
        let json = serde_json::to_value(&cs).unwrap();
        assert_eq!(json["changes"][1]["action"], "failed");
        assert_eq!(json["changes"][1]["error"], "invalid bundle:\n  boom");
        assert_eq!(json["changes"][0]["object"]["kind"], "ConfigMap");
    }
}
