//! Go struct table: `core/v1` PodSpec types not reached through containers or volumes (affinity, tolerations, DNS, scheduling).
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static SYSCTL: Struct = Struct { name: "Sysctl", fields: &[
    f("name", S, V), f("value", S, V),
]};

pub(crate) static POD_SECURITY_CONTEXT: Struct = Struct { name: "PodSecurityContext", fields: &[
    f("seLinuxOptions", st(&SE_LINUX_OPTIONS), PE),
    f("windowsOptions", st(&WINDOWS_SECURITY_CONTEXT_OPTIONS), PE), f("runAsUser", I64, PE),
    f("runAsGroup", I64, PE), f("runAsNonRoot", B, PE), f("supplementalGroups", I64, LE),
    f("supplementalGroupsPolicy", S, PE), f("fsGroup", I64, PE), f("sysctls", st(&SYSCTL), LE),
    f("fsGroupChangePolicy", S, PE), f("seccompProfile", st(&SECCOMP_PROFILE), PE),
    f("appArmorProfile", st(&APP_ARMOR_PROFILE), PE), f("seLinuxChangePolicy", S, PE),
]};

pub(crate) static NODE_SELECTOR_REQUIREMENT: Struct = Struct { name: "NodeSelectorRequirement", fields: &[
    f("key", S, V), f("operator", S, V), f("values", S, LE),
]};

pub(crate) static NODE_SELECTOR_TERM: Struct = Struct { name: "NodeSelectorTerm", fields: &[
    f("matchExpressions", st(&NODE_SELECTOR_REQUIREMENT), LE),
    f("matchFields", st(&NODE_SELECTOR_REQUIREMENT), LE),
]};

pub(crate) static NODE_SELECTOR: Struct = Struct { name: "NodeSelector", fields: &[
    f("nodeSelectorTerms", st(&NODE_SELECTOR_TERM), L),
]};

pub(crate) static PREFERRED_SCHEDULING_TERM: Struct = Struct { name: "PreferredSchedulingTerm", fields: &[
    f("weight", I32, V), f("preference", st(&NODE_SELECTOR_TERM), V),
]};

pub(crate) static NODE_AFFINITY: Struct = Struct { name: "NodeAffinity", fields: &[
    f("requiredDuringSchedulingIgnoredDuringExecution", st(&NODE_SELECTOR), PE),
    f("preferredDuringSchedulingIgnoredDuringExecution", st(&PREFERRED_SCHEDULING_TERM), LE),
]};

pub(crate) static POD_AFFINITY_TERM: Struct = Struct { name: "PodAffinityTerm", fields: &[
    f("labelSelector", st(&LABEL_SELECTOR), PE), f("namespaces", S, LE), f("topologyKey", S, V),
    f("namespaceSelector", st(&LABEL_SELECTOR), PE), f("matchLabelKeys", S, LE),
    f("mismatchLabelKeys", S, LE),
]};

pub(crate) static WEIGHTED_POD_AFFINITY_TERM: Struct = Struct { name: "WeightedPodAffinityTerm", fields: &[
    f("weight", I32, V), f("podAffinityTerm", st(&POD_AFFINITY_TERM), V),
]};

pub(crate) static POD_AFFINITY: Struct = Struct { name: "PodAffinity", fields: &[
    f("requiredDuringSchedulingIgnoredDuringExecution", st(&POD_AFFINITY_TERM), LE),
    f("preferredDuringSchedulingIgnoredDuringExecution", st(&WEIGHTED_POD_AFFINITY_TERM), LE),
]};

pub(crate) static POD_ANTI_AFFINITY: Struct = Struct { name: "PodAntiAffinity", fields: &[
    f("requiredDuringSchedulingIgnoredDuringExecution", st(&POD_AFFINITY_TERM), LE),
    f("preferredDuringSchedulingIgnoredDuringExecution", st(&WEIGHTED_POD_AFFINITY_TERM), LE),
]};

pub(crate) static AFFINITY: Struct = Struct { name: "Affinity", fields: &[
    f("nodeAffinity", st(&NODE_AFFINITY), PE), f("podAffinity", st(&POD_AFFINITY), PE),
    f("podAntiAffinity", st(&POD_ANTI_AFFINITY), PE),
]};

pub(crate) static TOLERATION: Struct = Struct { name: "Toleration", fields: &[
    f("key", S, VE), f("operator", S, VE), f("value", S, VE), f("effect", S, VE),
    f("tolerationSeconds", I64, PE),
]};

pub(crate) static HOST_ALIAS: Struct = Struct { name: "HostAlias", fields: &[
    f("ip", S, V), f("hostnames", S, LE),
]};

pub(crate) static POD_DNS_CONFIG_OPTION: Struct = Struct { name: "PodDNSConfigOption", fields: &[
    f("name", S, VE), f("value", S, PE),
]};

pub(crate) static POD_DNS_CONFIG: Struct = Struct { name: "PodDNSConfig", fields: &[
    f("nameservers", S, LE), f("searches", S, LE), f("options", st(&POD_DNS_CONFIG_OPTION), LE),
]};

pub(crate) static POD_READINESS_GATE: Struct = Struct { name: "PodReadinessGate", fields: &[
    f("conditionType", S, V),
]};

pub(crate) static TOPOLOGY_SPREAD_CONSTRAINT: Struct = Struct { name: "TopologySpreadConstraint", fields: &[
    f("maxSkew", I32, V), f("topologyKey", S, V), f("whenUnsatisfiable", S, V),
    f("labelSelector", st(&LABEL_SELECTOR), PE), f("minDomains", I32, PE),
    f("nodeAffinityPolicy", S, PE), f("nodeTaintsPolicy", S, PE), f("matchLabelKeys", S, LE),
]};

pub(crate) static POD_OS: Struct = Struct { name: "PodOS", fields: &[
    f("name", S, V),
]};

pub(crate) static POD_SCHEDULING_GATE: Struct = Struct { name: "PodSchedulingGate", fields: &[
    f("name", S, V),
]};

pub(crate) static POD_RESOURCE_CLAIM: Struct = Struct { name: "PodResourceClaim", fields: &[
    f("name", S, V), f("resourceClaimName", S, PE), f("resourceClaimTemplateName", S, PE),
]};

pub(crate) static WORKLOAD_REFERENCE: Struct = Struct { name: "WorkloadReference", fields: &[
    f("name", S, V), f("podGroup", S, V), f("podGroupReplicaKey", S, VE),
]};

pub(crate) static POD_SPEC: Struct = Struct { name: "PodSpec", fields: &[
    f("volumes", st(&VOLUME), LE), f("initContainers", st(&CONTAINER), LE),
    f("containers", st(&CONTAINER), L), f("ephemeralContainers", st(&EPHEMERAL_CONTAINER), LE),
    f("restartPolicy", S, VE), f("terminationGracePeriodSeconds", I64, PE),
    f("activeDeadlineSeconds", I64, PE), f("dnsPolicy", S, VE), f("nodeSelector", S, ME),
    f("serviceAccountName", S, VE), f("serviceAccount", S, VE),
    f("automountServiceAccountToken", B, PE), f("nodeName", S, VE), f("hostNetwork", B, VE),
    f("hostPID", B, VE), f("hostIPC", B, VE), f("shareProcessNamespace", B, PE),
    f("securityContext", st(&POD_SECURITY_CONTEXT), PE),
    f("imagePullSecrets", st(&LOCAL_OBJECT_REFERENCE), LE), f("hostname", S, VE),
    f("subdomain", S, VE), f("affinity", st(&AFFINITY), PE), f("schedulerName", S, VE),
    f("tolerations", st(&TOLERATION), LE), f("hostAliases", st(&HOST_ALIAS), LE),
    f("priorityClassName", S, VE), f("priority", I32, PE), f("dnsConfig", st(&POD_DNS_CONFIG), PE),
    f("readinessGates", st(&POD_READINESS_GATE), LE), f("runtimeClassName", S, PE),
    f("enableServiceLinks", B, PE), f("preemptionPolicy", S, PE), f("overhead", Q, ME),
    f("topologySpreadConstraints", st(&TOPOLOGY_SPREAD_CONSTRAINT), LE),
    f("setHostnameAsFQDN", B, PE), f("os", st(&POD_OS), PE), f("hostUsers", B, PE),
    f("schedulingGates", st(&POD_SCHEDULING_GATE), LE),
    f("resourceClaims", st(&POD_RESOURCE_CLAIM), LE),
    f("resources", st(&RESOURCE_REQUIREMENTS), PE), f("hostnameOverride", S, PE),
    f("workloadRef", st(&WORKLOAD_REFERENCE), PE),
]};
