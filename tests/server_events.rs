//! Kubernetes Events (`--kube=on`) against the fake API server: what is posted, on which
//! object, how a burst is aggregated, and that the admission never waits for or fails
//! because of an Event.

mod server_support;

use std::time::Duration;

use serde_json::{json, Value};
use server_support::fake_api::FakeApi;
use server_support::*;
use sidecar_injector::server::admission;
use sidecar_injector::server::events::limit::Rules;
use sidecar_injector::server::events::Events;
use sidecar_injector::server::shutdown::Shutdown;

const RS_PATH: &str = "/apis/apps/v1/namespaces/shop/replicasets/reviews-v1-5d7f8c9b4";
const EVENTS_PATH: &str = "/apis/events.k8s.io/v1/namespaces/shop/events";

/// Short windows so the test sees the aggregated update quickly.
fn fast_rules() -> Rules {
    Rules {
        window: Duration::from_millis(400),
        ..Rules::default()
    }
}

/// The fake with the fixture pod's ReplicaSet, owned by Deployment `reviews-v1`.
fn api() -> FakeApi {
    let api = FakeApi::new(vec![], vec![]);
    api.put(
        RS_PATH,
        json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {
            "name": "reviews-v1-5d7f8c9b4", "namespace": "shop", "uid": "rs-uid",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "reviews-v1",
                                 "uid": "deploy-uid", "controller": true, "blockOwnerDeletion": true}]}}),
    );
    api
}

fn events_state(api: &FakeApi) -> (sidecar_injector::server::AppState, Shutdown) {
    let shutdown = Shutdown::new();
    let mut st = state();
    st.events = Some(Events::spawn_with(
        api.client(),
        st.metrics.clone(),
        shutdown.clone(),
        fast_rules(),
        Duration::from_millis(50),
    ));
    (st, shutdown)
}

/// The fixture pod (a Deployment's, via its ReplicaSet) with extra labels.
fn pod(labels: Value) -> Value {
    let mut p = fixture_json("deployment-pod.json")["request"]["object"].clone();
    for (k, v) in labels.as_object().unwrap() {
        p["metadata"]["labels"][k] = v.clone();
    }
    p
}

fn metric(st: &sidecar_injector::server::AppState, reason: &str, result: &str) -> u64 {
    let want = format!("sidecar_injector_events_total{{reason=\"{reason}\",result=\"{result}\"}} ");
    metrics_text(st)
        .lines()
        .find_map(|l| l.strip_prefix(&want).map(|n| n.trim().parse().unwrap()))
        .unwrap_or(0)
}

async fn wait_for(what: &str, f: impl Fn() -> bool) {
    let ok = eventually(Duration::from_secs(5), || {
        let v = f();
        async move { v }
    })
    .await;
    assert!(ok, "timed out waiting for {what}");
}

#[tokio::test]
async fn a_rollout_is_one_event_on_the_deployment_with_a_count() {
    let api = api();
    let (st, shutdown) = events_state(&api);
    let router = admission::router(st.clone());
    for i in 0..50 {
        let reply = post_review(
            &router,
            "/inject",
            review_of(&pod(json!({})), "shop", &format!("u{i}")),
        )
        .await;
        assert!(patch_of(&reply.response()).is_some(), "pod {i} injected");
    }
    wait_for("the count update", || !api.seen("PATCH").is_empty()).await;
    let posts = api.seen("POST");
    assert_eq!(posts.len(), 1, "one Event object for 50 pods: {posts:?}");
    assert_eq!(posts[0].path, EVENTS_PATH);
    let ev = &posts[0].body;
    assert_eq!(ev["reason"], "Injected");
    assert_eq!(ev["type"], "Normal");
    assert_eq!(ev["action"], "Inject");
    assert_eq!(ev["reportingController"], "sidecar-injector");
    assert_eq!(
        ev["regarding"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "reviews-v1",
               "namespace": "shop", "uid": "deploy-uid"})
    );
    assert_eq!(
        ev["note"],
        "Sidecar injected: injection policy is enabled (rule policy)"
    );
    assert!(ev["eventTime"].is_string() && ev.get("series").is_none());
    let name = ev["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("reviews-v1."), "{name}");
    // The count update names the same object and carries every pod.
    let patches = api.seen("PATCH");
    assert_eq!(patches[0].path, format!("{EVENTS_PATH}/{name}"));
    assert_eq!(patches[0].body["series"]["count"], 50);
    assert!(patches[0].body["series"]["lastObservedTime"].is_string());
    // One ReplicaSet lookup for the whole rollout (cached).
    let gets: Vec<_> = api
        .seen("GET")
        .into_iter()
        .filter(|r| r.path == RS_PATH)
        .collect();
    assert_eq!(gets.len(), 1);
    assert_eq!(metric(&st, "Injected", "sent"), 2);
    assert_eq!(metric(&st, "Injected", "aggregated"), 49);
    shutdown.trigger();
}

#[tokio::test]
async fn skips_and_failures_carry_the_reason() {
    let api = api();
    let (st, shutdown) = events_state(&api);
    let router = admission::router(st.clone());
    let out = pod(json!({"sidecar.istio.io/inject": "false"}));
    post_review(&router, "/inject", review_of(&out, "shop", "s1")).await;
    let mut bad = pod(json!({}));
    bad["metadata"]["annotations"] = json!({"sidecar.istio.io/proxyCPU": "lots"});
    let reply = post_review(&router, "/inject", review_of(&bad, "shop", "f1")).await;
    assert_eq!(reply.response()["allowed"], false);
    wait_for("two Events", || api.seen("POST").len() == 2).await;
    let posts = api.seen("POST");
    let by_reason = |r: &str| {
        posts
            .iter()
            .find(|p| p.body["reason"] == r)
            .unwrap()
            .body
            .clone()
    };
    let skipped = by_reason("InjectionSkipped");
    assert_eq!(
        skipped["note"],
        "Sidecar injection skipped: pod label sidecar.istio.io/inject=false (rule pod_label)"
    );
    assert_eq!(skipped["type"], "Normal");
    let failed = by_reason("InjectionFailed");
    assert_eq!(failed["type"], "Warning");
    let note = failed["note"].as_str().unwrap();
    assert!(
        note.starts_with("Sidecar injection failed: ") && note.contains("lots"),
        "{note}"
    );
    assert_eq!(failed["regarding"]["kind"], "Deployment");
    shutdown.trigger();
}

#[tokio::test]
async fn dry_runs_and_reinvocations_send_nothing() {
    let api = api();
    let (st, shutdown) = events_state(&api);
    let router = admission::router(st.clone());
    let mut body: Value =
        serde_json::from_slice(&review_of(&pod(json!({})), "shop", "d1")).unwrap();
    body["request"]["dryRun"] = json!(true);
    let reply = post_review(&router, "/inject", serde_json::to_vec(&body).unwrap()).await;
    assert!(
        patch_of(&reply.response()).is_some(),
        "a dry run is still injected"
    );
    // The API server's second call for a pod we injected: "already injected".
    let again = fixture("already-injected-pod.json");
    post_review(&router, "/inject", again).await;
    // A pod nobody owns has no workload to report on.
    let mut bare = pod(json!({}));
    bare["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    bare["metadata"]["name"] = json!("bare");
    post_review(&router, "/inject", review_of(&bare, "shop", "b1")).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(api.seen("POST").is_empty(), "{:?}", api.seen("POST"));
    assert!(!metrics_text(&st).contains("sidecar_injector_events_total{"));
    shutdown.trigger();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_failing_api_never_delays_or_fails_admission() {
    let api = api();
    api.hold_writes();
    let (st, shutdown) = events_state(&api);
    let router = admission::router(st.clone());
    let sts = |i: usize| {
        let mut p = pod(json!({"sidecar.istio.io/inject": "false"}));
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "StatefulSet",
            "name": format!("db-{i}"), "uid": format!("sts-{i}"), "controller": true}]);
        p
    };
    // The first Event's write reaches the API server and hangs there.
    post_review(&router, "/inject", review_of(&sts(0), "shop", "h0")).await;
    wait_for("the first write", || api.seen("POST").len() == 1).await;
    let hung_at = std::time::Instant::now();
    // Meanwhile: distinct workloads (each a new Event), skipped (cheap admissions); every
    // one is answered, the queue fills and then drops.
    for i in 1..(events_queue() + 200) {
        let reply = post_review(
            &router,
            "/inject",
            review_of(&sts(i), "shop", &format!("h{i}")),
        )
        .await;
        assert_eq!(reply.response()["allowed"], true);
    }
    // Each write gives up after 10 s; on a slow machine a later one may be hanging by now.
    let hanging = api.seen("POST").len() as u64;
    assert!(
        hanging <= 1 + hung_at.elapsed().as_secs() / 10,
        "{hanging} writes went out"
    );
    assert_eq!(metric(&st, "InjectionSkipped", "sent"), 0);
    assert!(
        metric(&st, "InjectionSkipped", "dropped") > 0,
        "a full queue drops, counted"
    );
    // Now the API refuses: the held writes come back as failures, logged and counted.
    api.write_status(500);
    api.release_writes();
    wait_for("failed writes counted", || {
        metric(&st, "InjectionSkipped", "failed") > 0
    })
    .await;
    let reply = post_review(
        &router,
        "/inject",
        review_of(&pod(json!({})), "shop", "after"),
    )
    .await;
    assert!(patch_of(&reply.response()).is_some());
    shutdown.trigger();
}

#[tokio::test]
async fn without_access_to_the_replicaset_the_event_goes_on_it() {
    // No ReplicaSet served: the lookup gets 404 (as with missing RBAC, a 403).
    let api = FakeApi::new(vec![], vec![]);
    let (st, shutdown) = events_state(&api);
    let router = admission::router(st.clone());
    post_review(&router, "/inject", review_of(&pod(json!({})), "shop", "r1")).await;
    wait_for("an Event", || api.seen("POST").len() == 1).await;
    let ev = api.seen("POST")[0].body.clone();
    assert_eq!(ev["regarding"]["kind"], "ReplicaSet");
    assert_eq!(ev["regarding"]["name"], "reviews-v1-5d7f8c9b4");
    shutdown.trigger();
}

fn events_queue() -> usize {
    sidecar_injector::server::events::QUEUE
}
