//! Semantic comparison of two injected outputs, with `../shared/istio-compat/compare.py`'s rules
//! (written anew here so the suite needs nothing outside the repository): maps are compared by
//! key (order free; absent differs from null), lists in order and by length, scalars by type and
//! value (`"15001"` is not `15001`, `true` is not `1`), numbers numerically (`1` equals `1.0`).
//! Strings compare exactly, embedded JSON included.

use serde_json::Value;

/// One difference: a JSON-pointer-like path and both sides (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    pub expected: Option<Value>,
    pub got: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "<absent>".to_string(),
            Some(v) => {
                let s = v.to_string();
                if s.chars().count() > 200 {
                    format!("{}…", s.chars().take(200).collect::<String>())
                } else {
                    s
                }
            }
        };
        write!(
            f,
            "{}: expected {} got {}",
            self.path,
            show(&self.expected),
            show(&self.got)
        )
    }
}

fn esc(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn scalar_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        _ => a == b,
    }
}

fn diff(exp: Option<&Value>, got: Option<&Value>, path: &str, out: &mut Vec<Difference>) {
    match (exp, got) {
        (Some(Value::Object(e)), Some(Value::Object(g))) => {
            let mut keys: Vec<&String> = e.keys().chain(g.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                diff(e.get(k), g.get(k), &format!("{path}/{}", esc(k)), out);
            }
        }
        (Some(Value::Array(e)), Some(Value::Array(g))) => {
            for i in 0..e.len().max(g.len()) {
                diff(e.get(i), g.get(i), &format!("{path}/{i}"), out);
            }
        }
        (Some(a), Some(b)) if scalar_equal(a, b) => {}
        (None, None) => {}
        _ => out.push(Difference {
            path: path.to_string(),
            expected: exp.cloned(),
            got: got.cloned(),
        }),
    }
}

/// Every difference between two document lists (paths start `doc[i]`).
pub fn compare_docs(expected: &[Value], got: &[Value]) -> Vec<Difference> {
    let mut out = Vec::new();
    for i in 0..expected.len().max(got.len()) {
        diff(expected.get(i), got.get(i), &format!("doc[{i}]"), &mut out);
    }
    out
}

/// The same for two single values, paths starting at `root`.
pub fn compare_values(root: &str, expected: &Value, got: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff(Some(expected), Some(got), root, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn map_order_is_free_list_order_and_types_are_not() {
        assert!(compare_values(
            "",
            &json!({"a": 1, "b": [1, 2]}),
            &json!({"b": [1, 2], "a": 1.0})
        )
        .is_empty());
        assert_eq!(compare_values("", &json!([1, 2]), &json!([2, 1])).len(), 2);
        assert_eq!(
            compare_values("", &json!({"p": "15001"}), &json!({"p": 15001}))[0].path,
            "/p"
        );
        assert_eq!(
            compare_values("", &json!({"a": null}), &json!({}))[0].got,
            None
        );
        assert_eq!(compare_values("", &json!(true), &json!(1)).len(), 1);
    }
}
