//! Each kind of semantic error is refused with the values or mesh key and the bad value;
//! warnings (unknown keys, wrong-case enums) are a table.

use rstest::rstest;

use crate::settings::{SettingsError, Snapshot};

/// Loads and checks, as `serve` and `kube-inject` do.
fn checked(values: &str, mesh: Option<&str>) -> Result<Snapshot, SettingsError> {
    let snap = Snapshot::from_strs(Some(values), mesh)?;
    snap.check()?;
    Ok(snap)
}

/// The values files the integration tests also use: (kind, values, mesh, message).
pub(crate) const BAD: &[(&str, &str, &str, &str)] = &[
    (
        "quantity",
        "global:\n  proxy:\n    resources:\n      limits:\n        cpu: lots\n",
        "{}\n",
        "values: global.proxy.resources.limits.cpu: invalid quantity \"lots\"",
    ),
    (
        "image",
        "global:\n  tag: '1.30.3 '\n",
        "{}\n",
        "values: global.tag: makes the proxy image \"docker.io/istio/proxyv2:1.30.3 \"",
    ),
    (
        "policy",
        "global:\n  proxy:\n    autoInject: maybe\n",
        "{}\n",
        "values: global.proxy.autoInject: invalid policy \"maybe\"",
    ),
    (
        "template",
        "sidecarInjectorWebhook:\n  defaultTemplates: [sidecarr]\n",
        "{}\n",
        "values: sidecarInjectorWebhook.defaultTemplates[0]: unknown template \"sidecarr\" (did you mean sidecar?)",
    ),
    (
        "mesh duration",
        "{}\n",
        "defaultConfig:\n  drainDuration: lots\n",
        "mesh config: field `defaultConfig.drainDuration`",
    ),
];

#[test]
fn each_kind_of_semantic_error_is_refused_naming_the_key() {
    for (kind, values, mesh, want) in BAD {
        let e = checked(values, Some(mesh))
            .err()
            .unwrap_or_else(|| panic!("{kind}: accepted"));
        assert!(e.to_string().contains(want), "{kind}: {e}");
        assert_eq!(e.reload_result(), "rejected", "{kind}: {e}");
    }
}

#[rstest]
#[case(
    "global:\n  proxy:\n    resources:\n      requests:\n        memory: 1Gb\n",
    "values: global.proxy.resources.requests.memory: invalid quantity \"1Gb\""
)]
#[case(
    "global:\n  proxy_init:\n    resources:\n      limits:\n        cpu: '2 cores'\n",
    "values: global.proxy_init.resources.limits.cpu: invalid quantity \"2 cores\""
)]
#[case(
    "global:\n  proxy:\n    image: ' docker.io/istio/proxyv2:1.30.3'\n",
    "values: global.proxy.image:"
)]
#[case("global:\n  imagePullPolicy: always\n", "values: global.imagePullPolicy: invalid pull policy \"always\": must be Always, IfNotPresent or Never (did you mean Always?)")]
#[case(
    "global:\n  proxy:\n    readinessPeriodSeconds: often\n",
    "values: global.proxy.readinessPeriodSeconds: \"often\" is not a whole number"
)]
#[case(
    "sidecarInjectorWebhook:\n  templates:\n    broken: '{{ .Values.global.hub'\n",
    "values: sidecarInjectorWebhook.templates.broken:"
)]
#[case("sidecarInjectorWebhook:\n  templates:\n    broken: |\n      spec:\n        containers: 7\n", "values: sidecarInjectorWebhook.templates.broken: canary pod with template broken (native sidecars off) fails")]
fn more_semantic_errors(#[case] values: &str, #[case] want: &str) {
    let e = checked(values, None)
        .err()
        .unwrap_or_else(|| panic!("{values}: accepted"));
    assert!(e.to_string().contains(want), "{e}");
}

/// Image references the kubelet cannot pull but the API server admits: Istio injects them
/// (its own golden case `hello.proxyImageName` uses `proxyTest`), so they only warn.
#[rstest]
#[case(
    "global:\n  hub: docker.io/Istio\n",
    "values: global.hub: makes the proxy image \"docker.io/Istio/proxyv2:1.30.3\""
)]
#[case("global:\n  tag: '1.30 3'\n", "values: global.tag:")]
#[case(
    "global:\n  proxy:\n    image: proxyTest\n",
    "values: global.proxy.image:"
)]
#[case(
    "global:\n  proxy:\n    image: 'docker.io/istio/proxyv2:'\n",
    "values: global.proxy.image: invalid image \"docker.io/istio/proxyv2:\": the tag is empty"
)]
fn unpullable_images_warn_but_load(#[case] values: &str, #[case] want: &str) {
    let snap = checked(values, None).unwrap_or_else(|e| panic!("{values}: refused: {e}"));
    assert!(
        snap.warnings()
            .iter()
            .any(|w| w.contains(want) && w.contains("kubelet")),
        "{:?}",
        snap.warnings()
    );
}

#[test]
fn defaults_and_good_custom_templates_pass_their_canaries() {
    checked("{}\n", None).unwrap();
    let values = "sidecarInjectorWebhook:\n  defaultTemplates: [sidecar, extra]\n  templates:\n    extra: |\n      metadata:\n        labels:\n          canary-checked: \"{{ .Values.global.hub }}\"\n";
    let snap = checked(values, None).unwrap();
    assert!(crate::render::templates::names(&snap).contains(&"extra".to_string()));
    // Every key problem is listed, not just the first.
    let e = checked(
        "global:\n  tag: '1.30.3 '\n  proxy:\n    autoInject: maybe\n",
        None,
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("global.tag") && text.contains("global.proxy.autoInject"),
        "{text}"
    );
}

#[rstest]
#[case("global:\n  proxyy: {}\n", &["values: global.proxyy: unknown key, ignored (did you mean global.proxy?)"])]
#[case("global:\n  hubb: x\n", &["values: global.hubb: unknown key, ignored (did you mean global.hub?)"])]
#[case("globl:\n  hub: x\n", &["values: globl: unknown key, ignored (did you mean global?)"])]
#[case("global:\n  proxy:\n    resource: {}\n", &["values: global.proxy.resource: unknown key, ignored (did you mean global.proxy.resources?)"])]
#[case("sidecarInjectorWebhook:\n  defaultTemplate: []\n", &["values: sidecarInjectorWebhook.defaultTemplate: unknown key, ignored (did you mean sidecarInjectorWebhook.defaultTemplates?)"])]
#[case("global:\n  somethingElse: 1\n", &["values: global.somethingElse: unknown key, ignored"])]
#[case("global:\n  proxy:\n    autoInject: Disabled\n", &["values: global.proxy.autoInject: \"Disabled\" is not \"disabled\" (the value is case-sensitive; did you mean disabled?): Istio treats it as an illegal policy and injects no pod at all"])]
#[case("global:\n  proxy:\n    autoInject: Enabled\n", &["values: global.proxy.autoInject: \"Enabled\" is not \"enabled\" (the value is case-sensitive; did you mean enabled?): Istio treats it as an illegal policy and injects no pod at all"])]
#[case("sidecarInjectorWebhook:\n  reinvocationPolicy: ifNeeded\n", &["values: sidecarInjectorWebhook.reinvocationPolicy: \"ifNeeded\" is not \"IfNeeded\" (the value is case-sensitive; did you mean IfNeeded?): the webhook configuration carries it verbatim and the API server refuses it"])]
#[case("global:\n  pilotCertProvider: Istiod\n", &["values: global.pilotCertProvider: \"Istiod\" is not \"istiod\" (the value is case-sensitive; did you mean istiod?): templates compare it exactly (the istiod CA volume is only mounted for `istiod`)"])]
// Free-form maps and messages we do not spell out are not checked.
#[case("pilot:\n  env:\n    ANY_NAME: x\n  somethingIstiodUses: 1\ngateways:\n  istio-ingressgateway: {}\nglobal:\n  proxy:\n    resources:\n      limits:\n        hugepages-2Mi: 1Gi\n", &[])]
fn values_warnings(#[case] values: &str, #[case] want: &[&str]) {
    let snap = checked(values, None).unwrap();
    assert_eq!(snap.warnings(), want);
}

#[rstest]
#[case("defaultConfg:\n  drainDuration: 5s\n", &["mesh config: defaultConfg: unknown key, ignored (did you mean defaultConfig?)"])]
#[case("defaultConfig:\n  drainDuraton: 5s\n", &["mesh config: defaultConfig.drainDuraton: unknown key, ignored (did you mean defaultConfig.drainDuration?)"])]
#[case("trustDomian: x\n", &["mesh config: trustDomian: unknown key, ignored (did you mean trustDomain?)"])]
#[case("enableTracing: true\n", &[])]
fn mesh_warnings(#[case] mesh: &str, #[case] want: &[&str]) {
    let snap = checked("{}\n", Some(mesh)).unwrap();
    assert_eq!(snap.warnings(), want);
}

#[test]
fn wrong_case_policy_keeps_istios_behaviour() {
    // Istio's injectRequired: anything but the exact "enabled"/"disabled" is an illegal policy,
    // and no pod is injected, not even one that asks for it.
    let snap = checked("global:\n  proxy:\n    autoInject: Enabled\n", None).unwrap();
    assert_eq!(snap.rules.policy, crate::settings::rules::Policy::Invalid);
}

#[test]
fn the_default_values_raise_no_warning() {
    let snap = checked("{}\n", None).unwrap();
    assert!(snap.warnings().is_empty(), "{:?}", snap.warnings());
}
