//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), compiled once at load.
//!
//! An empty selector matches nothing here: Istio's `neverInjectSelector` and
//! `alwaysInjectSelector` skip empty selectors rather than treating them as "everything".

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid label selector: {0}")]
pub struct SelectorError(String);

impl Selector {
    pub fn from_match_labels(labels: BTreeMap<String, String>) -> Selector {
        Selector {
            requirements: labels
                .into_iter()
                .map(|(k, v)| Requirement::Equals(k, v))
                .collect(),
        }
    }

    pub fn compile(sel: &LabelSelector) -> Result<Selector, SelectorError> {
        let mut requirements: Vec<Requirement> = sel
            .match_labels
            .iter()
            .flatten()
            .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
            .collect();
        for e in sel.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            let r = match e.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    return Err(SelectorError(format!(
                        "{} {} needs at least one value",
                        e.key, e.operator
                    )))
                }
                "In" => Requirement::In(e.key.clone(), values),
                "NotIn" => Requirement::NotIn(e.key.clone(), values),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err(SelectorError(format!(
                        "{} {} takes no values",
                        e.key, e.operator
                    )))
                }
                "Exists" => Requirement::Exists(e.key.clone()),
                "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
                other => return Err(SelectorError(format!("unknown operator {other:?}"))),
            };
            requirements.push(r);
        }
        Ok(Selector { requirements })
    }

    /// True when every requirement holds; an empty selector matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.requirements.is_empty()
            && self.requirements.iter().all(|r| match r {
                Requirement::Equals(k, v) => labels.get(k) == Some(v),
                Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
                Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
                Requirement::Exists(k) => labels.contains_key(k),
                Requirement::DoesNotExist(k) => !labels.contains_key(k),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(json: &str) -> Selector {
        Selector::compile(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[rstest]
    #[case(r#"{"matchLabels":{"a":"1"}}"#, &[("a", "1")], true)]
    #[case(r#"{"matchLabels":{"a":"1"}}"#, &[("a", "2")], false)]
    #[case(r#"{}"#, &[("a", "1")], false)]
    #[case(r#"{"matchExpressions":[{"key":"a","operator":"In","values":["1","2"]}]}"#, &[("a", "2")], true)]
    #[case(r#"{"matchExpressions":[{"key":"a","operator":"NotIn","values":["1"]}]}"#, &[], true)]
    #[case(r#"{"matchExpressions":[{"key":"a","operator":"NotIn","values":["1"]}]}"#, &[("a", "1")], false)]
    #[case(r#"{"matchExpressions":[{"key":"a","operator":"Exists"}]}"#, &[("a", "")], true)]
    #[case(r#"{"matchExpressions":[{"key":"a","operator":"DoesNotExist"}]}"#, &[("a", "")], false)]
    fn matching(#[case] s: &str, #[case] l: &[(&str, &str)], #[case] want: bool) {
        assert_eq!(sel(s).matches(&labels(l)), want);
    }

    #[test]
    fn invalid_operator_is_refused() {
        let s: LabelSelector =
            serde_json::from_str(r#"{"matchExpressions":[{"key":"a","operator":"Near"}]}"#)
                .unwrap();
        assert!(Selector::compile(&s).is_err());
    }
}
