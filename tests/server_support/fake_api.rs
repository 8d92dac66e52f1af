//! A fake Kubernetes API behind `kube::Client::new(service, "default")`: list responses for
//! namespaces and nodes, and watch streams the test feeds event by event; single objects
//! by path ([`FakeApi::put`]); writes (POST, PATCH, ...) recorded and answered with a status
//! the test chooses, optionally held until released.

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
    /// GET path → object (paths outside the two lists).
    objects: Arc<Mutex<HashMap<String, Value>>>,
    /// Every GET of an object path, and every write, in order.
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// The status writes are answered with (201 by default).
    write_status: Arc<Mutex<u16>>,
    /// Writes wait while this is set (a slow or hung API server).
    writes_held: Arc<Mutex<bool>>,
    writes_released: Arc<Notify>,
}

/// A request the fake saw: method, path (no query), JSON body (`null` for none).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
}

impl FakeApi {
    pub fn new(namespaces: Vec<Value>, nodes: Vec<Value>) -> FakeApi {
        let api = FakeApi {
            resources: Default::default(),
            feeds: Default::default(),
            gate: Arc::new(Notify::new()),
            gated: Arc::new(Mutex::new(false)),
            objects: Default::default(),
            requests: Default::default(),
            write_status: Arc::new(Mutex::new(201)),
            writes_held: Default::default(),
            writes_released: Arc::new(Notify::new()),
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

    /// Serves `object` at `path` (e.g. `/apis/apps/v1/namespaces/shop/replicasets/web-1`).
    pub fn put(&self, path: &str, object: Value) {
        self.objects.lock().unwrap().insert(path.into(), object);
    }

    /// Answers writes with `status` from now on (a `Status` body for errors).
    pub fn write_status(&self, status: u16) {
        *self.write_status.lock().unwrap() = status;
    }

    /// Holds every write until [`FakeApi::release_writes`].
    pub fn hold_writes(&self) {
        *self.writes_held.lock().unwrap() = true;
    }

    pub fn release_writes(&self) {
        *self.writes_held.lock().unwrap() = false;
        self.writes_released.notify_waiters();
    }

    /// The recorded requests with this method.
    pub fn seen(&self, method: &str) -> Vec<Recorded> {
        let all = self.requests.lock().unwrap();
        all.iter().filter(|r| r.method == method).cloned().collect()
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
        let path = req.uri().path().to_string();
        if req.method() != http::Method::GET {
            return self.write(req).await;
        }
        let object = self.objects.lock().unwrap().get(&path).cloned();
        if let Some(object) = object {
            self.record("GET", &path, Value::Null);
            return json_response(200, &object);
        }
        if !path.starts_with("/api/v1/namespaces") && !path.starts_with("/api/v1/nodes") {
            self.record("GET", &path, Value::Null);
            return status_response(404, "NotFound", &format!("{path} not found"));
        }
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

impl FakeApi {
    fn record(&self, method: &str, path: &str, body: Value) {
        self.requests.lock().unwrap().push(Recorded {
            method: method.into(),
            path: path.into(),
            body,
        });
    }

    async fn write(&self, req: http::Request<kube::client::Body>) -> http::Response<Body> {
        let (parts, body) = req.into_parts();
        let bytes = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.record(parts.method.as_str(), parts.uri.path(), body.clone());
        loop {
            let released = self.writes_released.notified();
            if !*self.writes_held.lock().unwrap() {
                break;
            }
            released.await;
        }
        let status = *self.write_status.lock().unwrap();
        if status >= 400 {
            return status_response(status, "InternalError", "the fake refuses writes");
        }
        json_response(status, &body)
    }
}

fn json_response(status: u16, body: &Value) -> http::Response<Body> {
    let mut res = http::Response::new(
        Full::new(Bytes::from(serde_json::to_vec(body).unwrap())).boxed_unsync(),
    );
    *res.status_mut() = http::StatusCode::from_u16(status).unwrap();
    res
}

fn status_response(code: u16, reason: &str, message: &str) -> http::Response<Body> {
    let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "message": message, "reason": reason, "code": code});
    json_response(code, &status)
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
