//! Protobuf-JSON primitives with the exact quirks of the legacy Go `jsonpb` package, which Istio
//! uses both to read mesh config / `proxy.istio.io/config` and to print `PROXY_CONFIG`.
//!
//! Reading: `null` leaves a field at its zero value; integers may also be given as quoted
//! strings (`"15020"`) or integral floats (YAML `15020.0`); enums are names or numbers.
//! Printing: zero-valued fields are omitted by the callers (`ser::is_default`); 64-bit
//! integers are quoted; enums print as their names. Durations are in `duration`.
//! A protobuf `oneof` is a run of `Option` fields, resolved with `keep_first_set!`.
//!
//! The deserialisers go through `serde_json::Value`: they only run at config load and once per
//! pod that carries the annotation, never on the hot path of an ordinary pod.

pub(crate) use super::duration::Duration;

/// Resolves a oneof read from text that set several members: `jsonpb` keeps the last one set
/// in declaration order, so list the members last-declared first; all but the first set are
/// cleared.
macro_rules! keep_first_set {
    ($($member:expr),+ $(,)?) => {{
        let mut seen = false;
        $(
            if seen {
                $member = None;
            } else if $member.is_some() {
                seen = true;
            }
        )+
    }};
}
pub(crate) use keep_first_set;

/// Declares a protobuf enum: a Rust enum whose first variant is the zero value, printed by
/// name and read from a name, a number or `null` (zero), as `jsonpb` does. proto3 enums are
/// open: `jsonpb` reads any 32-bit number, and a number without a name is kept as `Unknown`
/// and printed as the number, as Go's `String()` and `jsonpb` print it.
macro_rules! proto_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($full:literal) {
            $(#[$fmeta:meta])* $first:ident = $fnum:literal => $ftext:literal
            $(, $(#[$vmeta:meta])* $variant:ident = $num:literal => $text:literal)* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(#[$fmeta])*
            #[default]
            $first,
            $($(#[$vmeta])* $variant,)*
            /// A number the enum does not name.
            Unknown(i32),
        }

        impl $name {
            /// Every named value, in declaration order.
            pub const ALL: &'static [Self] = &[Self::$first $(, Self::$variant)*];

            /// The protobuf name; `None` for a number without one.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    Self::$first => Some($ftext),
                    $(Self::$variant => Some($text),)*
                    Self::Unknown(_) => None,
                }
            }

            /// As Go's `String()` prints it: the name, else the number.
            pub fn as_str(self) -> std::borrow::Cow<'static, str> {
                match self {
                    Self::Unknown(n) => std::borrow::Cow::Owned(n.to_string()),
                    named => std::borrow::Cow::Borrowed(named.name().unwrap_or_default()),
                }
            }

            pub const fn number(self) -> i32 {
                match self {
                    Self::$first => $fnum,
                    $(Self::$variant => $num,)*
                    Self::Unknown(n) => n,
                }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == Some(name))
            }

            /// `jsonpb` takes any 32-bit number.
            pub fn from_number(number: i64) -> Option<Self> {
                let number = i32::try_from(number).ok()?;
                Some(
                    Self::ALL
                        .iter()
                        .copied()
                        .find(|v| v.number() == number)
                        .unwrap_or(Self::Unknown(number)),
                )
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(name) => serializer.serialize_str(name),
                    None => serializer.serialize_i32(self.number()),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::mesh::protojson::de::enumeration(
                    deserializer,
                    $full,
                    Self::from_name,
                    Self::from_number,
                )
            }
        }
    };
}
pub(crate) use proto_enum;

/// `deserialize_with` helpers: `jsonpb`'s leniency (null, quoted integers) for plain Rust types.
pub(crate) mod de {
    use std::collections::BTreeMap;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn invalid<E: Error>(value: &Value, expected: &str) -> E {
        E::custom(format!("invalid value {value}: expected {expected}"))
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(String::new()),
            Value::String(s) => Ok(s),
            other => Err(invalid(&other, "a string")),
        }
    }

    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(b),
            other => Err(invalid(&other, "true or false")),
        }
    }

    /// An integer as `jsonpb` reads one: a JSON number, or a string holding a JSON integer.
    /// Integral floats pass because Istio's YAML-to-JSON step prints `15020.0` as `15020`.
    fn integer(value: &Value) -> Option<i64> {
        match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                let f = n.as_f64()?;
                let integral = f.fract() == 0.0 && f.abs() < 9.2e18;
                integral.then_some(f as i64)
            }),
            Value::String(s) => serde_json::from_str::<i64>(s).ok(),
            _ => None,
        }
    }

    fn ranged<'de, D, T>(d: D, expected: &str) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64>,
    {
        let value = Value::deserialize(d)?;
        if value.is_null() {
            return Ok(None);
        }
        integer(&value)
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(&value, expected))
    }

    pub fn int32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        Ok(ranged(d, "a 32-bit integer")?.unwrap_or_default())
    }

    pub fn uint32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        Ok(ranged(d, "an unsigned 32-bit integer")?.unwrap_or_default())
    }

    /// `google.protobuf.Int32Value`: `null` leaves it unset.
    pub fn opt_int32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        ranged(d, "a 32-bit integer")
    }

    /// `google.protobuf.Int64Value`: `null` leaves it unset.
    pub fn opt_int64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        ranged(d, "a 64-bit integer")
    }

    pub fn double<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let value = Value::deserialize(d)?;
        match &value {
            Value::Null => Ok(0.0),
            Value::Number(n) => n.as_f64().ok_or_else(|| invalid(&value, "a number")),
            Value::String(s) => match s.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => serde_json::from_str::<f64>(s).map_err(|_| invalid(&value, "a number")),
            },
            _ => Err(invalid(&value, "a number")),
        }
    }

    /// `repeated string`: `null` is empty, a `null` element is `""`.
    pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Null => Ok(String::new()),
                    Value::String(s) => Ok(s),
                    other => Err(invalid(&other, &format!("a string at index {i}"))),
                })
                .collect(),
            other => Err(invalid(&other, "a list of strings")),
        }
    }

    /// `map<string, string>`: `null` is empty, a `null` value is `""`.
    pub fn string_map<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(BTreeMap::new()),
            Value::Object(entries) => entries
                .into_iter()
                .map(|(key, value)| match value {
                    Value::Null => Ok((key, String::new())),
                    Value::String(s) => Ok((key, s)),
                    other => Err(invalid(&other, &format!("a string for key {key:?}"))),
                })
                .collect(),
            other => Err(invalid(&other, "a map of strings to strings")),
        }
    }

    /// Body of every `proto_enum!` `Deserialize`: a name, a known number, or `null` (zero).
    pub fn enumeration<'de, D, T>(
        d: D,
        full_name: &str,
        by_name: fn(&str) -> Option<T>,
        by_number: fn(i64) -> Option<T>,
    ) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Default,
    {
        let value = Value::deserialize(d)?;
        let found = match &value {
            Value::Null => return Ok(T::default()),
            Value::String(name) => by_name(name),
            Value::Number(n) => n.as_i64().and_then(by_number),
            _ => None,
        };
        found.ok_or_else(|| D::Error::custom(format!("unknown value {value} for enum {full_name}")))
    }
}

/// Serialisation helpers matching `jsonpb`'s output.
pub(crate) mod ser {
    use serde::Serializer;

    /// proto3 presence: a scalar, list or map equal to its zero value is not printed.
    pub fn is_default<T: Default + PartialEq>(value: &T) -> bool {
        *value == T::default()
    }

    /// `google.protobuf.Int64Value` prints as a quoted decimal.
    pub fn opt_int64<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => s.collect_str(n),
            None => s.serialize_none(),
        }
    }

    /// A `double` as Go's `encoding/json` prints it: integral values without a fraction,
    /// non-finite values as strings. (Go prints 1e-6 ≤ |x| < 1e-5 in plain notation where we
    /// print an exponent; no injection-relevant field takes such values.)
    pub fn double<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        let v = *value;
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v.is_infinite() {
            s.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
        } else if v.fract() == 0.0 && v.abs() < 1e21 {
            s.serialize_i128(v as i128)
        } else {
            s.serialize_f64(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Ints {
        #[serde(default, deserialize_with = "de::int32")]
        a: i32,
        #[serde(default, deserialize_with = "de::uint32")]
        b: u32,
        #[serde(default, deserialize_with = "de::opt_int32")]
        c: Option<i32>,
    }

    #[rstest]
    #[case(r#"{"a": 5}"#, Some((5, 0, None)))]
    #[case(r#"{"a": "5", "b": "7"}"#, Some((5, 7, None)))]
    #[case(r#"{"a": 5.0}"#, Some((5, 0, None)))]
    #[case(r#"{"a": null, "c": null}"#, Some((0, 0, None)))]
    #[case(r#"{"c": 0}"#, Some((0, 0, Some(0))))]
    #[case(r#"{"a": 5.5}"#, None)]
    #[case(r#"{"a": "5.0"}"#, None)]
    #[case(r#"{"a": "x"}"#, None)]
    #[case(r#"{"a": true}"#, None)]
    #[case(r#"{"a": 2147483648}"#, None)]
    #[case(r#"{"b": -1}"#, None)]
    fn reads_integers_leniently(#[case] json: &str, #[case] want: Option<(i32, u32, Option<i32>)>) {
        let got = serde_json::from_str::<Ints>(json)
            .ok()
            .map(|i| (i.a, i.b, i.c));
        assert_eq!(got, want, "{json}");
    }

    #[rstest]
    #[case(1.0, "1")]
    #[case(100.0, "100")]
    #[case(0.5, "0.5")]
    #[case(f64::NAN, "\"NaN\"")]
    #[case(1e-7, "1e-7")]
    fn prints_doubles_like_go(#[case] v: f64, #[case] text: &str) {
        let mut out = Vec::new();
        ser::double(&v, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
}
