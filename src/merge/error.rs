//! Errors of the strategic merge, each naming the overlay field at fault.
//!
//! A problem is raised deep in the recursion with an empty path; every level
//! prepends its own segment while the error unwinds, so the success path never
//! builds a path string.

use std::fmt;

/// A strategic merge that Kubernetes' `strategicpatch` would refuse (or panic on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The target or the overlay is not a JSON object.
    #[error("the {which} of a strategic merge must be a JSON object, got {found}")]
    NotAnObject {
        /// `target` or `overlay`.
        which: &'static str,
        /// The JSON type that was given instead.
        found: &'static str,
    },
    /// The overlay is malformed at `path` (a field path such as `spec.containers[name=app].env`).
    #[error("invalid strategic merge overlay at `{path}`: {problem}")]
    Invalid {
        /// Where in the Pod the problem is.
        path: String,
        /// What is wrong there.
        problem: Problem,
    },
}

/// What is wrong with an overlay field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// `$patch` on an object is neither `replace` nor `delete`.
    #[error(
        "unknown `$patch` directive {value} on an object (expected \"replace\" or \"delete\")"
    )]
    UnknownObjectDirective {
        /// The directive value, as JSON.
        value: String,
    },
    /// `$patch` on a list element is not `replace`, `delete` or `merge`.
    #[error("unknown `$patch` directive {value} in a list (expected \"replace\" or \"delete\")")]
    UnknownListDirective {
        /// The directive value, as JSON.
        value: String,
    },
    /// `$patch: merge` inside a list, which apimachinery does not implement.
    #[error("`$patch: merge` in a list is not supported (merging lists cannot yet be specified in the patch)")]
    MergeDirectiveInList,
    /// A list element lacks the list's merge key.
    #[error("list element has no merge key `{key}`")]
    MissingMergeKey {
        /// The merge key of the list.
        key: &'static str,
    },
    /// A merge key holds an object or a list, which Go cannot compare.
    #[error("merge key `{key}` must hold a string, number, bool or null, got {found}")]
    UncomparableMergeKey {
        /// The merge key of the list.
        key: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A list of objects with a merge strategy but no merge key.
    #[error("cannot merge a list of objects that has no merge key")]
    NoMergeKey,
    /// A list whose elements are not all of one JSON type.
    #[error("list elements are not all of the same type (found {first} and {other})")]
    MixedElementTypes {
        /// The type of the first element.
        first: &'static str,
        /// A type that differs from it.
        other: &'static str,
    },
    /// A list whose elements are lists.
    #[error("lists of lists are not supported")]
    ListOfLists,
    /// A `null` element in a list that is merged.
    #[error("a merged list cannot contain null elements")]
    NullElement,
    /// A list element that should be an object is not.
    #[error("list element must be an object, got {found}")]
    ElementNotObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A value that must be a list is not.
    #[error("expected a list, got {found}")]
    NotAList {
        /// The JSON type found.
        found: &'static str,
    },
    /// `$deleteFromPrimitiveList...` or `$setElementOrder...` without `/<field>`.
    #[error("invalid directive key `{key}` (expected `{prefix}/<field>`)")]
    BadDirectiveKey {
        /// The key as written.
        key: String,
        /// The directive it starts with.
        prefix: &'static str,
    },
    /// The patch list is not in the relative order its `$setElementOrder` list gives.
    #[error(
        "the patch list for `{field}` does not follow the order of its `$setElementOrder` list"
    )]
    SetElementOrderMismatch {
        /// The list field.
        field: String,
    },
    /// `$setElementOrder` for a field that has no elements on either side.
    #[error("`$setElementOrder/{field}` applies to a field with no list elements on either side")]
    SetElementOrderNoElements {
        /// The list field.
        field: String,
    },
    /// An ordering or membership list holds objects or lists, which Go cannot hash.
    #[error("{what} must hold scalars, got {found}")]
    Unhashable {
        /// Which list.
        what: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A field present in the patch is not named by `$retainKeys`.
    #[error("field `{field}` is set in the patch but missing from `$retainKeys`")]
    NotRetained {
        /// The field.
        field: String,
    },
}

impl MergeError {
    pub(super) fn problem(problem: Problem) -> Self {
        Self::Invalid {
            path: String::new(),
            problem,
        }
    }

    /// Prepends a field name to the path of the problem.
    pub(super) fn in_field(self, field: &str) -> Self {
        self.prefixed(field)
    }

    /// Prepends a list position (`[name=app]` or `[2]`) to the path of the problem.
    pub(super) fn in_element(self, element: impl fmt::Display) -> Self {
        self.prefixed(&format!("[{element}]"))
    }

    fn prefixed(self, segment: &str) -> Self {
        match self {
            Self::Invalid { path, problem } => {
                let path = if path.is_empty() {
                    segment.to_owned()
                } else if path.starts_with('[') {
                    format!("{segment}{path}")
                } else {
                    format!("{segment}.{path}")
                };
                Self::Invalid { path, problem }
            }
            other => other,
        }
    }
}

impl From<Problem> for MergeError {
    fn from(problem: Problem) -> Self {
        Self::problem(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_built_outside_in() {
        let err = MergeError::from(Problem::NullElement)
            .in_field("env")
            .in_element("name=app")
            .in_field("containers")
            .in_field("spec");
        assert_eq!(
            err.to_string(),
            "invalid strategic merge overlay at `spec.containers[name=app].env`: \
             a merged list cannot contain null elements"
        );
    }
}
