//! Inject or skip, and why: a pure function of the pod's metadata, the settings and (in the
//! webhook, when namespaces are watched) the namespace's labels.
//!
//! The order is Istio's `injectRequired`: host networking, system namespaces, the pod's
//! `sidecar.istio.io/inject` label (over the annotation), `neverInjectSelector` (over
//! `alwaysInjectSelector`), then the policy. Namespace rules come before the pod's own say,
//! because in Istio the MutatingWebhookConfiguration's selectors already filtered on them:
//! a pod in an `istio-injection=disabled` namespace never reaches the injector at all.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::Pod;

use crate::annotations::{
    NAMESPACE_INJECTION_LABEL, REV_LABEL, SIDECAR_INJECT, SIDECAR_INJECT_LABEL,
};
use crate::settings::rules::{Policy, Rules};
use crate::settings::Snapshot;

/// Namespaces Istio never injects into (`IgnoredNamespaces`).
pub const IGNORED_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

type Map = BTreeMap<String, String>;

/// What we know about the pod and where it lands.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub namespace: &'a str,
    pub labels: Option<&'a Map>,
    pub annotations: Option<&'a Map>,
    pub host_network: bool,
    /// The namespace's labels when the server watches namespaces; `None` trusts the
    /// webhook configuration's namespaceSelector.
    pub namespace_labels: Option<&'a Map>,
    /// The revision this injector serves (`""` is the default revision).
    pub revision: &'a str,
}

/// One step of the trace. The variants named `No…`/`Not…` were consulted and let the
/// decision go on; the last reason in a trace is the one that decided. Owned strings only
/// where a value from the pod is shown, so a trace costs one small allocation per review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `hostNetwork` is unset or false.
    NoHostNetwork,
    /// The namespace is not one of `IGNORED_NAMESPACES`.
    NotSystemNamespace,
    /// Neither the label nor the annotation `sidecar.istio.io/inject` has a value.
    PodSilent,
    /// None of the (this many) `neverInjectSelector` entries matches.
    NoNeverSelector(usize),
    /// None of the (this many) `alwaysInjectSelector` entries matches.
    NoAlwaysSelector(usize),
    /// The pod carries the very `sidecar.istio.io/status` this injection would write.
    AlreadyInjected,
    HostNetwork,
    SystemNamespace(String),
    NamespaceDisabled,
    NamespaceOtherRevision {
        namespace_rev: String,
    },
    NamespaceNotLabelled,
    NamespaceEnabled,
    NamespaceRevision(String),
    NamespacesByDefault,
    PodSays {
        source: &'static str,
        value: bool,
    },
    PodValueInvalid {
        source: &'static str,
        value: String,
    },
    NeverSelector(usize),
    AlwaysSelector(usize),
    Policy(Policy),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoHostNetwork => write!(f, "pod does not use hostNetwork"),
            Reason::NotSystemNamespace => write!(f, "namespace is not a system namespace"),
            Reason::PodSilent => {
                write!(f, "pod sets no {SIDECAR_INJECT_LABEL} label or annotation")
            }
            Reason::NoNeverSelector(n) => write!(f, "no neverInjectSelector matches ({n} set)"),
            Reason::NoAlwaysSelector(n) => write!(f, "no alwaysInjectSelector matches ({n} set)"),
            Reason::AlreadyInjected => write!(f, "pod is already injected with these settings"),
            Reason::HostNetwork => write!(f, "pod uses hostNetwork"),
            Reason::SystemNamespace(ns) => write!(f, "namespace {ns} is a system namespace"),
            Reason::NamespaceDisabled => write!(f, "namespace label {NAMESPACE_INJECTION_LABEL}=disabled"),
            Reason::NamespaceOtherRevision { namespace_rev } => {
                write!(f, "namespace selects revision {namespace_rev:?}, not this injector's")
            }
            Reason::NamespaceNotLabelled => write!(
                f,
                "namespace has no {NAMESPACE_INJECTION_LABEL} or {REV_LABEL} label and the pod does not opt in"
            ),
            Reason::NamespaceEnabled => write!(f, "namespace label {NAMESPACE_INJECTION_LABEL}=enabled"),
            Reason::NamespaceRevision(r) => write!(f, "namespace label {REV_LABEL}={r}"),
            Reason::NamespacesByDefault => write!(f, "namespaces are injected by default"),
            Reason::PodSays { source, value } => write!(f, "pod {source} {SIDECAR_INJECT_LABEL}={value}"),
            Reason::PodValueInvalid { source, value } => write!(
                f,
                "pod {source} {SIDECAR_INJECT_LABEL}={value:?} is not true or false; using the policy"
            ),
            Reason::NeverSelector(i) => write!(f, "pod labels match neverInjectSelector[{i}]"),
            Reason::AlwaysSelector(i) => write!(f, "pod labels match alwaysInjectSelector[{i}]"),
            Reason::Policy(Policy::Enabled) => write!(f, "injection policy is enabled"),
            Reason::Policy(Policy::Disabled) => write!(f, "injection policy is disabled"),
            Reason::Policy(Policy::Invalid) => {
                write!(f, "injection policy is invalid (not enabled/disabled)")
            }
        }
    }
}

/// Every value `Decision::metric_label` can return.
pub const METRIC_LABELS: [&str; 11] = [
    "already_injected",
    "host_network",
    "system_namespace",
    "namespace_disabled",
    "revision_mismatch",
    "namespace_not_enabled",
    "pod_opt_out",
    "never_inject_selector",
    "always_inject_selector",
    "policy",
    "other",
];

impl Reason {
    /// The rule this step belongs to, for traces (`explain`): a fixed snake_case name.
    pub fn rule(&self) -> &'static str {
        match self {
            Reason::AlreadyInjected => "already_injected",
            Reason::NoHostNetwork | Reason::HostNetwork => "host_network",
            Reason::NotSystemNamespace | Reason::SystemNamespace(_) => "system_namespace",
            Reason::NamespaceDisabled
            | Reason::NamespaceNotLabelled
            | Reason::NamespaceEnabled
            | Reason::NamespacesByDefault => "namespace_selector",
            Reason::NamespaceOtherRevision { .. } | Reason::NamespaceRevision(_) => "revision",
            Reason::PodSays {
                source: "label", ..
            }
            | Reason::PodValueInvalid {
                source: "label", ..
            } => "pod_label",
            Reason::PodSilent | Reason::PodSays { .. } | Reason::PodValueInvalid { .. } => {
                "pod_annotation"
            }
            Reason::NoNeverSelector(_) | Reason::NeverSelector(_) => "never_inject_selector",
            Reason::NoAlwaysSelector(_) | Reason::AlwaysSelector(_) => "always_inject_selector",
            Reason::Policy(_) => "policy",
        }
    }
}

/// The trace on one line, `; `-separated (for logs: formatted only when a log line is kept).
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reasons.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// The verdict and the reasons that led to it, in the order they were considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub inject: bool,
    pub reasons: Vec<Reason>,
}

impl Decision {
    fn done(inject: bool, reasons: Vec<Reason>) -> Decision {
        Decision { inject, reasons }
    }

    /// The deciding reason (the last one considered).
    pub fn main_reason(&self) -> Option<&Reason> {
        self.reasons.last()
    }

    /// The deciding rule as the `reason` label of the skip metric: always one of
    /// `METRIC_LABELS`, whatever the pod says, so the metric's cardinality stays fixed.
    pub fn metric_label(&self) -> &'static str {
        match self.main_reason() {
            Some(Reason::AlreadyInjected) => "already_injected",
            Some(Reason::HostNetwork) => "host_network",
            Some(Reason::SystemNamespace(_)) => "system_namespace",
            Some(Reason::NamespaceDisabled) => "namespace_disabled",
            Some(Reason::NamespaceOtherRevision { .. }) => "revision_mismatch",
            Some(Reason::NamespaceNotLabelled) => "namespace_not_enabled",
            Some(Reason::PodSays { .. }) => "pod_opt_out",
            Some(Reason::NeverSelector(_)) => "never_inject_selector",
            Some(Reason::AlwaysSelector(_)) => "always_inject_selector",
            Some(Reason::Policy(_)) => "policy",
            _ => "other",
        }
    }
}

/// Who asks for a decision, which picks the rules.
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    /// The webhook: the values' policy and selectors. `namespace_labels` when namespaces are
    /// watched (`--kube=on`); `None` trusts the webhook configuration's selectors.
    Webhook { namespace_labels: Option<&'a Map> },
    /// `kube-inject`, with istioctl's rules (see [`Rules::kube_inject`]). `namespace` is where
    /// the workload lands: a pod template usually names none, its workload does.
    KubeInject { namespace: &'a str },
}

/// The one entry point for a pod, used by the webhook and `kube-inject` alike: the facts come
/// from the pod, the rules from the asker. The webhook's pod carries its namespace (the
/// request's when it had none).
pub fn decide_pod(snap: &Snapshot, pod: &Pod, asker: Asker<'_>) -> Decision {
    let meta = &pod.metadata;
    let kube_inject_rules;
    let (rules, namespace, namespace_labels) = match asker {
        Asker::Webhook { namespace_labels } => (
            &snap.rules,
            meta.namespace.as_deref().unwrap_or(""),
            namespace_labels,
        ),
        Asker::KubeInject { namespace } => {
            kube_inject_rules = Rules::kube_inject();
            (&kube_inject_rules, namespace, None)
        }
    };
    let facts = Facts {
        namespace,
        labels: meta.labels.as_ref(),
        annotations: meta.annotations.as_ref(),
        host_network: pod
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false),
        namespace_labels,
        // Only read with namespace labels, which kube-inject never has.
        revision: &snap.values.revision,
    };
    decide(rules, &facts)
}

/// Decides whether to inject, from facts already gathered (`explain` has no typed Pod).
pub fn decide(rules: &Rules, facts: &Facts<'_>) -> Decision {
    // Seven steps on the longest path: one allocation, no growth.
    let mut reasons = Vec::with_capacity(7);
    if facts.host_network {
        reasons.push(Reason::HostNetwork);
        return Decision::done(false, reasons);
    }
    reasons.push(Reason::NoHostNetwork);
    if IGNORED_NAMESPACES.contains(&facts.namespace) {
        reasons.push(Reason::SystemNamespace(facts.namespace.into()));
        return Decision::done(false, reasons);
    }
    reasons.push(Reason::NotSystemNamespace);
    let pod_label = facts.labels.and_then(|l| l.get(SIDECAR_INJECT_LABEL));
    if let Some(ns_labels) = facts.namespace_labels {
        match namespace_rule(rules, facts, ns_labels, pod_label.map(String::as_str)) {
            Ok(reason) => reasons.push(reason),
            Err(reason) => {
                reasons.push(reason);
                return Decision::done(false, reasons);
            }
        }
    }
    // The label is the newer API: when both are present it wins.
    let (source, selector) = match (
        pod_label,
        facts.annotations.and_then(|a| a.get(SIDECAR_INJECT)),
    ) {
        (Some(l), _) => ("label", l.as_str()),
        (None, Some(a)) => ("annotation", a.as_str()),
        (None, None) => ("annotation", ""),
    };
    match selector {
        "true" | "false" => {
            let value = selector == "true";
            reasons.push(Reason::PodSays { source, value });
            return Decision::done(rules.policy != Policy::Invalid && value, reasons);
        }
        "" => reasons.push(Reason::PodSilent),
        other => reasons.push(Reason::PodValueInvalid {
            source,
            value: crate::text::elide(other).into_owned(),
        }),
    }
    let empty = Map::new();
    let labels = facts.labels.unwrap_or(&empty);
    if let Some(i) = rules.never.iter().position(|s| s.matches(labels)) {
        reasons.push(Reason::NeverSelector(i));
        return Decision::done(false, reasons);
    }
    reasons.push(Reason::NoNeverSelector(rules.never.len()));
    if let Some(i) = rules.always.iter().position(|s| s.matches(labels)) {
        reasons.push(Reason::AlwaysSelector(i));
        return Decision::done(rules.policy != Policy::Invalid, reasons);
    }
    reasons.push(Reason::NoAlwaysSelector(rules.always.len()));
    reasons.push(Reason::Policy(rules.policy));
    Decision::done(rules.policy == Policy::Enabled, reasons)
}

/// Istio's webhook configuration, applied by the server itself: `Err` is a refusal.
fn namespace_rule(
    rules: &Rules,
    facts: &Facts<'_>,
    ns: &Map,
    pod_label: Option<&str>,
) -> Result<Reason, Reason> {
    let pod_rev = facts.labels.and_then(|l| l.get(REV_LABEL));
    match ns.get(NAMESPACE_INJECTION_LABEL).map(String::as_str) {
        Some("enabled") if facts.revision.is_empty() || facts.revision == "default" => {
            return Ok(Reason::NamespaceEnabled)
        }
        Some("enabled") => {
            return Err(Reason::NamespaceOtherRevision {
                namespace_rev: "default".into(),
            })
        }
        Some(_) => return Err(Reason::NamespaceDisabled),
        None => {}
    }
    if let Some(rev) = ns.get(REV_LABEL) {
        return if revision_matches(rev, facts.revision) {
            Ok(Reason::NamespaceRevision(rev.clone()))
        } else {
            Err(Reason::NamespaceOtherRevision {
                namespace_rev: rev.clone(),
            })
        };
    }
    // An unlabelled namespace: the pod opts in by label, or by a revision label naming us.
    if let Some(rev) = pod_rev {
        return if revision_matches(rev, facts.revision) {
            Ok(Reason::NamespaceRevision(rev.clone()))
        } else {
            Err(Reason::NamespaceOtherRevision {
                namespace_rev: rev.clone(),
            })
        };
    }
    if pod_label == Some("true") {
        return Ok(Reason::PodSays {
            source: "label",
            value: true,
        });
    }
    if rules.namespaces_by_default {
        return Ok(Reason::NamespacesByDefault);
    }
    Err(Reason::NamespaceNotLabelled)
}

fn revision_matches(label: &str, served: &str) -> bool {
    let served = if served.is_empty() { "default" } else { served };
    label == served
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::Selector;
    use rstest::rstest;

    fn map(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn rules(policy: Policy) -> Rules {
        Rules {
            policy,
            never: vec![Selector::from_match_labels(map(&[("never", "yes")]))],
            always: vec![Selector::from_match_labels(map(&[("always", "yes")]))],
            namespaces_by_default: false,
        }
    }

    #[rstest]
    // label, annotation, other labels, policy → inject
    #[case(None, None, &[], Policy::Enabled, true)]
    #[case(None, None, &[], Policy::Disabled, false)]
    #[case(None, None, &[], Policy::Invalid, false)]
    #[case(Some("false"), None, &[], Policy::Enabled, false)]
    #[case(Some("true"), None, &[], Policy::Disabled, true)]
    #[case(None, Some("false"), &[], Policy::Enabled, false)]
    #[case(None, Some("true"), &[], Policy::Disabled, true)]
    #[case(Some("true"), Some("false"), &[], Policy::Disabled, true)] // label wins
    #[case(Some("false"), Some("true"), &[], Policy::Enabled, false)] // label wins
    #[case(Some("yes"), None, &[], Policy::Enabled, true)] // invalid → policy
    #[case(None, None, &[("never", "yes")], Policy::Enabled, false)]
    #[case(None, None, &[("always", "yes")], Policy::Disabled, true)]
    #[case(None, None, &[("never", "yes"), ("always", "yes")], Policy::Disabled, false)] // never wins
    #[case(Some("true"), None, &[("never", "yes")], Policy::Enabled, true)] // pod's say beats selectors
    #[case(None, Some("false"), &[("always", "yes")], Policy::Enabled, false)]
    #[case(Some("true"), None, &[], Policy::Invalid, false)]
    fn precedence(
        #[case] label: Option<&str>,
        #[case] annotation: Option<&str>,
        #[case] other: &[(&str, &str)],
        #[case] policy: Policy,
        #[case] want: bool,
    ) {
        let mut labels = map(other);
        if let Some(l) = label {
            labels.insert(SIDECAR_INJECT_LABEL.into(), l.into());
        }
        let annotations = annotation.map(|a| map(&[(SIDECAR_INJECT_LABEL, a)]));
        let facts = Facts {
            namespace: "shop",
            labels: Some(&labels),
            annotations: annotations.as_ref(),
            host_network: false,
            namespace_labels: None,
            revision: "",
        };
        let d = decide(&rules(policy), &facts);
        assert_eq!(d.inject, want, "{:?}", d.reasons);
        assert!(!d.reasons.is_empty());
    }

    #[rstest]
    #[case("kube-system")]
    #[case("kube-public")]
    fn system_namespaces_never(#[case] ns: &str) {
        let labels = map(&[(SIDECAR_INJECT_LABEL, "true")]);
        let facts = Facts {
            namespace: ns,
            labels: Some(&labels),
            annotations: None,
            host_network: false,
            namespace_labels: None,
            revision: "",
        };
        let d = decide(&rules(Policy::Enabled), &facts);
        assert!(!d.inject);
        assert_eq!(
            d.reasons,
            vec![Reason::NoHostNetwork, Reason::SystemNamespace(ns.into())]
        );
        assert_eq!(d.metric_label(), "system_namespace");
    }

    #[test]
    fn host_network_first() {
        let labels = map(&[(SIDECAR_INJECT_LABEL, "true")]);
        let facts = Facts {
            namespace: "shop",
            labels: Some(&labels),
            annotations: None,
            host_network: true,
            namespace_labels: None,
            revision: "",
        };
        assert_eq!(
            decide(&rules(Policy::Enabled), &facts).reasons,
            vec![Reason::HostNetwork]
        );
    }

    #[test]
    fn the_trace_lists_every_rule_consulted_in_order() {
        let labels = map(&[("app", "web")]);
        let facts = Facts {
            namespace: "shop",
            labels: Some(&labels),
            annotations: None,
            host_network: false,
            namespace_labels: None,
            revision: "",
        };
        let d = decide(&rules(Policy::Enabled), &facts);
        assert_eq!(
            d.reasons,
            vec![
                Reason::NoHostNetwork,
                Reason::NotSystemNamespace,
                Reason::PodSilent,
                Reason::NoNeverSelector(1),
                Reason::NoAlwaysSelector(1),
                Reason::Policy(Policy::Enabled),
            ]
        );
        assert!(d.inject);
        assert_eq!(d.metric_label(), "policy");
        assert_eq!(d.reasons[2].rule(), "pod_annotation");
    }

    #[rstest]
    #[case(&[(SIDECAR_INJECT_LABEL, "false")], "pod_opt_out")]
    #[case(&[("never", "yes")], "never_inject_selector")]
    fn metric_labels_name_the_deciding_rule(#[case] pod: &[(&str, &str)], #[case] want: &str) {
        let labels = map(pod);
        let facts = Facts {
            namespace: "shop",
            labels: Some(&labels),
            annotations: None,
            host_network: false,
            namespace_labels: None,
            revision: "",
        };
        let label = decide(&rules(Policy::Enabled), &facts).metric_label();
        assert_eq!(label, want);
        assert!(METRIC_LABELS.contains(&label));
    }

    #[rstest]
    // namespace labels, pod labels, served revision → inject
    #[case(&[("istio-injection", "enabled")], &[], "", true)]
    #[case(&[("istio-injection", "enabled")], &[(SIDECAR_INJECT_LABEL, "false")], "", false)]
    #[case(&[("istio-injection", "disabled")], &[(SIDECAR_INJECT_LABEL, "true")], "", false)]
    #[case(&[("istio-injection", "enabled")], &[], "canary", false)]
    #[case(&[("istio.io/rev", "canary")], &[], "canary", true)]
    #[case(&[("istio.io/rev", "canary")], &[], "", false)]
    #[case(&[("istio.io/rev", "default")], &[], "", true)]
    #[case(&[], &[], "", false)]
    #[case(&[], &[(SIDECAR_INJECT_LABEL, "true")], "", true)]
    #[case(&[], &[("istio.io/rev", "canary")], "canary", true)]
    #[case(&[], &[("istio.io/rev", "stable")], "canary", false)]
    fn namespace_rules(
        #[case] ns: &[(&str, &str)],
        #[case] pod: &[(&str, &str)],
        #[case] rev: &str,
        #[case] want: bool,
    ) {
        let ns = map(ns);
        let labels = map(pod);
        let facts = Facts {
            namespace: "shop",
            labels: Some(&labels),
            annotations: None,
            host_network: false,
            namespace_labels: Some(&ns),
            revision: rev,
        };
        let d = decide(&rules(Policy::Enabled), &facts);
        assert_eq!(d.inject, want, "{:?}", d.reasons);
    }
}
