//! The strategic-merge metadata of core/v1 `Pod`, as one static table.
//!
//! apimachinery reads the `patchStrategy`/`patchMergeKey` struct tags of
//! k8s.io/api (v0.35, the version Istio 1.30 builds with). Only the tagged
//! fields, and the struct fields leading to them, are listed: every other field
//! has no strategy, which is what the lookup returns for a field not in the
//! table (objects merge key by key, lists are replaced).
//!
//! Deliberate notes, from k8s.io/api core/v1 types.go:
//! - `ports` merge on `containerPort` alone: two ports with the same number and
//!   different protocols collide (kubernetes/kubernetes#39188); the
//!   `+listMapKey=protocol` marker is for server-side apply only.
//! - `tolerations`, `args`, `command`, `readinessGates`, `resourceClaims` of a
//!   container, and the status lists of containers carry no strategy: replaced.
//! - `volumes`, `resourceClaims` and `resourceClaimStatuses` are tagged
//!   `merge,retainKeys`; `retainKeys` only changes how patches are *created*,
//!   so applying treats them as `merge`.
//! - `ephemeralContainers` elements share the tagged fields of `Container`
//!   (`EphemeralContainerCommon`), so both use one table.

/// The fields of one Go struct that matter to a strategic merge.
#[derive(Debug)]
pub(crate) struct Schema {
    pub(crate) fields: &'static [Field],
}

/// One JSON field of a struct and its patch metadata.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) json: &'static str,
    /// `patchStrategy:"merge"` (lists only).
    pub(crate) merge: bool,
    /// `patchMergeKey`; empty for lists of scalars and unkeyed fields.
    pub(crate) merge_key: &'static str,
    /// The struct (or list element struct) the field holds, when it has tagged fields.
    pub(crate) schema: Option<&'static Schema>,
}

/// Metadata found for a field.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Meta {
    pub(crate) merge: bool,
    pub(crate) merge_key: &'static str,
    pub(crate) schema: Option<&'static Schema>,
}

/// Looks `json` up in `schema` as apimachinery's forked `encoding/json` field
/// lookup does: exact name first, else the first ASCII case-insensitive match.
pub(crate) fn lookup(schema: Option<&'static Schema>, json: &str) -> Meta {
    let Some(schema) = schema else {
        return Meta::default();
    };
    let found = schema.fields.iter().find(|f| f.json == json).or_else(|| {
        schema
            .fields
            .iter()
            .find(|f| f.json.eq_ignore_ascii_case(json))
    });
    found.map_or_else(Meta::default, |f| Meta {
        merge: f.merge,
        merge_key: f.merge_key,
        schema: f.schema,
    })
}

const fn path(json: &'static str, schema: &'static Schema) -> Field {
    Field {
        json,
        merge: false,
        merge_key: "",
        schema: Some(schema),
    }
}

const fn keyed(json: &'static str, merge_key: &'static str) -> Field {
    Field {
        json,
        merge: true,
        merge_key,
        schema: None,
    }
}

const fn keyed_of(json: &'static str, merge_key: &'static str, schema: &'static Schema) -> Field {
    Field {
        json,
        merge: true,
        merge_key,
        schema: Some(schema),
    }
}

/// core/v1 `Pod`.
pub(crate) static POD: Schema = Schema {
    fields: &[
        path("metadata", &OBJECT_META),
        path("spec", &POD_SPEC),
        path("status", &POD_STATUS),
    ],
};

static OBJECT_META: Schema = Schema {
    fields: &[
        keyed("ownerReferences", "uid"),
        // A merge list of scalars: union, deduplicated.
        keyed("finalizers", ""),
    ],
};

static POD_SPEC: Schema = Schema {
    fields: &[
        keyed("volumes", "name"),
        keyed_of("initContainers", "name", &CONTAINER),
        keyed_of("containers", "name", &CONTAINER),
        keyed_of("ephemeralContainers", "name", &CONTAINER),
        keyed("imagePullSecrets", "name"),
        keyed("hostAliases", "ip"),
        keyed("topologySpreadConstraints", "topologyKey"),
        keyed("schedulingGates", "name"),
        keyed("resourceClaims", "name"),
    ],
};

static CONTAINER: Schema = Schema {
    fields: &[
        keyed("ports", "containerPort"),
        keyed("env", "name"),
        keyed("volumeMounts", "mountPath"),
        keyed("volumeDevices", "devicePath"),
    ],
};

static POD_STATUS: Schema = Schema {
    fields: &[
        keyed("conditions", "type"),
        keyed("hostIPs", "ip"),
        keyed("podIPs", "ip"),
        keyed("resourceClaimStatuses", "name"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn walk(path: &[&str]) -> Meta {
        let mut meta = Meta {
            schema: Some(&POD),
            ..Meta::default()
        };
        for field in path {
            meta = lookup(meta.schema, field);
        }
        meta
    }

    #[rstest]
    #[case(&["spec", "containers"], true, "name")]
    #[case(&["spec", "initContainers"], true, "name")]
    #[case(&["spec", "ephemeralContainers", "env"], true, "name")]
    #[case(&["spec", "containers", "ports"], true, "containerPort")]
    #[case(&["spec", "containers", "volumeMounts"], true, "mountPath")]
    #[case(&["spec", "initContainers", "volumeDevices"], true, "devicePath")]
    #[case(&["spec", "volumes"], true, "name")]
    #[case(&["spec", "imagePullSecrets"], true, "name")]
    #[case(&["spec", "hostAliases"], true, "ip")]
    #[case(&["spec", "topologySpreadConstraints"], true, "topologyKey")]
    #[case(&["spec", "schedulingGates"], true, "name")]
    #[case(&["spec", "resourceClaims"], true, "name")]
    #[case(&["metadata", "ownerReferences"], true, "uid")]
    #[case(&["metadata", "finalizers"], true, "")]
    #[case(&["status", "podIPs"], true, "ip")]
    #[case(&["spec", "tolerations"], false, "")]
    #[case(&["spec", "containers", "args"], false, "")]
    #[case(&["spec", "containers", "resources", "claims"], false, "")]
    #[case(&["metadata", "labels"], false, "")]
    #[case(&["spec", "Containers"], true, "name")]
    #[case(&["spec", "nonsense", "containers"], false, "")]
    fn pod_fields_have_their_kubernetes_tags(
        #[case] path: &[&str],
        #[case] merge: bool,
        #[case] merge_key: &str,
    ) {
        let meta = walk(path);
        assert_eq!((meta.merge, meta.merge_key), (merge, merge_key), "{path:?}");
    }
}
