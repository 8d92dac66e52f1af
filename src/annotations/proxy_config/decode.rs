//! YAML → JSON → typed fields, the way Istio's `protomarshal.ApplyYAML` gets there:
//! `sigs.k8s.io/yaml` turns the YAML into JSON, then legacy `jsonpb` reads it leniently
//! (unknown fields ignored, numbers accepted in quotes, `null` meaning "leave the default").
//! The result is a JSON object holding only the fields that were set, under proto names,
//! with enums as numbers and durations as nanoseconds.

use super::schema::{json_name, Enum, Field, Kind};
use crate::go::{strconv, time};
use serde_json::{Map, Number, Value};

/// Turns the annotation's YAML into the JSON `sigs.k8s.io/yaml` would produce (go-yaml v2,
/// first document only; `null` when empty).
pub(super) fn yaml_to_json(text: &str) -> Result<Value, String> {
    crate::go::yaml::load_first(text)
        .map(|v| v.unwrap_or(Value::Null))
        .map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
}

/// Reads `value` as the message `fields` describe; errors carry `jsonpb`'s wording.
pub(super) fn decode_message(
    fields: &[Field],
    value: &Value,
) -> Result<Map<String, Value>, String> {
    let Value::Object(object) = value else {
        return Err(type_error(value, "map[string]json.RawMessage"));
    };
    let mut out = Map::new();
    for field in fields {
        // jsonpb looks up the proto name, then the JSON name; the latter wins.
        let raw = object
            .get(&json_name(field.name))
            .or_else(|| object.get(field.name));
        match raw {
            None | Some(Value::Null) => {}
            Some(raw) => {
                out.insert(field.name.to_owned(), decode_value(field.kind, raw)?);
            }
        }
    }
    Ok(out)
}

fn decode_value(kind: Kind, raw: &Value) -> Result<Value, String> {
    match kind {
        Kind::Str => decode_string(raw).map(Value::String),
        Kind::Int32 => decode_integer(raw, "int32", i64::from(i32::MIN), i64::from(i32::MAX)),
        Kind::UInt32 => decode_integer(raw, "uint32", 0, i64::from(u32::MAX)),
        Kind::Double => decode_double(raw),
        Kind::Bool => decode_bool(raw),
        Kind::Enum(e) => decode_enum(e, raw),
        Kind::Duration => {
            let text = decode_string(raw)?;
            let nanos = time::parse_duration(&text).map_err(|e| format!("bad Duration: {e}"))?;
            Ok(Value::from(nanos))
        }
        Kind::StrMap => {
            let Value::Object(map) = raw else {
                return Err(type_error(raw, "map[string]json.RawMessage"));
            };
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), Value::String(decode_string(v)?));
            }
            Ok(Value::Object(out))
        }
        Kind::StrList => {
            let Value::Array(items) = raw else {
                return Err(type_error(raw, "[]json.RawMessage"));
            };
            let items = items
                .iter()
                .map(decode_string)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::from(items))
        }
        Kind::Message(fields) => decode_message(fields, raw).map(Value::Object),
        Kind::Opaque => match raw {
            Value::Object(_) => Ok(raw.clone()),
            _ => Err(type_error(raw, "map[string]json.RawMessage")),
        },
    }
}

/// Go's "json: cannot unmarshal X into Go value of type T".
fn type_error(raw: &Value, go_type: &str) -> String {
    let what = match raw {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("json: cannot unmarshal {what} into Go value of type {go_type}")
}

/// `json.Unmarshal` into a Go string: strings, and `null` (which leaves it empty).
fn decode_string(raw: &Value) -> Result<String, String> {
    match raw {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(type_error(raw, "string")),
    }
}

/// YAML 1.1 (what Go's YAML library speaks) reads these unquoted words as booleans;
/// serde_yaml, speaking YAML 1.2, leaves them strings.
fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn decode_bool(raw: &Value) -> Result<Value, String> {
    match raw {
        Value::Bool(_) => Ok(raw.clone()),
        Value::String(s) => yaml11_bool(s)
            .map(Value::Bool)
            .ok_or_else(|| type_error(raw, "bool")),
        _ => Err(type_error(raw, "bool")),
    }
}

/// The JSON text Go would hold for a number or, after `trimQuote`, a quoted number.
fn number_text(raw: &Value) -> Option<String> {
    match raw {
        Value::Number(n) => Some(match n.as_f64() {
            // Go's encoder prints integral floats below 1e21 without a fraction.
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 1e21 => {
                format!("{f:.0}")
            }
            _ => n.to_string(),
        }),
        Value::String(s) => Some(s.trim_matches([' ', '\t', '\n', '\r']).to_owned()),
        _ => None,
    }
}

fn decode_integer(raw: &Value, go_type: &str, min: i64, max: i64) -> Result<Value, String> {
    let Some(text) = number_text(raw) else {
        return Err(type_error(raw, go_type));
    };
    if text == "null" {
        return Ok(Value::from(0));
    }
    let looks_numeric = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    if !looks_numeric {
        let c = text.chars().next().map_or(String::new(), |c| c.to_string());
        return Err(format!(
            "invalid character '{c}' looking for beginning of value"
        ));
    }
    // JSON integers have no leading zeros; Go's decoder refuses "05".
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let canonical = digits == "0" || !digits.starts_with('0');
    match strconv::parse_int("ParseInt", &text, 64) {
        Ok(v) if canonical && (min..=max).contains(&v) => Ok(Value::from(v)),
        _ => Err(format!(
            "json: cannot unmarshal number {text} into Go value of type {go_type}"
        )),
    }
}

fn decode_double(raw: &Value) -> Result<Value, String> {
    if let Value::String(s) = raw {
        if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") {
            return Ok(Value::Null);
        }
    }
    let parsed = number_text(raw).and_then(|t| t.parse::<f64>().ok().filter(|f| f.is_finite()));
    match parsed {
        Some(f) => Ok(Number::from_f64(f).map_or(Value::Null, Value::Number)),
        None => Err(type_error(raw, "float64")),
    }
}

fn decode_enum(e: &Enum, raw: &Value) -> Result<Value, String> {
    match raw {
        Value::String(name) => e
            .values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, number)| Value::from(*number))
            .ok_or_else(|| {
                let quoted = strconv::quote(&format!("\"{name}\""));
                format!("unknown value {quoted} for enum {}", e.full_name)
            }),
        Value::Number(_) => decode_integer(
            raw,
            "protoreflect.EnumNumber",
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        ),
        _ => Err(type_error(raw, "protoreflect.EnumNumber")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::PROXY_CONFIG;
    use super::*;
    use rstest::rstest;

    fn decode(yaml: &str) -> Result<Map<String, Value>, String> {
        decode_message(&PROXY_CONFIG, &yaml_to_json(yaml)?)
    }

    #[test]
    fn keeps_only_set_fields_under_proto_names() {
        let got =
            decode("proxyAdminPort: \"15001\"\nconfig_path: /x\nunknownField: 1\nmeshId: null")
                .unwrap();
        assert_eq!(
            Value::Object(got),
            serde_json::json!({"config_path": "/x", "proxy_admin_port": 15001})
        );
    }

    #[test]
    fn enums_and_durations_become_numbers() {
        let got =
            decode("controlPlaneAuthPolicy: NONE\ndrainDuration: 1m\ninterceptionMode: 1").unwrap();
        assert_eq!(got["control_plane_auth_policy"], 0);
        assert_eq!(got["drain_duration"], 60_000_000_000i64);
        assert_eq!(got["interception_mode"], 1);
    }

    #[rstest]
    #[case("concurrency: 2.0")]
    #[case("concurrency: \" 2 \"")]
    #[case("holdApplicationUntilProxyStarts: yes")]
    #[case("tracing: {sampling: \"1.5\"}")]
    #[case("tracing: {sampling: NaN}")]
    #[case("proxyMetadata: {A: b, C: null}")]
    #[case("extraStatTags: [a, b]")]
    #[case("image: {imageType: distroless}")]
    #[case("readinessProbe: {anything: [1, 2]}")]
    fn jsonpb_accepts(#[case] yaml: &str) {
        assert!(decode(yaml).is_ok(), "{yaml}: {:?}", decode(yaml));
    }

    #[rstest]
    #[case(
        "concurrency: 2.5",
        "json: cannot unmarshal number 2.5 into Go value of type int32"
    )]
    #[case(
        "concurrency: abc",
        "invalid character 'a' looking for beginning of value"
    )]
    #[case(
        "concurrency: \"05\"",
        "json: cannot unmarshal number 05 into Go value of type int32"
    )]
    #[case(
        "proxyAdminPort: 4294967296",
        "json: cannot unmarshal number 4294967296 into Go value of type int32"
    )]
    #[case(
        "fileFlushMinSizeKb: -1",
        "json: cannot unmarshal number -1 into Go value of type uint32"
    )]
    #[case(
        "configPath: 5",
        "json: cannot unmarshal number into Go value of type string"
    )]
    #[case(
        "holdApplicationUntilProxyStarts: \"maybe\"",
        "json: cannot unmarshal string into Go value of type bool"
    )]
    #[case(
        "controlPlaneAuthPolicy: STRICT",
        r#"unknown value "\"STRICT\"" for enum istio.mesh.v1alpha1.AuthenticationPolicy"#
    )]
    #[case(
        "drainDuration: 5",
        "json: cannot unmarshal number into Go value of type string"
    )]
    #[case(
        "drainDuration: 5x",
        r#"bad Duration: time: unknown unit "x" in duration "5x""#
    )]
    #[case(
        "tracing: []",
        "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"
    )]
    #[case(
        "proxyMetadata: [a]",
        "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"
    )]
    #[case(
        "extraStatTags: a",
        "json: cannot unmarshal string into Go value of type []json.RawMessage"
    )]
    #[case(
        "tracing: {zipkin: {address: 1}}",
        "json: cannot unmarshal number into Go value of type string"
    )]
    fn jsonpb_refuses(#[case] yaml: &str, #[case] want: &str) {
        assert_eq!(decode(yaml).unwrap_err(), want);
    }

    #[test]
    fn top_level_must_be_a_mapping() {
        assert_eq!(
            decode("just a string").unwrap_err(),
            "json: cannot unmarshal string into Go value of type map[string]json.RawMessage"
        );
    }
}
