//! Go struct table: `core/v1` Container, EphemeralContainer and everything they hold (probes, lifecycle, env, security context, resources).
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static LOCAL_OBJECT_REFERENCE: Struct = Struct { name: "LocalObjectReference", fields: &[
    f("name", S, VE),
]};

pub(crate) static OBJECT_FIELD_SELECTOR: Struct = Struct { name: "ObjectFieldSelector", fields: &[
    f("apiVersion", S, VE), f("fieldPath", S, V),
]};

pub(crate) static RESOURCE_FIELD_SELECTOR: Struct = Struct { name: "ResourceFieldSelector", fields: &[
    f("containerName", S, VE), f("resource", S, V), f("divisor", Q, VE),
]};

pub(crate) static CONTAINER_PORT: Struct = Struct { name: "ContainerPort", fields: &[
    f("name", S, VE), f("hostPort", I32, VE), f("containerPort", I32, V), f("protocol", S, VE),
    f("hostIP", S, VE),
]};

pub(crate) static CONFIG_MAP_ENV_SOURCE: Struct = Struct { name: "ConfigMapEnvSource", fields: &[
    f("name", S, VE), f("optional", B, PE),
]};

pub(crate) static SECRET_ENV_SOURCE: Struct = Struct { name: "SecretEnvSource", fields: &[
    f("name", S, VE), f("optional", B, PE),
]};

pub(crate) static ENV_FROM_SOURCE: Struct = Struct { name: "EnvFromSource", fields: &[
    f("prefix", S, VE), f("configMapRef", st(&CONFIG_MAP_ENV_SOURCE), PE),
    f("secretRef", st(&SECRET_ENV_SOURCE), PE),
]};

pub(crate) static CONFIG_MAP_KEY_SELECTOR: Struct = Struct { name: "ConfigMapKeySelector", fields: &[
    f("name", S, VE), f("key", S, V), f("optional", B, PE),
]};

pub(crate) static SECRET_KEY_SELECTOR: Struct = Struct { name: "SecretKeySelector", fields: &[
    f("name", S, VE), f("key", S, V), f("optional", B, PE),
]};

pub(crate) static FILE_KEY_SELECTOR: Struct = Struct { name: "FileKeySelector", fields: &[
    f("volumeName", S, V), f("path", S, V), f("key", S, V), f("optional", B, PE),
]};

pub(crate) static ENV_VAR_SOURCE: Struct = Struct { name: "EnvVarSource", fields: &[
    f("fieldRef", st(&OBJECT_FIELD_SELECTOR), PE),
    f("resourceFieldRef", st(&RESOURCE_FIELD_SELECTOR), PE),
    f("configMapKeyRef", st(&CONFIG_MAP_KEY_SELECTOR), PE),
    f("secretKeyRef", st(&SECRET_KEY_SELECTOR), PE), f("fileKeyRef", st(&FILE_KEY_SELECTOR), PE),
]};

pub(crate) static ENV_VAR: Struct = Struct { name: "EnvVar", fields: &[
    f("name", S, V), f("value", S, VE), f("valueFrom", st(&ENV_VAR_SOURCE), PE),
]};

pub(crate) static RESOURCE_CLAIM: Struct = Struct { name: "ResourceClaim", fields: &[
    f("name", S, V), f("request", S, VE),
]};

pub(crate) static RESOURCE_REQUIREMENTS: Struct = Struct { name: "ResourceRequirements", fields: &[
    f("limits", Q, ME), f("requests", Q, ME), f("claims", st(&RESOURCE_CLAIM), LE),
]};

pub(crate) static CONTAINER_RESIZE_POLICY: Struct = Struct { name: "ContainerResizePolicy", fields: &[
    f("resourceName", S, V), f("restartPolicy", S, V),
]};

pub(crate) static CONTAINER_RESTART_RULE_ON_EXIT_CODES: Struct = Struct { name: "ContainerRestartRuleOnExitCodes", fields: &[
    f("operator", S, VE), f("values", I32, LE),
]};

pub(crate) static CONTAINER_RESTART_RULE: Struct = Struct { name: "ContainerRestartRule", fields: &[
    f("action", S, VE), f("exitCodes", st(&CONTAINER_RESTART_RULE_ON_EXIT_CODES), PE),
]};

pub(crate) static VOLUME_MOUNT: Struct = Struct { name: "VolumeMount", fields: &[
    f("name", S, V), f("readOnly", B, VE), f("recursiveReadOnly", S, PE), f("mountPath", S, V),
    f("subPath", S, VE), f("mountPropagation", S, PE), f("subPathExpr", S, VE),
]};

pub(crate) static VOLUME_DEVICE: Struct = Struct { name: "VolumeDevice", fields: &[
    f("name", S, V), f("devicePath", S, V),
]};

pub(crate) static EXEC_ACTION: Struct = Struct { name: "ExecAction", fields: &[
    f("command", S, LE),
]};

pub(crate) static HTTP_HEADER: Struct = Struct { name: "HTTPHeader", fields: &[
    f("name", S, V), f("value", S, V),
]};

pub(crate) static HTTP_GET_ACTION: Struct = Struct { name: "HTTPGetAction", fields: &[
    f("path", S, VE), f("port", IOS, V), f("host", S, VE), f("scheme", S, VE),
    f("httpHeaders", st(&HTTP_HEADER), LE),
]};

pub(crate) static TCP_SOCKET_ACTION: Struct = Struct { name: "TCPSocketAction", fields: &[
    f("port", IOS, V), f("host", S, VE),
]};

pub(crate) static GRPC_ACTION: Struct = Struct { name: "GRPCAction", fields: &[
    f("port", I32, V), f("service", S, P),
]};

pub(crate) static PROBE: Struct = Struct { name: "Probe", fields: &[
    f("exec", st(&EXEC_ACTION), PE), f("httpGet", st(&HTTP_GET_ACTION), PE),
    f("tcpSocket", st(&TCP_SOCKET_ACTION), PE), f("grpc", st(&GRPC_ACTION), PE),
    f("initialDelaySeconds", I32, VE), f("timeoutSeconds", I32, VE), f("periodSeconds", I32, VE),
    f("successThreshold", I32, VE), f("failureThreshold", I32, VE),
    f("terminationGracePeriodSeconds", I64, PE),
]};

pub(crate) static SLEEP_ACTION: Struct = Struct { name: "SleepAction", fields: &[
    f("seconds", I64, V),
]};

pub(crate) static LIFECYCLE_HANDLER: Struct = Struct { name: "LifecycleHandler", fields: &[
    f("exec", st(&EXEC_ACTION), PE), f("httpGet", st(&HTTP_GET_ACTION), PE),
    f("tcpSocket", st(&TCP_SOCKET_ACTION), PE), f("sleep", st(&SLEEP_ACTION), PE),
]};

pub(crate) static LIFECYCLE: Struct = Struct { name: "Lifecycle", fields: &[
    f("postStart", st(&LIFECYCLE_HANDLER), PE), f("preStop", st(&LIFECYCLE_HANDLER), PE),
    f("stopSignal", S, PE),
]};

pub(crate) static CAPABILITIES: Struct = Struct { name: "Capabilities", fields: &[
    f("add", S, LE), f("drop", S, LE),
]};

pub(crate) static SE_LINUX_OPTIONS: Struct = Struct { name: "SELinuxOptions", fields: &[
    f("user", S, VE), f("role", S, VE), f("type", S, VE), f("level", S, VE),
]};

pub(crate) static WINDOWS_SECURITY_CONTEXT_OPTIONS: Struct = Struct { name: "WindowsSecurityContextOptions", fields: &[
    f("gmsaCredentialSpecName", S, PE), f("gmsaCredentialSpec", S, PE), f("runAsUserName", S, PE),
    f("hostProcess", B, PE),
]};

pub(crate) static SECCOMP_PROFILE: Struct = Struct { name: "SeccompProfile", fields: &[
    f("type", S, V), f("localhostProfile", S, PE),
]};

pub(crate) static APP_ARMOR_PROFILE: Struct = Struct { name: "AppArmorProfile", fields: &[
    f("type", S, V), f("localhostProfile", S, PE),
]};

pub(crate) static SECURITY_CONTEXT: Struct = Struct { name: "SecurityContext", fields: &[
    f("capabilities", st(&CAPABILITIES), PE), f("privileged", B, PE),
    f("seLinuxOptions", st(&SE_LINUX_OPTIONS), PE),
    f("windowsOptions", st(&WINDOWS_SECURITY_CONTEXT_OPTIONS), PE), f("runAsUser", I64, PE),
    f("runAsGroup", I64, PE), f("runAsNonRoot", B, PE), f("readOnlyRootFilesystem", B, PE),
    f("allowPrivilegeEscalation", B, PE), f("procMount", S, PE),
    f("seccompProfile", st(&SECCOMP_PROFILE), PE), f("appArmorProfile", st(&APP_ARMOR_PROFILE), PE),
]};

pub(crate) static CONTAINER: Struct = Struct { name: "Container", fields: &[
    f("name", S, V), f("image", S, VE), f("command", S, LE), f("args", S, LE),
    f("workingDir", S, VE), f("ports", st(&CONTAINER_PORT), LE),
    f("envFrom", st(&ENV_FROM_SOURCE), LE), f("env", st(&ENV_VAR), LE),
    f("resources", st(&RESOURCE_REQUIREMENTS), VE),
    f("resizePolicy", st(&CONTAINER_RESIZE_POLICY), LE), f("restartPolicy", S, PE),
    f("restartPolicyRules", st(&CONTAINER_RESTART_RULE), LE),
    f("volumeMounts", st(&VOLUME_MOUNT), LE), f("volumeDevices", st(&VOLUME_DEVICE), LE),
    f("livenessProbe", st(&PROBE), PE), f("readinessProbe", st(&PROBE), PE),
    f("startupProbe", st(&PROBE), PE), f("lifecycle", st(&LIFECYCLE), PE),
    f("terminationMessagePath", S, VE), f("terminationMessagePolicy", S, VE),
    f("imagePullPolicy", S, VE), f("securityContext", st(&SECURITY_CONTEXT), PE), f("stdin", B, VE),
    f("stdinOnce", B, VE), f("tty", B, VE),
]};

pub(crate) static EPHEMERAL_CONTAINER: Struct = Struct { name: "EphemeralContainer", fields: &[
    f("name", S, V), f("image", S, VE), f("command", S, LE), f("args", S, LE),
    f("workingDir", S, VE), f("ports", st(&CONTAINER_PORT), LE),
    f("envFrom", st(&ENV_FROM_SOURCE), LE), f("env", st(&ENV_VAR), LE),
    f("resources", st(&RESOURCE_REQUIREMENTS), VE),
    f("resizePolicy", st(&CONTAINER_RESIZE_POLICY), LE), f("restartPolicy", S, PE),
    f("restartPolicyRules", st(&CONTAINER_RESTART_RULE), LE),
    f("volumeMounts", st(&VOLUME_MOUNT), LE), f("volumeDevices", st(&VOLUME_DEVICE), LE),
    f("livenessProbe", st(&PROBE), PE), f("readinessProbe", st(&PROBE), PE),
    f("startupProbe", st(&PROBE), PE), f("lifecycle", st(&LIFECYCLE), PE),
    f("terminationMessagePath", S, VE), f("terminationMessagePolicy", S, VE),
    f("imagePullPolicy", S, VE), f("securityContext", st(&SECURITY_CONTEXT), PE), f("stdin", B, VE),
    f("stdinOnce", B, VE), f("tty", B, VE), f("targetContainerName", S, VE),
]};
