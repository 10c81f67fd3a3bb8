//! Applies bundles of Kubernetes objects to clusters with server-side apply.
//!
//! **Status: not implemented yet.** This crate is a placeholder for the applier described in
//! `ARCHITECTURE.md` (dry-run, diff, prune, change sets, ApplySet ownership). It exports nothing
//! so that nobody can depend on behaviour that does not exist.
