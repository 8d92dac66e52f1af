use super::*;
use rstest::rstest;

fn map(pairs: &[(&str, &str)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(
    labels: &[(&str, &str)],
    annotations: &[(&str, &str)],
    ns: Option<&[(&str, &str)]>,
) -> Vec<String> {
    let (l, an) = (map(labels), map(annotations));
    let ns = ns.map(map);
    check(&Subject {
        labels: Some(&l),
        annotations: Some(&an),
        namespace_labels: ns.as_ref(),
        namespaces_by_default: false,
    })
    .iter()
    .map(ToString::to_string)
    .collect()
}

const NO: &[(&str, &str)] = &[];

#[rstest]
// misspellings
#[case(NO, &[("sidecar.istio.io/proxyCpu", "100m")], None,
    &["SI001 unknown Istio annotation sidecar.istio.io/proxyCpu: did you mean sidecar.istio.io/proxyCPU?"])]
#[case(NO, &[("traffic.sidecar.istio.io/excludeOutboundPort", "25")], None,
    &["SI001 unknown Istio annotation traffic.sidecar.istio.io/excludeOutboundPort: did you mean traffic.sidecar.istio.io/excludeOutboundPorts?"])]
#[case(NO, &[("proxy.istio.io/confg", "{}")], None,
    &["SI001 unknown Istio annotation proxy.istio.io/confg: did you mean proxy.istio.io/config?"])]
#[case(NO, &[("sidecar.istio.io/whatever", "x")], None,
    &["SI001 unknown Istio annotation sidecar.istio.io/whatever: Istio ignores it"])]
#[case(&[("sidecar.istio.io/injet", "true")], NO, None,
    &["SI001 unknown Istio label sidecar.istio.io/injet: did you mean sidecar.istio.io/inject?"])]
#[case(&[("sidecar.istio.io/proxyCPU", "1")], NO, None,
    &["SI001 label sidecar.istio.io/proxyCPU is an annotation: Istio ignores it as a label"])]
// names Istio reads elsewhere are known (Alpha); other projects' keys and the injector's own
// output are silent
#[case(NO, &[("sidecar.istio.io/statsHistogramBuckets", "{}"), ("example.com/x", "1"), ("sidecar.istio.io/status", "{}")], None,
    &["SI005 annotation sidecar.istio.io/statsHistogramBuckets is Alpha in Istio 1.30.3: it may change or go away"])]
// wrong values
#[case(&[("sidecar.istio.io/inject", "yes")], NO, None,
    &["SI002 label sidecar.istio.io/inject=\"yes\" is neither \"true\" nor \"false\": Istio ignores it and the injection policy decides"])]
#[case(&[("sidecar.istio.io/inject", "True")], NO, None,
    &["SI002 label sidecar.istio.io/inject=\"True\" is neither \"true\" nor \"false\": Istio ignores it and the injection policy decides"])]
// deprecated forms
#[case(NO, &[("sidecar.istio.io/inject", "false")], None,
    &["SI003 annotation sidecar.istio.io/inject is deprecated: use the label sidecar.istio.io/inject, which the webhook's selectors can see"])]
#[case(NO, &[("traffic.sidecar.istio.io/kubevirtInterfaces", "net1")], None,
    &["SI003 annotation traffic.sidecar.istio.io/kubevirtInterfaces is deprecated: use istio.io/reroute-virtual-interfaces"])]
// Alpha keys (proxy.istio.io/config is Beta: silent)
#[case(NO, &[("sidecar.istio.io/proxyCPU", "100m"), ("proxy.istio.io/config", "{}")], None,
    &["SI005 annotation sidecar.istio.io/proxyCPU is Alpha in Istio 1.30.3: it may change or go away"])]
// annotation opt-in the webhook can't see
#[case(NO, &[("sidecar.istio.io/inject", "true")], Some(&[("kubernetes.io/metadata.name", "shop")][..]),
    &["SI003 annotation sidecar.istio.io/inject is deprecated: use the label sidecar.istio.io/inject, which the webhook's selectors can see",
      "SI004 annotation sidecar.istio.io/inject=true is invisible to the webhook's selectors and the namespace has no istio-injection or istio.io/rev label: the pod is not injected; set the label sidecar.istio.io/inject=true"])]
#[case(NO, &[("sidecar.istio.io/inject", "true")], Some(&[("istio-injection", "enabled")][..]),
    &["SI003 annotation sidecar.istio.io/inject is deprecated: use the label sidecar.istio.io/inject, which the webhook's selectors can see"])]
// no effect
#[case(&[("sidecar.istio.io/inject", "false")], &[("sidecar.istio.io/inject", "true")], None,
    &["SI003 annotation sidecar.istio.io/inject is deprecated: use the label sidecar.istio.io/inject, which the webhook's selectors can see",
      "SI006 annotation sidecar.istio.io/inject=\"true\" has no effect: the label sidecar.istio.io/inject=\"false\" wins"])]
#[case(NO, &[("sidecar.istio.io/interceptionMode", "NONE"), ("traffic.sidecar.istio.io/excludeOutboundPorts", "25")], None,
    &["SI005 annotation sidecar.istio.io/interceptionMode is Alpha in Istio 1.30.3: it may change or go away",
      "SI005 annotation traffic.sidecar.istio.io/excludeOutboundPorts is Alpha in Istio 1.30.3: it may change or go away",
      "SI006 annotation traffic.sidecar.istio.io/excludeOutboundPorts has no effect: sidecar.istio.io/interceptionMode=NONE sets up no traffic redirection"])]
#[case(NO, &[("status.sidecar.istio.io/port", "0"), ("readiness.status.sidecar.istio.io/periodSeconds", "5")], None,
    &["SI005 annotation readiness.status.sidecar.istio.io/periodSeconds is Alpha in Istio 1.30.3: it may change or go away",
      "SI005 annotation status.sidecar.istio.io/port is Alpha in Istio 1.30.3: it may change or go away",
      "SI006 annotation readiness.status.sidecar.istio.io/periodSeconds has no effect: status.sidecar.istio.io/port=0 turns the proxy's readiness probe off"])]
fn warnings_table(
    #[case] labels: &[(&str, &str)],
    #[case] annotations: &[(&str, &str)],
    #[case] ns: Option<&[(&str, &str)]>,
    #[case] want: &[&str],
) {
    assert_eq!(run(labels, annotations, ns), want);
}

#[test]
fn responses_are_bounded_in_count_and_length() {
    let many: Vec<(String, String)> = (0..15)
        .map(|i| {
            (
                format!("sidecar.istio.io/unknown{i}{}", "x".repeat(300)),
                "1".into(),
            )
        })
        .collect();
    let an: Map = many.into_iter().collect();
    let all = check(&Subject {
        annotations: Some(&an),
        ..Subject::default()
    });
    assert_eq!(all.len(), 15);
    let out = for_response(&all);
    assert_eq!(out.len(), MAX_WARNINGS + 1);
    assert!(out.iter().all(|w| w.len() <= MAX_WARNING_LEN), "{out:?}");
    assert_eq!(out[MAX_WARNINGS], "and 5 more sidecar-injector warnings");
}

#[test]
fn every_code_is_documented_in_the_readme() {
    let readme = include_str!("../../README.md");
    for code in [
        Code::Si001,
        Code::Si002,
        Code::Si003,
        Code::Si004,
        Code::Si005,
        Code::Si006,
    ] {
        assert!(
            readme.contains(&format!("| `{}` |", code.as_str())),
            "README has no row for {}",
            code.as_str()
        );
    }
}

#[test]
fn the_right_name_under_the_wrong_prefix_is_suggested() {
    assert_eq!(
        run(NO, &[("sidecar.istio.io/excludeOutboundPorts", "25")], None),
        ["SI001 unknown Istio annotation sidecar.istio.io/excludeOutboundPorts: did you mean traffic.sidecar.istio.io/excludeOutboundPorts?"]
    );
}
