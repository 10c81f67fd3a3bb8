//! `RequestAuthentication`: which JWTs workloads accept, where they find them and what they do
//! with the claims.

use serde::{Deserialize, Serialize};

use super::PolicyTarget;
use crate::primitives::Duration;
use crate::resource::istio_object;

/// The spec of a RequestAuthentication.
///
/// Serialized as Istio's fields `selector`, `targetRef`, `targetRefs` and `jwtRules`; `target`
/// stands for the first three (at most one may be set).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "RequestAuthenticationSpecRepr",
    into = "RequestAuthenticationSpecRepr"
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "RequestAuthenticationSpecRepr"))]
pub struct RequestAuthenticationSpec {
    /// The workloads or objects the policy applies to; `None` applies it to every workload of
    /// its namespace (of the mesh, in the root namespace).
    pub target: Option<PolicyTarget>,
    /// The JWTs the selected workloads validate. A request carrying an invalid token is
    /// rejected; a request with no token is accepted without an identity.
    pub jwt_rules: Vec<JwtRule>,
}

crate::common::policy_target_wire! {
    /// The wire form of [`RequestAuthenticationSpec`].
    struct RequestAuthenticationSpecRepr for RequestAuthenticationSpec as "RequestAuthenticationSpec" {
        /// JWT rules (at most 4096).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        jwt_rules: Vec<JwtRule>,
    }
}

/// Where a JWT rule gets the keys that verify token signatures. Istio allows at most one; with
/// none, the keys are found by OpenID discovery from the issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Jwks {
    /// `jwksUri`: an http(s) URL to fetch the key set from (at most 2048 characters).
    #[serde(rename = "jwksUri")]
    Uri(String),
    /// `jwks_uri`: the same as [`Jwks::Uri`] under the protobuf field name, which Istio's CRD
    /// accepts too; kept apart so that what was written is written back.
    #[serde(rename = "jwks_uri")]
    UriSnakeCase(String),
    /// `jwks`: the JSON Web Key Set itself, inline.
    #[serde(rename = "jwks")]
    Inline(String),
}

impl Jwks {
    /// The URL, for either spelling of the URI field.
    pub fn uri(&self) -> Option<&str> {
        match self {
            Jwks::Uri(u) | Jwks::UriSnakeCase(u) => Some(u),
            Jwks::Inline(_) => None,
        }
    }

    /// The field name as written.
    pub fn field_name(&self) -> &'static str {
        match self {
            Jwks::Uri(_) => "jwksUri",
            Jwks::UriSnakeCase(_) => "jwks_uri",
            Jwks::Inline(_) => "jwks",
        }
    }
}

/// One JWT a workload accepts: who issues it, where it is carried and how it is verified.
///
/// Serialized with Istio's fields; `jwks` stands for `jwksUri`, `jwks_uri` and `jwks`, of
/// which at most one may be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "JwtRuleRepr", into = "JwtRuleRepr")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "JwtRuleRepr"))]
pub struct JwtRule {
    /// The token's issuer (`iss` claim), usually a URL or an email address.
    pub issuer: Option<String>,
    /// Accepted audiences (`aud` claim); when empty, the service name is the accepted audience.
    pub audiences: Vec<String>,
    /// Where the signing keys come from.
    pub jwks: Option<Jwks>,
    /// Headers carrying the token; by default `Authorization: Bearer <token>`.
    pub from_headers: Vec<JwtHeader>,
    /// Query parameters carrying the token; by default `access_token`.
    pub from_params: Vec<String>,
    /// If set, the header to which the verified payload is copied (base64-encoded).
    pub output_payload_to_header: Option<String>,
    /// Cookies carrying the token.
    pub from_cookies: Vec<String>,
    /// Whether the token is passed on to the upstream (it is removed by default).
    pub forward_original_token: Option<bool>,
    /// Claims copied into request headers after verification.
    pub output_claim_to_headers: Vec<ClaimToHeader>,
    /// How long to wait for the key set to be fetched from `jwksUri` (default 5s).
    pub timeout: Option<Duration>,
    /// Claims whose values are space-separated lists (e.g. `scope`), so that each item can be
    /// matched on its own (at most 64).
    pub space_delimited_claims: Vec<String>,
    /// Whether a token is needed: OPTIONAL (default) accepts requests without one.
    pub presence: Option<JwtPresence>,
}

/// The wire form of [`JwtRule`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "JwtRule"))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JwtRuleRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    audiences: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks_uri: Option<String>,
    #[serde(default, rename = "jwks_uri", skip_serializing_if = "Option::is_none")]
    jwks_uri_snake_case: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    from_headers: Vec<JwtHeader>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    from_params: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output_payload_to_header: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    from_cookies: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::strict::opt_bool"
    )]
    forward_original_token: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    output_claim_to_headers: Vec<ClaimToHeader>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    space_delimited_claims: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    presence: Option<JwtPresence>,
}

impl TryFrom<JwtRuleRepr> for JwtRule {
    type Error = String;

    fn try_from(r: JwtRuleRepr) -> Result<Self, String> {
        let jwks = match (r.jwks_uri, r.jwks_uri_snake_case, r.jwks) {
            (None, None, None) => None,
            (Some(u), None, None) => Some(Jwks::Uri(u)),
            (None, Some(u), None) => Some(Jwks::UriSnakeCase(u)),
            (None, None, Some(k)) => Some(Jwks::Inline(k)),
            (a, b, c) => {
                let set: Vec<&str> = [
                    a.is_some().then_some("jwksUri"),
                    b.is_some().then_some("jwks_uri"),
                    c.is_some().then_some("jwks"),
                ]
                .into_iter()
                .flatten()
                .collect();
                return Err(format!(
                    "only one of jwksUri, jwks_uri, jwks may be set (found {})",
                    set.join(" and ")
                ));
            }
        };
        Ok(Self {
            issuer: r.issuer,
            audiences: r.audiences,
            jwks,
            from_headers: r.from_headers,
            from_params: r.from_params,
            output_payload_to_header: r.output_payload_to_header,
            from_cookies: r.from_cookies,
            forward_original_token: r.forward_original_token,
            output_claim_to_headers: r.output_claim_to_headers,
            timeout: r.timeout,
            space_delimited_claims: r.space_delimited_claims,
            presence: r.presence,
        })
    }
}

impl From<JwtRule> for JwtRuleRepr {
    fn from(r: JwtRule) -> Self {
        let (jwks_uri, jwks_uri_snake_case, jwks) = match r.jwks {
            None => (None, None, None),
            Some(Jwks::Uri(u)) => (Some(u), None, None),
            Some(Jwks::UriSnakeCase(u)) => (None, Some(u), None),
            Some(Jwks::Inline(k)) => (None, None, Some(k)),
        };
        Self {
            issuer: r.issuer,
            audiences: r.audiences,
            jwks_uri,
            jwks_uri_snake_case,
            jwks,
            from_headers: r.from_headers,
            from_params: r.from_params,
            output_payload_to_header: r.output_payload_to_header,
            from_cookies: r.from_cookies,
            forward_original_token: r.forward_original_token,
            output_claim_to_headers: r.output_claim_to_headers,
            timeout: r.timeout,
            space_delimited_claims: r.space_delimited_claims,
            presence: r.presence,
        }
    }
}

/// A request header that carries a JWT.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JwtHeader {
    /// The header name. Required.
    pub name: String,
    /// A prefix before the token in the header value, e.g. `"Bearer "` (note the space).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// A claim to copy into a request header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimToHeader {
    /// The header to set (letters, digits, `-` and `_`). Required.
    pub header: String,
    /// The claim to copy; nested claims are joined with `.`. Required.
    pub claim: String,
}

/// Whether a JWT rule requires a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JwtPresence {
    /// Requests without a token are accepted (without an identity).
    Optional,
    /// Requests without a token are rejected.
    Required,
}

istio_object! {
    /// A `security.istio.io` RequestAuthentication: the JWTs the selected workloads verify.
    ///
    /// ```
    /// use istio_types::security::{Jwks, JwtRule, RequestAuthentication, RequestAuthenticationSpec};
    /// let ra = RequestAuthentication::new("jwt", "default", RequestAuthenticationSpec {
    ///     jwt_rules: vec![JwtRule {
    ///         issuer: Some("https://issuer.example.com".into()),
    ///         jwks: Some(Jwks::Uri("https://issuer.example.com/jwks.json".into())),
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// });
    /// let yaml = istio_types::write::to_yaml(&ra).unwrap();
    /// assert!(yaml.contains("jwksUri: https://issuer.example.com/jwks.json"));
    /// ```
    RequestAuthentication {
        spec: RequestAuthenticationSpec,
        group: Security,
        plural: "requestauthentications",
        served: [V1beta1, V1],
        storage: V1,
        absent_spec: empty,
    }
}

impl crate::validate::Validate for RequestAuthenticationSpec {
    /// Istio's `ValidateRequestAuthentication` and the CRD's limits.
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use crate::validate::{index, join};
        crate::common::validate_target(self.target.as_ref(), path, report);
        let rules_path = join(path, "jwtRules");
        if self.jwt_rules.len() > 4096 {
            report.error(
                &rules_path,
                format!(
                    "{} JWT rules: at most 4096 are allowed",
                    self.jwt_rules.len()
                ),
            );
        }
        for (i, rule) in self.jwt_rules.iter().enumerate() {
            rule.validate_at(&index(&rules_path, i), report);
        }
    }
}

impl crate::validate::Validate for JwtRule {
    /// Istio's `validateJwtRule` and the CRD's rules on a JWT rule.
    fn validate_at(&self, path: &str, report: &mut crate::validate::Report) {
        use super::checks;
        use crate::validate::{index, join};

        let uri = self.jwks.as_ref().and_then(Jwks::uri);
        if let Some("") = self.issuer.as_deref() {
            report.error(join(path, "issuer"), "issuer must not be empty when set");
        }
        if self.issuer.as_deref().is_none_or(str::is_empty) && uri.is_none_or(str::is_empty) {
            report.error(path, "issuer or jwksUri must be set");
        }
        for (i, a) in self.audiences.iter().enumerate() {
            if a.is_empty() {
                report.error(
                    index(&join(path, "audiences"), i),
                    "an audience must not be empty",
                );
            }
        }
        if let Some(jwks) = &self.jwks {
            let at = join(path, jwks.field_name());
            match jwks {
                Jwks::Uri(u) | Jwks::UriSnakeCase(u) => {
                    if u.is_empty() {
                        report.error(at, "the JWKS URI must not be empty when set");
                    } else if let Err(m) = checks::jwks_uri(u) {
                        report.error(at, m);
                    }
                }
                Jwks::Inline(k) => {
                    if !k.is_empty()
                        && let Err(m) = checks::jwks_inline(k)
                    {
                        report.error(at, m);
                    }
                }
            }
        }
        for (i, h) in self.from_headers.iter().enumerate() {
            if h.name.is_empty() {
                report.error(
                    join(&index(&join(path, "fromHeaders"), i), "name"),
                    "a header name must not be empty",
                );
            }
        }
        for (field, list, what) in [
            ("fromParams", &self.from_params, "a query parameter name"),
            ("fromCookies", &self.from_cookies, "a cookie name"),
            (
                "spaceDelimitedClaims",
                &self.space_delimited_claims,
                "a claim name",
            ),
        ] {
            for (i, v) in list.iter().enumerate() {
                if v.is_empty() {
                    report.error(
                        index(&join(path, field), i),
                        format!("{what} must not be empty"),
                    );
                }
            }
        }
        if self.space_delimited_claims.len() > 64 {
            report.error(
                join(path, "spaceDelimitedClaims"),
                format!(
                    "{} claims: at most 64 are allowed",
                    self.space_delimited_claims.len()
                ),
            );
        }
        for (i, c) in self.output_claim_to_headers.iter().enumerate() {
            let at = index(&join(path, "outputClaimToHeaders"), i);
            if c.claim.is_empty() || c.header.is_empty() {
                report.error(
                    at,
                    "outputClaimToHeaders needs a non-empty header and claim",
                );
            } else if !checks::is_header_name(&c.header) {
                report.error(
                    join(&at, "header"),
                    format!(
                        "{:?} is not a valid header name: use letters, digits, '-' and '_'",
                        c.header
                    ),
                );
            }
        }
    }
}
