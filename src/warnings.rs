//! Advice about a pod's Istio labels and annotations: the webhook returns it as admission
//! warnings (`AdmissionResponse.warnings`, which `kubectl apply` prints), `kube-inject` prints
//! it on stderr, `explain` lists it.
//!
//! Design: warnings are computed beside the decision, from the same metadata, and never fed
//! back into it: a warning never changes whether or how a pod is injected. Every warning has a
//! stable code (`SI001`…, documented in the README); names are checked only against
//! `annotations` (the one table of names), typos get `text::did_you_mean`. The API server
//! limits a warning to 256 characters and the count is kept small (`for_response`).

use std::collections::BTreeMap;
use std::fmt;

use crate::annotations::{self as a, AnnotationSpec, Kind, Stability};
use crate::annotations::{NAMESPACE_INJECTION_LABEL, REV_LABEL, SIDECAR_INJECT_LABEL};

type Map = BTreeMap<String, String>;

/// Kubernetes truncates longer warnings; we cut them ourselves, on a character boundary.
pub const MAX_WARNING_LEN: usize = 256;
/// At most this many warnings per response, then one "and N more".
pub const MAX_WARNINGS: usize = 10;

/// The stable codes. Never renumber: users filter on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// An unknown key under an Istio prefix (a typo, or a label that should be an annotation).
    Si001,
    /// `sidecar.istio.io/inject` with a value other than `true`/`false`.
    Si002,
    /// A deprecated annotation (`sidecar.istio.io/inject` as an annotation, and others).
    Si003,
    /// Opt-in by annotation where only the label can reach the webhook.
    Si004,
    /// An Alpha annotation.
    Si005,
    /// A setting that has no effect with the pod's other settings.
    Si006,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Si001 => "SI001",
            Code::Si002 => "SI002",
            Code::Si003 => "SI003",
            Code::Si004 => "SI004",
            Code::Si005 => "SI005",
            Code::Si006 => "SI006",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: Code,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.as_str(), self.message)
    }
}

/// What the checks look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub labels: Option<&'a Map>,
    pub annotations: Option<&'a Map>,
    /// The namespace's labels when known (explain, or the server with namespaces watched);
    /// `None` skips the checks that need them.
    pub namespace_labels: Option<&'a Map>,
    /// `sidecarInjectorWebhook.enableNamespacesByDefault`: unlabelled namespaces are injected.
    pub namespaces_by_default: bool,
}

/// Every warning for the pod, in a stable order (labels, then annotations, by name).
pub fn check(s: &Subject<'_>) -> Vec<Warning> {
    let mut out = Vec::new();
    let empty = Map::new();
    let labels = s.labels.unwrap_or(&empty);
    let annotations = s.annotations.unwrap_or(&empty);
    for key in labels.keys().filter(|k| istio_key(k)) {
        if a::lookup_kind(Kind::Label, key).is_none() {
            out.push(unknown(key, Kind::Label));
        }
    }
    for key in annotations.keys().filter(|k| istio_key(k)) {
        match known_annotation(key) {
            None => out.push(unknown(key, Kind::Annotation)),
            Some(spec) => annotation_status(spec, &mut out),
        }
    }
    inject_values(labels, annotations, &mut out);
    if let Some(ns) = s.namespace_labels {
        invisible_opt_in(labels, annotations, ns, s.namespaces_by_default, &mut out);
    }
    no_effect(annotations, &mut out);
    out
}

/// The warnings as the API server takes them: each cut to `MAX_WARNING_LEN`, at most
/// `MAX_WARNINGS` and a last line counting the rest.
pub fn for_response(warnings: &[Warning]) -> Vec<String> {
    let mut out: Vec<String> = warnings
        .iter()
        .take(MAX_WARNINGS)
        .map(|w| cut(&w.to_string()))
        .collect();
    if warnings.len() > MAX_WARNINGS {
        out.push(format!(
            "and {} more sidecar-injector warnings",
            warnings.len() - MAX_WARNINGS
        ));
    }
    out
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_WARNING_LEN {
        return s.to_string();
    }
    let mut end = MAX_WARNING_LEN - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or_default())
}

/// Whether `check` looks at this label or annotation at all (callers may drop the others).
pub fn relevant(key: &str) -> bool {
    istio_key(key) || key == REV_LABEL
}

fn istio_key(key: &str) -> bool {
    a::ISTIO_PREFIXES.iter().any(|p| key.starts_with(p))
}

fn known_annotation(key: &str) -> Option<&'static AnnotationSpec> {
    a::lookup_kind(Kind::Annotation, key)
        .or_else(|| a::READ_ELSEWHERE.iter().find(|s| s.name == key))
}

fn all_names(kind: Kind) -> impl Iterator<Item = &'static str> {
    let elsewhere = a::READ_ELSEWHERE
        .iter()
        .filter(move |_| kind == Kind::Annotation);
    a::ANNOTATIONS
        .iter()
        .filter(move |s| s.kind == kind)
        .chain(elsewhere)
        .map(|s| s.name)
        .filter(|n| istio_key(n))
}

/// The known name `key` probably meant. Names are compared after their prefix (the shared
/// `sidecar.istio.io/` would make any two names look close); the same name under another
/// Istio prefix counts too (`sidecar.istio.io/excludeOutboundPorts`).
fn suggest(key: &str, kind: Kind) -> Option<&'static str> {
    let tail = |n: &'static str| n.rsplit_once('/').map_or(n, |(_, t)| t);
    let own = key.rsplit_once('/').map_or(key, |(_, t)| t);
    if let Some(same) = all_names(kind).find(|n| tail(n) == own) {
        return Some(same);
    }
    let hint = crate::text::did_you_mean(own, all_names(kind).map(tail))?;
    all_names(kind).find(|n| tail(n) == hint)
}

/// SI001.
fn unknown(key: &str, kind: Kind) -> Warning {
    let shown = crate::text::elide(key);
    let message = match kind {
        Kind::Label if known_annotation(key).is_some() => {
            format!("label {shown} is an annotation: Istio ignores it as a label")
        }
        Kind::Label => match suggest(key, Kind::Label) {
            Some(m) => format!("unknown Istio label {shown}: did you mean {m}?"),
            None => format!("unknown Istio label {shown}: Istio ignores it"),
        },
        Kind::Annotation => match suggest(key, Kind::Annotation) {
            Some(m) => format!("unknown Istio annotation {shown}: did you mean {m}?"),
            None => format!("unknown Istio annotation {shown}: Istio ignores it"),
        },
    };
    Warning {
        code: Code::Si001,
        message,
    }
}

/// SI003 (deprecated) and SI005 (Alpha) for a known annotation the user set. Annotations
/// injection writes itself (`sidecar.istio.io/status`, `proxy.istio.io/overrides`) are left
/// alone: every re-injected pod carries them.
fn annotation_status(spec: &AnnotationSpec, out: &mut Vec<Warning>) {
    if spec.name == a::SIDECAR_STATUS || spec.name == a::PROXY_OVERRIDES {
        return;
    }
    if spec.deprecated {
        let message = match spec.name {
            a::SIDECAR_INJECT => format!(
                "annotation {SIDECAR_INJECT_LABEL} is deprecated: use the label {SIDECAR_INJECT_LABEL}, which the webhook's selectors can see"
            ),
            a::SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES => format!(
                "annotation {} is deprecated: use {}",
                spec.name,
                a::REROUTE_VIRTUAL_INTERFACES
            ),
            name => format!("annotation {name} is deprecated in Istio 1.30.3"),
        };
        out.push(Warning {
            code: Code::Si003,
            message,
        });
    } else if spec.stability == Some(Stability::Alpha) {
        out.push(Warning {
            code: Code::Si005,
            message: format!(
                "annotation {} is Alpha in Istio 1.30.3: it may change or go away",
                spec.name
            ),
        });
    }
}

/// SI002, and SI006 for an annotation the label overrides.
fn inject_values(labels: &Map, annotations: &Map, out: &mut Vec<Warning>) {
    for (kind, value) in [
        ("label", labels.get(SIDECAR_INJECT_LABEL)),
        ("annotation", annotations.get(a::SIDECAR_INJECT)),
    ] {
        let Some(v) = value else { continue };
        if !matches!(v.as_str(), "true" | "false" | "") {
            out.push(Warning {
                code: Code::Si002,
                message: format!(
                    "{kind} {SIDECAR_INJECT_LABEL}={:?} is neither \"true\" nor \"false\": Istio ignores it and the injection policy decides",
                    crate::text::elide(v)
                ),
            });
        }
    }
    if let (Some(l), Some(an)) = (
        labels.get(SIDECAR_INJECT_LABEL),
        annotations.get(a::SIDECAR_INJECT),
    ) {
        if l != an {
            out.push(Warning {
                code: Code::Si006,
                message: format!(
                    "annotation {SIDECAR_INJECT_LABEL}={:?} has no effect: the label {SIDECAR_INJECT_LABEL}={:?} wins",
                    crate::text::elide(an),
                    crate::text::elide(l)
                ),
            });
        }
    }
}

/// SI004: the webhook configuration selects on labels only, so an annotation opt-in in a
/// namespace without an injection label never reaches the injector.
fn invisible_opt_in(
    labels: &Map,
    annotations: &Map,
    ns: &Map,
    by_default: bool,
    out: &mut Vec<Warning>,
) {
    let opted_in = annotations.get(a::SIDECAR_INJECT).map(String::as_str) == Some("true");
    let ns_labelled = ns.contains_key(NAMESPACE_INJECTION_LABEL) || ns.contains_key(REV_LABEL);
    if opted_in
        && !labels.contains_key(SIDECAR_INJECT_LABEL)
        && !labels.contains_key(REV_LABEL)
        && !ns_labelled
        && !by_default
    {
        out.push(Warning {
            code: Code::Si004,
            message: format!(
                "annotation {SIDECAR_INJECT_LABEL}=true is invisible to the webhook's selectors and the namespace has no {NAMESPACE_INJECTION_LABEL} or {REV_LABEL} label: the pod is not injected; set the label {SIDECAR_INJECT_LABEL}=true"
            ),
        });
    }
}

/// SI006: settings the rendered pod cannot use. With `interceptionMode: NONE` Istio renders
/// no `istio-init` (no iptables), so traffic annotations do nothing; with the status port
/// `0` it renders no readiness probe, so the probe's annotations do nothing.
fn no_effect(annotations: &Map, out: &mut Vec<Warning>) {
    let ann = |k: &str| annotations.get(k).map(String::as_str);
    if ann(a::SIDECAR_INTERCEPTION_MODE) == Some("NONE") {
        for key in annotations
            .keys()
            .filter(|k| k.starts_with(a::TRAFFIC_PREFIX))
        {
            out.push(Warning {
                code: Code::Si006,
                message: format!(
                    "annotation {key} has no effect: {}=NONE sets up no traffic redirection",
                    a::SIDECAR_INTERCEPTION_MODE
                ),
            });
        }
    }
    if ann(a::SIDECAR_STATUS_PORT) == Some("0") {
        for key in annotations
            .keys()
            .filter(|k| k.starts_with(a::READINESS_PREFIX))
        {
            out.push(Warning {
                code: Code::Si006,
                message: format!(
                    "annotation {key} has no effect: {}=0 turns the proxy's readiness probe off",
                    a::SIDECAR_STATUS_PORT
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests;
