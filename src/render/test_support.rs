//! A [`Context`] over owned test data, for the renderers' unit tests.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerPort, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::context::Context;
use crate::settings::values::Values;
use crate::settings::ProxyView;
use crate::workload::{DeployMeta, TypeMeta};

pub struct Fixture {
    pub values: Values,
    pub meta: ObjectMeta,
    pub spec: PodSpec,
    pub proxy: ProxyView,
    pub type_meta: TypeMeta,
    pub deploy: DeployMeta,
    pub native: bool,
}

impl Fixture {
    /// Istio's default values with `values` (YAML) merged over them; one app container `app`
    /// with port 8080, owned by Deployment `ns/workload`.
    pub fn new(values: &str) -> Fixture {
        let app = Container {
            name: "app".into(),
            ports: Some(vec![ContainerPort {
                container_port: 8080,
                ..Default::default()
            }]),
            ..Default::default()
        };
        Fixture {
            values: Values::from_yaml((!values.is_empty()).then_some(values)).unwrap(),
            meta: ObjectMeta::default(),
            spec: PodSpec {
                containers: vec![app],
                ..Default::default()
            },
            proxy: ProxyView {
                interception_mode: "REDIRECT".into(),
                proxy_config_json: "{}".into(),
                status_port: 15020,
                mesh_trust_domain: "cluster.local".into(),
                ..Default::default()
            },
            type_meta: TypeMeta {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
            },
            deploy: DeployMeta {
                name: "workload".into(),
                namespace: "ns".into(),
            },
            native: false,
        }
    }

    pub fn annotate(&mut self, k: &str, v: &str) {
        self.meta
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(k.into(), v.into());
    }

    pub fn label(&mut self, k: &str, v: &str) {
        self.meta
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(k.into(), v.into());
    }

    pub fn container(&mut self, name: &str) {
        self.spec.containers.push(Container {
            name: name.into(),
            ..Default::default()
        });
    }

    pub fn ctx(&self) -> Context<'_> {
        Context {
            values: &self.values,
            meta: &self.meta,
            spec: &self.spec,
            proxy: &self.proxy,
            type_meta: &self.type_meta,
            deploy: &self.deploy,
            revision: "",
            native_sidecars: self.native,
            proxy_image: "hub/proxyv2:tag".into(),
            proxy_uid: 1337,
            proxy_gid: 1337,
        }
    }
}
