//! The replica memo (`src/server/admission/memo.rs`): a review that differs from an earlier one
//! only in its uid is answered from the memo, and that answer is byte for byte the one a
//! server without the memo gives, over the admission fixtures and generated pods
//! (`MEMO_SEEDS=N`, default 300). What the memo must not reuse: another body, another URL
//! path, other settings. And the kept overlays (`inject::fast::rendered`) behind it.

mod oracle_support;
mod server_support;

use std::sync::Arc;

use oracle_support::gen::{self, Rng};
use serde_json::Value;
use server_support::{fixture_json, fixture_names, review_of, state};
use sidecar_injector::server::admission::{self, memo};
use sidecar_injector::server::metrics::Metrics;
use sidecar_injector::server::reload::Settings;
use sidecar_injector::server::AppState;

fn with_uid(review: &Value, uid: &str) -> Vec<u8> {
    let mut r = review.clone();
    r["request"]["uid"] = Value::from(uid);
    serde_json::to_vec(&r).unwrap()
}

/// The review with the ServiceAccount admission plugin's token volume, named with `suffix`,
/// mounted in every container (as an API server sends a pod of a ServiceAccount).
fn with_token_volume(review: &Value, suffix: &str) -> Value {
    let name = format!("kube-api-access-{suffix}");
    // A captured review has one already: renamed.
    let text = serde_json::to_string(review).unwrap();
    if let Some(at) = text.find("kube-api-access-") {
        let old = &text[at..at + name.len()];
        return serde_json::from_str(&text.replace(old, &name)).unwrap();
    }
    let mut r = review.clone();
    let Some(spec) = r
        .pointer_mut("/request/object/spec")
        .and_then(Value::as_object_mut)
    else {
        return r;
    };
    let volume = serde_json::json!({"name": name, "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
    ], "defaultMode": 420}});
    let volumes = spec
        .entry("volumes")
        .or_insert_with(|| Value::Array(vec![]));
    if let Some(v) = volumes.as_array_mut() {
        v.push(volume);
    }
    for kind in ["initContainers", "containers"] {
        for c in spec
            .get_mut(kind)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let mount = serde_json::json!({"name": name, "readOnly": true,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"});
            if let Some(obj) = c.as_object_mut() {
                let mounts = obj
                    .entry("volumeMounts")
                    .or_insert_with(|| Value::Array(vec![]));
                if let Some(m) = mounts.as_array_mut() {
                    m.push(mount);
                }
            }
        }
    }
    r
}

/// As [`check`], the two replicas' token volumes named differently.
fn check_renamed(memo_state: &AppState, review: &Value, what: &str) -> bool {
    let hits = lookups(memo_state, "hit");
    let first = with_token_volume(review, "abcde");
    let second = with_token_volume(review, "x7k2p");
    answer(memo_state, "/inject", &with_uid(&first, "uid-a"));
    let got = answer(memo_state, "/inject", &with_uid(&second, "uid-b"));
    let plain = answer(&no_memo(), "/inject", &with_uid(&second, "uid-b"));
    assert_eq!(
        got,
        plain,
        "{what}: the memo's answer for a renamed token volume differs from a memo-less server's\nreview: {}",
        serde_json::to_string(&second).unwrap()
    );
    lookups(memo_state, "hit") > hits
}

/// Runs `check` on the generated reviews (`MEMO_SEEDS`, default 300): (hits, reviews).
fn over_generated(mut check: impl FnMut(&Value, &str) -> bool) -> (u64, u64) {
    let seeds: u64 = std::env::var("MEMO_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut hits = 0;
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        let (pod, ns) = gen::admitted_pod(&mut rng, &template);
        let review: Value = serde_json::from_slice(&review_of(&pod, &ns, "x")).unwrap();
        hits += u64::from(check(&review, &format!("seed {seed}")));
    }
    (hits, seeds)
}

fn no_memo() -> AppState {
    let mut s = state();
    s.memo = None;
    s
}

fn answer(state: &AppState, path: &str, body: &[u8]) -> String {
    match admission::review(state, path, body) {
        Ok(r) => String::from_utf8(r.body).unwrap(),
        Err(e) => format!("rejected: {e}"),
    }
}

fn lookups(state: &AppState, result: &str) -> u64 {
    counted(state, "sidecar_injector_review_memo_lookups_total", result)
}

fn counted(state: &AppState, counter: &str, result: &str) -> u64 {
    let want = format!("{counter}{{result=\"{result}\"}} ");
    state
        .metrics
        .encode()
        .lines()
        .find_map(|l| l.strip_prefix(&want).map(|n| n.parse().unwrap()))
        .unwrap_or(0)
}

/// Answers `review` as uid `a`, then as uid `b` (from the memo when it kept the first), and
/// compares the second with a memo-less server's answer to it. Returns whether it was a hit.
fn check(memo_state: &AppState, review: &Value, path: &str, what: &str) -> bool {
    let hits = lookups(memo_state, "hit");
    let first = answer(memo_state, path, &with_uid(review, "uid-a"));
    let second = answer(memo_state, path, &with_uid(review, "uid-b"));
    let plain = answer(&no_memo(), path, &with_uid(review, "uid-b"));
    assert_eq!(
        second,
        plain,
        "{what}: the memo's answer differs from a memo-less server's\nreview: {}",
        serde_json::to_string(review).unwrap()
    );
    assert_eq!(
        first.replace("uid-a", "uid-b"),
        second,
        "{what}: two replicas got different answers"
    );
    lookups(memo_state, "hit") > hits
}

#[test]
fn replicas_get_the_answer_a_memo_less_server_gives() {
    let mut hits = 0;
    for name in fixture_names() {
        let review = fixture_json(&name);
        for path in ["/inject", "/inject/cluster/c1/net/n1"] {
            hits += usize::from(check(&state(), &review, path, &name));
        }
    }
    // Every fixture that is a review with a plain uid is kept; the others are parsed as usual.
    assert!(hits >= 10, "only {hits} memo hits over the fixtures");

    let s = state();
    let (hits, seeds) = over_generated(|review, what| check(&s, review, "/inject", what));
    assert_eq!(hits, seeds, "every generated review is a memo hit");
    let (entries, bytes) = s.memo.as_ref().unwrap().usage();
    assert!(entries <= memo::MAX_ENTRIES && bytes <= memo::MAX_BYTES);
}

/// Replicas of a ServiceAccount's pods: the token volume's random name differs in each.
#[test]
fn replicas_with_their_own_token_volume_get_a_memo_less_servers_answer() {
    let mut hits = 0;
    let mut reviews = 0;
    for name in fixture_names() {
        hits += usize::from(check_renamed(&state(), &fixture_json(&name), &name));
        reviews += 1;
    }
    assert!(
        hits * 2 >= reviews,
        "only {hits} memo hits over {reviews} fixtures"
    );
    // The pod's own istio-proxy (merged with the injected one, the general path): the patch
    // names the token volume, so a renamed hit must rename it in the patch too.
    let mut own = fixture_json("deployment-pod.json");
    let containers = own
        .pointer_mut("/request/object/spec/containers")
        .and_then(Value::as_array_mut)
        .unwrap();
    let mut proxy = containers[0].clone();
    proxy["name"] = Value::from("istio-proxy");
    proxy["image"] = Value::from("registry.example/custom-proxy:1");
    containers.insert(0, proxy);
    let s = state();
    assert!(check_renamed(&s, &own, "own istio-proxy"));
    let text = answer(
        &s,
        "/inject",
        &with_uid(&with_token_volume(&own, "zz9zz"), "u"),
    );
    let response: Value = serde_json::from_str(&text).unwrap();
    let patch = server_support::patch_of(&response["response"]).unwrap();
    let patch = serde_json::to_string(&patch).unwrap();
    assert!(patch.contains("kube-api-access-zz9zz"), "{patch}");
    let s = state();
    let (hits, seeds) = over_generated(|review, what| check_renamed(&s, review, what));
    assert!(
        hits * 10 >= seeds * 9,
        "{hits} memo hits over {seeds} generated reviews"
    );
}

#[test]
fn the_token_prefix_anywhere_but_the_volume_is_not_kept() {
    let s = state();
    let review = with_token_volume(&fixture_json("deployment-pod.json"), "abcde");
    let mut labelled = review.clone();
    labelled["request"]["object"]["metadata"]["labels"]["v"] = Value::from("kube-api-access-abcde");
    let mut mounted = review.clone();
    mounted["request"]["object"]["metadata"]["annotations"]["sidecar.istio.io/userVolumeMount"] =
        Value::from(r#"{"kube-api-access-abcde": {"mountPath": "/t"}}"#);
    for r in [&labelled, &mounted] {
        answer(&s, "/inject", &with_uid(r, "u1"));
        answer(&s, "/inject", &with_uid(r, "u2"));
    }
    assert_eq!(lookups(&s, "hit"), 0);
    assert_eq!(s.memo.as_ref().unwrap().usage().0, 0);
    // The same pod without the label is kept.
    answer(&s, "/inject", &with_uid(&review, "u3"));
    answer(&s, "/inject", &with_uid(&review, "u4"));
    assert_eq!(lookups(&s, "hit"), 1);
}

#[test]
fn a_different_body_or_path_is_not_a_hit() {
    let s = state();
    let review = fixture_json("deployment-pod.json");
    answer(&s, "/inject", &with_uid(&review, "u1"));
    let mut other = review.clone();
    other["request"]["object"]["metadata"]["labels"]["extra"] = Value::from("1");
    answer(&s, "/inject", &with_uid(&other, "u2"));
    answer(&s, "/inject/cluster/c2/net/n2", &with_uid(&review, "u3"));
    assert_eq!(lookups(&s, "hit"), 0);
    answer(&s, "/inject", &with_uid(&review, "u4"));
    assert_eq!(lookups(&s, "hit"), 1);
}

#[test]
fn a_uid_with_escapes_is_answered_without_the_memo() {
    let s = state();
    let review = fixture_json("deployment-pod.json");
    let body = with_uid(&review, "a\"b");
    let first = answer(&s, "/inject", &body);
    let second = answer(&s, "/inject", &body);
    assert_eq!(first, second);
    assert!(first.contains(r#""uid":"a\"b""#), "{first}");
    assert_eq!(lookups(&s, "hit"), 0);
    assert_eq!(s.memo.as_ref().unwrap().usage().0, 0, "kept");
}

#[test]
fn new_settings_empty_the_memo() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "global:\n  hub: first.example/istio\n").unwrap();
    let settings = Arc::new(Settings::load(Some(values.clone()), None).unwrap());
    let metrics = Arc::new(Metrics::new());
    let s = AppState::new(settings.clone(), metrics.clone());
    let review = fixture_json("deployment-pod.json");
    let before = answer(&s, "/inject", &with_uid(&review, "u1"));
    assert!(before.contains("\"patch\""), "{before}");
    std::fs::write(&values, "global:\n  hub: second.example/istio\n").unwrap();
    settings.reload(&metrics).unwrap();
    let after = answer(&s, "/inject", &with_uid(&review, "u2"));
    assert_eq!(lookups(&s, "hit"), 0, "answered from the old settings");
    assert_ne!(before.replace("u1", "u2"), after);
    assert_eq!(s.memo.as_ref().unwrap().usage().0, 1);
}

#[test]
fn a_replica_whose_uid_is_not_a_plain_string_is_not_a_hit() {
    let s = state();
    let review = fixture_json("deployment-pod.json");
    let kept = with_uid(&review, "plain-uid");
    answer(&s, "/inject", &kept);
    let text = String::from_utf8(kept).unwrap();
    for other in [r#"plain\u0041uid"#, "plain\tuid", "pl\"ain"] {
        let body = text.replace("plain-uid", other);
        let got = answer(&s, "/inject", body.as_bytes());
        let plain = answer(&no_memo(), "/inject", body.as_bytes());
        assert_eq!(got, plain, "uid {other:?}");
    }
    assert_eq!(lookups(&s, "hit"), 0);
}

#[test]
fn with_custom_templates_a_token_volume_is_not_a_hole() {
    let values = "sidecarInjectorWebhook:\n  templates:\n    extra: |\n      metadata:\n        labels:\n          extra: \"yes\"\n";
    let snap = sidecar_injector::settings::Snapshot::from_strs(Some(values), None).unwrap();
    let s = AppState::new(Arc::new(Settings::fixed(snap)), Arc::new(Metrics::new()));
    let review = fixture_json("deployment-pod.json");
    assert!(serde_json::to_string(&review)
        .unwrap()
        .contains("kube-api-access-"));
    answer(&s, "/inject", &with_uid(&review, "u1"));
    answer(&s, "/inject", &with_uid(&review, "u2"));
    assert_eq!(lookups(&s, "hit"), 0);
    assert_eq!(s.memo.as_ref().unwrap().usage().0, 0);
    // Without a token volume the body is kept as before.
    let mut plain = review.clone();
    let text = serde_json::to_string(&plain)
        .unwrap()
        .replace("kube-api-access-x7k2p", "own-vol");
    plain = serde_json::from_str(&text).unwrap();
    answer(&s, "/inject", &with_uid(&plain, "u3"));
    answer(&s, "/inject", &with_uid(&plain, "u4"));
    assert_eq!(lookups(&s, "hit"), 1);
}

#[test]
fn the_memo_stays_within_its_bounds() {
    let mut s = state();
    s.memo = Some(Arc::new(memo::Memo::new(3)));
    let review = fixture_json("deployment-pod.json");
    for i in 0..10 {
        let mut r = review.clone();
        r["request"]["object"]["metadata"]["labels"]["n"] = Value::from(i.to_string());
        answer(&s, "/inject", &with_uid(&r, "u"));
    }
    let (entries, bytes) = s.memo.as_ref().unwrap().usage();
    assert_eq!(entries, 3);
    assert!(bytes > 0 && bytes <= memo::MAX_BYTES);
    // The newest are kept.
    let mut r = review.clone();
    r["request"]["object"]["metadata"]["labels"]["n"] = Value::from("9");
    answer(&s, "/inject", &with_uid(&r, "v"));
    assert_eq!(lookups(&s, "hit"), 1);
}

/// `review` with 5,000 env variables on its first container: a body over the inline limit,
/// as `bench/pods.rs`'s env2k.
fn huge(review: &Value, tag: &str) -> Value {
    let mut r = review.clone();
    let env: Vec<Value> = (0..5000)
        .map(|i| serde_json::json!({"name": format!("VAR_{tag}_{i}"), "value": format!("value {i} of a long list of settings")}))
        .collect();
    r["request"]["object"]["spec"]["containers"][0]["env"] = Value::Array(env);
    r
}

#[test]
fn replicas_of_a_huge_pod_are_answered_from_the_memo_within_its_share() {
    let s = state();
    let review = fixture_json("deployment-pod.json");
    let big = huge(&review, "a");
    assert!(with_uid(&big, "u").len() > admission::INLINE_BODY_BYTES);
    assert!(
        check(&s, &big, "/inject", "huge pod"),
        "a huge pod's replica was not a hit"
    );
    assert!(check_renamed(&s, &big, "huge pod, token volume renamed"));
    // An ordinary pod, then more huge ones than their share holds: the ordinary one stays.
    answer(&s, "/inject", &with_uid(&review, "o1"));
    let memo = s.memo.as_ref().unwrap();
    for tag in ["b", "c", "d", "e"] {
        answer(&s, "/inject", &with_uid(&huge(&review, tag), "u1"));
        let (entries, bytes) = memo.large_usage();
        assert!(
            entries >= 1 && bytes <= memo::MAX_LARGE_BYTES,
            "{tag}: {entries} entries, {bytes} bytes"
        );
    }
    let hits = lookups(&s, "hit");
    answer(&s, "/inject", &with_uid(&review, "o2"));
    answer(&s, "/inject", &with_uid(&huge(&review, "e"), "u2"));
    assert_eq!(
        lookups(&s, "hit"),
        hits + 2,
        "the ordinary pod or the newest huge one was evicted"
    );
}

/// Without the replica memo, a pod sent three times is injected three times: the third finds
/// the `sidecar` overlay the second kept (counted as a hit), and each answer is byte for byte
/// what a server that never saw the pod gives. The pods as an API server sends them (Go's
/// encoding, namespace filled in), so most take the fast path.
#[test]
fn without_the_memo_a_pod_seen_before_finds_its_overlay_kept() {
    let s = no_memo();
    let overlays = |result| counted(&s, "sidecar_injector_overlay_memo_lookups_total", result);
    let seeds = 100;
    let mut hits = 0;
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        let (mut pod, ns) = gen::admitted_pod(&mut rng, &template);
        if let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.entry("namespace").or_insert_with(|| ns.clone().into());
        }
        if sidecar_injector::goenc::normalize_object(&mut pod).is_err() {
            continue;
        }
        let review: Value = serde_json::from_slice(&review_of(&pod, &ns, "x")).unwrap();
        let before = overlays("hit");
        for uid in ["a", "b", "c"] {
            let body = with_uid(&review, uid);
            let fresh = answer(&no_memo(), "/inject", &body);
            assert_eq!(
                answer(&s, "/inject", &body),
                fresh,
                "seed {seed}, uid {uid}"
            );
        }
        hits += overlays("hit") - before;
    }
    println!("overlay found kept for {hits} of {seeds} pods");
    // The fast path takes most generated pods; each of those finds its overlay once.
    assert!(
        hits * 2 >= seeds,
        "only {hits} of {seeds} pods found their overlay kept"
    );
    assert!(overlays("miss") >= 2 * hits);
}
