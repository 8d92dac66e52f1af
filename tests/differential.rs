//! Differential tests: generated workloads (tests/oracle_support/gen.rs) through our
//! `kube-inject` and Istio's (the oracle), and through our webhook and istiod's `/inject`
//! handler, compared field for field. Both sides must also agree on refusing.
//!
//! CI runs seeds `0..2000` per path (`DIFF_SEEDS=START..END` runs others; `DIFF_SEEDS=random:N`
//! runs N seeds from a random start, printed). The CI range must keep at least as many passing
//! cases as `tests/oracle-floor.txt` says (a ratchet: raise it, never lower it). A difference
//! prints its seed and a minimized input, and is saved under `tests/fixtures/differential/`
//! (`DIFF_SAVE=0` turns saving off); saved cases are replayed by `oracle_saved_regressions`.

mod oracle_support;

use std::path::{Path, PathBuf};

use base64::Engine;
use oracle_support::compare::{compare_docs, compare_values, Difference};
use oracle_support::gen::{self, Rng};
use oracle_support::*;
use serde_json::{json, Value};

const CI_SEEDS: (u64, u64) = (0, 2000);
const MINIMIZE_AT_MOST: usize = 3;

fn seed_range() -> (u64, u64, bool) {
    match std::env::var("DIFF_SEEDS") {
        Err(_) => (CI_SEEDS.0, CI_SEEDS.1, true),
        Ok(s) => {
            if let Some(n) = s.strip_prefix("random:") {
                let n: u64 = n.parse().expect("DIFF_SEEDS=random:N");
                let start = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64 % 1_000_000_000)
                    .unwrap_or(0);
                println!("DIFF_SEEDS={start}..{}", start + n);
                return (start, start + n, false);
            }
            let (a, b) = s.split_once("..").expect("DIFF_SEEDS=START..END");
            let (a, b) = (a.parse().expect("start"), b.parse().expect("end"));
            (a, b, (a, b) == CI_SEEDS)
        }
    }
}

fn base_values() -> Value {
    let s = oracle_settings(&[], None, None);
    serde_json::from_str(s["values"].as_str().expect("values")).expect("values are JSON")
}

/// One generated case for both paths.
#[derive(Clone)]
struct Case {
    seed: u64,
    values: String,
    values_what: String,
    mesh: String,
    native: bool,
    revision: String,
    workload: Value,
    pod: Value,
    namespace: String,
}

fn make_case(seed: u64, base: &Value) -> Case {
    let mut rng = Rng::new(seed);
    let template = gen::pod(&mut rng);
    let (values, values_what) = gen::values(&mut rng, base);
    let mesh = gen::mesh(&mut rng);
    let native = rng.chance(60);
    let revision = if rng.chance(8) {
        "canary".to_string()
    } else {
        String::new()
    };
    let workload = gen::workload(&mut rng, &template);
    let (pod, namespace) = gen::admitted_pod(&mut rng, &template);
    Case {
        seed,
        values,
        values_what,
        mesh,
        native,
        revision,
        workload,
        pod,
        namespace,
    }
}

impl Case {
    fn job(&self) -> Job {
        Job {
            input: serde_yaml::to_string(&self.workload).expect("workload YAML"),
            values: self.values.clone(),
            mesh: self.mesh.clone(),
            native: self.native,
            revision: self.revision.clone(),
        }
    }

    /// The pod as an API server sends it: Go's encoding of the decoded object (`resources: {}`
    /// on every container, and so on). Istio diffs its patch against that encoding, so a patch
    /// only applies to it; the generator's own text is used if Go could not decode it.
    fn sent_pod(&self) -> Value {
        let mut pod = self.pod.clone();
        match sidecar_injector::goenc::normalize_object(&mut pod) {
            Ok(()) => pod,
            Err(_) => self.pod.clone(),
        }
    }

    fn review(&self) -> Value {
        let pod = self.sent_pod();
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": format!("uid-{}", self.seed),
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": self.namespace, "operation": "CREATE",
                "userInfo": {"username": "test"}, "object": pod}})
    }

    /// istiod runs as revision `default` unless the values name one.
    fn webhook_revision(&self) -> String {
        let v: Value = serde_json::from_str(&self.values).unwrap_or(Value::Null);
        match v["revision"].as_str() {
            Some(r) if !r.is_empty() => r.to_string(),
            _ => "default".to_string(),
        }
    }

    fn oracle_review_line(&self) -> Value {
        json!({"review": self.review(), "values": self.values, "mesh": self.mesh,
               "native": self.native, "revision": self.webhook_revision()})
    }

    fn describe(&self) -> String {
        format!(
            "seed {} native={} revision={:?} values[{}] mesh[{}]",
            self.seed,
            self.native,
            self.revision,
            self.values_what,
            self.mesh.replace('\n', "⏎")
        )
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Route {
    KubeInject,
    Webhook,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::KubeInject => "kube-inject",
            Route::Webhook => "webhook",
        }
    }
}

/// Compares our kube-inject with the oracle's answer; `None` when they agree.
fn judge_kube(case: &Case, oracle: &Value) -> Option<String> {
    let ours = case.job().ours();
    match (oracle["output"].as_str(), ours) {
        (None, Err(_)) => None,
        (None, Ok(_)) => Some(format!(
            "Istio refuses ({}), we inject",
            first_line(oracle["error"].as_str().unwrap_or(""))
        )),
        (Some(_), Err(e)) => Some(format!("Istio injects, we refuse: {}", first_line(&e))),
        (Some(expected), Ok(got)) => {
            let e = documents(expected).expect("oracle output parses");
            let g = match documents(&got) {
                Ok(g) => g,
                Err(err) => return Some(format!("our output does not parse: {err}")),
            };
            summarize(compare_docs(&e, &g))
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

fn summarize(diffs: Vec<Difference>) -> Option<String> {
    let first = diffs.first()?;
    Some(format!("{} differences, first {first}", diffs.len()))
}

fn patched(pod: &Value, response: &Value) -> Result<Value, String> {
    let mut out = pod.clone();
    if let Some(b64) = response.get("patch").and_then(Value::as_str) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| e.to_string())?;
        let patch: json_patch::Patch = serde_json::from_slice(&raw).map_err(|e| e.to_string())?;
        json_patch::patch(&mut out, &patch).map_err(|e| format!("patch does not apply: {e}"))?;
    }
    Ok(out)
}

fn names_of(pod: &Value, list: &str) -> String {
    pod.pointer(list)
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The one rule of the API server's pod validation the generated cases can break: container
/// names are unique across `containers` and `initContainers` (`validateInitContainers`).
fn api_server_refuses(pod: &Value) -> bool {
    let mut seen = std::collections::HashSet::new();
    ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .any(|name| !seen.insert(name))
}

/// Compares our webhook answer with istiod's; `None` when they agree.
fn judge_review(case: &Case, oracle: &Value, ours: &(u16, Value)) -> Option<String> {
    let (status, review) = ours;
    let ostatus = oracle["status"].as_u64().unwrap_or(0) as u16;
    if ostatus != 200 || *status != 200 {
        return (ostatus != *status).then(|| {
            format!(
                "HTTP {ostatus} from Istio, {status} from us: {}",
                oracle["error"]
            )
        });
    }
    let oresp = &oracle["review"]["response"];
    let resp = &review["response"];
    let (oa, a) = (
        oresp["allowed"].as_bool().unwrap_or(false),
        resp["allowed"].as_bool().unwrap_or(false),
    );
    if oa != a {
        return Some(format!(
            "Istio allowed={oa} ({}), we allowed={a} ({})",
            first_line(oresp["status"]["message"].as_str().unwrap_or("")),
            first_line(resp["status"]["message"].as_str().unwrap_or(""))
        ));
    }
    if !oa {
        return None;
    }
    let sent = case.sent_pod();
    let want = match patched(&sent, oresp) {
        Ok(p) => p,
        // The API server refuses a pod whose mutating patch does not apply. Agreement then means
        // ours is refused too: our patch fails as well, or the pod it makes fails validation.
        Err(e) => {
            return match patched(&sent, resp) {
                Err(_) => None,
                Ok(p) if api_server_refuses(&p) => None,
                Ok(p) => Some(format!(
                    "Istio's patch: {e} (the API server refuses the pod; it would admit ours, containers {} init containers {})",
                    names_of(&p, "/spec/containers"),
                    names_of(&p, "/spec/initContainers")
                )),
            };
        }
    };
    let got = match patched(&sent, resp) {
        Ok(p) => p,
        Err(e) => return Some(format!("our patch: {e}")),
    };
    summarize(compare_values("pod", &want, &got))
}

fn run_kube(cases: &[Case]) -> Vec<Option<String>> {
    let lines: Vec<Value> = cases.iter().map(|c| c.job().to_oracle()).collect();
    let answers = oracle_batch(&["kube-inject", "--batch"], &lines);
    cases
        .iter()
        .zip(&answers)
        .map(|(c, a)| judge_kube(c, a))
        .collect()
}

fn run_webhook(cases: &[Case]) -> Vec<Option<String>> {
    let lines: Vec<Value> = cases.iter().map(Case::oracle_review_line).collect();
    let answers = oracle_batch(&["review"], &lines);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    cases
        .iter()
        .zip(&answers)
        .map(|(c, a)| {
            // Our webhook's revision is the values' `revision`, as istiod's chart sets REVISION.
            let snap = match sidecar_injector::settings::Snapshot::from_strs(
                Some(&c.values),
                Some(&c.mesh),
            ) {
                Ok(s) => s,
                Err(e) => return Some(format!("our settings fail: {e}")),
            };
            let body = serde_json::to_vec(&c.review()).expect("review JSON");
            let ours = rt.block_on(our_review(snap, c.native, body));
            judge_review(c, a, &ours)
        })
        .collect()
}

fn run(path: Route, cases: &[Case]) -> Vec<Option<String>> {
    match path {
        Route::KubeInject => run_kube(cases),
        Route::Webhook => run_webhook(cases),
    }
}

/// The object minimization edits: the pod template (kube-inject) or the pod (webhook).
fn template_mut(case: &mut Case, path: Route) -> &mut Value {
    match path {
        Route::Webhook => &mut case.pod,
        Route::KubeInject => {
            let w = &mut case.workload;
            if w.pointer("/spec/template").is_some() {
                w.pointer_mut("/spec/template").expect("template")
            } else if w.pointer("/spec/jobTemplate/spec/template").is_some() {
                w.pointer_mut("/spec/jobTemplate/spec/template")
                    .expect("template")
            } else {
                w
            }
        }
    }
}

/// Every single-step simplification of a pod-like object.
fn shrink_steps(t: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for field in ["annotations", "labels"] {
        if let Some(m) = t["metadata"][field].as_object() {
            for k in m.keys() {
                let mut v = t.clone();
                v["metadata"][field].as_object_mut().expect("map").remove(k);
                out.push(v);
            }
        }
    }
    for list in ["containers", "initContainers"] {
        if let Some(a) = t["spec"][list].as_array() {
            for i in 0..a.len() {
                if list == "containers" && a.len() == 1 {
                    break;
                }
                let mut v = t.clone();
                v["spec"][list].as_array_mut().expect("list").remove(i);
                out.push(v);
            }
            for (i, c) in a.iter().enumerate() {
                for k in c
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
                {
                    if k == "name" || k == "image" {
                        continue;
                    }
                    let mut v = t.clone();
                    v["spec"][list][i]
                        .as_object_mut()
                        .expect("container")
                        .remove(&k);
                    out.push(v);
                }
            }
        }
    }
    if let Some(m) = t["spec"].as_object() {
        for k in m.keys().filter(|k| *k != "containers") {
            let mut v = t.clone();
            v["spec"].as_object_mut().expect("spec").remove(k);
            out.push(v);
        }
    }
    out
}

/// Greedy minimization: keep any one-step simplification that still differs.
fn minimize(case: &Case, path: Route) -> Case {
    let mut best = case.clone();
    let mut budget = 60;
    'outer: while budget > 0 {
        let steps = shrink_steps(template_mut(&mut best.clone(), path));
        for step in steps {
            budget -= 1;
            if budget == 0 {
                break 'outer;
            }
            let mut cand = best.clone();
            *template_mut(&mut cand, path) = step;
            if run(path, std::slice::from_ref(&cand))[0].is_some() {
                best = cand;
                continue 'outer;
            }
        }
        break;
    }
    best
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/differential")
}

fn save(case: &Case, path: Route, why: &str) {
    if std::env::var("DIFF_SAVE").as_deref() == Ok("0") {
        return;
    }
    let file = fixture_dir().join(format!("{}-{}.json", path.name(), case.seed));
    let body = json!({"path": path.name(), "seed": case.seed, "difference": why,
        "values": case.values, "valuesChanges": case.values_what, "mesh": case.mesh,
        "native": case.native, "revision": case.revision, "workload": case.workload,
        "pod": case.pod, "namespace": case.namespace});
    let _ = std::fs::create_dir_all(fixture_dir());
    let text = serde_json::to_string_pretty(&body).expect("fixture JSON") + "\n";
    if let Err(e) = std::fs::write(&file, text) {
        println!("could not save {}: {e}", file.display());
    }
}

fn report(path: Route, cases: &[Case], verdicts: &[Option<String>], ci: bool) {
    let failed: Vec<(&Case, &String)> = cases
        .iter()
        .zip(verdicts)
        .filter_map(|(c, v)| v.as_ref().map(|v| (c, v)))
        .collect();
    let passed = cases.len() - failed.len();
    for (i, (case, why)) in failed.iter().enumerate() {
        println!("DIFF {} {}: {why}", path.name(), case.describe());
        if i < MINIMIZE_AT_MOST {
            let small = minimize(case, path);
            let shown = match path {
                Route::KubeInject => small.job().input,
                Route::Webhook => serde_yaml::to_string(&small.pod).unwrap_or_default(),
            };
            let why = run(path, std::slice::from_ref(&small))[0]
                .clone()
                .unwrap_or_else(|| why.to_string());
            println!(
                "  minimized ({why}):\n{}",
                shown
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            save(&small, path, &why);
        }
    }
    println!(
        "differential {}: {passed} passed, {} failed",
        path.name(),
        failed.len()
    );
    if ci {
        let want = floor(&format!("differential-{}", path.name()));
        assert!(
            passed >= want,
            "{}: {passed} generated cases agree with Istio, below the floor of {want}",
            path.name()
        );
    } else {
        assert!(
            failed.is_empty(),
            "{}: {} of {} generated cases differ from Istio",
            path.name(),
            failed.len(),
            cases.len()
        );
    }
}

fn generated(path: Route) {
    let (start, end, ci) = seed_range();
    let base = base_values();
    let cases: Vec<Case> = (start..end).map(|s| make_case(s, &base)).collect();
    let verdicts = run(path, &cases);
    report(path, &cases, &verdicts, ci);
}

#[test]
fn oracle_differential_kube_inject() {
    generated(Route::KubeInject);
}

#[test]
fn oracle_differential_webhook() {
    generated(Route::Webhook);
}

/// Every saved difference, replayed (they stay as regression cases once fixed).
#[test]
fn oracle_saved_regressions() {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.retain(|p| p.extension().is_some_and(|e| e == "json"));
    entries.sort();
    let (mut passed, mut failed) = (0, Vec::new());
    let mut base: Option<String> = None;
    for file in entries {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("fixture"))
            .expect("fixture JSON");
        let case = Case {
            seed: v["seed"].as_u64().unwrap_or(0),
            // An empty `values` means Istio's default values (keeps hand-written cases small).
            values: match v["values"].as_str().unwrap_or("") {
                "" => base
                    .get_or_insert_with(|| base_values().to_string())
                    .clone(),
                text => text.to_string(),
            },
            values_what: v["valuesChanges"].as_str().unwrap_or("").to_string(),
            mesh: v["mesh"].as_str().unwrap_or("").to_string(),
            native: v["native"].as_bool().unwrap_or(true),
            revision: v["revision"].as_str().unwrap_or("").to_string(),
            workload: v["workload"].clone(),
            pod: v["pod"].clone(),
            namespace: v["namespace"].as_str().unwrap_or("default").to_string(),
        };
        let path = if v["path"] == "webhook" {
            Route::Webhook
        } else {
            Route::KubeInject
        };
        match &run(path, std::slice::from_ref(&case))[0] {
            None => passed += 1,
            Some(why) => failed.push(format!("{}: {why}", file.display())),
        }
    }
    for f in &failed {
        println!("REGRESSION {f}");
    }
    println!(
        "differential regressions: {passed} passed, {} failed",
        failed.len()
    );
    let want = floor("regressions");
    assert!(
        passed >= want,
        "{passed} saved differential cases pass, below the floor of {want}"
    );
}

/// One relation for `oracle_go_sort`: `rows[i][j] == '1'` means element i is less than j.
fn relation(seed: u64) -> (String, Vec<String>) {
    let mut rng = Rng::new(seed);
    let n = match seed % 3 {
        0 => rng.below(14),
        1 => 13 + rng.below(60),
        _ => 50 + rng.below(250),
    };
    let kind = seed / 3 % 5;
    let rank: Vec<usize> = (0..n).map(|_| rng.below(n.max(1) * 2)).collect();
    // go-yaml's own key order over keys built to fall into its cycles ("1" < "01" < "0a" < "1").
    let keys: Vec<String> = (0..n)
        .map(|_| {
            (0..1 + rng.below(3))
                .map(|_| *rng.pick(&['0', '1', '9', 'a', 'b', '-']))
                .collect()
        })
        .collect();
    let mut bit = |i: usize, j: usize| -> bool {
        match kind {
            0 => rng.chance(50),
            // A total order with ties, then one with a few flipped pairs.
            1 => rank[i] < rank[j],
            2 => (rank[i] < rank[j]) != rng.chance(2),
            3 => sidecar_injector::go::yaml::key_less(&keys[i], &keys[j]),
            _ => i > j,
        }
    };
    let rows = (0..n)
        .map(|i| (0..n).map(|j| if bit(i, j) { '1' } else { '0' }).collect())
        .collect();
    let what = [
        "random",
        "ranked",
        "ranked-noisy",
        "go-yaml-keys",
        "reversed",
    ][kind as usize];
    (format!("seed {seed}: {what}, n={n}"), rows)
}

/// Our `go::sort::sort` permutes exactly as Go's `sort.Sort` for any relation, orders or not:
/// go-yaml's map key order is not transitive and Go's output for it is whatever sort.Sort does.
#[test]
fn oracle_go_sort() {
    let cases: Vec<(String, Vec<String>)> = (0..600).map(relation).collect();
    let lines: Vec<Value> = cases
        .iter()
        .map(|(_, rows)| json!({ "less": rows }))
        .collect();
    let want = oracle_batch(&["sort"], &lines);
    let mut failed = 0;
    for ((what, rows), want) in cases.iter().zip(&want) {
        let mut ours: Vec<usize> = (0..rows.len()).collect();
        sidecar_injector::go::sort::sort(&mut ours, |&a, &b| rows[a].as_bytes()[b] == b'1');
        let want: Vec<usize> = serde_json::from_value(want.clone()).expect("a permutation");
        if ours != want {
            failed += 1;
            println!("DIFF go sort {what}:\n  ours {ours:?}\n  Go's {want:?}");
            if rows.len() <= 20 {
                println!("  relation rows:\n    {}", rows.join("\n    "));
            }
        }
    }
    println!(
        "differential go sort: {} passed, {failed} failed",
        cases.len() - failed
    );
    assert_eq!(failed, 0, "our sort.Sort differs from Go's");
}

/// `go::unicode`'s classes are Go's `unicode.IsLetter`/`IsDigit`/`IsPrint`/`IsSpace` at every
/// code point (surrogates aside: no `char` holds one).
#[test]
fn oracle_go_unicode() {
    use sidecar_injector::go::unicode;
    let go = oracle_json("unicode");
    type Class = (&'static str, fn(char) -> bool);
    let classes: [Class; 4] = [
        ("letter", unicode::is_letter),
        ("digit", unicode::is_digit),
        ("print", unicode::is_print),
        ("space", unicode::is_space),
    ];
    for (name, ours) in classes {
        let ranges: Vec<(u32, u32)> =
            serde_json::from_value(go[name].clone()).expect("[lo, hi] ranges");
        let in_go = |u: u32| ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&u));
        let differ: Vec<String> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| ours(c) != in_go(u32::from(c)))
            .take(20)
            .map(|c| format!("U+{:04X} (ours {})", u32::from(c), ours(c)))
            .collect();
        assert!(differ.is_empty(), "unicode.Is{name} differs at {differ:?}");
        println!("differential go unicode {name}: every code point agrees");
    }
}

/// `go::unicode`'s case mappings are Go's `unicode.ToUpper`/`ToLower`/`ToTitle` at every code
/// point.
#[test]
fn oracle_go_case_mappings() {
    use sidecar_injector::go::unicode;
    let go = oracle_json("case");
    type Mapping = (&'static str, fn(char) -> char);
    let mappings: [Mapping; 3] = [
        ("upper", unicode::to_upper),
        ("lower", unicode::to_lower),
        ("title", unicode::to_title),
    ];
    for (name, ours) in mappings {
        let pairs: std::collections::HashMap<u32, u32> =
            serde_json::from_value::<Vec<(u32, u32)>>(go[name].clone())
                .expect("[rune, mapped] pairs")
                .into_iter()
                .collect();
        let differ: Vec<String> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter_map(|c| {
                let (u, want) = (u32::from(c), pairs.get(&u32::from(c)).copied());
                let got = u32::from(ours(c));
                (got != want.unwrap_or(u)).then(|| format!("U+{u:04X} -> ours U+{got:04X}"))
            })
            .take(20)
            .collect();
        assert!(differ.is_empty(), "unicode.To{name} differs: {differ:?}");
        println!("differential go case {name}: every code point agrees");
    }
}
