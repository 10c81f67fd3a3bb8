//! Strict scalar deserializers.
//!
//! Kubernetes converts YAML to JSON before it looks at types, so to the API server a quoted
//! `'100'` is a string and a plain `100` a number. serde-saphyr, in its default mode, coerces
//! both ways when the target type asks for it. These functions go through `deserialize_any`
//! so the scalar's own type decides, exactly as it does for the API server:
//! `maxConnections: '1'` is an error here as it is there.
//!
//! They are used through `#[serde(deserialize_with = "...")]` on every numeric and boolean field
//! of the Istio types.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// A number type that can be built from the integers a deserializer reports.
pub(crate) trait StrictNumber: Sized + Copy {
    /// What the error message calls this type.
    const EXPECTING: &'static str;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    /// `None` for integer types, which refuse non-integral floats.
    fn from_f64(v: f64) -> Option<Self>;
}

macro_rules! strict_int {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl StrictNumber for $t {
            const EXPECTING: &'static str = $what;
            fn from_u64(v: u64) -> Option<Self> { <$t>::try_from(v).ok() }
            fn from_i64(v: i64) -> Option<Self> { <$t>::try_from(v).ok() }
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                clippy::float_cmp,
                clippy::cast_lossless,
                reason = "the value is checked to be integral and in range before the cast"
            )]
            fn from_f64(v: f64) -> Option<Self> {
                // JSON writers sometimes emit `5.0` for an integer; Kubernetes accepts an
                // integral float for an integer field, so do we.
                if v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64 {
                    Some(v as $t)
                } else {
                    None
                }
            }
        }
    )*};
}
strict_int!(u32 => "a non-negative 32-bit integer", i32 => "a 32-bit integer", u64 => "a non-negative 64-bit integer", i64 => "a 64-bit integer");

impl StrictNumber for f64 {
    const EXPECTING: &'static str = "a number";
    #[allow(
        clippy::cast_precision_loss,
        reason = "YAML numbers are doubles to Kubernetes too"
    )]
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "YAML numbers are doubles to Kubernetes too"
    )]
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        v.is_finite().then_some(v)
    }
}

struct NumberVisitor<T>(PhantomData<T>);

impl<T: StrictNumber> Visitor<'_> for NumberVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v)
            .ok_or_else(|| E::custom(format!("{v} is out of range: expected {}", T::EXPECTING)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v)
            .ok_or_else(|| E::custom(format!("{v} is out of range: expected {}", T::EXPECTING)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::custom(format!("{v} is not {}", T::EXPECTING)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Err(E::custom(format!(
            "expected {}, found the string {v:?} (a quoted number is a string to Kubernetes: remove the quotes)",
            T::EXPECTING
        )))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Err(E::custom(format!(
            "expected {}, found the boolean {v}",
            T::EXPECTING
        )))
    }
}

struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: StrictNumber> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        number(d).map(Some)
    }
}

/// A number whose YAML/JSON scalar really is a number.
pub(crate) fn number<'de, D: Deserializer<'de>, T: StrictNumber>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(NumberVisitor(PhantomData))
}

/// An optional number (`null` is absent) whose scalar really is a number.
pub(crate) fn opt_number<'de, D: Deserializer<'de>, T: StrictNumber>(
    d: D,
) -> Result<Option<T>, D::Error> {
    d.deserialize_option(OptionVisitor(PhantomData))
}

#[allow(dead_code, reason = "used by the kinds with boolean fields")]
struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true or false")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "expected true or false, found the string {v:?} (a quoted boolean is a string to Kubernetes)"
        )))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "expected true or false, found the number {v}"
        )))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "expected true or false, found the number {v}"
        )))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "expected true or false, found the number {v}"
        )))
    }
}

/// An optional boolean whose scalar really is a boolean (`true`/`false`, not `"true"` or `yes`).
#[allow(dead_code, reason = "used by the kinds with boolean fields")]
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(BoolVisitor)
}

/// An optional port protocol where `""` means unset, as it does to Istio: `ValidateProtocol`
/// lets an empty protocol through ("detect it from the traffic"), and protobuf does not tell an
/// empty string from a missing one. Any other name must be one Istio knows.
pub(crate) fn opt_protocol<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::primitives::Protocol>, D::Error> {
    struct ProtocolVisitor;

    impl<'de> Visitor<'de> for ProtocolVisitor {
        type Value = Option<crate::primitives::Protocol>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an Istio protocol name such as \"HTTP\", or \"\" to detect it")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() {
                return Ok(None);
            }
            crate::primitives::Protocol::new(v)
                .map(Some)
                .map_err(E::custom)
        }
    }

    d.deserialize_option(ProtocolVisitor)
}

/// A map of port name to port number, with strict numbers (WorkloadEntry.ports and friends).
pub(crate) fn port_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, u32>, D::Error> {
    Ok(opt_port_map(d)?.unwrap_or_default())
}

/// [`port_map`], keeping whether the map was there at all (`ports: {}` is not `None`).
pub(crate) fn opt_port_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<std::collections::BTreeMap<String, u32>>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(transparent)]
    struct Port(#[serde(deserialize_with = "number")] u32);
    let map: Option<std::collections::BTreeMap<String, Port>> = serde::Deserialize::deserialize(d)?;
    Ok(map.map(|m| m.into_iter().map(|(k, Port(v))| (k, v)).collect()))
}
