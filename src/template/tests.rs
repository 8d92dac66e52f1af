//! Table tests of the template language: one row per construct, rendered
//! end to end against a small `SidecarTemplateData`-shaped document.

use rstest::rstest;
use serde_json::{json, Value as Json};

use super::{Template, TemplateError};

pub(crate) fn data() -> Json {
    json!({
        "TypeMeta": {"apiVersion": "apps/v1", "kind": "Deployment"},
        "DeploymentMeta": {"Name": "web", "Namespace": "ns"},
        "ObjectMeta": {
            "name": "web-1",
            "annotations": {"a": "1", "proxy.istio.io/config": "{}"},
            "labels": {"app": "web", "version": "v2"}
        },
        "Spec": {
            "containers": [
                {"name": "app", "image": "nginx:1.21",
                 "ports": [{"name": "http", "containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]},
                {"name": "istio-proxy", "ports": [{"containerPort": 15090}]}
            ],
            "serviceAccountName": ""
        },
        "ProxyConfig": {
            "interceptionMode": "REDIRECT",
            "proxyMetadata": {"K": "V"},
            "holdApplicationUntilProxyStarts": true,
            "drainDuration": "90s",
            "tracing": {"tlsSettings": {"caCertificates": "/etc/certs/ca.pem"}}
        },
        "MeshConfig": {"trustDomain": "cluster.local", "proxyListenPort": 15001},
        "Values": {"global": {
            "n": 15020, "big": 1000000, "f": 0.5, "s": "str", "t": true, "empty": "",
            "list": ["a", "b"], "m": {"b": 2, "a": 1}, "null": null,
            "resources": {"limits": {"cpu": "2", "memory": null}, "requests": {"cpu": "100m"}}
        }},
        "Revision": "",
        "NativeSidecars": false,
        "ProxyImage": "proxyv2:latest",
        "ProxyUID": 1337,
        "ProxyGID": 1337,
        "InboundTrafficPolicyMode": "",
        "CompliancePolicy": "",
        "ProxyConfigJSON": "{\"drainDuration\":\"90s\"}\n"
    })
}

pub(crate) fn render(src: &str) -> Result<String, String> {
    Template::parse("t", src)
        .and_then(|t| t.render(&data()))
        .map_err(|e| e.to_string())
}

#[rstest]
#[case::comment("{{/* c */}}x", "x")]
#[case::trim("a  {{- 1 -}}  b", "a1b")]
#[case::trim_comment("a\n  {{- /* c */ -}}\n  b", "ab")]
#[case::constants(
    "{{ 1 }} {{ 1.5 }} {{ \"s\" }} {{ `r` }} {{ true }} {{ 'a' }} {{ 0x10 }}",
    "1 1.5 s r true 97 16"
)]
#[case::dynamic_string("{{ .Values.global.s }}", "str")]
#[case::dynamic_number("{{ .Values.global.n }}", "15020")]
#[case::dynamic_float64("{{ .Values.global.big }}", "1e+06")]
#[case::missing_key("{{ .Values.global.missing }}", "<no value>")]
#[case::missing_chain("{{ .Values.global.missing.deeper }}", "<no value>")]
#[case::json_null("{{ .Values.global.null }}", "<no value>")]
#[case::list_print("{{ .Values.global.list }}", "[a b]")]
#[case::map_print("{{ .Values.global.m }}", "map[a:1 b:2]")]
#[case::string_map_field("{{ .ObjectMeta.Annotations.a }}", "1")]
#[case::string_map_index_missing("[{{ index .ObjectMeta.Annotations \"x\" }}]", "[]")]
#[case::dynamic_index_missing("{{ index .Values.global \"x\" }}", "<no value>")]
#[case::typed_missing("[{{ .ProxyConfig.Missing }}]", "[]")]
#[case::go_initialism("{{ .TypeMeta.APIVersion }}", "apps/v1")]
#[case::enum_string("{{ .ProxyConfig.InterceptionMode.String }}", "REDIRECT")]
#[case::wrapper_value("{{ .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue }}", "true")]
#[case::proto_getters(
    "{{ .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}",
    "/etc/certs/ca.pem"
)]
#[case::go_field_names("{{ .DeploymentMeta.Name }} {{ .ProxyUID }}", "web 1337")]
#[case::pipeline_final_arg("{{ .Values.global.s | printf \"%s-%s\" \"x\" }}", "x-str")]
#[case::chain("{{ (index .Spec.Containers 0).Name }}", "app")]
#[case::declare_assign("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2")]
#[case::root_var("{{ $.Revision | default \"default\" }}", "default")]
#[case::if_else("{{ if .Values.global.t }}y{{ else }}n{{ end }}", "y")]
#[case::else_if(
    "{{ if .Values.global.missing }}y{{ else if .Values.global.s }}s{{ else }}n{{ end }}",
    "s"
)]
#[case::truthiness(
    "{{ if 0 }}a{{ else if \"\" }}b{{ else if list }}c{{ else if 0.0 }}d{{ else }}e{{ end }}",
    "e"
)]
#[case::struct_truth("{{ if .ObjectMeta }}y{{ end }}", "y")]
#[case::with("{{ with .Values.global.s }}{{ . }}{{ end }}", "str")]
#[case::with_else("{{ with .Values.global.missing }}x{{ else }}e{{ end }}", "e")]
#[case::else_with(
    "{{ with .Values.global.missing }}x{{ else with .Values.global.s }}{{ . }}{{ end }}",
    "str"
)]
#[case::range_list(
    "{{ range $i, $v := .Values.global.list }}{{ $i }}={{ $v }};{{ end }}",
    "0=a;1=b;"
)]
#[case::range_map_sorted(
    "{{ range $k, $v := .Values.global.m }}{{ $k }}{{ $v }}{{ end }}",
    "a1b2"
)]
#[case::range_typed_map(
    "{{ range $k, $v := .ObjectMeta.Labels }}{{ $k }}={{ $v }},{{ end }}",
    "app=web,version=v2,"
)]
#[case::range_dot("{{ range .Values.global.list }}{{ . }}{{ end }}", "ab")]
#[case::range_one_var("{{ range $v := .Values.global.list }}{{ $v }}{{ end }}", "ab")]
#[case::range_else("{{ range .Values.global.missing }}x{{ else }}none{{ end }}", "none")]
#[case::range_break_continue("{{ range list 1 2 3 4 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}", "13")]
#[case::range_int("{{ range 3 }}{{ . }}{{ end }}", "012")]
#[case::scoping(
    "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}",
    "21"
)]
#[case::assign_in_range(
    "{{ $c := 0 }}{{ range list 1 2 3 }}{{ $c = add $c . }}{{ end }}{{ $c }}",
    "6"
)]
#[case::define_template(
    "{{ define \"T\" }}[{{ . }}]{{ end }}{{ template \"T\" \"x\" }}",
    "[x]"
)]
#[case::template_no_dot("{{ define \"T\" }}{{ . }}{{ end }}{{ template \"T\" }}", "<no value>")]
#[case::template_root_var("{{ define \"T\" }}{{ $ }}{{ end }}{{ template \"T\" 5 }}", "5")]
#[case::block("{{ block \"B\" .Values.global.s }}<{{ . }}>{{ end }}", "<str>")]
#[case::and_deciding(
    "{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" \"x\" }} [{{ or 0 \"\" }}]",
    "0 2 x []"
)]
#[case::and_short_circuit("{{ and false (index .Values.global.list 99) }}", "false")]
#[case::or_short_circuit("{{ or true (fail \"boom\") }}", "true")]
#[case::and_piped("{{ 0 | and 1 }}", "0")]
#[case::not("{{ not 0 }} {{ not .Values.global.s }}", "true false")]
#[case::eq_multi(
    "{{ eq 2 1 2 }} {{ ne \"a\" \"b\" }} {{ eq .Values.global.missing true }}",
    "true true false"
)]
#[case::ordering(
    "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge \"b\" \"a\" }}",
    "true true false true"
)]
#[case::typed_zero_compare(
    "{{ eq .MeshConfig.ProxyInboundListenPort 0 }} {{ eq .ProxyConfig.Nope \"\" }}",
    "true true"
)]
#[case::len(
    "{{ len .Values.global.list }} {{ len \"héllo\" }} {{ len .ObjectMeta.Annotations }}",
    "2 6 2"
)]
#[case::index_nested("{{ index .Values.global \"m\" \"a\" }}", "1")]
#[case::print("{{ print 1 2 \"a\" }}|{{ println \"a\" 1 }}", "1 2a|a 1\n")]
#[case::printf(
    "{{ printf \"%d|%q|%v|%t|%s|%5.1f\" 3 \"q\" .Values.global.f true .Values.global.list 2.25 }}",
    "3|\"q\"|0.5|true|[a b]|  2.2"
)]
#[case::html_urlquery(
    "{{ html \"<b>\" }} {{ urlquery \"a b\" }} {{ js \"'\" }}",
    "&lt;b&gt; a+b \\'"
)]
#[case::paren_args("{{ printf \"%s\" (printf \"%d\" (add 1 2)) }}", "3")]
#[case::newline_in_action("{{ and\n  true\n  (not false) }}", "true")]
fn constructs(#[case] src: &str, #[case] want: &str) {
    assert_eq!(render(src).unwrap(), want, "{src}");
}

#[rstest]
#[case::no_field("{{ .Nope }}", "template: t:1:3: executing \"t\" at <.Nope>: can't evaluate field Nope in type *inject.SidecarTemplateData")]
#[case::index_range("{{ index .Values.global.list 5 }}", "template: t:1:3: executing \"t\" at <index .Values.global.list 5>: error calling index: index out of range: 5")]
#[case::wrong_type(
    "{{ trunc .Values.global.n \"x\" }}",
    "at <.Values.global.n>: wrong type for value; expected int; got float64"
)]
#[case::literal_type("{{ upper 3 }}", "at <3>: expected string; found 3")]
#[case::arity("{{ upper }}", "wrong number of args for upper: want 1 got 0")]
#[case::incompatible(
    "{{ eq .Values.global.n 1 }}",
    "error calling eq: incompatible types for comparison: float64 and int"
)]
#[case::undefined_template("{{ template \"x\" }}", "template \"x\" not defined")]
#[case::recursion(
    "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}",
    "exceeded maximum template depth (100)"
)]
#[case::steps("{{ range until 3000000 }}{{ end }}", "exceeded 2000000 steps")]
#[case::output(
    "{{ $s := repeat 1000000 \"x\" }}{{ range until 5 }}{{ $s }}{{ end }}",
    "template output exceeds 4194304 bytes"
)]
#[case::cycle(
    "{{ $d := dict }}{{ $_ := set $d \"self\" (list $d) }}",
    "cannot insert a dict into itself"
)]
#[case::deep(
    "{{ $d := dict }}{{ range until 300 }}{{ $d = dict \"x\" $d }}{{ end }}{{ $d }}",
    "value nesting exceeds 200 levels"
)]
#[case::nil_command("{{ nil }}", "nil is not a command")]
#[case::not_function("{{ .Values.global.s 1 }}", "s is not a method but has arguments")]
#[case::range_scalar(
    "{{ range .Values.global.s }}{{ end }}",
    "range can't iterate over str"
)]
#[case::fail("{{ fail \"stop here\" }}", "error calling fail: stop here")]
#[case::in_define(
    "{{ define \"d\" }}\n{{ .Nope }}{{ end }}{{ template \"d\" . }}",
    "template: t:2:3: executing \"d\" at <.Nope>"
)]
fn exec_errors(#[case] src: &str, #[case] want: &str) {
    let err = render(src).unwrap_err();
    assert!(err.contains(want), "{src}\n got: {err}\nwant: {want}");
}

#[rstest]
#[case("{{ nope }}", "template: t:1:3: function \"nope\" not defined")]
#[case("ab\n {{ if }}", "template: t:2:7: missing value for if")]
#[case("{{ $x }}", "template: t:1:3: undefined variable \"$x\"")]
#[case("{{ if true }}", "unexpected EOF")]
#[case("{{ 1 | 2 }}", "non executable command in pipeline stage 2")]
#[case("{{ \"unterminated }}", "unterminated quoted string")]
fn parse_errors(#[case] src: &str, #[case] want: &str) {
    let err = Template::parse("t", src).unwrap_err().to_string();
    assert!(err.contains(want), "{src}\n got: {err}\nwant: {want}");
}

#[test]
fn errors_are_structured() {
    let err = Template::parse("t", "{{ .Nope }}")
        .unwrap()
        .render(&data())
        .unwrap_err();
    assert!(
        matches!(
            err,
            TemplateError::Exec {
                line: 1,
                col: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn dicts_are_shared_and_data_is_not_mutated() {
    let src = "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ $d }} \
               {{ $g := set .Values.global \"s\" \"changed\" }}{{ .Values.global.s }} {{ $g.s }}";
    assert_eq!(render(src).unwrap(), "map[a:1 b:2] str changed");
}

#[test]
fn defined_templates_are_listed() {
    let t = Template::parse(
        "t",
        "{{ define \"a\" }}{{ end }}{{ block \"b\" . }}{{ end }}",
    )
    .unwrap();
    assert_eq!(t.defined_templates().collect::<Vec<_>>(), vec!["a", "b"]);
}

#[test]
fn deep_recursion_is_an_error_not_a_stack_overflow() {
    // 97 nested ifs per template level, recursing: the combined nesting cap
    // stops it long before the 2 MiB test-thread stack runs out.
    let opens = "{{ if (not (not true)) }}".repeat(97);
    let closes = "{{ end }}".repeat(97);
    let src = format!(
        "{{{{ define \"r\" }}}}{opens}{{{{ template \"r\" . }}}}{closes}{{{{ end }}}}{{{{ template \"r\" . }}}}"
    );
    let err = render(&src).unwrap_err();
    assert!(err.contains("template nesting exceeds 200 levels"), "{err}");
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(99), ")".repeat(99));
    assert_eq!(render(&parens).unwrap(), "1");
}

mod fuzz {
    use proptest::prelude::*;

    use super::{data, Template};

    const PIECES: &[&str] = &[
        "{{", "}}", "{{- ", " -}}", " ", "\n", "if", "else", "end", "range", "with", "define",
        "template", "block", "break", "$x", "$", ":=", "=", ".", ".Values", ".global", ".Spec",
        "|", "(", ")", "\"", "\"a\"", "`", "1", "-3", "0x", "'c'", "index", "printf", "\"%v%d\"",
        "toYaml", "dict", "list", "set", "and", "or", "len", "/*", "*/", "é", "\t",
    ];

    proptest! {
        #[test]
        fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..48)) {
            let src: String = parts.concat();
            if let Ok(t) = Template::parse("p", &src) {
                let _ = t.render(&data());
            }
        }

        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,64}") {
            if let Ok(t) = Template::parse("p", &src) {
                let _ = t.render(&data());
            }
        }
    }
}

#[test]
fn template_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<TemplateError>();
}
