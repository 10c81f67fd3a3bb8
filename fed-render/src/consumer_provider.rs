//! The consumer/provider (LIQO) topology.

use fed_model::ValidatedFederation;

use crate::{Bundle, RenderError};

/// Renders the consumer's bundle and the providers' runbooks.
pub(crate) fn render(_fed: &ValidatedFederation) -> Result<Vec<Bundle>, RenderError> {
    Err(RenderError::Unsupported(
        "rendering consumerProvider (LIQO) federations is not implemented yet: see issue 3"
            .to_owned(),
    ))
}
