//! A fake Kubernetes API behind `kube::Client::new(service, "default")`: list responses for
//! namespaces and nodes, and watch streams the test feeds event by event.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// One resource (`namespaces`, `nodes`): its initial list and its watch feed.
struct Resource {
    list: Value,
    feed: Option<mpsc::UnboundedReceiver<Value>>,
}

#[derive(Clone)]
pub struct FakeApi {
    resources: Arc<Mutex<HashMap<String, Resource>>>,
    feeds: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Value>>>>,
    /// Lists are answered only once this is released (to observe "not synced yet").
    pub gate: Arc<Notify>,
    gated: Arc<Mutex<bool>>,
}

impl FakeApi {
    pub fn new(namespaces: Vec<Value>, nodes: Vec<Value>) -> FakeApi {
        let api = FakeApi {
            resources: Default::default(),
            feeds: Default::default(),
            gate: Arc::new(Notify::new()),
            gated: Arc::new(Mutex::new(false)),
        };
        api.add("namespaces", "NamespaceList", namespaces);
        api.add("nodes", "NodeList", nodes);
        api
    }

    /// Holds list responses until [`FakeApi::open_gate`].
    pub fn close_gate(&self) {
        *self.gated.lock().unwrap() = true;
    }

    pub fn open_gate(&self) {
        *self.gated.lock().unwrap() = false;
        self.gate.notify_waiters();
    }

    fn add(&self, resource: &str, kind: &str, items: Vec<Value>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let list = json!({
            "apiVersion": "v1", "kind": kind,
            "metadata": {"resourceVersion": "1"}, "items": items,
        });
        self.resources.lock().unwrap().insert(
            resource.into(),
            Resource {
                list,
                feed: Some(rx),
            },
        );
        self.feeds.lock().unwrap().insert(resource.into(), tx);
    }

    /// Sends a watch event (`ADDED`, `MODIFIED`, `DELETED`) for `resource`.
    pub fn send(&self, resource: &str, kind: &str, object: Value) {
        let feeds = self.feeds.lock().unwrap();
        let tx = feeds.get(resource).unwrap();
        tx.send(json!({"type": kind, "object": object})).unwrap();
    }

    pub fn client(&self) -> kube::Client {
        let api = self.clone();
        let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
            let api = api.clone();
            async move { Ok::<_, Infallible>(api.answer(req).await) }
        });
        kube::Client::new(service, "default")
    }

    async fn answer(&self, req: http::Request<kube::client::Body>) -> http::Response<Body> {
        let resource = req.uri().path().trim_start_matches("/api/v1/").to_string();
        let watch = req.uri().query().unwrap_or("").contains("watch=true");
        if watch {
            let feed = self
                .resources
                .lock()
                .unwrap()
                .get_mut(&resource)
                .and_then(|r| r.feed.take());
            let stream = match feed {
                Some(rx) => futures::stream::unfold(rx, |mut rx| async move {
                    let event = rx.recv().await?;
                    let mut line = serde_json::to_vec(&event).unwrap();
                    line.push(b'\n');
                    Some((Ok::<_, Infallible>(Frame::data(Bytes::from(line))), rx))
                })
                .boxed(),
                // A second watch (after a restart) just stays open.
                None => futures::stream::pending().boxed(),
            };
            return http::Response::new(StreamBody::new(stream).boxed_unsync());
        }
        loop {
            // Register interest before checking, so an open_gate in between is not missed.
            let notified = self.gate.notified();
            if !*self.gated.lock().unwrap() {
                break;
            }
            notified.await;
        }
        let list = self
            .resources
            .lock()
            .unwrap()
            .get(&resource)
            .map(|r| r.list.clone());
        match list {
            Some(list) => http::Response::new(
                Full::new(Bytes::from(serde_json::to_vec(&list).unwrap())).boxed_unsync(),
            ),
            None => {
                let mut res = http::Response::new(Full::new(Bytes::new()).boxed_unsync());
                *res.status_mut() = http::StatusCode::NOT_FOUND;
                res
            }
        }
    }
}

pub fn namespace(name: &str, labels: Value, rv: u32) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": labels, "resourceVersion": rv.to_string(),
                     "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
    })
}

pub fn node(name: &str, kubelet: &str, rv: u32) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "resourceVersion": rv.to_string(), "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "nodeInfo": {"kubeletVersion": kubelet, "machineID": "", "systemUUID": "", "bootID": "",
                         "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
            "images": [{"names": ["docker.io/istio/proxyv2:1.30.3"], "sizeBytes": 100}],
        },
    })
}
