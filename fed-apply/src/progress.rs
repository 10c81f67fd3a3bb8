//! Progress reporting: the library never prints; fedctl (or a test) implements [`Progress`].

use std::time::Duration;

use crate::{Action, ChangeSet, ObjectRef, Stage};

/// Something that happened while applying. New variants may be added.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Work on a cluster started.
    ClusterStarted {
        /// The cluster.
        cluster: &'a str,
        /// How many objects its bundle has.
        objects: usize,
    },
    /// API discovery finished.
    Discovered {
        /// The cluster.
        cluster: &'a str,
        /// How many kinds the cluster serves.
        kinds: usize,
        /// True when the server answered aggregated discovery (Kubernetes 1.26+), false when the
        /// applier fell back to legacy per-group discovery.
        aggregated: bool,
    },
    /// The dry-run of every object that could be dry-run finished.
    DryRunFinished {
        /// The cluster.
        cluster: &'a str,
        /// Objects that would change (created or configured).
        changes: usize,
        /// Objects that failed.
        failed: usize,
    },
    /// A stage starts writing.
    StageStarted {
        /// The cluster.
        cluster: &'a str,
        /// The stage.
        stage: Stage,
        /// How many objects it will write.
        writes: usize,
    },
    /// An object was applied, found unchanged, pruned or failed.
    Object {
        /// The cluster.
        cluster: &'a str,
        /// The object.
        object: &'a ObjectRef,
        /// What happened.
        action: Action,
    },
    /// Waiting for an object to reach a condition.
    Waiting {
        /// The cluster.
        cluster: &'a str,
        /// The object.
        object: &'a ObjectRef,
        /// The condition (`Established`).
        condition: &'static str,
    },
    /// A request failed transiently and is retried.
    Retrying {
        /// The cluster.
        cluster: &'a str,
        /// The attempt that failed (1 = the first try).
        attempt: u32,
        /// How long the applier waits before the next attempt.
        delay: Duration,
        /// Why.
        error: &'a kube::Error,
    },
    /// Work on a cluster finished.
    ClusterFinished {
        /// The cluster.
        cluster: &'a str,
        /// Its change set.
        changes: &'a ChangeSet,
    },
}

/// Receives [`Event`]s. Called from the applier's tasks, so it must be cheap and thread-safe.
pub trait Progress: Send + Sync {
    /// Called for each event.
    fn event(&self, event: &Event<'_>);
}

/// Ignores every event.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: &Event<'_>) {}
}

impl<F: Fn(&Event<'_>) + Send + Sync> Progress for F {
    fn event(&self, event: &Event<'_>) {
        self(event);
    }
}
