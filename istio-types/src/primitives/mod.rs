//! Validated string formats shared by Istio resources and the meshfed Federation document.
//!
//! Each type here is a newtype over the text the user wrote, shaped like cargo's
//! `str_newtype!`: the field is private, [`new`](Dns1123Label::new) is the only way in and
//! returns a [`PrimitiveError`] that names the value and says what is allowed, `Deserialize`
//! goes through `new` (bad input cannot skip validation), and `Serialize` writes back exactly the
//! text that was read, so a round trip never rewrites a user's `1m` into `60s` or `http` into
//! `HTTP`. All of them implement `FromStr`, `Display`, `AsRef<str>`, `Eq`, `Ord`, `Hash` and,
//! with the `schemars` feature, `JsonSchema` (a string schema with a pattern and a description).
//!
//! | type | format | rule taken from |
//! |---|---|---|
//! | [`Dns1123Label`] | RFC 1123 label | Kubernetes `IsDNS1123Label` |
//! | [`PortName`] | port name | Istio `ValidatePortName` (a DNS-1123 label) |
//! | [`Duration`] | `1s`, `1m30s`, `500ms` | Go `time.ParseDuration` + Istio `ValidateDuration` |
//! | [`Locality`] | `region[/zone[/subzone]]` | Istio locality, Kubernetes label values |
//! | [`Protocol`] | `HTTP`, `grpc`, `TCP` ... | Istio `protocol.Parse` (case-insensitive) |
//!
//! [`LineIndex`] maps the field paths of a YAML document to line numbers, so that checks made
//! after parsing can still report `file:line`.
//!
//! This module needs none of the crate's optional features: it builds with
//! `--no-default-features`.

mod duration;
mod error;
mod line_index;
mod locality;
mod names;
mod protocol;

pub use duration::{Duration, GoDuration};
pub use error::PrimitiveError;
pub use line_index::{LineIndex, budget_breach_message, join_index, join_key};
#[cfg(feature = "resources")]
pub(crate) use line_index::{PathSegment, path_segments};
pub use locality::Locality;
pub use names::{Dns1123Label, PortName};
pub use protocol::{Protocol, ProtocolKind};

/// Implements the string-newtype traits (`Display`, `AsRef<str>`, `FromStr`, transparent
/// `Serialize`, `Deserialize` through `new`) for a type with `new(impl Into<String>)` and
/// `as_str()`.
macro_rules! str_newtype_impls {
    ($ty:ident, $expecting:literal) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::primitives::PrimitiveError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<String> for $ty {
            type Error = $crate::primitives::PrimitiveError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<&str> for $ty {
            type Error = $crate::primitives::PrimitiveError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $ty::new(v).map_err(E::custom)
                    }

                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$ty, E> {
                        $ty::new(v).map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
pub(crate) use str_newtype_impls;

/// A JSON Schema `{"type": "string", "pattern": ..., "description": ...}` for a newtype.
#[cfg(feature = "schemars")]
fn string_schema(pattern: &str, description: &str, max_length: Option<u32>) -> schemars::Schema {
    let mut schema = schemars::json_schema!({
        "type": "string",
        "pattern": pattern,
        "description": description,
    });
    if let Some(max) = max_length {
        schema.insert("maxLength".to_owned(), max.into());
    }
    schema
}
