//! The meshfed Federation document.
