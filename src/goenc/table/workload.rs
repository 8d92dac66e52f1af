//! Go struct table: The workload kinds and their spec/status types: `apps/v1`, `batch/v1`, `core/v1` Pod, ReplicationController and PodTemplateSpec, OpenShift `apps.openshift.io/v1` DeploymentConfig (`OS_` prefix).
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static POD: Struct = Struct { name: "Pod", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&POD_SPEC), VE), f("status", st(&POD_STATUS), VE),
]};

pub(crate) static POD_TEMPLATE_SPEC: Struct = Struct { name: "PodTemplateSpec", fields: &[
    f("metadata", st(&OBJECT_META), VE), f("spec", st(&POD_SPEC), VE),
]};

pub(crate) static REPLICATION_CONTROLLER_SPEC: Struct = Struct { name: "ReplicationControllerSpec", fields: &[
    f("replicas", I32, PE), f("minReadySeconds", I32, VE), f("selector", S, ME),
    f("template", st(&POD_TEMPLATE_SPEC), PE),
]};

pub(crate) static REPLICATION_CONTROLLER_CONDITION: Struct = Struct { name: "ReplicationControllerCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastTransitionTime", TIME, VE), f("reason", S, VE),
    f("message", S, VE),
]};

pub(crate) static REPLICATION_CONTROLLER_STATUS: Struct = Struct { name: "ReplicationControllerStatus", fields: &[
    f("replicas", I32, V), f("fullyLabeledReplicas", I32, VE), f("readyReplicas", I32, VE),
    f("availableReplicas", I32, VE), f("observedGeneration", I64, VE),
    f("conditions", st(&REPLICATION_CONTROLLER_CONDITION), LE),
]};

pub(crate) static REPLICATION_CONTROLLER: Struct = Struct { name: "ReplicationController", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&REPLICATION_CONTROLLER_SPEC), VE),
    f("status", st(&REPLICATION_CONTROLLER_STATUS), VE),
]};

pub(crate) static ROLLING_UPDATE_DEPLOYMENT: Struct = Struct { name: "RollingUpdateDeployment", fields: &[
    f("maxUnavailable", IOS, PE), f("maxSurge", IOS, PE),
]};

pub(crate) static DEPLOYMENT_STRATEGY: Struct = Struct { name: "DeploymentStrategy", fields: &[
    f("type", S, VE), f("rollingUpdate", st(&ROLLING_UPDATE_DEPLOYMENT), PE),
]};

pub(crate) static DEPLOYMENT_SPEC: Struct = Struct { name: "DeploymentSpec", fields: &[
    f("replicas", I32, PE), f("selector", st(&LABEL_SELECTOR), P),
    f("template", st(&POD_TEMPLATE_SPEC), V), f("strategy", st(&DEPLOYMENT_STRATEGY), VE),
    f("minReadySeconds", I32, VE), f("revisionHistoryLimit", I32, PE), f("paused", B, VE),
    f("progressDeadlineSeconds", I32, PE),
]};

pub(crate) static DEPLOYMENT_CONDITION: Struct = Struct { name: "DeploymentCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastUpdateTime", TIME, VE),
    f("lastTransitionTime", TIME, VE), f("reason", S, VE), f("message", S, VE),
]};

pub(crate) static DEPLOYMENT_STATUS: Struct = Struct { name: "DeploymentStatus", fields: &[
    f("observedGeneration", I64, VE), f("replicas", I32, VE), f("updatedReplicas", I32, VE),
    f("readyReplicas", I32, VE), f("availableReplicas", I32, VE), f("unavailableReplicas", I32, VE),
    f("terminatingReplicas", I32, PE), f("conditions", st(&DEPLOYMENT_CONDITION), LE),
    f("collisionCount", I32, PE),
]};

pub(crate) static DEPLOYMENT: Struct = Struct { name: "Deployment", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&DEPLOYMENT_SPEC), VE), f("status", st(&DEPLOYMENT_STATUS), VE),
]};

pub(crate) static ROLLING_UPDATE_DAEMON_SET: Struct = Struct { name: "RollingUpdateDaemonSet", fields: &[
    f("maxUnavailable", IOS, PE), f("maxSurge", IOS, PE),
]};

pub(crate) static DAEMON_SET_UPDATE_STRATEGY: Struct = Struct { name: "DaemonSetUpdateStrategy", fields: &[
    f("type", S, VE), f("rollingUpdate", st(&ROLLING_UPDATE_DAEMON_SET), PE),
]};

pub(crate) static DAEMON_SET_SPEC: Struct = Struct { name: "DaemonSetSpec", fields: &[
    f("selector", st(&LABEL_SELECTOR), P), f("template", st(&POD_TEMPLATE_SPEC), V),
    f("updateStrategy", st(&DAEMON_SET_UPDATE_STRATEGY), VE), f("minReadySeconds", I32, VE),
    f("revisionHistoryLimit", I32, PE),
]};

pub(crate) static DAEMON_SET_CONDITION: Struct = Struct { name: "DaemonSetCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastTransitionTime", TIME, VE), f("reason", S, VE),
    f("message", S, VE),
]};

pub(crate) static DAEMON_SET_STATUS: Struct = Struct { name: "DaemonSetStatus", fields: &[
    f("currentNumberScheduled", I32, V), f("numberMisscheduled", I32, V),
    f("desiredNumberScheduled", I32, V), f("numberReady", I32, V), f("observedGeneration", I64, VE),
    f("updatedNumberScheduled", I32, VE), f("numberAvailable", I32, VE),
    f("numberUnavailable", I32, VE), f("collisionCount", I32, PE),
    f("conditions", st(&DAEMON_SET_CONDITION), LE),
]};

pub(crate) static DAEMON_SET: Struct = Struct { name: "DaemonSet", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&DAEMON_SET_SPEC), VE), f("status", st(&DAEMON_SET_STATUS), VE),
]};

pub(crate) static REPLICA_SET_SPEC: Struct = Struct { name: "ReplicaSetSpec", fields: &[
    f("replicas", I32, PE), f("minReadySeconds", I32, VE), f("selector", st(&LABEL_SELECTOR), P),
    f("template", st(&POD_TEMPLATE_SPEC), VE),
]};

pub(crate) static REPLICA_SET_CONDITION: Struct = Struct { name: "ReplicaSetCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastTransitionTime", TIME, VE), f("reason", S, VE),
    f("message", S, VE),
]};

pub(crate) static REPLICA_SET_STATUS: Struct = Struct { name: "ReplicaSetStatus", fields: &[
    f("replicas", I32, V), f("fullyLabeledReplicas", I32, VE), f("readyReplicas", I32, VE),
    f("availableReplicas", I32, VE), f("terminatingReplicas", I32, PE),
    f("observedGeneration", I64, VE), f("conditions", st(&REPLICA_SET_CONDITION), LE),
]};

pub(crate) static REPLICA_SET: Struct = Struct { name: "ReplicaSet", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&REPLICA_SET_SPEC), VE), f("status", st(&REPLICA_SET_STATUS), VE),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM_CONDITION: Struct = Struct { name: "PersistentVolumeClaimCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastProbeTime", TIME, VE),
    f("lastTransitionTime", TIME, VE), f("reason", S, VE), f("message", S, VE),
]};

pub(crate) static MODIFY_VOLUME_STATUS: Struct = Struct { name: "ModifyVolumeStatus", fields: &[
    f("targetVolumeAttributesClassName", S, VE), f("status", S, V),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM_STATUS: Struct = Struct { name: "PersistentVolumeClaimStatus", fields: &[
    f("phase", S, VE), f("accessModes", S, LE), f("capacity", Q, ME),
    f("conditions", st(&PERSISTENT_VOLUME_CLAIM_CONDITION), LE), f("allocatedResources", Q, ME),
    f("allocatedResourceStatuses", S, ME), f("currentVolumeAttributesClassName", S, PE),
    f("modifyVolumeStatus", st(&MODIFY_VOLUME_STATUS), PE),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM: Struct = Struct { name: "PersistentVolumeClaim", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&PERSISTENT_VOLUME_CLAIM_SPEC), VE),
    f("status", st(&PERSISTENT_VOLUME_CLAIM_STATUS), VE),
]};

pub(crate) static ROLLING_UPDATE_STATEFUL_SET_STRATEGY: Struct = Struct { name: "RollingUpdateStatefulSetStrategy", fields: &[
    f("partition", I32, PE), f("maxUnavailable", IOS, PE),
]};

pub(crate) static STATEFUL_SET_UPDATE_STRATEGY: Struct = Struct { name: "StatefulSetUpdateStrategy", fields: &[
    f("type", S, VE), f("rollingUpdate", st(&ROLLING_UPDATE_STATEFUL_SET_STRATEGY), PE),
]};

pub(crate) static STATEFUL_SET_PERSISTENT_VOLUME_CLAIM_RETENTION_POLICY: Struct = Struct { name: "StatefulSetPersistentVolumeClaimRetentionPolicy", fields: &[
    f("whenDeleted", S, VE), f("whenScaled", S, VE),
]};

pub(crate) static STATEFUL_SET_ORDINALS: Struct = Struct { name: "StatefulSetOrdinals", fields: &[
    f("start", I32, V),
]};

pub(crate) static STATEFUL_SET_SPEC: Struct = Struct { name: "StatefulSetSpec", fields: &[
    f("replicas", I32, PE), f("selector", st(&LABEL_SELECTOR), P),
    f("template", st(&POD_TEMPLATE_SPEC), V),
    f("volumeClaimTemplates", st(&PERSISTENT_VOLUME_CLAIM), LE), f("serviceName", S, V),
    f("podManagementPolicy", S, VE), f("updateStrategy", st(&STATEFUL_SET_UPDATE_STRATEGY), VE),
    f("revisionHistoryLimit", I32, PE), f("minReadySeconds", I32, VE),
    f("persistentVolumeClaimRetentionPolicy", st(&STATEFUL_SET_PERSISTENT_VOLUME_CLAIM_RETENTION_POLICY), PE),
    f("ordinals", st(&STATEFUL_SET_ORDINALS), PE),
]};

pub(crate) static STATEFUL_SET_CONDITION: Struct = Struct { name: "StatefulSetCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastTransitionTime", TIME, VE), f("reason", S, VE),
    f("message", S, VE),
]};

pub(crate) static STATEFUL_SET_STATUS: Struct = Struct { name: "StatefulSetStatus", fields: &[
    f("observedGeneration", I64, VE), f("replicas", I32, V), f("readyReplicas", I32, VE),
    f("currentReplicas", I32, VE), f("updatedReplicas", I32, VE), f("currentRevision", S, VE),
    f("updateRevision", S, VE), f("collisionCount", I32, PE),
    f("conditions", st(&STATEFUL_SET_CONDITION), LE), f("availableReplicas", I32, V),
]};

pub(crate) static STATEFUL_SET: Struct = Struct { name: "StatefulSet", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&STATEFUL_SET_SPEC), VE), f("status", st(&STATEFUL_SET_STATUS), VE),
]};

pub(crate) static POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT: Struct = Struct { name: "PodFailurePolicyOnExitCodesRequirement", fields: &[
    f("containerName", S, PE), f("operator", S, V), f("values", I32, L),
]};

pub(crate) static POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN: Struct = Struct { name: "PodFailurePolicyOnPodConditionsPattern", fields: &[
    f("type", S, V), f("status", S, V),
]};

pub(crate) static POD_FAILURE_POLICY_RULE: Struct = Struct { name: "PodFailurePolicyRule", fields: &[
    f("action", S, V), f("onExitCodes", st(&POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT), PE),
    f("onPodConditions", st(&POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN), LE),
]};

pub(crate) static POD_FAILURE_POLICY: Struct = Struct { name: "PodFailurePolicy", fields: &[
    f("rules", st(&POD_FAILURE_POLICY_RULE), L),
]};

pub(crate) static SUCCESS_POLICY_RULE: Struct = Struct { name: "SuccessPolicyRule", fields: &[
    f("succeededIndexes", S, PE), f("succeededCount", I32, PE),
]};

pub(crate) static SUCCESS_POLICY: Struct = Struct { name: "SuccessPolicy", fields: &[
    f("rules", st(&SUCCESS_POLICY_RULE), L),
]};

pub(crate) static JOB_SPEC: Struct = Struct { name: "JobSpec", fields: &[
    f("parallelism", I32, PE), f("completions", I32, PE), f("activeDeadlineSeconds", I64, PE),
    f("podFailurePolicy", st(&POD_FAILURE_POLICY), PE), f("successPolicy", st(&SUCCESS_POLICY), PE),
    f("backoffLimit", I32, PE), f("backoffLimitPerIndex", I32, PE), f("maxFailedIndexes", I32, PE),
    f("selector", st(&LABEL_SELECTOR), PE), f("manualSelector", B, PE),
    f("template", st(&POD_TEMPLATE_SPEC), V), f("ttlSecondsAfterFinished", I32, PE),
    f("completionMode", S, PE), f("suspend", B, PE), f("podReplacementPolicy", S, PE),
    f("managedBy", S, PE),
]};

pub(crate) static JOB_CONDITION: Struct = Struct { name: "JobCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastProbeTime", TIME, VE),
    f("lastTransitionTime", TIME, VE), f("reason", S, VE), f("message", S, VE),
]};

pub(crate) static UNCOUNTED_TERMINATED_PODS: Struct = Struct { name: "UncountedTerminatedPods", fields: &[
    f("succeeded", S, LE), f("failed", S, LE),
]};

pub(crate) static JOB_STATUS: Struct = Struct { name: "JobStatus", fields: &[
    f("conditions", st(&JOB_CONDITION), LE), f("startTime", TIME, PE),
    f("completionTime", TIME, PE), f("active", I32, VE), f("succeeded", I32, VE),
    f("failed", I32, VE), f("terminating", I32, PE), f("completedIndexes", S, VE),
    f("failedIndexes", S, PE), f("uncountedTerminatedPods", st(&UNCOUNTED_TERMINATED_PODS), PE),
    f("ready", I32, PE),
]};

pub(crate) static JOB: Struct = Struct { name: "Job", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&JOB_SPEC), VE), f("status", st(&JOB_STATUS), VE),
]};

pub(crate) static JOB_TEMPLATE_SPEC: Struct = Struct { name: "JobTemplateSpec", fields: &[
    f("metadata", st(&OBJECT_META), VE), f("spec", st(&JOB_SPEC), VE),
]};

pub(crate) static CRON_JOB_SPEC: Struct = Struct { name: "CronJobSpec", fields: &[
    f("schedule", S, V), f("timeZone", S, PE), f("startingDeadlineSeconds", I64, PE),
    f("concurrencyPolicy", S, VE), f("suspend", B, PE), f("jobTemplate", st(&JOB_TEMPLATE_SPEC), V),
    f("successfulJobsHistoryLimit", I32, PE), f("failedJobsHistoryLimit", I32, PE),
]};

pub(crate) static OBJECT_REFERENCE: Struct = Struct { name: "ObjectReference", fields: &[
    f("kind", S, VE), f("namespace", S, VE), f("name", S, VE), f("uid", S, VE),
    f("apiVersion", S, VE), f("resourceVersion", S, VE), f("fieldPath", S, VE),
]};

pub(crate) static CRON_JOB_STATUS: Struct = Struct { name: "CronJobStatus", fields: &[
    f("active", st(&OBJECT_REFERENCE), LE), f("lastScheduleTime", TIME, PE),
    f("lastSuccessfulTime", TIME, PE),
]};

pub(crate) static CRON_JOB: Struct = Struct { name: "CronJob", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&CRON_JOB_SPEC), VE), f("status", st(&CRON_JOB_STATUS), VE),
]};

pub(crate) static OS_CUSTOM_DEPLOYMENT_STRATEGY_PARAMS: Struct = Struct { name: "CustomDeploymentStrategyParams", fields: &[
    f("image", S, VE), f("environment", st(&ENV_VAR), LE), f("command", S, LE),
]};

pub(crate) static OS_EXEC_NEW_POD_HOOK: Struct = Struct { name: "ExecNewPodHook", fields: &[
    f("command", S, L), f("env", st(&ENV_VAR), LE), f("containerName", S, V), f("volumes", S, LE),
]};

pub(crate) static OS_TAG_IMAGE_HOOK: Struct = Struct { name: "TagImageHook", fields: &[
    f("containerName", S, V), f("to", st(&OBJECT_REFERENCE), V),
]};

pub(crate) static OS_LIFECYCLE_HOOK: Struct = Struct { name: "LifecycleHook", fields: &[
    f("failurePolicy", S, V), f("execNewPod", st(&OS_EXEC_NEW_POD_HOOK), PE),
    f("tagImages", st(&OS_TAG_IMAGE_HOOK), LE),
]};

pub(crate) static OS_RECREATE_DEPLOYMENT_STRATEGY_PARAMS: Struct = Struct { name: "RecreateDeploymentStrategyParams", fields: &[
    f("timeoutSeconds", I64, PE), f("pre", st(&OS_LIFECYCLE_HOOK), PE),
    f("mid", st(&OS_LIFECYCLE_HOOK), PE), f("post", st(&OS_LIFECYCLE_HOOK), PE),
]};

pub(crate) static OS_ROLLING_DEPLOYMENT_STRATEGY_PARAMS: Struct = Struct { name: "RollingDeploymentStrategyParams", fields: &[
    f("updatePeriodSeconds", I64, PE), f("intervalSeconds", I64, PE), f("timeoutSeconds", I64, PE),
    f("maxUnavailable", IOS, PE), f("maxSurge", IOS, PE), f("pre", st(&OS_LIFECYCLE_HOOK), PE),
    f("post", st(&OS_LIFECYCLE_HOOK), PE),
]};

pub(crate) static OS_DEPLOYMENT_STRATEGY: Struct = Struct { name: "DeploymentStrategy", fields: &[
    f("type", S, VE), f("customParams", st(&OS_CUSTOM_DEPLOYMENT_STRATEGY_PARAMS), PE),
    f("recreateParams", st(&OS_RECREATE_DEPLOYMENT_STRATEGY_PARAMS), PE),
    f("rollingParams", st(&OS_ROLLING_DEPLOYMENT_STRATEGY_PARAMS), PE),
    f("resources", st(&RESOURCE_REQUIREMENTS), VE), f("labels", S, ME), f("annotations", S, ME),
    f("activeDeadlineSeconds", I64, PE),
]};

pub(crate) static OS_DEPLOYMENT_TRIGGER_IMAGE_CHANGE_PARAMS: Struct = Struct { name: "DeploymentTriggerImageChangeParams", fields: &[
    f("automatic", B, VE), f("containerNames", S, LE), f("from", st(&OBJECT_REFERENCE), V),
    f("lastTriggeredImage", S, VE),
]};

pub(crate) static OS_DEPLOYMENT_TRIGGER_POLICY: Struct = Struct { name: "DeploymentTriggerPolicy", fields: &[
    f("type", S, VE), f("imageChangeParams", st(&OS_DEPLOYMENT_TRIGGER_IMAGE_CHANGE_PARAMS), PE),
]};

pub(crate) static OS_DEPLOYMENT_CONFIG_SPEC: Struct = Struct { name: "DeploymentConfigSpec", fields: &[
    f("strategy", st(&OS_DEPLOYMENT_STRATEGY), V), f("minReadySeconds", I32, VE),
    f("triggers", st(&OS_DEPLOYMENT_TRIGGER_POLICY), L), f("replicas", I32, V),
    f("revisionHistoryLimit", I32, PE), f("test", B, V), f("paused", B, VE), f("selector", S, ME),
    f("template", st(&POD_TEMPLATE_SPEC), PE),
]};

pub(crate) static OS_DEPLOYMENT_CAUSE_IMAGE_TRIGGER: Struct = Struct { name: "DeploymentCauseImageTrigger", fields: &[
    f("from", st(&OBJECT_REFERENCE), V),
]};

pub(crate) static OS_DEPLOYMENT_CAUSE: Struct = Struct { name: "DeploymentCause", fields: &[
    f("type", S, V), f("imageTrigger", st(&OS_DEPLOYMENT_CAUSE_IMAGE_TRIGGER), PE),
]};

pub(crate) static OS_DEPLOYMENT_DETAILS: Struct = Struct { name: "DeploymentDetails", fields: &[
    f("message", S, VE), f("causes", st(&OS_DEPLOYMENT_CAUSE), L),
]};

pub(crate) static OS_DEPLOYMENT_CONDITION: Struct = Struct { name: "DeploymentCondition", fields: &[
    f("type", S, V), f("status", S, V), f("lastUpdateTime", TIME, VE),
    f("lastTransitionTime", TIME, VE), f("reason", S, VE), f("message", S, VE),
]};

pub(crate) static OS_DEPLOYMENT_CONFIG_STATUS: Struct = Struct { name: "DeploymentConfigStatus", fields: &[
    f("latestVersion", I64, V), f("observedGeneration", I64, V), f("replicas", I32, V),
    f("updatedReplicas", I32, V), f("availableReplicas", I32, V), f("unavailableReplicas", I32, V),
    f("details", st(&OS_DEPLOYMENT_DETAILS), PE), f("conditions", st(&OS_DEPLOYMENT_CONDITION), LE),
    f("readyReplicas", I32, VE),
]};

pub(crate) static OS_DEPLOYMENT_CONFIG: Struct = Struct { name: "DeploymentConfig", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&OBJECT_META), VE),
    f("spec", st(&OS_DEPLOYMENT_CONFIG_SPEC), V), f("status", st(&OS_DEPLOYMENT_CONFIG_STATUS), VE),
]};
