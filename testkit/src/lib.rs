//! Test support for the meshfed workspace (not published).
