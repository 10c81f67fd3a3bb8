//! The release's behaviour, as the engine uses it: every value read from the per-release
//! table ([`DataPlane`]), none stated here.

use istio_types::dataplane::DataPlane;

/// What the engine asks of the release at run time. The translation step reads the rest of
/// the table (outlier detection, retry defaults, priorities, ports, inbound limits).
#[derive(Clone, Copy, Debug)]
#[allow(clippy::struct_excessive_bools)] // one flag per fact of the table
pub(crate) struct Params {
    /// `DataPlane::per_worker_connection_overshoot`.
    pub(crate) per_worker_connection_overshoot: bool,
    /// `DataPlane::client_pending_overflow_ejects`.
    pub(crate) client_pending_overflow_ejects: bool,
    /// `DataPlane::client_max_requests_overflow_ejects`.
    pub(crate) client_max_requests_overflow_ejects: bool,
    /// `DataPlane::overflow_retried`.
    pub(crate) overflow_retried: bool,
    /// `DataPlane::overloaded_header_blocks_retry`.
    pub(crate) overloaded_header_blocks_retry: bool,
}

impl Params {
    pub(crate) fn of(dp: &DataPlane) -> Self {
        Self {
            per_worker_connection_overshoot: dp.per_worker_connection_overshoot.value,
            client_pending_overflow_ejects: dp.client_pending_overflow_ejects.value,
            client_max_requests_overflow_ejects: dp.client_max_requests_overflow_ejects.value,
            overflow_retried: dp.overflow_retried.value,
            overloaded_header_blocks_retry: dp.overloaded_header_blocks_retry.value,
        }
    }
}
