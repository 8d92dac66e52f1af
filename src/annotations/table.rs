//! The names and the table. Stability and deprecation come from istio/api
//! (`annotation/annotations.yaml`, `label/labels.yaml` at the commit Istio 1.30.3 pins;
//! a missing `featureStatus` there means Alpha, as its code generator reads it).
//! The validated entries come first, in the order of Istio's `AnnotationValidation` map.

use super::{AnnotationSpec, Kind, Origin, Rule, Stability};

// Validated by Istio before injection (pkg/kube/inject/validate.go).
pub const SIDECAR_INTERCEPTION_MODE: &str = "sidecar.istio.io/interceptionMode";
pub const SIDECAR_STATUS_PORT: &str = "status.sidecar.istio.io/port";
pub const SIDECAR_STATUS_READINESS_INITIAL_DELAY_SECONDS: &str =
    "readiness.status.sidecar.istio.io/initialDelaySeconds";
pub const SIDECAR_STATUS_READINESS_PERIOD_SECONDS: &str =
    "readiness.status.sidecar.istio.io/periodSeconds";
pub const SIDECAR_STATUS_READINESS_FAILURE_THRESHOLD: &str =
    "readiness.status.sidecar.istio.io/failureThreshold";
pub const SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES: &str =
    "traffic.sidecar.istio.io/includeOutboundIPRanges";
pub const SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES: &str =
    "traffic.sidecar.istio.io/excludeOutboundIPRanges";
pub const SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS: &str =
    "traffic.sidecar.istio.io/includeInboundPorts";
pub const SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS: &str =
    "traffic.sidecar.istio.io/excludeInboundPorts";
pub const SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS: &str =
    "traffic.sidecar.istio.io/excludeOutboundPorts";
pub const SIDECAR_TRAFFIC_EXCLUDE_INTERFACES: &str = "traffic.sidecar.istio.io/excludeInterfaces";
pub const SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES: &str = "traffic.sidecar.istio.io/kubevirtInterfaces";
pub const REROUTE_VIRTUAL_INTERFACES: &str = "istio.io/reroute-virtual-interfaces";
pub const PROMETHEUS_MERGE_METRICS: &str = "prometheus.istio.io/merge-metrics";
pub const PROXY_CONFIG: &str = "proxy.istio.io/config";
pub const SIDECAR_PROXY_CPU: &str = "sidecar.istio.io/proxyCPU";
pub const SIDECAR_PROXY_MEMORY: &str = "sidecar.istio.io/proxyMemory";
pub const SIDECAR_PROXY_CPU_LIMIT: &str = "sidecar.istio.io/proxyCPULimit";
pub const SIDECAR_PROXY_MEMORY_LIMIT: &str = "sidecar.istio.io/proxyMemoryLimit";

// Read by injection without a value check.
pub const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";
pub const SIDECAR_STATUS: &str = "sidecar.istio.io/status";
/// `SIDECAR_STATUS` as a JSON pointer into a Pod (`/` escaped as `~1`).
pub const SIDECAR_STATUS_POINTER: &str = "/metadata/annotations/sidecar.istio.io~1status";
pub const SIDECAR_REWRITE_APP_HTTP_PROBERS: &str = "sidecar.istio.io/rewriteAppHTTPProbers";
pub const SIDECAR_PROXY_IMAGE: &str = "sidecar.istio.io/proxyImage";
pub const SIDECAR_PROXY_IMAGE_TYPE: &str = "sidecar.istio.io/proxyImageType";
pub const SIDECAR_BOOTSTRAP_OVERRIDE: &str = "sidecar.istio.io/bootstrapOverride";
pub const SIDECAR_USER_VOLUME: &str = "sidecar.istio.io/userVolume";
pub const SIDECAR_USER_VOLUME_MOUNT: &str = "sidecar.istio.io/userVolumeMount";
pub const SIDECAR_LOG_LEVEL: &str = "sidecar.istio.io/logLevel";
pub const SIDECAR_COMPONENT_LOG_LEVEL: &str = "sidecar.istio.io/componentLogLevel";
pub const SIDECAR_AGENT_LOG_LEVEL: &str = "sidecar.istio.io/agentLogLevel";
pub const SIDECAR_NATIVE_SIDECAR: &str = "sidecar.istio.io/nativeSidecar";
pub const SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS: &str =
    "traffic.sidecar.istio.io/includeOutboundPorts";
pub const INJECT_TEMPLATES: &str = "inject.istio.io/templates";
pub const PROXY_OVERRIDES: &str = "proxy.istio.io/overrides";
pub const SIDECAR_CAP_NET_BIND_SERVICE: &str = "sidecar.istio.io/capNetBindService";
pub const KUBECTL_DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";
pub const KUBECTL_DEFAULT_LOGS_CONTAINER: &str = "kubectl.kubernetes.io/default-logs-container";
pub const MULTUS_NETWORKS: &str = "k8s.v1.cni.cncf.io/networks";
pub const DATADOG_APM_ENV: &str = "apm.datadoghq.com/env";
pub const PROMETHEUS_SCRAPE: &str = "prometheus.io/scrape";
pub const PROMETHEUS_PORT: &str = "prometheus.io/port";
pub const PROMETHEUS_PATH: &str = "prometheus.io/path";
pub const OTEL_SERVICE_NAMESPACE: &str = "resource.opentelemetry.io/service.namespace";
pub const OTEL_SERVICE_VERSION: &str = "resource.opentelemetry.io/service.version";
pub const OTEL_SERVICE_INSTANCE_ID: &str = "resource.opentelemetry.io/service.instance.id";
/// Written by injection; the label of the same name is what namespaces and pods ask for.
pub const REV_ANNOTATION: &str = "istio.io/rev";

// Labels.
pub const SIDECAR_INJECT_LABEL: &str = "sidecar.istio.io/inject";
pub const REV_LABEL: &str = "istio.io/rev";
/// A namespace label (the others here are a pod's).
pub const NAMESPACE_INJECTION_LABEL: &str = "istio-injection";
pub const TOPOLOGY_NETWORK_LABEL: &str = "topology.istio.io/network";
pub const TLS_MODE_LABEL: &str = "security.istio.io/tlsMode";
pub const TUNNEL_LABEL: &str = "networking.istio.io/tunnel";
pub const CANONICAL_NAME_LABEL: &str = "service.istio.io/canonical-name";
pub const CANONICAL_REVISION_LABEL: &str = "service.istio.io/canonical-revision";
pub const WORKLOAD_NAME_LABEL: &str = "service.istio.io/workload-name";
pub const APP_KUBERNETES_NAME_LABEL: &str = "app.kubernetes.io/name";
pub const APP_KUBERNETES_VERSION_LABEL: &str = "app.kubernetes.io/version";
pub const APP_LABEL: &str = "app";
pub const VERSION_LABEL: &str = "version";

pub const TRAFFIC_PREFIX: &str = "traffic.sidecar.istio.io/";
pub const READINESS_PREFIX: &str = "readiness.status.sidecar.istio.io/";
/// Prefixes Istio owns for per-pod injection settings; other keys are none of our business.
pub const ISTIO_PREFIXES: [&str; 7] = [
    "sidecar.istio.io/",
    TRAFFIC_PREFIX,
    "proxy.istio.io/",
    "status.sidecar.istio.io/",
    READINESS_PREFIX,
    "inject.istio.io/",
    "prometheus.istio.io/",
];

const ALPHA: Option<Stability> = Some(Stability::Alpha);
const BETA: Option<Stability> = Some(Stability::Beta);

/// An entry declared in istio/api.
const fn api(
    name: &'static str,
    kind: Kind,
    stability: Option<Stability>,
    deprecated: bool,
    rule: Option<Rule>,
    summary: &'static str,
) -> AnnotationSpec {
    AnnotationSpec {
        name,
        kind,
        stability,
        deprecated,
        origin: Origin::IstioApi,
        summary,
        rule,
    }
}

/// An entry injection reads that istio/api does not declare.
const fn other(
    name: &'static str,
    kind: Kind,
    origin: Origin,
    summary: &'static str,
) -> AnnotationSpec {
    AnnotationSpec {
        name,
        kind,
        stability: None,
        deprecated: false,
        origin,
        summary,
        rule: None,
    }
}

/// A validated, non-deprecated Alpha annotation from istio/api.
const fn checked(name: &'static str, rule: Rule, summary: &'static str) -> AnnotationSpec {
    api(name, Kind::Annotation, ALPHA, false, Some(rule), summary)
}

/// An unvalidated, non-deprecated Alpha annotation from istio/api.
const fn read(name: &'static str, summary: &'static str) -> AnnotationSpec {
    api(name, Kind::Annotation, ALPHA, false, None, summary)
}

const A: Kind = Kind::Annotation;
const L: Kind = Kind::Label;

/// Every annotation and label the injector reads.
#[rustfmt::skip]
pub static ANNOTATIONS: &[AnnotationSpec] = &[
    checked(SIDECAR_INTERCEPTION_MODE, Rule::InterceptionMode, "How inbound traffic reaches the proxy: `REDIRECT`, `TPROXY`, or `NONE` (no redirection)."),
    checked(SIDECAR_STATUS_PORT, Rule::StatusPort, "Port of the proxy agent's status server; `0` turns the proxy's readiness probe off."),
    checked(SIDECAR_STATUS_READINESS_INITIAL_DELAY_SECONDS, Rule::UInt32, "Initial delay, in seconds, of the proxy's readiness probe."),
    checked(SIDECAR_STATUS_READINESS_PERIOD_SECONDS, Rule::UInt32, "Period, in seconds, of the proxy's readiness probe."),
    checked(SIDECAR_STATUS_READINESS_FAILURE_THRESHOLD, Rule::UInt32, "Failed checks before the proxy's readiness probe reports not ready."),
    checked(SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES, Rule::IncludeIpRanges, "CIDRs whose outbound traffic goes through the proxy; `*` for all, empty for none."),
    checked(SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES, Rule::ExcludeIpRanges, "CIDRs whose outbound traffic bypasses the proxy."),
    api(SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS, A, ALPHA, false, Some(Rule::IncludeInboundPorts), "Inbound ports redirected to the proxy; `*` for all, empty for none."),
    checked(SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS, Rule::ExcludeInboundPorts, "Inbound ports that bypass the proxy."),
    checked(SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS, Rule::ExcludeOutboundPorts, "Outbound ports that bypass the proxy."),
    checked(SIDECAR_TRAFFIC_EXCLUDE_INTERFACES, Rule::InterfaceNames, "Network interfaces whose traffic is never redirected."),
    api(SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES, A, ALPHA, true, Some(Rule::InterfaceNames), "Virtual-machine interfaces whose traffic is rerouted to the proxy; superseded by `istio.io/reroute-virtual-interfaces`."),
    checked(REROUTE_VIRTUAL_INTERFACES, Rule::InterfaceNames, "Virtual interfaces whose traffic is rerouted to the proxy."),
    checked(PROMETHEUS_MERGE_METRICS, Rule::Bool, "Whether the agent merges the application's Prometheus metrics into its own endpoint."),
    api(PROXY_CONFIG, A, BETA, false, Some(Rule::ProxyConfig), "ProxyConfig overrides, in YAML, for this pod's proxy."),
    checked(SIDECAR_PROXY_CPU, Rule::ResourceQuantity, "CPU request of the proxy container."),
    checked(SIDECAR_PROXY_MEMORY, Rule::ResourceQuantity, "Memory request of the proxy container."),
    checked(SIDECAR_PROXY_CPU_LIMIT, Rule::ResourceQuantity, "CPU limit of the proxy container."),
    api(SIDECAR_PROXY_MEMORY_LIMIT, A, ALPHA, false, Some(Rule::ResourceQuantity), "Memory limit of the proxy container."),
    api(SIDECAR_INJECT, A, BETA, true, None, "Opts the pod in (`true`) or out of injection; the label of the same name wins over it."),
    read(SIDECAR_STATUS, "Written by injection (what it added); its presence marks the pod as already injected."),
    read(SIDECAR_REWRITE_APP_HTTP_PROBERS, "Whether the application's HTTP and gRPC probes are rewritten to go through the agent."),
    read(SIDECAR_PROXY_IMAGE, "Image of the proxy and init containers."),
    read(SIDECAR_PROXY_IMAGE_TYPE, "Image variant of the proxy, such as `distroless` or `debug`."),
    read(SIDECAR_BOOTSTRAP_OVERRIDE, "ConfigMap holding a custom Envoy bootstrap, mounted into the proxy."),
    read(SIDECAR_USER_VOLUME, "Extra pod volumes for the proxy, as a JSON object or array."),
    api(SIDECAR_USER_VOLUME_MOUNT, A, ALPHA, false, None, "Extra volume mounts for the proxy container, as a JSON object or array."),
    read(SIDECAR_LOG_LEVEL, "Envoy's log level."),
    read(SIDECAR_COMPONENT_LOG_LEVEL, "Envoy's per-component log levels."),
    read(SIDECAR_AGENT_LOG_LEVEL, "Log levels of the agent (and of the init container)."),
    read(SIDECAR_NATIVE_SIDECAR, "Whether the proxy runs as a native sidecar (an init container with `restartPolicy: Always`)."),
    read(SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS, "Outbound ports redirected to the proxy whatever the destination address."),
    read(INJECT_TEMPLATES, "Comma-separated injection templates to render (default `sidecar`)."),
    api(PROXY_OVERRIDES, A, ALPHA, false, None, "Written by injection: the pod's own `istio-proxy` container settings, kept for re-injection."),
    other(SIDECAR_CAP_NET_BIND_SERVICE, A, Origin::Istio, "Whether the proxy gets `NET_BIND_SERVICE` to bind ports below 1024."),
    other(KUBECTL_DEFAULT_CONTAINER, A, Origin::External("kubectl"), "Container kubectl picks by default; injection sets it to the first application container unless present."),
    other(KUBECTL_DEFAULT_LOGS_CONTAINER, A, Origin::External("kubectl"), "Container `kubectl logs` picks by default; set the same way."),
    other(MULTUS_NETWORKS, A, Origin::External("Multus"), "The pod's extra networks; `default/istio-cni` is appended when Istio CNI runs under Multus."),
    other(DATADOG_APM_ENV, A, Origin::External("Datadog"), "Datadog tracer settings (JSON) copied into the proxy's environment when the tracer is Datadog."),
    other(PROMETHEUS_SCRAPE, A, Origin::External("Prometheus"), "Prometheus scrape opt-in; with metrics merging, the app's scrape settings move to the agent."),
    other(PROMETHEUS_PORT, A, Origin::External("Prometheus"), "Port Prometheus scrapes; with metrics merging, replaced by the agent's status port."),
    other(PROMETHEUS_PATH, A, Origin::External("Prometheus"), "Path Prometheus scrapes; with metrics merging, replaced by `/stats/prometheus`."),
    other(OTEL_SERVICE_NAMESPACE, A, Origin::External("OpenTelemetry"), "OpenTelemetry `service.namespace` of the proxy's telemetry (default: the pod's namespace)."),
    other(OTEL_SERVICE_VERSION, A, Origin::External("OpenTelemetry"), "OpenTelemetry `service.version` of the proxy's telemetry."),
    other(OTEL_SERVICE_INSTANCE_ID, A, Origin::External("OpenTelemetry"), "OpenTelemetry `service.instance.id` of the proxy's telemetry."),
    read(REV_ANNOTATION, "Written by injection: the revision of the injector that injected the pod."),
    api(SIDECAR_INJECT_LABEL, L, BETA, false, None, "Opts the pod in (`true`) or out of injection; wins over the annotation."),
    api(REV_LABEL, L, BETA, false, None, "On a namespace, or on a pod in an unlabelled namespace: the control-plane revision that injects it."),
    other(NAMESPACE_INJECTION_LABEL, L, Origin::Istio, "On a namespace: `enabled` injects its pods (default revision); any other value opts it out."),
    api(TOPOLOGY_NETWORK_LABEL, L, BETA, false, None, "Network the pod is on, in a multi-network mesh."),
    api(TLS_MODE_LABEL, L, ALPHA, true, None, "Set by injection (default `istio`): the pod accepts Istio mutual TLS."),
    other(TUNNEL_LABEL, L, Origin::Istio, "Set by injection (default `http`): the proxy accepts HBONE tunnels."),
    api(CANONICAL_NAME_LABEL, L, ALPHA, false, None, "Canonical service name; defaults to `app.kubernetes.io/name`, `app`, then the workload name."),
    api(CANONICAL_REVISION_LABEL, L, ALPHA, false, None, "Canonical service revision; defaults to `app.kubernetes.io/version`, `version`, then `latest`."),
    api(WORKLOAD_NAME_LABEL, L, ALPHA, false, None, "Workload name the proxy reports, instead of the one derived from the pod's owner."),
    other(APP_KUBERNETES_NAME_LABEL, L, Origin::External("Kubernetes"), "Recommended application name; a fallback for the canonical name."),
    other(APP_KUBERNETES_VERSION_LABEL, L, Origin::External("Kubernetes"), "Recommended application version; a fallback for the canonical revision."),
    other(APP_LABEL, L, Origin::External("convention"), "Application name; a fallback for the canonical name."),
    other(VERSION_LABEL, L, Origin::External("convention"), "Application version; a fallback for the canonical revision."),
];

/// Names istio/api declares under the injection prefixes that injection itself does not read
/// (istiod or the agent do): known names, so a pod using them gets no unknown-key warning.
#[rustfmt::skip]
pub static READ_ELSEWHERE: &[AnnotationSpec] = &[
    api("sidecar.istio.io/discoveryAddress", A, ALPHA, true, None, "Read by the agent."),
    api("sidecar.istio.io/statsInclusionPrefixes", A, ALPHA, true, None, "Read by istiod."),
    api("sidecar.istio.io/statsInclusionSuffixes", A, ALPHA, true, None, "Read by istiod."),
    api("sidecar.istio.io/statsInclusionRegexps", A, ALPHA, true, None, "Read by istiod."),
    api("sidecar.istio.io/statsHistogramBuckets", A, ALPHA, false, None, "Read by istiod."),
    api("sidecar.istio.io/statsFlushInterval", A, ALPHA, false, None, "Read by istiod."),
    api("sidecar.istio.io/statsEvictionInterval", A, ALPHA, false, None, "Read by istiod."),
    api("sidecar.istio.io/statsHistogramBins", A, ALPHA, false, None, "Read by istiod."),
    api("sidecar.istio.io/extraStatTags", A, ALPHA, true, None, "Read by istiod."),
    api("sidecar.istio.io/statsCompression", A, ALPHA, true, None, "Read by istiod."),
    api("readiness.status.sidecar.istio.io/applicationPorts", A, ALPHA, false, None, "Read by the agent."),
];
