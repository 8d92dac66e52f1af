//! `explain`: why each workload of a manifest would (not) get a sidecar from the webhook.
//!
//! Two stages, as in a cluster: the API server's webhook selectors (the chart's entries,
//! `webhook`), then, when an entry calls the injector, the injector's own rules — the very
//! `decision::decide` the webhook runs, whose trace is printed step by step. Namespaces'
//! labels come from `--namespace-labels`, else, in cluster mode, from each workload's
//! namespace as the cluster has it ([`Options::labels_by_namespace`]).

pub mod webhook;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::decision::{self, Facts};
use crate::settings::Snapshot;
use crate::warnings;
use crate::workload::PodView;

type Map = BTreeMap<String, String>;

/// Where the workloads land.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--namespace`: overrides the manifests' own namespace (default `default`).
    pub namespace: Option<String>,
    /// `--namespace-labels`: the namespace's labels (`kubernetes.io/metadata.name` is added).
    pub namespace_labels: Map,
    /// Cluster mode without `--namespace-labels`: each namespace's labels as read from the
    /// cluster; a namespace not in the map gets `namespace_labels` (empty).
    pub labels_by_namespace: Option<BTreeMap<String, Map>>,
    /// The namespace the injector runs in (its entries never match it).
    pub injector_namespace: String,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub rule: &'static str,
    /// `continue`, or the verdict (`inject`/`skip`) of the deciding step.
    pub outcome: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningOut {
    pub code: &'static str,
    pub message: String,
}

/// The explanation for one workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// 1-based position in the stream.
    pub document: usize,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub inject: bool,
    /// The deciding rule: `webhook_selector` when no entry calls the injector, else one of
    /// `decision::METRIC_LABELS`.
    pub rule: &'static str,
    pub webhook: Vec<webhook::EntryResult>,
    /// The injector's trace; empty when the API server never calls it.
    pub injector: Vec<Step>,
    pub warnings: Vec<WarningOut>,
}

/// Explains one pod template of document `document` (1-based).
pub fn explain(snap: &Snapshot, opts: &Options, document: usize, pod: &PodView<'_>) -> Explanation {
    let namespace = landing_namespace(opts, pod);
    let mut ns_labels = opts
        .labels_by_namespace
        .as_ref()
        .and_then(|m| m.get(&namespace))
        .unwrap_or(&opts.namespace_labels)
        .clone();
    ns_labels.insert(webhook::NAMESPACE_NAME_LABEL.into(), namespace.clone());
    let entries = webhook::chart_entries(
        &snap.values.revision,
        snap.rules.namespaces_by_default,
        &opts.injector_namespace,
    );
    let results: Vec<webhook::EntryResult> = entries
        .iter()
        .map(|e| webhook::evaluate(e, &ns_labels, &pod.labels))
        .collect();
    let found = warnings::check(&warnings::Subject {
        labels: Some(&pod.labels),
        annotations: Some(&pod.annotations),
        namespace_labels: Some(&ns_labels),
        namespaces_by_default: snap.rules.namespaces_by_default,
    });
    let mut out = Explanation {
        document,
        kind: pod.kind.clone(),
        name: pod.name.clone(),
        namespace: namespace.clone(),
        inject: false,
        rule: "webhook_selector",
        webhook: results,
        injector: Vec::new(),
        warnings: found
            .into_iter()
            .map(|w| WarningOut {
                code: w.code.as_str(),
                message: w.message,
            })
            .collect(),
    };
    if !out.webhook.iter().any(|r| r.matched) {
        return out;
    }
    // The webhook's own call: namespace rules already applied by the selectors above.
    let facts = Facts {
        namespace: &namespace,
        labels: Some(&pod.labels),
        annotations: Some(&pod.annotations),
        host_network: pod.host_network,
        namespace_labels: None,
        revision: &snap.values.revision,
    };
    let d = decision::decide(&snap.rules, &facts);
    let last = d.reasons.len().saturating_sub(1);
    out.injector = d
        .reasons
        .iter()
        .enumerate()
        .map(|(i, r)| Step {
            rule: r.rule(),
            outcome: match (i == last, d.inject) {
                (false, _) => "continue",
                (true, true) => "inject",
                (true, false) => "skip",
            },
            detail: r.to_string(),
        })
        .collect();
    out.inject = d.inject;
    out.rule = d.metric_label();
    out
}

/// The namespace a workload lands in: `--namespace`, else its own, else `default`.
fn landing_namespace(opts: &Options, pod: &PodView<'_>) -> String {
    opts.namespace
        .clone()
        .or_else(|| Some(pod.namespace.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

/// The namespaces the workloads of a YAML stream land in (what cluster mode reads).
pub fn namespaces(
    opts: &Options,
    text: &str,
) -> Result<std::collections::BTreeSet<String>, crate::yaml::YamlError> {
    let mut out = std::collections::BTreeSet::new();
    for doc in crate::yaml::read_documents(text)? {
        let Some(value) = doc.value else { continue };
        for pod in crate::workload::pod_views(&value) {
            out.insert(landing_namespace(opts, &pod));
        }
    }
    Ok(out)
}

/// The human-readable form.
pub fn to_text(all: &[Explanation]) -> String {
    let mut s = String::new();
    for e in all {
        let verdict = if e.inject { "inject" } else { "skip" };
        let _ = writeln!(
            s,
            "{} {}/{} (document {}): {verdict} (rule: {})",
            e.kind, e.namespace, e.name, e.document, e.rule
        );
        let _ = writeln!(s, "  webhook entries (API server):");
        for r in &e.webhook {
            match &r.failed {
                None => {
                    let _ = writeln!(s, "    + {}: match", r.entry);
                }
                Some(why) => {
                    let _ = writeln!(s, "    - {}: no match: {why}", r.entry);
                }
            }
        }
        if e.injector.is_empty() {
            let _ = writeln!(
                s,
                "  injector: not called (no webhook entry selects the pod)"
            );
        } else {
            let _ = writeln!(s, "  injector:");
            for (i, step) in e.injector.iter().enumerate() {
                let mark = match step.outcome {
                    "continue" => String::new(),
                    v => format!(" => {v}"),
                };
                let _ = writeln!(s, "    {}. {}: {}{mark}", i + 1, step.rule, step.detail);
            }
        }
        if !e.warnings.is_empty() {
            let _ = writeln!(s, "  warnings:");
            for w in &e.warnings {
                let _ = writeln!(s, "    {} {}", w.code, w.message);
            }
        }
    }
    s
}

/// Explains every pod template of a YAML stream, in order.
pub fn explain_stream(
    snap: &Snapshot,
    opts: &Options,
    text: &str,
) -> Result<Vec<Explanation>, crate::yaml::YamlError> {
    let mut out = Vec::new();
    for (index, doc) in crate::yaml::read_documents(text)?.into_iter().enumerate() {
        let Some(value) = doc.value else { continue };
        for pod in crate::workload::pod_views(&value) {
            out.push(explain(snap, opts, index + 1, &pod));
        }
    }
    Ok(out)
}

/// The JSON form: an array, one object per workload, pretty-printed with a final newline.
pub fn to_json(all: &[Explanation]) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(all)?;
    s.push('\n');
    Ok(s)
}

/// `--namespace-labels`: `k=v,k2=v2` → a label map; an empty string is no labels.
pub fn parse_labels(s: &str) -> Result<Map, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!("{p:?} is not key=value")),
        })
        .collect()
}
