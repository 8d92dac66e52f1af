//! The MutatingWebhookConfiguration's entries as the chart renders them
//! (`charts/sidecar-injector/templates/mutatingwebhook.yaml`), evaluated as the API server
//! evaluates `namespaceSelector` and `objectSelector`: every requirement must hold, and a
//! namespace always carries `kubernetes.io/metadata.name`. A test compares these entries with
//! the rendered `deploy/sidecar-injector.yaml`, so they cannot drift from the chart.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::annotations::{NAMESPACE_INJECTION_LABEL, REV_LABEL, SIDECAR_INJECT_LABEL};

type Map = BTreeMap<String, String>;

pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// Namespaces the chart's `auto.` entry (injection by default) leaves out.
const AUTO_EXCLUDED: [&str; 4] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

impl Requirement {
    fn new(key: &str, op: Op, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_string(),
            op,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn holds(&self, labels: &Map) -> bool {
        let v = labels.get(&self.key);
        match self.op {
            Op::In => v.is_some_and(|v| self.values.contains(v)),
            Op::NotIn => v.is_none_or(|v| !self.values.contains(v)),
            Op::Exists => v.is_some(),
            Op::DoesNotExist => v.is_none(),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::In => "In",
            Op::NotIn => "NotIn",
            Op::Exists => "Exists",
            Op::DoesNotExist => "DoesNotExist",
        };
        write!(f, "{} {op}", self.key)?;
        if !self.values.is_empty() {
            write!(f, " [{}]", self.values.join(","))?;
        }
        Ok(())
    }
}

/// One webhook entry: its name and its two selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub namespace: Vec<Requirement>,
    pub object: Vec<Requirement>,
}

/// How one entry judged the pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryResult {
    pub entry: String,
    pub matched: bool,
    /// The first requirement that failed, with the label it saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// The chart's entries for a revision (`""` is the default revision), the injector's own
/// namespace and `sidecarInjectorWebhook.enableNamespacesByDefault`.
pub fn chart_entries(revision: &str, by_default: bool, injector_namespace: &str) -> Vec<Entry> {
    use Op::*;
    let rev = if revision.is_empty() {
        "default"
    } else {
        revision
    };
    let not_opted_out = Requirement::new(SIDECAR_INJECT_LABEL, NotIn, &["false"]);
    let no_injection = Requirement::new(NAMESPACE_INJECTION_LABEL, DoesNotExist, &[]);
    let no_rev = Requirement::new(REV_LABEL, DoesNotExist, &[]);
    let our_rev = Requirement::new(REV_LABEL, In, &[rev]);
    let mut entries = vec![
        (
            "rev.namespace.",
            vec![our_rev.clone(), no_injection.clone()],
            vec![not_opted_out.clone()],
        ),
        (
            "rev.object.",
            vec![no_rev.clone(), no_injection.clone()],
            vec![not_opted_out.clone(), our_rev],
        ),
    ];
    if revision.is_empty() {
        entries.push((
            "namespace.",
            vec![Requirement::new(
                NAMESPACE_INJECTION_LABEL,
                In,
                &["enabled"],
            )],
            vec![not_opted_out],
        ));
        entries.push((
            "object.",
            vec![no_injection.clone(), no_rev.clone()],
            vec![
                Requirement::new(SIDECAR_INJECT_LABEL, In, &["true"]),
                no_rev.clone(),
            ],
        ));
        if by_default {
            entries.push((
                "auto.",
                vec![
                    no_injection,
                    no_rev.clone(),
                    Requirement::new(NAMESPACE_NAME_LABEL, NotIn, &AUTO_EXCLUDED),
                ],
                vec![
                    Requirement::new(SIDECAR_INJECT_LABEL, DoesNotExist, &[]),
                    no_rev,
                ],
            ));
        }
    }
    let own = Requirement::new(NAMESPACE_NAME_LABEL, NotIn, &[injector_namespace]);
    entries
        .into_iter()
        .map(|(prefix, mut namespace, object)| {
            namespace.push(own.clone());
            Entry {
                name: format!("{prefix}sidecar-injector.istio.io"),
                namespace,
                object,
            }
        })
        .collect()
}

/// Evaluates one entry; `namespace` must already carry `kubernetes.io/metadata.name`.
pub fn evaluate(entry: &Entry, namespace: &Map, pod: &Map) -> EntryResult {
    let failed = [
        ("namespace", &entry.namespace, namespace),
        ("pod", &entry.object, pod),
    ]
    .into_iter()
    .find_map(|(side, reqs, labels)| {
        reqs.iter().find(|r| !r.holds(labels)).map(|r| {
            let seen = match labels.get(&r.key) {
                Some(v) => format!("label is {:?}", crate::text::elide(v)),
                None => "label absent".to_string(),
            };
            format!("{side} {r}: {seen}")
        })
    });
    EntryResult {
        entry: entry.name.clone(),
        matched: failed.is_none(),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;

    /// The entries in the committed, chart-rendered manifest (default values).
    fn rendered() -> Vec<Entry> {
        let text = include_str!("../../deploy/sidecar-injector.yaml");
        let docs = crate::yaml::read_documents(text).unwrap();
        let config = docs
            .into_iter()
            .filter_map(|d| d.value)
            .find(|v| {
                v.get("kind").and_then(|k| k.as_str()) == Some("MutatingWebhookConfiguration")
            })
            .unwrap();
        let config: MutatingWebhookConfiguration = serde_json::from_value(config).unwrap();
        let reqs = |s: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>| {
            s.and_then(|s| s.match_expressions)
                .unwrap_or_default()
                .into_iter()
                .map(|e| Requirement {
                    key: e.key,
                    op: match e.operator.as_str() {
                        "In" => Op::In,
                        "NotIn" => Op::NotIn,
                        "Exists" => Op::Exists,
                        _ => Op::DoesNotExist,
                    },
                    values: e.values.unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        };
        config
            .webhooks
            .unwrap()
            .into_iter()
            .map(|w| Entry {
                name: w.name,
                namespace: reqs(w.namespace_selector),
                object: reqs(w.object_selector),
            })
            .collect()
    }

    #[test]
    fn entries_are_the_charts() {
        assert_eq!(chart_entries("", false, "istio-system"), rendered());
    }

    fn map(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_enabled_namespace_is_matched_by_the_namespace_entry_only() {
        let ns = map(&[
            (NAMESPACE_INJECTION_LABEL, "enabled"),
            (NAMESPACE_NAME_LABEL, "shop"),
        ]);
        let results: Vec<EntryResult> = chart_entries("", false, "istio-system")
            .iter()
            .map(|e| evaluate(e, &ns, &Map::new()))
            .collect();
        let matched: Vec<&str> = results
            .iter()
            .filter(|r| r.matched)
            .map(|r| r.entry.as_str())
            .collect();
        assert_eq!(matched, ["namespace.sidecar-injector.istio.io"]);
        assert_eq!(
            results[0].failed.as_deref(),
            Some("namespace istio.io/rev In [default]: label absent")
        );
    }
}
