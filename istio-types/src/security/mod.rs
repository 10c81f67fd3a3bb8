//! `security.istio.io`: authentication and authorization policies, served at v1beta1 and v1.

mod authorization_policy;
pub(crate) mod checks;
mod peer_authentication;
mod request_authentication;

/// What a policy applies to; shared with Telemetry and WasmPlugin, defined in [`crate::common`].
pub use crate::common::PolicyTarget;
pub use authorization_policy::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicySpec, Condition,
    ExtensionProvider, Operation, Rule, RuleFrom, RuleTo, Source,
};
pub use peer_authentication::{
    MutualTls, MutualTlsMode, PeerAuthentication, PeerAuthenticationSpec,
};
pub use request_authentication::{
    ClaimToHeader, Jwks, JwtHeader, JwtPresence, JwtRule, RequestAuthentication,
    RequestAuthenticationSpec,
};
