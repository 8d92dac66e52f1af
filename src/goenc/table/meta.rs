//! Go struct table: apimachinery `meta/v1`: ObjectMeta and the types it holds, LabelSelector, List.
//! One row per JSON field in Go declaration order; see `schema` for the codes.

use super::*;

pub(crate) static OWNER_REFERENCE: Struct = Struct { name: "OwnerReference", fields: &[
    f("apiVersion", S, V), f("kind", S, V), f("name", S, V), f("uid", S, V), f("controller", B, PE),
    f("blockOwnerDeletion", B, PE),
]};

pub(crate) static MANAGED_FIELDS_ENTRY: Struct = Struct { name: "ManagedFieldsEntry", fields: &[
    f("manager", S, VE), f("operation", S, VE), f("apiVersion", S, VE), f("time", TIME, PE),
    f("fieldsType", S, VE), f("fieldsV1", RAW, PE), f("subresource", S, VE),
]};

pub(crate) static OBJECT_META: Struct = Struct { name: "ObjectMeta", fields: &[
    f("name", S, VE), f("generateName", S, VE), f("namespace", S, VE), f("selfLink", S, VE),
    f("uid", S, VE), f("resourceVersion", S, VE), f("generation", I64, VE),
    f("creationTimestamp", TIME, VZ), f("deletionTimestamp", TIME, PE),
    f("deletionGracePeriodSeconds", I64, PE), f("labels", S, ME), f("annotations", S, ME),
    f("ownerReferences", st(&OWNER_REFERENCE), LE), f("finalizers", S, LE),
    f("managedFields", st(&MANAGED_FIELDS_ENTRY), LE),
]};

pub(crate) static LABEL_SELECTOR_REQUIREMENT: Struct = Struct { name: "LabelSelectorRequirement", fields: &[
    f("key", S, V), f("operator", S, V), f("values", S, LE),
]};

pub(crate) static LABEL_SELECTOR: Struct = Struct { name: "LabelSelector", fields: &[
    f("matchLabels", S, ME), f("matchExpressions", st(&LABEL_SELECTOR_REQUIREMENT), LE),
]};

pub(crate) static LIST_META: Struct = Struct { name: "ListMeta", fields: &[
    f("selfLink", S, VE), f("resourceVersion", S, VE), f("continue", S, VE),
    f("remainingItemCount", I64, PE),
]};

pub(crate) static LIST: Struct = Struct { name: "List", fields: &[
    f("kind", S, VE), f("apiVersion", S, VE), f("metadata", st(&LIST_META), VE), f("items", RAW, L),
]};
