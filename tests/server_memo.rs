//! The replica memo (`src/server/admission/memo.rs`): a review that differs from an earlier one
//! only in its uid is answered from the memo, and that answer is byte for byte the one a
//! server without the memo gives, over the admission fixtures and generated pods
//! (`MEMO_SEEDS=N`, default 300). What the memo must not reuse: another body, another URL
//! path, other settings.

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
    let want = format!("sidecar_injector_review_memo_lookups_total{{result=\"{result}\"}} ");
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

    let seeds: u64 = std::env::var("MEMO_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let s = state();
    let mut hits = 0;
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let template = gen::pod(&mut rng);
        let (pod, ns) = gen::admitted_pod(&mut rng, &template);
        let review: Value = serde_json::from_slice(&review_of(&pod, &ns, "x")).unwrap();
        hits += usize::from(check(&s, &review, "/inject", &format!("seed {seed}")));
    }
    assert_eq!(hits as u64, seeds, "every generated review is a memo hit");
    let (entries, bytes) = s.memo.as_ref().unwrap().usage();
    assert!(entries <= memo::MAX_ENTRIES && bytes <= memo::MAX_BYTES);
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
