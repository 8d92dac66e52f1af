//! `kube-inject --webhookConfig NAME`: the cluster's injection webhook as the injector, as
//! `istioctl kube-inject` uses it. Each pod template goes to the webhook that the named
//! MutatingWebhookConfiguration points at, as an AdmissionReview, and the JSON Patch it answers
//! is applied to the pod. So the output is whatever that webhook (istiod or this server) would
//! do at admission, with its settings, its revision and its native-sidecar choice.
//!
//! Like istioctl, the entry used is the first whose name ends in `sidecar-injector.istio.io`.
//! A `clientConfig.url` is called directly, trusting `caBundle` (or the system roots when it is
//! empty). A `clientConfig.service` is reached through the API server's service proxy
//! (`…/services/https:NAME:PORT/proxy/PATH`) rather than istioctl's port-forward to one of its
//! Pods: the same webhook, one request per pod, and it needs only the `services/proxy`
//! permission instead of `pods/portforward` and a running Pod behind the Service.
//!
//! Reviews are sent with `dryRun: true`: kube-inject creates nothing, so a webhook with side
//! effects (Events, for this server) must not act on them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, WebhookClientConfig,
};
use kube::{Api, Client, Config};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::{json, Value};

use crate::cluster::one_cause;

/// istioctl's `defaultWebhookName`: the entry of the configuration that injects.
pub const WEBHOOK_SUFFIX: &str = "sidecar-injector.istio.io";

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("--webhookConfig {name}: could not read the MutatingWebhookConfiguration: {cause}")]
    Read { name: String, cause: String },
    #[error(
        "--webhookConfig {name}: no webhook entry named *{WEBHOOK_SUFFIX} (entries: {entries})"
    )]
    NoEntry { name: String, entries: String },
    #[error("--webhookConfig {name}: webhook {entry} has {problem}")]
    ClientConfig {
        name: String,
        entry: String,
        problem: String,
    },
    #[error("calling the webhook at {target}: {cause}")]
    Call { target: String, cause: String },
    #[error("the webhook at {target} answered {problem}")]
    Answer { target: String, problem: String },
    #[error("the webhook at {target} refused the pod: {message}")]
    Refused { target: String, message: String },
}

/// The webhook to call, found in the cluster.
pub struct Webhook {
    client: Client,
    /// Request path (for a URL, on `client`'s own base; for a Service, the API server's proxy).
    path: String,
    /// For messages: the URL or `service NS/NAME:PORT/PATH`.
    target: String,
    sent: AtomicU64,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Reads configuration `name` with `client` (the API server) and prepares the calls.
    pub async fn find(client: &Client, name: &str) -> Result<Webhook, RemoteError> {
        let api: Api<MutatingWebhookConfiguration> = Api::all(client.clone());
        let mwc = api.get(name).await.map_err(|e| RemoteError::Read {
            name: name.to_string(),
            cause: match e {
                kube::Error::Api(status) => status.message,
                other => one_cause(&other),
            },
        })?;
        let hooks = mwc.webhooks.unwrap_or_default();
        let Some(hook) = hooks.iter().find(|h| h.name.ends_with(WEBHOOK_SUFFIX)) else {
            let entries: Vec<&str> = hooks.iter().map(|h| h.name.as_str()).collect();
            return Err(RemoteError::NoEntry {
                name: name.to_string(),
                entries: if entries.is_empty() {
                    "none".to_string()
                } else {
                    entries.join(", ")
                },
            });
        };
        let problem = |problem: String| RemoteError::ClientConfig {
            name: name.to_string(),
            entry: hook.name.clone(),
            problem,
        };
        Self::from_client_config(client, &hook.client_config).map_err(problem)
    }

    fn from_client_config(client: &Client, cc: &WebhookClientConfig) -> Result<Webhook, String> {
        let webhook = |client: Client, path: String, target: String| Webhook {
            client,
            path,
            target,
            sent: AtomicU64::new(0),
        };
        match (&cc.url, &cc.service) {
            (Some(url), _) => {
                let uri: http::Uri = url
                    .parse()
                    .map_err(|e| format!("clientConfig.url {url:?} that does not parse: {e}"))?;
                if uri.scheme_str() != Some("https") {
                    return Err(format!("clientConfig.url {url:?}, not https"));
                }
                let path = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".to_string());
                let base: http::Uri = format!(
                    "https://{}",
                    uri.authority().map(|a| a.as_str()).unwrap_or("")
                )
                .parse()
                .map_err(|e| format!("clientConfig.url {url:?} without a host: {e}"))?;
                let mut config = Config::new(base);
                config.root_cert = roots(cc)?;
                config.connect_timeout = Some(Duration::from_secs(10));
                config.read_timeout = Some(Duration::from_secs(30));
                let direct = crate::cluster::client(config).map_err(|e| {
                    format!(
                        "clientConfig.url {url:?} that we cannot call: {}",
                        one_cause(&e)
                    )
                })?;
                Ok(webhook(direct, path, url.clone()))
            }
            (None, Some(svc)) => {
                let port = svc.port.unwrap_or(443);
                let path = svc.path.clone().unwrap_or_else(|| "/".to_string());
                let path = if path.starts_with('/') {
                    path
                } else {
                    format!("/{path}")
                };
                let proxy = format!(
                    "/api/v1/namespaces/{}/services/https:{}:{port}/proxy{path}",
                    svc.namespace, svc.name
                );
                let target = format!("service {}/{}:{port}{path}", svc.namespace, svc.name);
                Ok(webhook(client.clone(), proxy, target))
            }
            (None, None) => Err("neither clientConfig.url nor clientConfig.service".to_string()),
        }
    }

    /// Where the reviews go, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Sends `pod` (a pod template as JSON) for admission into `namespace` and returns it with
    /// the webhook's patch applied, or `None` when the webhook allowed it unchanged.
    pub async fn inject(&self, pod: &Value, namespace: &str) -> Result<Option<Value>, RemoteError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        let uid = format!("kube-inject-{}-{n}", std::process::id());
        let review = review(pod, namespace, &uid);
        let body = serde_json::to_vec(&review).map_err(|e| self.call_err(e.to_string()))?;
        let request = http::Request::post(&self.path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|e| self.call_err(e.to_string()))?;
        let text = self.client.request_text(request).await.map_err(|e| {
            self.call_err(match e {
                kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
                other => one_cause(&other),
            })
        })?;
        let patch = self.read_answer(&text, &uid)?;
        let Some(patch) = patch else { return Ok(None) };
        let mut patched = pod.clone();
        json_patch::patch(&mut patched, &patch)
            .map_err(|e| self.answer_err(format!("a patch that does not apply to the pod: {e}")))?;
        Ok(Some(patched))
    }

    fn read_answer(&self, text: &str, uid: &str) -> Result<Option<json_patch::Patch>, RemoteError> {
        let answer: Value = serde_json::from_str(text).map_err(|e| {
            self.answer_err(format!(
                "something that is not JSON ({e}): {}",
                crate::text::elide(text)
            ))
        })?;
        let Some(response) = answer.get("response") else {
            return Err(self.answer_err("an AdmissionReview without a response".to_string()));
        };
        if let Some(got) = response.get("uid").and_then(Value::as_str) {
            if got != uid {
                return Err(self.answer_err(format!("uid {got:?} to review {uid:?}")));
            }
        }
        if response.get("allowed").and_then(Value::as_bool) != Some(true) {
            let message = response
                .pointer("/status/message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            return Err(RemoteError::Refused {
                target: self.target.clone(),
                message: message.to_string(),
            });
        }
        let Some(patch) = response.get("patch").and_then(Value::as_str) else {
            return Ok(None);
        };
        match response.get("patchType").and_then(Value::as_str) {
            Some("JSONPatch") => {}
            other => return Err(self.answer_err(format!("patchType {other:?}, not \"JSONPatch\""))),
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(patch)
            .map_err(|e| self.answer_err(format!("a patch that is not base64: {e}")))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| self.answer_err(format!("a patch that is not a JSON Patch: {e}")))
    }

    fn call_err(&self, cause: String) -> RemoteError {
        RemoteError::Call {
            target: self.target.clone(),
            cause,
        }
    }

    fn answer_err(&self, problem: String) -> RemoteError {
        RemoteError::Answer {
            target: self.target.clone(),
            problem,
        }
    }
}

/// `caBundle` as DER roots; `None` (the system's) when it is empty, as istioctl does.
fn roots(cc: &WebhookClientConfig) -> Result<Option<Vec<Vec<u8>>>, String> {
    let Some(bundle) = cc.ca_bundle.as_ref().filter(|b| !b.0.is_empty()) else {
        return Ok(None);
    };
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&bundle.0)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("a caBundle that is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("a caBundle with no certificate".to_string());
    }
    Ok(Some(certs))
}

/// The AdmissionReview an API server would send for creating `pod` in `namespace`.
fn review(pod: &Value, namespace: &str, uid: &str) -> Value {
    let pods = json!({"group": "", "version": "v1", "resource": "pods"});
    let kind = json!({"group": "", "version": "v1", "kind": "Pod"});
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": kind,
            "resource": pods,
            "requestKind": kind,
            "requestResource": pods,
            "name": name,
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "kube-inject"},
            "object": pod,
            "oldObject": null,
            "dryRun": true,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::admissionregistration::v1::ServiceReference;
    use k8s_openapi::ByteString;

    fn client() -> Client {
        let config = Config::new("http://127.0.0.1:1".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    #[tokio::test]
    async fn a_service_goes_through_the_api_servers_proxy() {
        let cc = WebhookClientConfig {
            service: Some(ServiceReference {
                namespace: "istio-system".into(),
                name: "istiod".into(),
                path: Some("/inject".into()),
                port: None,
            }),
            ..Default::default()
        };
        let w = Webhook::from_client_config(&client(), &cc).unwrap();
        assert_eq!(
            w.path,
            "/api/v1/namespaces/istio-system/services/https:istiod:443/proxy/inject"
        );
        assert_eq!(w.target(), "service istio-system/istiod:443/inject");
    }

    #[tokio::test]
    async fn a_url_keeps_its_path_and_query() {
        let cc = WebhookClientConfig {
            url: Some("https://127.0.0.1:15017/inject/cluster/k/net/n?x=1".into()),
            ..Default::default()
        };
        let w = Webhook::from_client_config(&client(), &cc).unwrap();
        assert_eq!(w.path, "/inject/cluster/k/net/n?x=1");
    }

    #[tokio::test]
    async fn bad_client_configs_say_what_is_wrong() {
        let bad = [
            (
                WebhookClientConfig::default(),
                "neither clientConfig.url nor clientConfig.service",
            ),
            (
                WebhookClientConfig {
                    url: Some("http://127.0.0.1/inject".into()),
                    ..Default::default()
                },
                "not https",
            ),
            (
                WebhookClientConfig {
                    url: Some("https://127.0.0.1/inject".into()),
                    ca_bundle: Some(ByteString(b"not a certificate".to_vec())),
                    ..Default::default()
                },
                "caBundle with no certificate",
            ),
        ];
        for (cc, want) in bad {
            let err = Webhook::from_client_config(&client(), &cc).unwrap_err();
            assert!(err.contains(want), "{err:?} lacks {want:?}");
        }
    }

    #[tokio::test]
    async fn answers_are_checked() {
        let cc = WebhookClientConfig {
            url: Some("https://127.0.0.1/inject".into()),
            ..Default::default()
        };
        let w = Webhook::from_client_config(&client(), &cc).unwrap();
        let patch = base64::engine::general_purpose::STANDARD
            .encode(r#"[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]"#);
        let ok = json!({"response": {"uid": "u", "allowed": true, "patchType": "JSONPatch", "patch": patch}});
        assert!(w.read_answer(&ok.to_string(), "u").unwrap().is_some());
        let unchanged = json!({"response": {"uid": "u", "allowed": true}});
        assert!(w
            .read_answer(&unchanged.to_string(), "u")
            .unwrap()
            .is_none());
        let cases = [
            ("<html>", "not JSON"),
            (r#"{"kind":"AdmissionReview"}"#, "without a response"),
            (r#"{"response":{"uid":"v","allowed":true}}"#, "uid \"v\""),
            (
                r#"{"response":{"uid":"u","allowed":false,"status":{"message":"no way"}}}"#,
                "refused the pod: no way",
            ),
            (
                r#"{"response":{"uid":"u","allowed":true,"patchType":"Merge","patch":"e30="}}"#,
                "patchType",
            ),
            (
                r#"{"response":{"uid":"u","allowed":true,"patchType":"JSONPatch","patch":"%%"}}"#,
                "not base64",
            ),
        ];
        for (text, want) in cases {
            let err = w.read_answer(text, "u").unwrap_err().to_string();
            assert!(err.contains(want), "{err:?} lacks {want:?}");
        }
    }

    #[test]
    fn the_review_is_a_dry_run_create() {
        let r = review(&json!({"metadata": {"name": "p"}}), "app", "u1");
        assert_eq!(r["request"]["operation"], "CREATE");
        assert_eq!(r["request"]["dryRun"], true);
        assert_eq!(r["request"]["namespace"], "app");
        assert_eq!(r["request"]["name"], "p");
        assert_eq!(r["request"]["kind"]["kind"], "Pod");
    }
}
