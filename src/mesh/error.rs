//! Errors from reading mesh config and `proxy.istio.io/config`. Each names where the text came
//! from (the mesh config file, or the annotation with its value) and the field at fault.

use std::fmt;

/// Where a piece of mesh configuration text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The mesh config (`--meshConfigFile`, the `istio` ConfigMap's `mesh` key).
    MeshConfig,
    /// The `proxy.istio.io/config` annotation, with its value.
    ProxyConfigAnnotation(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MeshConfig => f.write_str("mesh config"),
            // Istio's wording for a bad annotation (pkg/kube/inject/validate.go).
            Self::ProxyConfigAnnotation(value) => {
                write!(
                    f,
                    "invalid value '{}' for annotation 'proxy.istio.io/config'",
                    crate::text::elide(value)
                )
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeshError {
    Syntax {
        origin: Origin,
        message: String,
    },
    NotAMapping {
        origin: Origin,
        found: &'static str,
    },
    Field {
        origin: Origin,
        field: String,
        message: String,
    },
    /// The config parsed but Istio's validation refuses it; one entry per problem.
    Invalid {
        origin: Origin,
        problems: Vec<String>,
    },
}

impl fmt::Display for MeshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin(), self.detail())
    }
}

impl std::error::Error for MeshError {}

/// What is wrong, without where the text came from: [`MeshError::detail`].
pub struct Detail<'a>(&'a MeshError);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            MeshError::Syntax { message, .. } => write!(f, "not valid YAML: {message}"),
            MeshError::NotAMapping { found, .. } => {
                write!(f, "expected a mapping of fields, found {found}")
            }
            MeshError::Field { field, message, .. } => write!(f, "field `{field}`: {message}"),
            MeshError::Invalid { problems, .. } => f.write_str(&problems.join("; ")),
        }
    }
}

impl MeshError {
    /// The message without its origin, for callers that name the origin themselves.
    pub fn detail(&self) -> Detail<'_> {
        Detail(self)
    }

    /// A short, stable label for failure counters.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::Syntax { .. } | Self::NotAMapping { .. } => "mesh_config_syntax",
            Self::Field { .. } => "mesh_config_field",
            Self::Invalid { .. } => "mesh_config_invalid",
        }
    }

    pub fn origin(&self) -> &Origin {
        match self {
            Self::Syntax { origin, .. }
            | Self::NotAMapping { origin, .. }
            | Self::Field { origin, .. }
            | Self::Invalid { origin, .. } => origin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_origin_and_field() {
        let e = MeshError::Field {
            origin: Origin::ProxyConfigAnnotation("drainDuration: x".into()),
            field: "drainDuration".into(),
            message: "bad".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid value 'drainDuration: x' for annotation 'proxy.istio.io/config': field `drainDuration`: bad"
        );
        let e = MeshError::Invalid {
            origin: Origin::MeshConfig,
            problems: vec!["a".into(), "b".into()],
        };
        assert_eq!(e.to_string(), "mesh config: a; b");
        assert_eq!(e.metric_label(), "mesh_config_invalid");
    }
}
