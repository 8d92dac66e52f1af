//! Warnings about settings Istio accepts but that are almost certainly slips: keys the values
//! schema does not know (`global.proxyy`, `hubb`) and enum values in the wrong case
//! (`global.proxy.autoInject: Disabled`). Istio ignores unknown keys and compares enum strings
//! exactly, so these load; we only say so, once, with a did-you-mean.
//!
//! The schema is Istio 1.30.3's `values_types.proto` for the parts the injector reads
//! (`global`, `global.proxy`, `global.proxy_init`, `sidecarInjectorWebhook`, …). Messages we do
//! not spell out (gateways, waypoint, free-form maps such as `pilot.env` or resource names)
//! are [`Shape::Free`]: anything below them is accepted without a word.

use serde_json::Value;

/// What may appear under a key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// Not checked below this key.
    Free,
    /// A message with these fields.
    Fields(&'static [(&'static str, Shape)]),
}

use Shape::{Fields, Free};

const RESOURCES: Shape = Fields(&[("limits", Free), ("requests", Free)]);

const PROXY: &[(&str, Shape)] = &[
    ("autoInject", Free),
    ("capNetBindService", Free),
    ("clusterDomain", Free),
    ("componentLogLevel", Free),
    ("enableCoreDump", Free),
    ("excludeIPRanges", Free),
    ("excludeInboundPorts", Free),
    ("excludeOutboundPorts", Free),
    ("holdApplicationUntilProxyStarts", Free),
    ("image", Free),
    ("includeIPRanges", Free),
    ("includeInboundPorts", Free),
    ("includeOutboundPorts", Free),
    ("lifecycle", Free),
    ("logLevel", Free),
    ("outlierLogPath", Free),
    ("privileged", Free),
    ("readinessFailureThreshold", Free),
    ("readinessInitialDelaySeconds", Free),
    ("readinessPeriodSeconds", Free),
    ("resources", RESOURCES),
    ("seccompProfile", Free),
    (
        "startupProbe",
        Fields(&[("enabled", Free), ("failureThreshold", Free)]),
    ),
    ("statusPort", Free),
    ("tracer", Free),
];

const GLOBAL: &[(&str, Shape)] = &[
    ("agentgateway", Free),
    ("arch", Free),
    ("caAddress", Free),
    ("caName", Free),
    ("certSigners", Free),
    ("configCluster", Free),
    ("configValidation", Free),
    ("defaultNodeSelector", Free),
    ("defaultPodDisruptionBudget", Free),
    ("defaultResources", Free),
    ("defaultTolerations", Free),
    ("enableReaderRBAC", Free),
    ("externalIstiod", Free),
    ("hub", Free),
    ("imagePullPolicy", Free),
    ("imagePullSecrets", Free),
    ("ipFamilies", Free),
    ("ipFamilyPolicy", Free),
    ("istioNamespace", Free),
    ("istiod", Free),
    ("jwtPolicy", Free),
    ("logAsJson", Free),
    ("logging", Fields(&[("level", Free)])),
    ("meshID", Free),
    ("meshNetworks", Free),
    ("mountMtlsCerts", Free),
    (
        "multiCluster",
        Fields(&[
            ("clusterName", Free),
            ("enabled", Free),
            ("globalDomainSuffix", Free),
            ("includeEnvoyFilter", Free),
        ]),
    ),
    ("nativeNftables", Free),
    ("network", Free),
    ("networkPolicy", Free),
    ("omitSidecarInjectorConfigMap", Free),
    ("operatorManageWebhooks", Free),
    ("pilotCertProvider", Free),
    ("platform", Free),
    ("podDNSSearchNamespaces", Free),
    ("priorityClassName", Free),
    ("proxy", Fields(PROXY)),
    (
        "proxy_init",
        Fields(&[
            ("forceApplyIptables", Free),
            ("image", Free),
            ("resources", RESOURCES),
        ]),
    ),
    ("remotePilotAddress", Free),
    ("resourceScope", Free),
    ("revision", Free),
    ("sds", Fields(&[("token", Free)])),
    ("sts", Fields(&[("servicePort", Free)])),
    ("tag", Free),
    ("tracer", Free),
    ("trustBundleName", Free),
    ("trustDomain", Free),
    ("variant", Free),
    ("waypoint", Free),
];

const SIDECAR_INJECTOR_WEBHOOK: &[(&str, Shape)] = &[
    ("alwaysInjectSelector", Free),
    ("defaultTemplates", Free),
    ("enableNamespacesByDefault", Free),
    ("injectedAnnotations", Free),
    ("injectionURL", Free),
    ("neverInjectSelector", Free),
    ("reinvocationPolicy", Free),
    ("rewriteAppHTTPProbe", Free),
    ("templates", Free),
];

/// The top of the values tree (`Values` in `values_types.proto`); `pilot` beyond `cni` is
/// istiod's own deployment and left free.
pub(crate) const VALUES: &[(&str, Shape)] = &[
    ("base", Free),
    ("cni", Free),
    ("compatibilityVersion", Free),
    ("defaultRevision", Free),
    ("experimental", Free),
    ("gatewayClasses", Free),
    ("gateways", Free),
    ("global", Fields(GLOBAL)),
    ("istio_cni", Free),
    ("istiodRemote", Free),
    ("meshConfig", Free),
    ("ownerName", Free),
    ("pilot", Free),
    ("profile", Free),
    ("revision", Free),
    ("revisionTags", Free),
    ("sidecarInjectorWebhook", Fields(SIDECAR_INJECTOR_WEBHOOK)),
    ("telemetry", Free),
    ("ztunnel", Free),
];

/// String enums the injector (or its templates) compares exactly, with what a value in the
/// wrong case does in Istio.
const ENUMS: &[(&str, &[&str], &str)] = &[
    (
        "global.proxy.autoInject",
        &["enabled", "disabled"],
        "Istio treats it as an illegal policy and injects no pod at all",
    ),
    (
        "sidecarInjectorWebhook.reinvocationPolicy",
        &["Never", "IfNeeded"],
        "the webhook configuration carries it verbatim and the API server refuses it",
    ),
    (
        "global.proxy.tracer",
        &[
            "zipkin",
            "lightstep",
            "datadog",
            "stackdriver",
            "openCensusAgent",
            "none",
        ],
        "templates compare it exactly, so no tracer-specific setting applies",
    ),
    (
        "global.pilotCertProvider",
        &["istiod", "kubernetes", "custom", "none"],
        "templates compare it exactly (the istiod CA volume is only mounted for `istiod`)",
    ),
    (
        "global.jwtPolicy",
        &["third-party-jwt", "first-party-jwt"],
        "templates compare it exactly",
    ),
];

/// Warnings for the merged values tree: unknown keys (with the closest known one) and enum
/// values in the wrong case. Each message starts with `values: <key>:`.
pub fn values_warnings(tree: &Value) -> Vec<String> {
    let mut out = Vec::new();
    unknown_keys(tree, VALUES, "", &mut out);
    for (key, allowed, effect) in ENUMS {
        let Some(Value::String(v)) = tree.pointer(&pointer(key)) else {
            continue;
        };
        if v.is_empty() || allowed.contains(&v.as_str()) {
            continue;
        }
        if let Some(right) = allowed.iter().find(|a| a.eq_ignore_ascii_case(v)) {
            out.push(format!(
                "values: {key}: {v:?} is not {right:?} (the value is case-sensitive; did you mean {right}?): {effect}"
            ));
        }
    }
    out
}

/// `values: <path>: unknown key, ignored (did you mean <path>?)` for every key `fields` does not know;
/// known message fields are walked, unknown keys are not (one warning per slip).
fn unknown_keys(tree: &Value, fields: &[(&str, Shape)], prefix: &str, out: &mut Vec<String>) {
    let Value::Object(map) = tree else {
        return;
    };
    for (key, value) in map {
        let path = join(prefix, key);
        match fields.iter().find(|(name, _)| name == key) {
            Some((_, Fields(inner))) => unknown_keys(value, inner, &path, out),
            Some((_, Free)) => {}
            None => {
                let hint = crate::text::did_you_mean(key, fields.iter().map(|(n, _)| *n))
                    .map(|near| format!(" (did you mean {}?)", join(prefix, near)))
                    .unwrap_or_default();
                out.push(format!("values: {path}: unknown key, ignored{hint}"));
            }
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `a.b.c` as a JSON pointer (`/a/b/c`); keys here hold no `/` or `~`.
fn pointer(key: &str) -> String {
    key.split('.').fold(String::new(), |mut p, k| {
        p.push('/');
        p.push_str(k);
        p
    })
}
