//! Runtime values: Go's reflect world, approximated over borrowed JSON.
//!
//! The data handed to `render` is JSON whose top level stands for Istio's
//! `SidecarTemplateData` struct. Objects and arrays of the data are never
//! copied: they are borrowed (`Value::Data`) together with an [`Origin`] that
//! records which Go type they stand for, because Go's behaviour depends on it:
//!
//! * `Typed` — Kubernetes/proto structs and their `map[string]string` fields.
//!   Numbers are integers; a missing field is the zero value of an unknown
//!   type ([`Value::Zero`]: falsy, empty, prints as `""`); a missing key looked
//!   up with `index` is `""`, as for a Go `map[string]string`.
//! * `Dynamic` — `.Values` and anything decoded from JSON by a function:
//!   Go's `map[string]any`, where numbers are `float64` (so `1000000` prints as
//!   `1e+06`) and a missing key is nil (printed `<no value>` by an action).
//! * `Root` — the data itself: fields must exist.
//!
//! Go's invalid `reflect.Value` and nil interface are both [`Value::Nil`]; the
//! action printer shows it as `<no value>`, `fmt` as `<nil>`, as Go does.
//! Values built during execution (sprig `dict`/`list`, Istio's `strdict`) are
//! owned; dicts are shared and mutable (`set`, `merge`) like Go maps.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value as Json;

/// What Go type a borrowed JSON object or array stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Root,
    Typed,
    Dynamic,
}

/// Element type of an owned map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MapKind {
    /// `map[string]interface{}`
    Any,
    /// `map[string]string`
    Str,
}

/// Shared, mutable map (Go maps are references).
pub(crate) type MapRef<'d> = Rc<RefCell<BTreeMap<String, Value<'d>>>>;

/// A template value.
#[derive(Clone, Debug)]
pub(crate) enum Value<'d> {
    Nil,
    Zero,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// A borrowed object or array of the data.
    Data(&'d Json, Origin),
    List(Rc<Vec<Value<'d>>>),
    Map(MapRef<'d>, MapKind),
}

/// Name of the root type, for error messages.
pub(crate) const ROOT_TYPE: &str = "*inject.SidecarTemplateData";

impl<'d> Value<'d> {
    pub(crate) fn str(s: &str) -> Value<'d> {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn string(s: String) -> Value<'d> {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn list(items: Vec<Value<'d>>) -> Value<'d> {
        Value::List(Rc::new(items))
    }

    pub(crate) fn map(m: BTreeMap<String, Value<'d>>, kind: MapKind) -> Value<'d> {
        Value::Map(Rc::new(RefCell::new(m)), kind)
    }

    /// Wraps a piece of the data.
    pub(crate) fn from_json(j: &'d Json, origin: Origin) -> Value<'d> {
        let dynamic = origin == Origin::Dynamic;
        match j {
            Json::Null if dynamic => Value::Nil,
            Json::Null => Value::Zero,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) if !dynamic => Value::Int(i),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            Json::String(s) => Value::str(s),
            Json::Array(_) | Json::Object(_) => Value::Data(j, origin),
        }
    }

    /// Converts parsed JSON into owned values (Go's `json.Unmarshal` into `any`).
    pub(crate) fn from_owned_json(j: &Json) -> Value<'d> {
        match j {
            Json::Null => Value::Nil,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            Json::String(s) => Value::str(s),
            Json::Array(a) => Value::list(a.iter().map(Value::from_owned_json).collect()),
            Json::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_owned_json(v)))
                    .collect(),
                MapKind::Any,
            ),
        }
    }

    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Go's type name, for error messages and `%T`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Zero => "interface {}",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Data(Json::Array(_), _) | Value::List(_) => "[]interface {}",
            Value::Data(_, Origin::Root) => ROOT_TYPE,
            Value::Data(_, _) | Value::Map(_, MapKind::Any) => "map[string]interface {}",
            Value::Map(_, MapKind::Str) => "map[string]string",
        }
    }

    pub(crate) fn is_list(&self) -> bool {
        matches!(self, Value::Data(Json::Array(_), _) | Value::List(_))
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self, Value::Data(Json::Object(_), _) | Value::Map(..))
    }

    /// Number of elements of a string (bytes), list or map.
    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            Value::Zero => Some(0),
            Value::Str(s) => Some(s.len()),
            Value::Data(Json::Array(a), _) => Some(a.len()),
            Value::Data(Json::Object(o), _) => Some(o.len()),
            Value::List(l) => Some(l.len()),
            Value::Map(m, _) => Some(m.try_borrow().map_or(0, |m| m.len())),
            _ => None,
        }
    }

    /// Go's `IsTrue`: the value is not the zero of its type.
    pub(crate) fn truth(&self) -> bool {
        match self {
            Value::Nil | Value::Zero => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Data(Json::Object(_), Origin::Root) => true,
            other => other.len().unwrap_or(1) > 0,
        }
    }

    /// Elements of a list, or None.
    pub(crate) fn list_items(&self) -> Option<Vec<Value<'d>>> {
        match self {
            Value::Data(Json::Array(a), o) => Some(
                a.iter()
                    .map(|j| Value::from_json(j, child(*o, "")))
                    .collect(),
            ),
            Value::List(l) => Some(l.as_ref().clone()),
            _ => None,
        }
    }

    /// Entries of a map in sorted key order (Go's map iteration in templates), or None.
    pub(crate) fn map_entries(&self) -> Option<Vec<(String, Value<'d>)>> {
        match self {
            Value::Data(Json::Object(o), origin) => {
                let mut v: Vec<_> = o
                    .iter()
                    .map(|(k, j)| (k.clone(), Value::from_json(j, child(*origin, k))))
                    .collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                Some(v)
            }
            Value::Map(m, _) => Some(
                m.try_borrow()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            ),
            _ => None,
        }
    }

    /// Entries of a map in stored order (struct field order for typed data).
    pub(crate) fn map_entries_ordered(&self) -> Option<Vec<(String, Value<'d>)>> {
        match self {
            Value::Data(Json::Object(o), origin) if *origin != Origin::Dynamic => Some(
                o.iter()
                    .map(|(k, j)| (k.clone(), Value::from_json(j, child(*origin, k))))
                    .collect(),
            ),
            other => other.map_entries(),
        }
    }

    /// Looks a key up in a map: Some(value) when present, None when absent or not a map.
    pub(crate) fn map_get(&self, key: &str) -> Option<Value<'d>> {
        match self {
            Value::Data(Json::Object(o), origin) => {
                o.get(key).map(|j| Value::from_json(j, child(*origin, key)))
            }
            Value::Map(m, _) => m.try_borrow().ok()?.get(key).cloned(),
            _ => None,
        }
    }

    /// The value Go yields for a key a map lacks.
    pub(crate) fn missing_key(&self) -> Value<'d> {
        match self {
            Value::Data(_, Origin::Typed) | Value::Map(_, MapKind::Str) => Value::str(""),
            Value::Zero => Value::Zero,
            _ => Value::Nil,
        }
    }

    /// Copies borrowed data into owned values, so it can be edited or rebuilt.
    pub(crate) fn to_owned_tree(&self, depth: usize) -> Result<Value<'d>, String> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(match self {
            Value::Data(Json::Array(_), _) | Value::List(_) => {
                let items = self.list_items().unwrap_or_default();
                Value::list(
                    items
                        .iter()
                        .map(|v| v.to_owned_tree(depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            Value::Data(Json::Object(_), _) | Value::Map(..) => {
                let kind = match self {
                    Value::Map(_, k) => *k,
                    _ => MapKind::Any,
                };
                let mut m = BTreeMap::new();
                for (k, v) in self.map_entries().unwrap_or_default() {
                    m.insert(k, v.to_owned_tree(depth + 1)?);
                }
                Value::map(m, kind)
            }
            other => other.clone(),
        })
    }
}

/// Deepest value nesting any recursive walk accepts (printing, JSON, YAML, merge).
pub(crate) const MAX_DEPTH: usize = 200;

pub(crate) fn too_deep() -> String {
    format!("value nesting exceeds {MAX_DEPTH} levels")
}

/// The origin of a child of a `parent` object: below the root, `.Values` is
/// Go's `map[string]any` and every other field is typed.
fn child(parent: Origin, key: &str) -> Origin {
    match parent {
        Origin::Root if key == "Values" => Origin::Dynamic,
        Origin::Root => Origin::Typed,
        o => o,
    }
}

/// Candidate JSON keys for a Go field name: exact, then the JSON spelling of a
/// Go/proto name (`APIVersion` → `apiVersion`, `ProxyMetadata` → `proxyMetadata`).
fn field_candidates(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let chars: Vec<char> = name.chars().collect();
    let run = chars.iter().take_while(|c| c.is_uppercase()).count();
    if run == 0 {
        return out;
    }
    // In "APIVersion" the V starts the next word; in "ID" the run is the word.
    let lower_n = if run > 1 && chars.get(run).is_some_and(|c| c.is_lowercase()) {
        run - 1
    } else {
        run
    };
    let camel: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower_n {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect();
    let first: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i == 0 { c.to_ascii_lowercase() } else { *c })
        .collect();
    for c in [camel, first] {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Outcome of a field lookup.
pub(crate) enum Field<'d> {
    Found(Value<'d>),
    /// Go would fail: "can't evaluate field X in type T".
    NoField,
}

/// Evaluates `.name` on a receiver, the way Go resolves struct fields, map keys
/// and the few methods templates call on proto messages (`GetX`, `String`, `GetValue`).
pub(crate) fn field<'d>(recv: &Value<'d>, name: &str) -> Field<'d> {
    match recv {
        Value::Nil => Field::Found(Value::Nil),
        Value::Zero => Field::Found(Value::Zero),
        Value::Data(Json::Object(o), origin) => {
            let get = |k: &str| o.get(k).map(|j| Value::from_json(j, child(*origin, k)));
            match origin {
                Origin::Root => get(name).map_or(Field::NoField, Field::Found),
                Origin::Dynamic => Field::Found(get(name).unwrap_or(Value::Nil)),
                Origin::Typed => {
                    if let Some(v) = get(name) {
                        return Field::Found(v);
                    }
                    let stripped = name
                        .strip_prefix("Get")
                        .filter(|r| r.starts_with(|c: char| c.is_uppercase()));
                    let found = field_candidates(name)
                        .iter()
                        .chain(stripped.map(field_candidates).iter().flatten())
                        .find_map(|k| get(k));
                    Field::Found(found.unwrap_or(Value::Zero))
                }
            }
        }
        Value::Map(m, kind) => {
            let got = m.try_borrow().ok().and_then(|m| m.get(name).cloned());
            Field::Found(got.unwrap_or(match kind {
                MapKind::Any => Value::Nil,
                MapKind::Str => Value::str(""),
            }))
        }
        // Proto wrappers and enums are plain JSON scalars: their accessors are identity.
        Value::Str(_) if name == "String" || name == "GetValue" => Field::Found(recv.clone()),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) if name == "GetValue" => {
            Field::Found(recv.clone())
        }
        _ => Field::NoField,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case("APIVersion", "apiVersion")]
    #[case("ProxyMetadata", "proxyMetadata")]
    #[case("HostIPC", "hostIPC")]
    #[case("DNSPolicy", "dnsPolicy")]
    #[case("ID", "id")]
    fn candidates(#[case] go: &str, #[case] json: &str) {
        assert!(field_candidates(go).contains(&json.to_string()), "{go}");
    }

    fn get<'d>(v: &Value<'d>, path: &[&str]) -> Value<'d> {
        path.iter().fold(v.clone(), |acc, f| match field(&acc, f) {
            Field::Found(v) => v,
            Field::NoField => panic!("no field {f}"),
        })
    }

    #[test]
    fn typed_and_dynamic_lookup() {
        let data = json!({
            "TypeMeta": {"apiVersion": "v1"},
            "ProxyConfig": {"tracing": {"tlsSettings": {"caCertificates": "/a/b"}}, "holdApplicationUntilProxyStarts": true},
            "Values": {"global": {"n": 15020}},
        });
        let root = Value::Data(&data, Origin::Root);
        assert_eq!(get(&root, &["TypeMeta", "APIVersion"]).as_str(), Some("v1"));
        let ca = get(
            &root,
            &[
                "ProxyConfig",
                "GetTracing",
                "GetTlsSettings",
                "GetCaCertificates",
            ],
        );
        assert_eq!(ca.as_str(), Some("/a/b"));
        assert!(get(
            &root,
            &["ProxyConfig", "HoldApplicationUntilProxyStarts", "GetValue"]
        )
        .truth());
        assert!(matches!(
            get(&root, &["ProxyConfig", "Missing", "Deeper"]),
            Value::Zero
        ));
        assert!(matches!(get(&root, &["Values", "global", "n"]), Value::Float(f) if f == 15020.0));
        assert!(get(&root, &["Values", "nope", "deeper"]).is_nil());
        assert!(matches!(field(&root, "Nope"), Field::NoField));
    }
}
