//! Kubernetes Events for injection decisions (`--kube=on`): `Injected`, `InjectionSkipped`
//! (Normal) and `InjectionFailed` (Warning), on the workload that owns the pod
//! ([`owner`]), with the decision's reason as the message, aggregated and rate-limited
//! ([`limit`]).
//!
//! Off the admission path by construction: the handler only builds a small [`Notice`] and
//! `try_send`s it into a bounded queue; a full queue drops the notice (counted), never waits.
//! One background task resolves owners, aggregates and writes `events.k8s.io/v1` Events
//! through the same client as the watches; a failed write is logged and counted, nothing
//! else. Dry-run admissions and the API server's reinvocation of an injected pod ("already
//! injected") send nothing: no pod is created by the first, the second is not news.

pub mod limit;
pub mod owner;

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::mpsc;

use self::limit::{Limiter, Observed, Rules, Write};
use self::owner::Resolver;
use super::metrics::Metrics;
use super::shutdown::Shutdown;
use crate::decision::{Decision, Reason as Step};
use crate::inject::InjectError;

/// Notices waiting for the background task; beyond this they are dropped.
pub const QUEUE: usize = 1024;
/// How often pending counts are checked for writing.
const TICK: Duration = Duration::from_secs(1);
/// A write that takes longer is abandoned (and counted as failed).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// `reportingController` of our Events.
pub const CONTROLLER: &str = "sidecar-injector";
/// `action` of our Events (what we did to the pod).
const ACTION: &str = "Inject";

/// The Event's `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Injected,
    InjectionSkipped,
    InjectionFailed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Injected => "Injected",
            Reason::InjectionSkipped => "InjectionSkipped",
            Reason::InjectionFailed => "InjectionFailed",
        }
    }

    fn event_type(self) -> &'static str {
        match self {
            Reason::InjectionFailed => "Warning",
            Reason::Injected | Reason::InjectionSkipped => "Normal",
        }
    }
}

/// What the admission decided, as the handler has it.
#[derive(Debug, Clone, Copy)]
pub enum Happened<'a> {
    Injected(&'a Decision),
    Skipped(&'a Decision),
    Failed(&'a InjectError),
}

/// One admission's Event, before its owner is resolved.
#[derive(Debug, Clone)]
pub struct Notice {
    pub reason: Reason,
    pub namespace: String,
    pub owner: OwnerReference,
    pub note: String,
}

/// What one pod's admission reports, or `None` when it reports nothing (a pod with no owner,
/// the reinvocation of a pod we already injected).
/// `owner`: the pod's ([`owner::pod_owner`]); a pod without one gets no Event.
pub fn notice(
    owner: Option<OwnerReference>,
    namespace: &str,
    what: Happened<'_>,
) -> Option<Notice> {
    let owner = owner?;
    let (reason, note) = match what {
        Happened::Injected(d) => (
            Reason::Injected,
            format!("Sidecar injected: {}", because(d)),
        ),
        Happened::Skipped(d) if matches!(d.main_reason(), Some(Step::AlreadyInjected)) => {
            return None
        }
        Happened::Skipped(d) => (
            Reason::InjectionSkipped,
            format!("Sidecar injection skipped: {}", because(d)),
        ),
        Happened::Failed(e) => (
            Reason::InjectionFailed,
            format!(
                "Sidecar injection failed: {}",
                crate::text::elide(&e.to_string())
            ),
        ),
    };
    Some(Notice {
        reason,
        namespace: namespace.to_string(),
        owner,
        note,
    })
}

/// The deciding reason and its rule, as `explain` names them.
fn because(d: &Decision) -> String {
    match d.main_reason() {
        Some(r) => format!("{r} (rule {})", r.rule()),
        None => "no reason recorded".to_string(),
    }
}

/// The handler's side: cheap to clone.
#[derive(Debug, Clone)]
pub struct Events {
    tx: mpsc::Sender<Notice>,
    metrics: Arc<Metrics>,
}

impl Events {
    /// Starts the background task on `client`; it stops at shutdown.
    pub fn spawn(client: Client, metrics: Arc<Metrics>, shutdown: Shutdown) -> Events {
        Events::spawn_with(client, metrics, shutdown, Rules::default(), TICK)
    }

    /// [`Events::spawn`] with other limits (tests).
    pub fn spawn_with(
        client: Client,
        metrics: Arc<Metrics>,
        shutdown: Shutdown,
        rules: Rules,
        tick: Duration,
    ) -> Events {
        let (tx, rx) = mpsc::channel(QUEUE);
        let worker = Worker {
            client: client.clone(),
            resolver: Resolver::new(client),
            limiter: Limiter::new(rules, Instant::now()),
            metrics: metrics.clone(),
            instance: instance_name(),
        };
        tokio::spawn(worker.run(rx, tick, shutdown));
        Events { tx, metrics }
    }

    /// Queues a notice already made; never waits.
    pub fn send(&self, n: Notice) {
        let reason = n.reason;
        if self.tx.try_send(n).is_err() {
            self.metrics.event(reason.as_str(), "dropped");
        }
    }
}

/// `reportingInstance`: the pod's name (Kubernetes sets `HOSTNAME` to it), else the host's.
fn instance_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| CONTROLLER.to_string())
}

/// What makes two occurrences the same Event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    reason: Reason,
    namespace: String,
    api_version: String,
    kind: String,
    name: String,
    uid: String,
    note: String,
}

impl Key {
    fn new(reason: Reason, regarding: &ObjectReference, note: String) -> Key {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Key {
            reason,
            namespace: s(&regarding.namespace),
            api_version: s(&regarding.api_version),
            kind: s(&regarding.kind),
            name: s(&regarding.name),
            uid: s(&regarding.uid),
            note,
        }
    }

    fn regarding(&self) -> ObjectReference {
        let some = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
        ObjectReference {
            api_version: some(&self.api_version),
            kind: some(&self.kind),
            name: some(&self.name),
            namespace: some(&self.namespace),
            uid: some(&self.uid),
            ..ObjectReference::default()
        }
    }
}

struct Worker {
    client: Client,
    resolver: Resolver,
    limiter: Limiter<Key>,
    metrics: Arc<Metrics>,
    instance: String,
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::Receiver<Notice>, tick: Duration, shutdown: Shutdown) {
        let mut ticks = tokio::time::interval(tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let flush = tokio::select! {
                n = rx.recv() => match n {
                    Some(n) => self.observe(n).await,
                    None => break,
                },
                _ = ticks.tick() => true,
                _ = shutdown.wait() => break,
            };
            if flush {
                self.flush().await;
            }
        }
    }

    /// Counts one notice; `true` when it started a new Event (write it now, not at the tick).
    async fn observe(&mut self, n: Notice) -> bool {
        let regarding = self.resolver.regarding(&n.namespace, &n.owner).await;
        let key = Key::new(n.reason, &regarding, n.note);
        match self.limiter.observe(key, Instant::now()) {
            Observed::New => true,
            Observed::Aggregated => {
                self.metrics.event(n.reason.as_str(), "aggregated");
                false
            }
            Observed::Dropped => {
                self.metrics.event(n.reason.as_str(), "dropped");
                false
            }
        }
    }

    async fn flush(&mut self) {
        for write in self.limiter.due(Instant::now()) {
            let (key, result) = match write {
                Write::Create { key } => {
                    let result = self.create(&key).await.map(|name| (name, 1));
                    (key, result)
                }
                Write::Update { key, name, count } => {
                    let result = self
                        .update(&key, &name, count)
                        .await
                        .map(|()| (name, count));
                    (key, result)
                }
            };
            let reason = key.reason.as_str();
            match result {
                Ok((name, count)) => {
                    self.metrics.event(reason, "sent");
                    self.limiter.written(&key, name, count, Instant::now());
                }
                Err(e) => {
                    self.metrics.event(reason, "failed");
                    tracing::warn!(reason, namespace = %key.namespace, kind = %key.kind,
                        name = %key.name, error = %e, "posting a Kubernetes Event failed");
                    self.limiter.failed(&key, Instant::now(), e.is_not_found());
                }
            }
        }
    }

    fn api(&self, namespace: &str) -> Api<Event> {
        Api::namespaced(self.client.clone(), namespace)
    }

    async fn create(&self, key: &Key) -> Result<String, WriteError> {
        let now = Timestamp::now();
        // client-go's naming: the object's name and the time, unique enough per reporter;
        // cut so the whole stays a valid name (253 characters).
        let base: String = key.name.chars().take(230).collect();
        let name = format!("{base}.{:x}", now.as_nanosecond());
        let event = Event {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(key.namespace.clone()),
                ..ObjectMeta::default()
            },
            event_time: Some(MicroTime(now)),
            action: Some(ACTION.into()),
            reason: Some(key.reason.as_str().into()),
            note: Some(key.note.clone()),
            regarding: Some(key.regarding()),
            reporting_controller: Some(CONTROLLER.into()),
            reporting_instance: Some(self.instance.clone()),
            type_: Some(key.reason.event_type().into()),
            ..Event::default()
        };
        let api = self.api(&key.namespace);
        let params = PostParams::default();
        let post = api.create(&params, &event);
        match tokio::time::timeout(WRITE_TIMEOUT, post).await {
            Ok(Ok(_)) => Ok(name),
            Ok(Err(e)) => Err(WriteError::Api(e)),
            Err(_) => Err(WriteError::Timeout),
        }
    }

    async fn update(&self, key: &Key, name: &str, count: u32) -> Result<(), WriteError> {
        let series = EventSeries {
            count: i32::try_from(count).unwrap_or(i32::MAX),
            last_observed_time: MicroTime(Timestamp::now()),
        };
        let patch = json!({ "series": series });
        let api = self.api(&key.namespace);
        let params = PatchParams::default();
        let merge = Patch::Merge(&patch);
        let call = api.patch(name, &params, &merge);
        match tokio::time::timeout(WRITE_TIMEOUT, call).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(WriteError::Api(e)),
            Err(_) => Err(WriteError::Timeout),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("{}", crate::cluster::one_cause(.0))]
    Api(#[source] kube::Error),
    #[error("no answer within {WRITE_TIMEOUT:?}")]
    Timeout,
}

impl WriteError {
    /// The Event is gone (expired on the API server): the next write creates a new one.
    fn is_not_found(&self) -> bool {
        matches!(self, WriteError::Api(kube::Error::Api(s)) if s.code == 404)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Option<OwnerReference> {
        let meta = serde_json::from_value(json!({"generateName": "web-7c9f-", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9f", "uid": "u1", "controller": true}
        ]}));
        owner::pod_owner(&meta.unwrap())
    }

    /// A decision whose last step is `last` (the one the note reports).
    fn decision(inject: bool, last: Step) -> Decision {
        Decision {
            inject,
            reasons: vec![Step::NoHostNetwork, Step::NotSystemNamespace, last],
        }
    }

    #[test]
    fn notes_carry_the_deciding_reason() {
        let skipped = decision(
            false,
            Step::PodSays {
                source: "label",
                value: false,
            },
        );
        let n = notice(pod(), "shop", Happened::Skipped(&skipped)).unwrap();
        assert_eq!(n.reason, Reason::InjectionSkipped);
        assert_eq!(
            n.note,
            "Sidecar injection skipped: pod label sidecar.istio.io/inject=false (rule pod_label)"
        );
        assert_eq!(n.owner.name, "web-7c9f");
        let injected = decision(
            true,
            Step::PodSays {
                source: "label",
                value: true,
            },
        );
        let n = notice(pod(), "shop", Happened::Injected(&injected)).unwrap();
        assert_eq!(n.reason, Reason::Injected);
        assert!(n
            .note
            .starts_with("Sidecar injected: pod label sidecar.istio.io/inject=true"));
        let err = InjectError::from(crate::inject::PodError::Limit("x".repeat(5000)));
        let n = notice(pod(), "shop", Happened::Failed(&err)).unwrap();
        assert_eq!(n.reason.event_type(), "Warning");
        assert!(n.note.len() < 1024, "an Event note is at most 1 kB");
    }

    #[test]
    fn no_notice_for_bare_pods_or_reinvocations() {
        let d = decision(true, Step::Policy(crate::settings::rules::Policy::Enabled));
        assert!(notice(None, "shop", Happened::Injected(&d)).is_none());
        let again = Decision {
            inject: false,
            reasons: vec![Step::AlreadyInjected],
        };
        assert!(notice(pod(), "shop", Happened::Skipped(&again)).is_none());
    }

    #[test]
    fn keys_round_trip_the_regarding_reference() {
        let r = ObjectReference {
            api_version: Some("apps/v1".into()),
            kind: Some("Deployment".into()),
            name: Some("web".into()),
            namespace: Some("shop".into()),
            uid: None,
            ..ObjectReference::default()
        };
        assert_eq!(Key::new(Reason::Injected, &r, String::new()).regarding(), r);
    }
}
