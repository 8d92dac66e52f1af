//! Reading mesh config files and `proxy.istio.io/config`, with Istio's merge rules
//! (`pkg/config/mesh`: `ApplyMeshConfig`, `MergeProxyConfig`, `ApplyProxyConfig`).
//!
//! The base rule is `jsonpb`'s unmarshal into an existing message: every field the text sets
//! (non-null) replaces the old value whole — a nested message is not merged field by field, a
//! list is not appended to. We do that on the JSON form: print the base, overwrite the keys the
//! text sets, read the result back (which also type-checks it). Istio's exceptions on top:
//! - `proxyMetadata` is merged key by key (the text's keys win);
//! - `proxyHeaders` set by the text keeps the base's `forwardedClientCert`, `requestId`,
//!   `server`, `attemptCount`, `envoyDebugHeaders` where the text leaves them unset;
//! - in a mesh file, `defaultConfig` is merged as above over Istio's default ProxyConfig,
//!   `defaultProviders` field by field, `extensionProviders` by name (same name replaces the
//!   provider in place, new names append), `trustDomainAliases` as a sorted union.
//!
//! Unknown fields are ignored, as Istio ignores them; loading reports them as warnings.

use serde_json::{Map, Value};

use super::config::MeshConfig;
use super::error::{MeshError, Origin};
use super::input::{deserialize_at, field, parse_object, present, unknown_keys, Field};
use super::mesh_fields::MESH_FIELDS;
use super::protojson::de;
use super::providers::{ExtensionProvider, DEFAULT_PROVIDERS_FIELDS};
use super::proxy::{ProxyConfig, CLUSTER_NAME_ONEOF, PROXY_CONFIG_FIELDS};
use super::proxy_types::ProxyHeaders;
use super::validate::{validate_mesh_config, validate_proxy_config};

/// A loaded mesh config and what was worth a warning (ignored fields, deprecated settings).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedMesh {
    pub config: MeshConfig,
    pub warnings: Vec<String>,
}

impl MeshConfig {
    /// Reads a mesh config file as `istioctl kube-inject --meshConfigFile` does
    /// (`mesh.ReadMeshConfig`): merged over [`MeshConfig::istio_default`], then validated.
    pub fn from_yaml(text: &str) -> Result<Self, MeshError> {
        Self::load(text).map(|loaded| loaded.config)
    }

    /// [`MeshConfig::from_yaml`], keeping the warnings.
    pub fn load(text: &str) -> Result<LoadedMesh, MeshError> {
        apply_mesh_config(text, Self::istio_default())
    }
}

/// `mesh.ApplyMeshConfig(text, base)`.
fn apply_mesh_config(text: &str, base: MeshConfig) -> Result<LoadedMesh, MeshError> {
    let origin = Origin::MeshConfig;
    let file = parse_object(text, &origin)?.unwrap_or_default();
    let fields: Vec<Field> = MESH_FIELDS.iter().map(|(f, _)| *f).collect();
    let mut warnings: Vec<String> = unknown_keys(&file, &fields)
        .map(|key| unknown_key_warning(&origin, "", key, &fields))
        .collect();
    let mut merged = to_object(&base, &origin)?;
    for (field, kind) in MESH_FIELDS {
        let Some(value) = present(&file, field) else {
            continue;
        };
        let value = match field.json {
            "defaultConfig" => {
                let pc = merge_proxy_config(
                    &base.default_config,
                    value,
                    &origin,
                    field.json,
                    &mut warnings,
                )?;
                to_value(&pc, &origin)?
            }
            "defaultProviders" => overlay(
                merged.get(field.json),
                value,
                DEFAULT_PROVIDERS_FIELDS,
                &origin,
                field.json,
            )?,
            // Merged with the base's after reading, below.
            "extensionProviders" | "trustDomainAliases" => continue,
            _ => kind.check(value).map_err(|message| MeshError::Field {
                origin: origin.clone(),
                field: field.json.to_owned(),
                message,
            })?,
        };
        merged.insert(field.json.to_owned(), value);
    }
    let mut mesh: MeshConfig = deserialize_at(Value::Object(merged), &origin, "")?;
    mesh.default_config.normalize_oneofs();
    merge_lists(&mut mesh, &file, base, &origin)?;
    let validation = validate_mesh_config(&mesh);
    if !validation.errors.is_empty() {
        return Err(MeshError::Invalid {
            origin,
            problems: validation.errors,
        });
    }
    warnings.extend(validation.warnings);
    Ok(LoadedMesh {
        config: mesh,
        warnings,
    })
}

const EXTENSION_PROVIDERS: Field = field("extensionProviders", "extension_providers");
const TRUST_DOMAIN_ALIASES: Field = field("trustDomainAliases", "trust_domain_aliases");

/// The two lists a mesh file adds to rather than replaces: extension providers (by name) and
/// trust domain aliases (sorted union).
fn merge_lists(
    mesh: &mut MeshConfig,
    file: &Map<String, Value>,
    base: MeshConfig,
    origin: &Origin,
) -> Result<(), MeshError> {
    if let Some(value) = present(file, &EXTENSION_PROVIDERS) {
        let providers: Vec<ExtensionProvider> =
            deserialize_at(value.clone(), origin, EXTENSION_PROVIDERS.json)?;
        mesh.extension_providers = merge_extension_providers(base.extension_providers, providers);
    }
    if let Some(value) = present(file, &TRUST_DOMAIN_ALIASES) {
        mesh.trust_domain_aliases =
            de::string_list(value.clone()).map_err(|e| MeshError::Field {
                origin: origin.clone(),
                field: TRUST_DOMAIN_ALIASES.json.to_owned(),
                message: e.to_string(),
            })?;
    }
    mesh.trust_domain_aliases.extend(base.trust_domain_aliases);
    mesh.trust_domain_aliases.sort();
    mesh.trust_domain_aliases.dedup();
    Ok(())
}

/// A provider with a name already present replaces that provider's settings in place.
fn merge_extension_providers(
    mut base: Vec<ExtensionProvider>,
    added: Vec<ExtensionProvider>,
) -> Vec<ExtensionProvider> {
    for provider in added {
        match base.iter_mut().find(|p| p.name == provider.name) {
            Some(existing) => *existing = provider,
            None => base.push(provider),
        }
    }
    base
}

/// A pod's `proxy.istio.io/config`, read once and checked as Istio's annotation validation
/// checks it: applied over Istio's default ProxyConfig, it must pass
/// `ValidateMeshConfigProxyConfig`. [`ProxyConfigAnnotation::merge_over`] then applies it to
/// the mesh's `defaultConfig` (`mesh.ApplyProxyConfig`) without reading the text again.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyConfigAnnotation {
    /// The annotation as a JSON object, or null (empty: change nothing).
    patch: Value,
    origin: Origin,
}

impl ProxyConfigAnnotation {
    pub fn parse(value: &str) -> Result<Self, MeshError> {
        let read = Self::read(value)?;
        let checked = read.merge_over(&ProxyConfig::istio_default())?;
        let problems = validate_proxy_config(&checked).errors;
        if !problems.is_empty() {
            return Err(MeshError::Invalid {
                origin: read.origin,
                problems,
            });
        }
        Ok(read)
    }

    /// Istio's `mesh.ApplyProxyConfig` alone: the text read as a ProxyConfig over `base`,
    /// without Istio's rules. istioctl kube-inject runs it on every pod template it does not
    /// skip for host networking, before deciding whether to inject, so a text that does not
    /// read refuses even an opted-out pod.
    pub fn read_over(value: &str, base: &ProxyConfig) -> Result<ProxyConfig, MeshError> {
        Self::read(value)?.merge_over(base)
    }

    /// The text as a JSON patch, not yet merged or checked.
    fn read(value: &str) -> Result<Self, MeshError> {
        let origin = Origin::ProxyConfigAnnotation(value.to_owned());
        let patch = parse_object(value, &origin)?.map_or(Value::Null, Value::Object);
        Ok(Self { patch, origin })
    }

    /// The annotation over `base` (the mesh's `defaultConfig`).
    pub fn merge_over(&self, base: &ProxyConfig) -> Result<ProxyConfig, MeshError> {
        merge_proxy_config(base, &self.patch, &self.origin, "", &mut Vec::new())
    }
}

/// Applies the `proxy.istio.io/config` annotation to the mesh config (`mesh.ApplyProxyConfig`),
/// after Istio's annotation check ([`ProxyConfigAnnotation::parse`]).
pub fn apply_proxy_config_annotation(
    base: &MeshConfig,
    value: &str,
) -> Result<MeshConfig, MeshError> {
    let default_config = merge_proxy_config_annotation(&base.default_config, value)?;
    Ok(MeshConfig {
        default_config,
        ..base.clone()
    })
}

/// [`apply_proxy_config_annotation`] for the ProxyConfig alone, without copying the mesh.
pub fn merge_proxy_config_annotation(
    base: &ProxyConfig,
    value: &str,
) -> Result<ProxyConfig, MeshError> {
    ProxyConfigAnnotation::parse(value)?.merge_over(base)
}

/// `mesh config: defaultConfg: unknown key, ignored (did you mean defaultConfig?)`.
fn unknown_key_warning(origin: &Origin, prefix: &str, key: &str, fields: &[Field]) -> String {
    let hint = crate::text::did_you_mean(key, fields.iter().map(|f| f.json))
        .map(|near| format!(" (did you mean {}?)", join(prefix, near)))
        .unwrap_or_default();
    format!(
        "{origin}: {}: unknown key, ignored{hint}",
        join(prefix, key)
    )
}

/// `mesh.MergeProxyConfig`: `patch` (a JSON object, or null for no change) over `base`.
pub(crate) fn merge_proxy_config(
    base: &ProxyConfig,
    patch: &Value,
    origin: &Origin,
    prefix: &str,
    warnings: &mut Vec<String>,
) -> Result<ProxyConfig, MeshError> {
    let patch = match patch {
        Value::Null => return Ok(base.clone()),
        Value::Object(patch) => patch,
        other => return Err(not_a_mapping(other, origin, prefix)),
    };
    warnings.extend(
        unknown_keys(patch, PROXY_CONFIG_FIELDS)
            .map(|key| unknown_key_warning(origin, prefix, key, PROXY_CONFIG_FIELDS)),
    );
    let mut merged = to_object(base, origin)?;
    let sets = |name: &str| {
        PROXY_CONFIG_FIELDS
            .iter()
            .any(|f| f.json == name && present(patch, f).is_some())
    };
    if CLUSTER_NAME_ONEOF.iter().any(|name| sets(name)) {
        for name in CLUSTER_NAME_ONEOF {
            merged.remove(name);
        }
    }
    for field in PROXY_CONFIG_FIELDS {
        let Some(value) = present(patch, field) else {
            continue;
        };
        let value = match (field.json, merged.get(field.json), value) {
            ("proxyMetadata", Some(Value::Object(old)), Value::Object(new)) => {
                let mut combined = old.clone();
                combined.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
                Value::Object(combined)
            }
            _ => value.clone(),
        };
        merged.insert(field.json.to_owned(), value);
    }
    let mut pc: ProxyConfig = deserialize_at(Value::Object(merged), origin, prefix)?;
    pc.normalize_oneofs();
    if let (Some(headers), Some(old)) = (&mut pc.proxy_headers, &base.proxy_headers) {
        keep_unset_proxy_headers(headers, old);
    }
    Ok(pc)
}

/// Istio's `correctProxyHeaders`: what the new `proxyHeaders` leaves unset comes from the old.
fn keep_unset_proxy_headers(headers: &mut ProxyHeaders, old: &ProxyHeaders) {
    if headers.forwarded_client_cert == Default::default() {
        headers.forwarded_client_cert = old.forwarded_client_cert;
    }
    if headers.request_id.is_none() {
        headers.request_id.clone_from(&old.request_id);
    }
    if headers.server.is_none() {
        headers.server.clone_from(&old.server);
    }
    if headers.attempt_count.is_none() {
        headers.attempt_count.clone_from(&old.attempt_count);
    }
    if headers.envoy_debug_headers.is_none() {
        headers
            .envoy_debug_headers
            .clone_from(&old.envoy_debug_headers);
    }
}

/// `patch`'s fields over `base` (a message printed as JSON, or absent).
fn overlay(
    base: Option<&Value>,
    patch: &Value,
    fields: &[Field],
    origin: &Origin,
    prefix: &str,
) -> Result<Value, MeshError> {
    let Value::Object(patch) = patch else {
        return Err(not_a_mapping(patch, origin, prefix));
    };
    let mut merged = base.and_then(Value::as_object).cloned().unwrap_or_default();
    for field in fields {
        if let Some(value) = present(patch, field) {
            merged.insert(field.json.to_owned(), value.clone());
        }
    }
    Ok(Value::Object(merged))
}

fn not_a_mapping(value: &Value, origin: &Origin, prefix: &str) -> MeshError {
    MeshError::Field {
        origin: origin.clone(),
        field: if prefix.is_empty() {
            "(top level)".to_owned()
        } else {
            prefix.to_owned()
        },
        message: format!("invalid value {value}: expected a mapping"),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn to_value<T: serde::Serialize>(value: &T, origin: &Origin) -> Result<Value, MeshError> {
    serde_json::to_value(value).map_err(|e| MeshError::Field {
        origin: origin.clone(),
        field: "(top level)".to_owned(),
        message: e.to_string(),
    })
}

fn to_object<T: serde::Serialize>(
    value: &T,
    origin: &Origin,
) -> Result<Map<String, Value>, MeshError> {
    match to_value(value, origin)? {
        Value::Object(map) => Ok(map),
        other => Err(not_a_mapping(&other, origin, "")),
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
