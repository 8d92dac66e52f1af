//! Turning config text into JSON the way Istio does before `jsonpb` sees it
//! (`protomarshal.ApplyYAML`: `sigs.k8s.io/yaml.YAMLToJSON`, then `jsonpb.Unmarshal`), and the
//! field-presence rules of that unmarshal:
//! - YAML or JSON text; only the first YAML document counts; empty text is `null`, which
//!   changes nothing; anything but a mapping at the top is an error.
//! - Non-string mapping keys become strings (`1: x` → `"1"`).
//! - A field may be spelt with its JSON name or its proto name; the JSON name wins.
//! - A field whose value is `null` is left as it was; unknown fields are ignored.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{MeshError, Origin};

/// One top-level field of a message: its JSON (camelCase) and proto (snake_case) names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub json: &'static str,
    pub proto: &'static str,
}

pub(crate) const fn field(json: &'static str, proto: &'static str) -> Field {
    Field { json, proto }
}

/// Parses config text into a JSON object; `None` for empty (or `null`) text.
pub(crate) fn parse_object(
    text: &str,
    origin: &Origin,
) -> Result<Option<Map<String, Value>>, MeshError> {
    let syntax = |message: String| MeshError::Syntax {
        origin: origin.clone(),
        message,
    };
    // Go's yaml.Unmarshal reads the first document and ignores the rest.
    let json = crate::go::yaml::load_first(text).map_err(|e| {
        syntax(format!(
            "line {} column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    match json.unwrap_or(Value::Null) {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        other => Err(MeshError::NotAMapping {
            origin: origin.clone(),
            found: kind_of(&other),
        }),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The value `patch` gives `field`, if any: JSON name over proto name, `null` as absent.
pub(crate) fn present<'a>(patch: &'a Map<String, Value>, field: &Field) -> Option<&'a Value> {
    patch
        .get(field.json)
        .or_else(|| patch.get(field.proto))
        .filter(|v| !v.is_null())
}

/// Keys of `patch` that name no field: Istio ignores them, we report them as warnings.
pub(crate) fn unknown_keys<'a>(
    patch: &'a Map<String, Value>,
    fields: &'a [Field],
) -> impl Iterator<Item = &'a str> {
    patch
        .keys()
        .map(String::as_str)
        .filter(|k| !fields.iter().any(|f| f.json == *k || f.proto == *k))
}

/// Deserialises `value`, naming the failing field by its path under `prefix`.
pub(crate) fn deserialize_at<T: DeserializeOwned>(
    value: Value,
    origin: &Origin,
    prefix: &str,
) -> Result<T, MeshError> {
    serde_path_to_error::deserialize(super::strict::Strict(&value)).map_err(|e| {
        let path = e.path().to_string();
        let field = match (prefix.is_empty(), path == ".") {
            (true, true) => "(top level)".to_owned(),
            (true, false) => path,
            (false, true) => prefix.to_owned(),
            (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
            (false, false) => format!("{prefix}.{path}"),
        };
        MeshError::Field {
            origin: origin.clone(),
            field,
            message: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn parse(text: &str) -> Result<Option<Value>, MeshError> {
        parse_object(text, &Origin::MeshConfig).map(|m| m.map(Value::Object))
    }

    #[rstest]
    #[case("", None)]
    #[case("# only a comment\n", None)]
    #[case("null", None)]
    #[case("{ \"holdApplicationUntilProxyStarts\": true }", Some(json!({"holdApplicationUntilProxyStarts": true})))]
    #[case("concurrency: 0\nproxyMetadata:\n  FOO: bar", Some(json!({"concurrency": 0, "proxyMetadata": {"FOO": "bar"}})))]
    // go-yaml v2 (YAML 1.1): `y` is a boolean, and so is a key `true`.
    #[case("1: x\ntrue: y", Some(json!({"1": "x", "true": true})))]
    #[case("a: 1\n---\nb: 2", Some(json!({"a": 1})))]
    #[case("base: &b {x: 1}\nother:\n  <<: *b\n  z: 2", Some(json!({"base": {"x": 1}, "other": {"x": 1, "z": 2}})))]
    // go-yaml v2 keeps the last of duplicate keys.
    #[case("a: 1\na: 2", Some(json!({"a": 2})))]
    #[case("a: !!str 5", Some(json!({"a": "5"})))]
    fn parses_yaml_and_json(#[case] text: &str, #[case] want: Option<Value>) {
        assert_eq!(parse(text).unwrap(), want);
    }

    #[rstest]
    #[case("foo", "expected a mapping of fields, found a string")]
    #[case("[1, 2]", "expected a mapping of fields, found a list")]
    #[case("a: [", "not valid YAML")]
    #[case("a: .inf", "json: unsupported value: +Inf")]
    #[case(&"- ".repeat(10_000), "deeper than 200 levels")]
    fn rejects_garbage(#[case] text: &str, #[case] message: &str) {
        let e = parse(text).unwrap_err().to_string();
        assert!(e.starts_with("mesh config: "), "{e}");
        assert!(e.contains(message), "{e}");
    }

    #[test]
    fn json_name_wins_and_null_is_absent() {
        let f = field("drainDuration", "drain_duration");
        let patch = json!({"drain_duration": "1s", "drainDuration": "2s"});
        assert_eq!(present(patch.as_object().unwrap(), &f), Some(&json!("2s")));
        let patch = json!({"drain_duration": "1s"});
        assert_eq!(present(patch.as_object().unwrap(), &f), Some(&json!("1s")));
        let patch = json!({"drainDuration": null});
        assert_eq!(present(patch.as_object().unwrap(), &f), None);
        let fields = [f];
        let patch = json!({"drainDuration": "1s", "bogus": 1});
        assert_eq!(
            unknown_keys(patch.as_object().unwrap(), &fields).collect::<Vec<_>>(),
            ["bogus"]
        );
    }
}
