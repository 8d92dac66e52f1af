//! Go struct table: `core/v1` Volume and its sources (including ephemeral PVC templates).
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static HOST_PATH_VOLUME_SOURCE: Struct = Struct { name: "HostPathVolumeSource", fields: &[
    f("path", S, V), f("type", S, PE),
]};

pub(crate) static EMPTY_DIR_VOLUME_SOURCE: Struct = Struct { name: "EmptyDirVolumeSource", fields: &[
    f("medium", S, VE), f("sizeLimit", Q, PE),
]};

pub(crate) static GCE_PERSISTENT_DISK_VOLUME_SOURCE: Struct = Struct { name: "GCEPersistentDiskVolumeSource", fields: &[
    f("pdName", S, V), f("fsType", S, VE), f("partition", I32, VE), f("readOnly", B, VE),
]};

pub(crate) static AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: Struct = Struct { name: "AWSElasticBlockStoreVolumeSource", fields: &[
    f("volumeID", S, V), f("fsType", S, VE), f("partition", I32, VE), f("readOnly", B, VE),
]};

pub(crate) static GIT_REPO_VOLUME_SOURCE: Struct = Struct { name: "GitRepoVolumeSource", fields: &[
    f("repository", S, V), f("revision", S, VE), f("directory", S, VE),
]};

pub(crate) static KEY_TO_PATH: Struct = Struct { name: "KeyToPath", fields: &[
    f("key", S, V), f("path", S, V), f("mode", I32, PE),
]};

pub(crate) static SECRET_VOLUME_SOURCE: Struct = Struct { name: "SecretVolumeSource", fields: &[
    f("secretName", S, VE), f("items", st(&KEY_TO_PATH), LE), f("defaultMode", I32, PE),
    f("optional", B, PE),
]};

pub(crate) static NFS_VOLUME_SOURCE: Struct = Struct { name: "NFSVolumeSource", fields: &[
    f("server", S, V), f("path", S, V), f("readOnly", B, VE),
]};

pub(crate) static ISCSI_VOLUME_SOURCE: Struct = Struct { name: "ISCSIVolumeSource", fields: &[
    f("targetPortal", S, V), f("iqn", S, V), f("lun", I32, V), f("iscsiInterface", S, VE),
    f("fsType", S, VE), f("readOnly", B, VE), f("portals", S, LE), f("chapAuthDiscovery", B, VE),
    f("chapAuthSession", B, VE), f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE),
    f("initiatorName", S, PE),
]};

pub(crate) static GLUSTERFS_VOLUME_SOURCE: Struct = Struct { name: "GlusterfsVolumeSource", fields: &[
    f("endpoints", S, V), f("path", S, V), f("readOnly", B, VE),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Struct = Struct { name: "PersistentVolumeClaimVolumeSource", fields: &[
    f("claimName", S, V), f("readOnly", B, VE),
]};

pub(crate) static RBD_VOLUME_SOURCE: Struct = Struct { name: "RBDVolumeSource", fields: &[
    f("monitors", S, L), f("image", S, V), f("fsType", S, VE), f("pool", S, VE), f("user", S, VE),
    f("keyring", S, VE), f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE), f("readOnly", B, VE),
]};

pub(crate) static FLEX_VOLUME_SOURCE: Struct = Struct { name: "FlexVolumeSource", fields: &[
    f("driver", S, V), f("fsType", S, VE), f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE),
    f("readOnly", B, VE), f("options", S, ME),
]};

pub(crate) static CINDER_VOLUME_SOURCE: Struct = Struct { name: "CinderVolumeSource", fields: &[
    f("volumeID", S, V), f("fsType", S, VE), f("readOnly", B, VE),
    f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE),
]};

pub(crate) static CEPH_FS_VOLUME_SOURCE: Struct = Struct { name: "CephFSVolumeSource", fields: &[
    f("monitors", S, L), f("path", S, VE), f("user", S, VE), f("secretFile", S, VE),
    f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE), f("readOnly", B, VE),
]};

pub(crate) static FLOCKER_VOLUME_SOURCE: Struct = Struct { name: "FlockerVolumeSource", fields: &[
    f("datasetName", S, VE), f("datasetUUID", S, VE),
]};

pub(crate) static DOWNWARD_API_VOLUME_FILE: Struct = Struct { name: "DownwardAPIVolumeFile", fields: &[
    f("path", S, V), f("fieldRef", st(&OBJECT_FIELD_SELECTOR), PE),
    f("resourceFieldRef", st(&RESOURCE_FIELD_SELECTOR), PE), f("mode", I32, PE),
]};

pub(crate) static DOWNWARD_API_VOLUME_SOURCE: Struct = Struct { name: "DownwardAPIVolumeSource", fields: &[
    f("items", st(&DOWNWARD_API_VOLUME_FILE), LE), f("defaultMode", I32, PE),
]};

pub(crate) static FC_VOLUME_SOURCE: Struct = Struct { name: "FCVolumeSource", fields: &[
    f("targetWWNs", S, LE), f("lun", I32, PE), f("fsType", S, VE), f("readOnly", B, VE),
    f("wwids", S, LE),
]};

pub(crate) static AZURE_FILE_VOLUME_SOURCE: Struct = Struct { name: "AzureFileVolumeSource", fields: &[
    f("secretName", S, V), f("shareName", S, V), f("readOnly", B, VE),
]};

pub(crate) static CONFIG_MAP_VOLUME_SOURCE: Struct = Struct { name: "ConfigMapVolumeSource", fields: &[
    f("name", S, VE), f("items", st(&KEY_TO_PATH), LE), f("defaultMode", I32, PE),
    f("optional", B, PE),
]};

pub(crate) static VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: Struct = Struct { name: "VsphereVirtualDiskVolumeSource", fields: &[
    f("volumePath", S, V), f("fsType", S, VE), f("storagePolicyName", S, VE),
    f("storagePolicyID", S, VE),
]};

pub(crate) static QUOBYTE_VOLUME_SOURCE: Struct = Struct { name: "QuobyteVolumeSource", fields: &[
    f("registry", S, V), f("volume", S, V), f("readOnly", B, VE), f("user", S, VE),
    f("group", S, VE), f("tenant", S, VE),
]};

pub(crate) static AZURE_DISK_VOLUME_SOURCE: Struct = Struct { name: "AzureDiskVolumeSource", fields: &[
    f("diskName", S, V), f("diskURI", S, V), f("cachingMode", S, PE), f("fsType", S, PE),
    f("readOnly", B, PE), f("kind", S, PE),
]};

pub(crate) static PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: Struct = Struct { name: "PhotonPersistentDiskVolumeSource", fields: &[
    f("pdID", S, V), f("fsType", S, VE),
]};

pub(crate) static SECRET_PROJECTION: Struct = Struct { name: "SecretProjection", fields: &[
    f("name", S, VE), f("items", st(&KEY_TO_PATH), LE), f("optional", B, PE),
]};

pub(crate) static DOWNWARD_API_PROJECTION: Struct = Struct { name: "DownwardAPIProjection", fields: &[
    f("items", st(&DOWNWARD_API_VOLUME_FILE), LE),
]};

pub(crate) static CONFIG_MAP_PROJECTION: Struct = Struct { name: "ConfigMapProjection", fields: &[
    f("name", S, VE), f("items", st(&KEY_TO_PATH), LE), f("optional", B, PE),
]};

pub(crate) static SERVICE_ACCOUNT_TOKEN_PROJECTION: Struct = Struct { name: "ServiceAccountTokenProjection", fields: &[
    f("audience", S, VE), f("expirationSeconds", I64, PE), f("path", S, V),
]};

pub(crate) static CLUSTER_TRUST_BUNDLE_PROJECTION: Struct = Struct { name: "ClusterTrustBundleProjection", fields: &[
    f("name", S, PE), f("signerName", S, PE), f("labelSelector", st(&LABEL_SELECTOR), PE),
    f("optional", B, PE), f("path", S, V),
]};

pub(crate) static POD_CERTIFICATE_PROJECTION: Struct = Struct { name: "PodCertificateProjection", fields: &[
    f("signerName", S, VE), f("keyType", S, VE), f("maxExpirationSeconds", I32, PE),
    f("credentialBundlePath", S, VE), f("keyPath", S, VE), f("certificateChainPath", S, VE),
    f("userAnnotations", S, ME),
]};

pub(crate) static VOLUME_PROJECTION: Struct = Struct { name: "VolumeProjection", fields: &[
    f("secret", st(&SECRET_PROJECTION), PE), f("downwardAPI", st(&DOWNWARD_API_PROJECTION), PE),
    f("configMap", st(&CONFIG_MAP_PROJECTION), PE),
    f("serviceAccountToken", st(&SERVICE_ACCOUNT_TOKEN_PROJECTION), PE),
    f("clusterTrustBundle", st(&CLUSTER_TRUST_BUNDLE_PROJECTION), PE),
    f("podCertificate", st(&POD_CERTIFICATE_PROJECTION), PE),
]};

pub(crate) static PROJECTED_VOLUME_SOURCE: Struct = Struct { name: "ProjectedVolumeSource", fields: &[
    f("sources", st(&VOLUME_PROJECTION), L), f("defaultMode", I32, PE),
]};

pub(crate) static PORTWORX_VOLUME_SOURCE: Struct = Struct { name: "PortworxVolumeSource", fields: &[
    f("volumeID", S, V), f("fsType", S, VE), f("readOnly", B, VE),
]};

pub(crate) static SCALE_IO_VOLUME_SOURCE: Struct = Struct { name: "ScaleIOVolumeSource", fields: &[
    f("gateway", S, V), f("system", S, V), f("secretRef", st(&LOCAL_OBJECT_REFERENCE), P),
    f("sslEnabled", B, VE), f("protectionDomain", S, VE), f("storagePool", S, VE),
    f("storageMode", S, VE), f("volumeName", S, VE), f("fsType", S, VE), f("readOnly", B, VE),
]};

pub(crate) static STORAGE_OS_VOLUME_SOURCE: Struct = Struct { name: "StorageOSVolumeSource", fields: &[
    f("volumeName", S, VE), f("volumeNamespace", S, VE), f("fsType", S, VE), f("readOnly", B, VE),
    f("secretRef", st(&LOCAL_OBJECT_REFERENCE), PE),
]};

pub(crate) static CSI_VOLUME_SOURCE: Struct = Struct { name: "CSIVolumeSource", fields: &[
    f("driver", S, V), f("readOnly", B, PE), f("fsType", S, PE), f("volumeAttributes", S, ME),
    f("nodePublishSecretRef", st(&LOCAL_OBJECT_REFERENCE), PE),
]};

pub(crate) static VOLUME_RESOURCE_REQUIREMENTS: Struct = Struct { name: "VolumeResourceRequirements", fields: &[
    f("limits", Q, ME), f("requests", Q, ME),
]};

pub(crate) static TYPED_LOCAL_OBJECT_REFERENCE: Struct = Struct { name: "TypedLocalObjectReference", fields: &[
    f("apiGroup", S, P), f("kind", S, V), f("name", S, V),
]};

pub(crate) static TYPED_OBJECT_REFERENCE: Struct = Struct { name: "TypedObjectReference", fields: &[
    f("apiGroup", S, P), f("kind", S, V), f("name", S, V), f("namespace", S, PE),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM_SPEC: Struct = Struct { name: "PersistentVolumeClaimSpec", fields: &[
    f("accessModes", S, LE), f("selector", st(&LABEL_SELECTOR), PE),
    f("resources", st(&VOLUME_RESOURCE_REQUIREMENTS), VE), f("volumeName", S, VE),
    f("storageClassName", S, PE), f("volumeMode", S, PE),
    f("dataSource", st(&TYPED_LOCAL_OBJECT_REFERENCE), PE),
    f("dataSourceRef", st(&TYPED_OBJECT_REFERENCE), PE), f("volumeAttributesClassName", S, PE),
]};

pub(crate) static PERSISTENT_VOLUME_CLAIM_TEMPLATE: Struct = Struct { name: "PersistentVolumeClaimTemplate", fields: &[
    f("metadata", st(&OBJECT_META), VE), f("spec", st(&PERSISTENT_VOLUME_CLAIM_SPEC), V),
]};

pub(crate) static EPHEMERAL_VOLUME_SOURCE: Struct = Struct { name: "EphemeralVolumeSource", fields: &[
    f("volumeClaimTemplate", st(&PERSISTENT_VOLUME_CLAIM_TEMPLATE), PE),
]};

pub(crate) static IMAGE_VOLUME_SOURCE: Struct = Struct { name: "ImageVolumeSource", fields: &[
    f("reference", S, VE), f("pullPolicy", S, VE),
]};

pub(crate) static VOLUME: Struct = Struct { name: "Volume", fields: &[
    f("name", S, V), f("hostPath", st(&HOST_PATH_VOLUME_SOURCE), PE),
    f("emptyDir", st(&EMPTY_DIR_VOLUME_SOURCE), PE),
    f("gcePersistentDisk", st(&GCE_PERSISTENT_DISK_VOLUME_SOURCE), PE),
    f("awsElasticBlockStore", st(&AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE), PE),
    f("gitRepo", st(&GIT_REPO_VOLUME_SOURCE), PE), f("secret", st(&SECRET_VOLUME_SOURCE), PE),
    f("nfs", st(&NFS_VOLUME_SOURCE), PE), f("iscsi", st(&ISCSI_VOLUME_SOURCE), PE),
    f("glusterfs", st(&GLUSTERFS_VOLUME_SOURCE), PE),
    f("persistentVolumeClaim", st(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE), PE),
    f("rbd", st(&RBD_VOLUME_SOURCE), PE), f("flexVolume", st(&FLEX_VOLUME_SOURCE), PE),
    f("cinder", st(&CINDER_VOLUME_SOURCE), PE), f("cephfs", st(&CEPH_FS_VOLUME_SOURCE), PE),
    f("flocker", st(&FLOCKER_VOLUME_SOURCE), PE),
    f("downwardAPI", st(&DOWNWARD_API_VOLUME_SOURCE), PE), f("fc", st(&FC_VOLUME_SOURCE), PE),
    f("azureFile", st(&AZURE_FILE_VOLUME_SOURCE), PE),
    f("configMap", st(&CONFIG_MAP_VOLUME_SOURCE), PE),
    f("vsphereVolume", st(&VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE), PE),
    f("quobyte", st(&QUOBYTE_VOLUME_SOURCE), PE), f("azureDisk", st(&AZURE_DISK_VOLUME_SOURCE), PE),
    f("photonPersistentDisk", st(&PHOTON_PERSISTENT_DISK_VOLUME_SOURCE), PE),
    f("projected", st(&PROJECTED_VOLUME_SOURCE), PE),
    f("portworxVolume", st(&PORTWORX_VOLUME_SOURCE), PE),
    f("scaleIO", st(&SCALE_IO_VOLUME_SOURCE), PE),
    f("storageos", st(&STORAGE_OS_VOLUME_SOURCE), PE), f("csi", st(&CSI_VOLUME_SOURCE), PE),
    f("ephemeral", st(&EPHEMERAL_VOLUME_SOURCE), PE), f("image", st(&IMAGE_VOLUME_SOURCE), PE),
]};
