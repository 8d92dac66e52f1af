//! One row per template function, rendered end to end.

use rstest::rstest;

use crate::template::tests::render;

#[rstest]
// sprig strings
#[case::trim("{{ trim \"  a b \" }}", "a b")]
#[case::trim_all("{{ trimAll \"$\" \"$$5$\" }}", "5")]
#[case::trim_suffix_prefix("{{ trimSuffix \"-\" \"a-\" }} {{ trimPrefix \"x\" \"xy\" }}", "a y")]
#[case::case("{{ upper \"aé\" }} {{ lower \"AB\" }} {{ title \"hello wide-world\" }} {{ untitle \"Hello\" }}", "AÉ ab Hello Wide-World hello")]
// Go maps rune to rune: ß has no one-rune upper case, final sigma is σ, ǆ's title case is ǅ,
// and strings.Title breaks words only at ASCII punctuation and spaces.
#[case::go_case(
    "{{ upper \"straße\" }} {{ lower \"ΟΔΟΣ\" }} {{ title \"ǆungla x—y\" }} {{ toLower \"İ\" }}",
    "STRAßE οδοσ ǅungla X—y i"
)]
#[case::substr("{{ substr 1 3 \"hello\" }} {{ substr 2 99 \"hello\" }}", "el llo")]
#[case::repeat_nospace("{{ repeat 3 \"ab\" }} {{ nospace \" a b \" }}", "ababab ab")]
#[case::trunc(
    "{{ trunc 3 \"hello\" }} {{ trunc -2 \"hello\" }} {{ trunc 9 \"hi\" }}",
    "hel lo hi"
)]
#[case::trunc_label("{{ \"a-very-long-name-that-goes-on-and-on-and-on-until-it-hits-sixty-three-\" | trunc 63 | trimSuffix \"-\" }}", "a-very-long-name-that-goes-on-and-on-and-on-until-it-hits-sixty")]
#[case::abbrev("{{ abbrev 5 \"hello world\" }}", "he...")]
#[case::contains(
    "{{ contains \"/\" \"a/b\" }} {{ \"a/b\" | contains \"x\" }}",
    "true false"
)]
#[case::prefix_suffix(
    "{{ hasPrefix \"a\" \"ab\" }} {{ hasSuffix \"a\" \"ab\" }}",
    "true false"
)]
#[case::quote(
    "{{ quote \"a\" 1 .Values.global.missing .Values.global.f }} {{ squote \"b\" }}",
    "\"a\" \"1\" \"0.5\" 'b'"
)]
#[case::quote_escapes("{{ quote \"a\\\"b\\n\" }}", "\"a\\\"b\\n\"")]
#[case::cat("{{ cat \"a\" 1 .Values.global.missing \"b\" }}", "a 1 b")]
#[case::istio_indent("{{ \"a\\nb\" | indent 2 }}", "a\n  b")]
#[case::nindent("{{ \"a\\nb\" | nindent 2 }}", "\n  a\n  b")]
#[case::replace("{{ replace \"a\" \"b\" \"aaa\" }}", "bbb")]
#[case::plural("{{ plural \"one\" \"many\" 2 }}", "many")]
#[case::to_string("{{ toString 1.5 }} {{ toString .Values.global.list }}", "1.5 [a b]")]
#[case::split("{{ $p := split \"/\" \"a/b\" }}{{ $p._1 }} {{ splitList \",\" \"x,y\" }} {{ splitn \"/\" 2 \"a/b/c\" }}", "b [x y] map[_0:a _1:b/c]")]
#[case::b64("{{ b64enc \"hi\" }} {{ b64dec \"aGk=\" }}", "aGk= hi")]
// sprig defaults and JSON
#[case::default("{{ default \"d\" .Values.global.empty }} {{ default \"d\" .Values.global.s }} {{ .Values.global.missing | default 7 }}", "d str 7")]
#[case::empty(
    "{{ empty .Values.global.empty }} {{ empty .Values.global.list }} {{ empty 0 }}",
    "true false true"
)]
#[case::coalesce("{{ coalesce .Values.global.missing \"\" \"x\" }}", "x")]
#[case::all_any("{{ all 1 \"a\" }} {{ any 0 \"\" }}", "true false")]
#[case::ternary(
    "{{ ternary \"y\" \"n\" true }} {{ false | ternary \"y\" \"n\" }}",
    "y n"
)]
#[case::to_json(
    "{{ toJson .Values.global.m }} {{ toJson (list \"<\" 1.5) }}",
    "{\"a\":1,\"b\":2} [\"\\u003c\",1.5]"
)]
#[case::to_raw_json("{{ toRawJson (list \"<\") }}", "[\"<\"]")]
#[case::to_pretty_json("{{ toPrettyJson (dict \"a\" 1) }}", "{\n  \"a\": 1\n}")]
#[case::must_to_json("{{ mustToJson .Values.global.list }}", "[\"a\",\"b\"]")]
#[case::from_json(
    "{{ $j := fromJson \"{\\\"a\\\":[1,2]}\" }}{{ index $j.a 1 }} {{ fromJson \"bad\" }}",
    "2 <no value>"
)]
#[case::deep_copy("{{ $c := deepCopy .Values.global.m }}{{ $_ := set $c \"z\" 1 }}{{ len $c }} {{ len .Values.global.m }}", "3 2")]
// sprig math and conversion
#[case::arith(
    "{{ add 1 2 \"3\" }} {{ add1 1 }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }}",
    "6 2 3 24 3 1"
)]
#[case::min_max("{{ max 1 5 3 }} {{ min 4 2 8 }} {{ biggest 1 2 }}", "5 2 2")]
#[case::float_math("{{ floor 1.5 }} {{ ceil 1.2 }} {{ round 3.14159 2 }}", "1 2 3.14")]
#[case::conversion("{{ int \"42\" }} {{ int64 3.9 }} {{ float64 \"1.5\" }} {{ atoi \"12\" }} {{ int .Values.global.n }}", "42 3 1.5 12 15020")]
#[case::until("{{ until 3 }} {{ untilStep 0 10 4 }}", "[0 1 2] [0 4 8]")]
#[case::reflection("{{ typeOf 1 }} {{ typeOf .Values.global.n }} {{ kindOf (list) }} {{ kindIs \"map\" (dict) }} {{ typeIs \"string\" \"a\" }}", "int float64 slice true true")]
#[case::paths("{{ base \"/a/b.c\" }} {{ dir \"/a/b.c\" }} {{ ext \"b.c\" }} {{ clean \"a//b/../c\" }} {{ isAbs \"/x\" }}", "b.c /a .c a/c true")]
// sprig lists
#[case::list_append(
    "{{ $l := list 1 }}{{ $l = append $l 2 }}{{ $l }} {{ prepend $l 0 }}",
    "[1 2] [0 1 2]"
)]
#[case::first_last_rest("{{ first .Values.global.list }} {{ last .Values.global.list }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}", "a b [2 3] [1 2]")]
#[case::first_empty("{{ first (list) }}", "<no value>")]
#[case::reverse_uniq(
    "{{ reverse (list 1 2) }} {{ uniq (list 1 1 2) }} {{ without (list 1 2 3) 2 }}",
    "[2 1] [1 2] [1 3]"
)]
#[case::has(
    "{{ has \"a\" .Values.global.list }} {{ has 3 (list 1 2) }}",
    "true false"
)]
#[case::slice(
    "{{ slice (list 1 2 3) 1 }} {{ slice (list 1 2 3) 0 2 }}",
    "[2 3] [1 2]"
)]
#[case::concat_compact(
    "{{ concat (list 1) (list 2 3) }} {{ compact (list 1 \"\" 0 2) }}",
    "[1 2 3] [1 2]"
)]
#[case::chunk("{{ chunk 2 (list 1 2 3) }}", "[[1 2] [3]]")]
#[case::sort_alpha_join(
    "{{ list \"b\" \"a\" | sortAlpha | join \",\" }} {{ join \"-\" .Values.global.list }}",
    "a,b a-b"
)]
// sprig dicts
#[case::dict_get_set("{{ $d := dict \"a\" 1 \"b\" }}{{ get $d \"a\" }} [{{ get $d \"b\" }}] [{{ get $d \"z\" }}] {{ $_ := set $d \"c\" 3 }}{{ keys $d }}", "1 [] [] [a b c]")]
#[case::has_key_unset(
    "{{ $d := dict \"a\" 1 }}{{ hasKey $d \"a\" }} {{ $_ := unset $d \"a\" }}{{ hasKey $d \"a\" }}",
    "true false"
)]
#[case::pluck_values_pick("{{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) }} {{ values (dict \"x\" 1 \"y\" 2) }} {{ pick (dict \"a\" 1 \"b\" 2) \"b\" }}", "[1] [1 2] map[b:2]")]
#[case::merge("{{ $d := dict \"a\" 1 \"n\" (dict \"x\" 1) }}{{ $_ := merge $d (dict \"a\" 9 \"b\" 2 \"n\" (dict \"y\" 2)) }}{{ toJson $d }}", "{\"a\":1,\"b\":2,\"n\":{\"x\":1,\"y\":2}}")]
#[case::merge_overwrite(
    "{{ toJson (mergeOverwrite (dict \"a\" 1) (dict \"a\" 2)) }}",
    "{\"a\":2}"
)]
#[case::dig(
    "{{ dig \"m\" \"a\" \"none\" .Values.global }} {{ dig \"m\" \"z\" \"none\" .Values.global }}",
    "1 none"
)]
#[case::deep_equal(
    "{{ deepEqual (list 1 (dict \"a\" 1)) (list 1 (dict \"a\" 1)) }}",
    "true"
)]
// Istio's funcmap
#[case::format_duration("{{ formatDuration .ProxyConfig.DrainDuration }}", "1m30s")]
#[case::isset(
    "{{ isset .ObjectMeta.Annotations \"a\" }} {{ isset .ObjectMeta.Annotations \"z\" }}",
    "true false"
)]
#[case::exclude_inbound_port("{{ excludeInboundPort .Values.global.n \"15090, 80\" }} {{ excludeInboundPort \"80\" \"80\" }} {{ excludeInboundPort 0 \"1\" }}", "15090,80,15020 80 1")]
#[case::ports(
    "{{ includeInboundPorts .Spec.Containers }} {{ applicationPorts .Spec.Containers }}",
    "80,15090 80"
)]
#[case::interfaces(
    "{{ kubevirtInterfaces \"eth1\" }} {{ excludeInterfaces \"eth2\" }}",
    "eth1 eth2"
)]
#[case::annotation("{{ annotation .ObjectMeta \"a\" \"d\" }} {{ annotation .ObjectMeta \"z\" .Values.global.n }} {{ annotation .ObjectMeta \"z\" .Values.global.missing }}", "1 15020 <nil>")]
#[case::value_or_default("{{ valueOrDefault .Values.global.empty \"d\" }} {{ valueOrDefault .Values.global.missing \"d\" }} {{ valueOrDefault .Values.global.s \"d\" }}", "d d str")]
#[case::to_json_map(
    "{{ toJSON .ObjectMeta.Labels }} {{ toJsonMap .ObjectMeta.Labels (strdict \"app\" \"x\") }}",
    "{\"app\":\"web\",\"version\":\"v2\"} {\"app\":\"x\",\"version\":\"v2\"}"
)]
#[case::istio_from_json("{{ range $k, $v := fromJSON \"{\\\"b\\\":1,\\\"a\\\":\\\"x\\\"}\" }}{{ $k }}={{ $v }};{{ end }} {{ fromJSON \"nope\" }}", "a=x;b=1; {}")]
#[case::struct_to_json(
    "{{ range (index .Spec.Containers 0).Ports }}{{ structToJSON . }}{{ end }}",
    "{\"name\":\"http\",\"containerPort\":80}{\"containerPort\":53,\"protocol\":\"UDP\"}"
)]
#[case::proto_to_json("{{ protoToJSON .ProxyConfig }}", "{\"drainDuration\":\"90s\"}\n")]
#[case::to_yaml("{{ toYaml .Values.global.m }}", "a: 1\nb: 2\n")]
#[case::to_yaml_indent(
    "x:\n  {{ toYaml (omitNil .Values.global.resources) | indent 2 }}",
    "x:\n  limits:\n    cpu: \"2\"\n  requests:\n    cpu: 100m\n  "
)]
#[case::directory(
    "{{ directory .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}",
    "/etc/certs/"
)]
#[case::to_lower("{{ toLower .TypeMeta.Kind }}", "deployment")]
#[case::multus_csv("{{ appendMultusNetwork \"a, b\" \"default/istio-cni\" }} {{ appendMultusNetwork \"\" \"istio-cni\" }}", "a, b, default/istio-cni istio-cni")]
#[case::multus_json(
    "{{ appendMultusNetwork `[{\"name\": \"x\"}]` \"default/istio-cni\" }}",
    "[{\"name\": \"x\"}, {\"name\": \"istio-cni\", \"namespace\": \"default\"}]"
)]
#[case::multus_present("{{ appendMultusNetwork `[{\"name\": \"istio-cni\", \"namespace\": \"default\"}]` \"default/istio-cni\" }}", "[{\"name\": \"istio-cni\", \"namespace\": \"default\"}]")]
#[case::env(
    "{{ env \"SIDECAR_INJECTOR_TEMPLATE_TEST_UNSET\" \"fallback\" }}",
    "fallback"
)]
#[case::omit_strdict(
    "{{ omit (strdict \"a\" \"1\" \"b\" \"2\" \"c\") \"a\" }}",
    "map[b:2 c:]"
)]
#[case::merge_maps(
    "{{ mergeMaps (strdict \"a\" \"1\") (strdict \"a\" \"2\" \"b\" \"3\") }}",
    "map[a:2 b:3]"
)]
#[case::omit_nil(
    "{{ toJson (omitNil .Values.global.resources) }}",
    "{\"limits\":{\"cpu\":\"2\"},\"requests\":{\"cpu\":\"100m\"}}"
)]
#[case::otel_off("[{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}]", "[]")]
fn functions(#[case] src: &str, #[case] want: &str) {
    assert_eq!(render(src).unwrap(), want, "{src}");
}

#[test]
fn otel_resource_attributes_when_enabled() {
    use crate::template::Template;
    let mut data = crate::template::tests::data();
    data["MeshConfig"]["extensionProviders"] = serde_json::json!([
        {"name": "otel", "opentelemetry": {"service": "c", "port": 4317, "serviceAttributeEnrichment": "OTEL_SEMANTIC_CONVENTIONS"}}
    ]);
    data["Spec"]["containers"] =
        serde_json::json!([{"name": "app", "image": "nginx:1.21@sha256:abc"}]);
    let t = Template::parse(
        "t",
        "{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}",
    )
    .unwrap();
    assert_eq!(
        t.render(&data).unwrap(),
        "service.namespace=ns,service.version=1.21@sha256:abc,service.instance.id=ns.$(POD_NAME).app"
    );
}
