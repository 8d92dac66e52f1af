//! Istio's mesh configuration: typed `MeshConfig` and `ProxyConfig`, read and printed with the
//! exact rules of Istio 1.30.3.
//!
//! Design:
//! - Types mirror istio/api `mesh/v1alpha1` (pinned by Istio 1.30.3's go.mod). `ProxyConfig` is
//!   typed in full, fields in declaration order, because its JSON is printed into every pod
//!   (`PROXY_CONFIG`, [`proxy_config_json`]). `MeshConfig` is typed where injection reads it
//!   and carries the remaining fields as kind-checked JSON.
//! - Everything goes through protobuf JSON with the quirks of Go's legacy `jsonpb`
//!   (`protojson`): text (YAML or JSON) becomes a JSON value, the value is merged over a base
//!   with `jsonpb`'s replace-per-field semantics plus Istio's exceptions (`load`), and the
//!   result is read into the types, which type-checks it and names the failing field.
//! - One engine for both texts Istio reads with these rules: `mesh.yaml` at config load, and a
//!   pod's `proxy.istio.io/config`, read once per pod that carries it
//!   ([`ProxyConfigAnnotation::parse`], which `annotations::validate` calls for Istio's
//!   annotation check) and merged over the mesh's `defaultConfig` from that parse
//!   ([`ProxyConfigAnnotation::merge_over`]). A pod without it needs only fields and accessors.
//! - proto3 enums are open: a number without a name is kept and printed as the number.
//! - Validation (`validate`) is Istio's `ValidateMeshConfigProxyConfig` / `ValidateMeshConfig`
//!   with Istio's messages.

mod config;
mod duration;
mod error;
mod input;
mod load;
mod mesh_fields;
mod names;
mod networking;
mod print;
mod protojson;
mod providers;
mod proxy;
mod proxy_tracing;
mod proxy_types;
mod strict;
mod validate;

pub use config::{InboundTrafficPolicy, InboundTrafficPolicyMode, MeshConfig};
pub use duration::Duration;
pub use error::{MeshError, Origin};
pub use load::{
    apply_proxy_config_annotation, merge_proxy_config_annotation, LoadedMesh, ProxyConfigAnnotation,
};
pub use networking::{
    ClientTlsSettings, ExecHealthCheck, GrpcHealthCheck, HttpHeader, HttpHealthCheck, ProxyImage,
    ReadinessProbe, TcpHealthCheck, TcpKeepalive, TlsMode,
};
pub use print::proxy_config_json;
pub use providers::{DefaultProviders, ExtensionProvider, ServiceAttributeEnrichment};
pub use proxy::{InterceptionMode, ProxyConfig, TracingServiceName};
pub use proxy_tracing::{
    AddressOnly, CustomTag, CustomTagLiteral, NameWithDefault, TraceContext, Tracing,
    TracingLightstep, TracingOpenCensusAgent, TracingStackdriver,
};
pub use proxy_types::{
    AuthenticationPolicy, Empty, ForwardClientCertDetails, HeaderDisabled, HeaderEnabled,
    MetadataExchangeHeaders, MetadataExchangeMode, PrivateKeyPolling, PrivateKeyProvider,
    ProxyHeaders, ProxyStatsMatcher, RemoteService, Sds, ServerHeader, SetCurrentClientCertDetails,
    Topology,
};
pub use validate::{validate_mesh_config, validate_proxy_config, Validation};

#[cfg(test)]
mod golden_tests;
