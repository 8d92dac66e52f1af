//! Custom injection templates of the kind Istio's "Customizing injection"
//! documentation describes (an extra template selected with
//! `inject.istio.io/templates: sidecar,custom`), written as our own fixtures.
//! Each renders to YAML that must parse into the expected pod overlay.

use rstest::rstest;
use serde_json::{json, Value as Json};

use super::tests::data;
use super::Template;

/// Adds an environment variable to the proxy: a template with no actions.
const GREETING: &str = "\
spec:
  containers:
  - name: istio-proxy
    env:
    - name: GREETING
      value: hello-world
";

/// Per-pod settings from annotations, mesh-wide ones from values.
const FROM_ANNOTATIONS: &str = r#"
metadata:
  annotations:
    example.com/injected-by: {{ .Revision | default "default" | quote }}
spec:
  containers:
  - name: istio-proxy
    env:
    - name: GREETING
      value: {{ annotation .ObjectMeta "example.com/greeting" "hello-world" | quote }}
    - name: WORKLOAD
      value: {{ .DeploymentMeta.Name | quote }}
    {{- with .Values.global.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
"#;

/// Mounts a shared volume into every application container.
const SHARED_VOLUME: &str = r#"
{{- define "mount" }}
    volumeMounts:
    - name: shared-data
      mountPath: {{ . }}
{{- end }}
spec:
  containers:
  {{- range .Spec.Containers }}
  {{- if ne .Name "istio-proxy" }}
  - name: {{ .Name }}
    {{- template "mount" "/shared" }}
  {{- end }}
  {{- end }}
  volumes:
  - name: shared-data
    emptyDir: {}
"#;

/// Labels derived from pod labels, with a loop over proxy metadata.
const LABELS_AND_METADATA: &str = r#"
metadata:
  labels:
    example.com/app: {{ index .ObjectMeta.Labels "app" | default .DeploymentMeta.Name | trunc 63 | quote }}
spec:
  containers:
  - name: istio-proxy
    env:
    {{- range $k, $v := .ProxyConfig.ProxyMetadata }}
    - name: {{ $k }}
      value: {{ $v | quote }}
    {{- end }}
    args:
    - --concurrency
    - {{ .Values.global.n | toString | quote }}
"#;

#[rstest]
#[case::greeting(GREETING, json!({"spec": {"containers": [
    {"name": "istio-proxy", "env": [{"name": "GREETING", "value": "hello-world"}]}
]}}))]
#[case::from_annotations(FROM_ANNOTATIONS, json!({
    "metadata": {"annotations": {"example.com/injected-by": "default"}},
    "spec": {"containers": [{"name": "istio-proxy", "env": [
        {"name": "GREETING", "value": "hello-world"},
        {"name": "WORKLOAD", "value": "web"}
    ], "resources": {"limits": {"cpu": "2", "memory": null}, "requests": {"cpu": "100m"}}}]}
}))]
#[case::shared_volume(SHARED_VOLUME, json!({"spec": {
    "containers": [{"name": "app", "volumeMounts": [{"name": "shared-data", "mountPath": "/shared"}]}],
    "volumes": [{"name": "shared-data", "emptyDir": {}}]
}}))]
#[case::labels_and_metadata(LABELS_AND_METADATA, json!({
    "metadata": {"labels": {"example.com/app": "web"}},
    "spec": {"containers": [{"name": "istio-proxy",
        "env": [{"name": "K", "value": "V"}],
        "args": ["--concurrency", "15020"]}]}
}))]
fn custom_templates(#[case] text: &str, #[case] want: Json) {
    let out = Template::parse("custom", text)
        .unwrap()
        .render(&data())
        .unwrap();
    let got: Json = serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(got, want, "{out}");
}

#[test]
fn annotation_overrides_the_default() {
    let mut d = data();
    d["ObjectMeta"]["annotations"]["example.com/greeting"] = json!("hi \"there\"");
    let out = Template::parse("custom", FROM_ANNOTATIONS)
        .unwrap()
        .render(&d)
        .unwrap();
    let got: Json = serde_yaml::from_str(&out).unwrap();
    assert_eq!(
        got["spec"]["containers"][0]["env"][0]["value"],
        "hi \"there\""
    );
}
