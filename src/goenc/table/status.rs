//! Go struct table: `core/v1` PodStatus and the status types reached only from it.
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static POD_CONDITION: Struct = Struct { name: "PodCondition", fields: &[
    f("type", S, V), f("observedGeneration", I64, VE), f("status", S, V),
    f("lastProbeTime", TIME, VE), f("lastTransitionTime", TIME, VE), f("reason", S, VE),
    f("message", S, VE),
]};

pub(crate) static HOST_IP: Struct = Struct { name: "HostIP", fields: &[
    f("ip", S, V),
]};

pub(crate) static POD_IP: Struct = Struct { name: "PodIP", fields: &[
    f("ip", S, V),
]};

pub(crate) static CONTAINER_STATE_WAITING: Struct = Struct { name: "ContainerStateWaiting", fields: &[
    f("reason", S, VE), f("message", S, VE),
]};

pub(crate) static CONTAINER_STATE_RUNNING: Struct = Struct { name: "ContainerStateRunning", fields: &[
    f("startedAt", TIME, VE),
]};

pub(crate) static CONTAINER_STATE_TERMINATED: Struct = Struct { name: "ContainerStateTerminated", fields: &[
    f("exitCode", I32, V), f("signal", I32, VE), f("reason", S, VE), f("message", S, VE),
    f("startedAt", TIME, VE), f("finishedAt", TIME, VE), f("containerID", S, VE),
]};

pub(crate) static CONTAINER_STATE: Struct = Struct { name: "ContainerState", fields: &[
    f("waiting", st(&CONTAINER_STATE_WAITING), PE), f("running", st(&CONTAINER_STATE_RUNNING), PE),
    f("terminated", st(&CONTAINER_STATE_TERMINATED), PE),
]};

pub(crate) static VOLUME_MOUNT_STATUS: Struct = Struct { name: "VolumeMountStatus", fields: &[
    f("name", S, V), f("mountPath", S, V), f("readOnly", B, VE), f("recursiveReadOnly", S, PE),
]};

pub(crate) static LINUX_CONTAINER_USER: Struct = Struct { name: "LinuxContainerUser", fields: &[
    f("uid", I64, V), f("gid", I64, V), f("supplementalGroups", I64, LE),
]};

pub(crate) static CONTAINER_USER: Struct = Struct { name: "ContainerUser", fields: &[
    f("linux", st(&LINUX_CONTAINER_USER), PE),
]};

pub(crate) static RESOURCE_HEALTH: Struct = Struct { name: "ResourceHealth", fields: &[
    f("resourceID", S, V), f("health", S, VE),
]};

pub(crate) static RESOURCE_STATUS: Struct = Struct { name: "ResourceStatus", fields: &[
    f("name", S, V), f("resources", st(&RESOURCE_HEALTH), LE),
]};

pub(crate) static CONTAINER_STATUS: Struct = Struct { name: "ContainerStatus", fields: &[
    f("name", S, V), f("state", st(&CONTAINER_STATE), VE), f("lastState", st(&CONTAINER_STATE), VE),
    f("ready", B, V), f("restartCount", I32, V), f("image", S, V), f("imageID", S, V),
    f("containerID", S, VE), f("started", B, PE), f("allocatedResources", Q, ME),
    f("resources", st(&RESOURCE_REQUIREMENTS), PE), f("volumeMounts", st(&VOLUME_MOUNT_STATUS), LE),
    f("user", st(&CONTAINER_USER), PE), f("allocatedResourcesStatus", st(&RESOURCE_STATUS), LE),
    f("stopSignal", S, PE),
]};

pub(crate) static POD_RESOURCE_CLAIM_STATUS: Struct = Struct { name: "PodResourceClaimStatus", fields: &[
    f("name", S, V), f("resourceClaimName", S, PE),
]};

pub(crate) static CONTAINER_EXTENDED_RESOURCE_REQUEST: Struct = Struct { name: "ContainerExtendedResourceRequest", fields: &[
    f("containerName", S, V), f("resourceName", S, V), f("requestName", S, V),
]};

pub(crate) static POD_EXTENDED_RESOURCE_CLAIM_STATUS: Struct = Struct { name: "PodExtendedResourceClaimStatus", fields: &[
    f("requestMappings", st(&CONTAINER_EXTENDED_RESOURCE_REQUEST), L), f("resourceClaimName", S, V),
]};

pub(crate) static POD_STATUS: Struct = Struct { name: "PodStatus", fields: &[
    f("observedGeneration", I64, VE), f("phase", S, VE), f("conditions", st(&POD_CONDITION), LE),
    f("message", S, VE), f("reason", S, VE), f("nominatedNodeName", S, VE), f("hostIP", S, VE),
    f("hostIPs", st(&HOST_IP), LE), f("podIP", S, VE), f("podIPs", st(&POD_IP), LE),
    f("startTime", TIME, PE), f("initContainerStatuses", st(&CONTAINER_STATUS), LE),
    f("containerStatuses", st(&CONTAINER_STATUS), LE), f("qosClass", S, VE),
    f("ephemeralContainerStatuses", st(&CONTAINER_STATUS), LE), f("resize", S, VE),
    f("resourceClaimStatuses", st(&POD_RESOURCE_CLAIM_STATUS), LE),
    f("extendedResourceClaimStatus", st(&POD_EXTENDED_RESOURCE_CLAIM_STATUS), PE),
    f("allocatedResources", Q, ME), f("resources", st(&RESOURCE_REQUIREMENTS), PE),
]};
