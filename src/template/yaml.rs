//! `toYaml`: a template value printed as `sigs.k8s.io/yaml.Marshal` does, by go-yaml's emitter.

use super::value::{too_deep, Value, MAX_DEPTH};
use crate::go::yaml::{emit, Node};

/// Marshals a value; errors are the JSON encoder's (NaN, too deep).
pub(crate) fn to_yaml(v: &Value<'_>) -> Result<String, String> {
    Ok(emit(&node(v, 0)?))
}

fn node(v: &Value<'_>, depth: usize) -> Result<Node<'static>, String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(match v {
        Value::Nil | Value::Zero => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) => Node::Int(i.to_string()),
        Value::Float(f) => Node::number(*f)?,
        Value::Str(s) => Node::Str(s.to_string().into()),
        _ if v.is_list() => Node::Seq(
            v.list_items()
                .unwrap_or_default()
                .iter()
                .map(|i| node(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        _ => Node::Map(
            v.map_entries()
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| Ok((k.into(), node(&v, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::value::Origin;
    use serde_json::json;

    #[test]
    fn template_values_print_like_json_values() {
        let j = json!({"b": [1, 2.5, "yes"], "a": {"x": null}, "a10": 1, "a9": 2});
        let want = crate::go::yaml::to_string(&j).unwrap();
        assert_eq!(
            to_yaml(&Value::from_json(&j, Origin::Dynamic)).unwrap(),
            want
        );
        assert_eq!(
            want,
            "a:\n  x: null\na9: 2\na10: 1\nb:\n- 1\n- 2.5\n- \"yes\"\n"
        );
    }
}
