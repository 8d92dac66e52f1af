use super::*;
use rstest::rstest;
use serde_json::json;

fn one(text: &str) -> Value {
    load(text).unwrap().unwrap()
}

#[rstest]
#[case("defaultMode: 0644", json!({"defaultMode": 420}))]
#[case("optional: yes", json!({"optional": true}))]
#[case("value: \"on\"", json!({"value": "on"}))]
#[case("value: 'off'", json!({"value": "off"}))]
#[case("value: on", json!({"value": true}))]
#[case("v: ~", json!({"v": null}))]
#[case("v:", json!({"v": null}))]
// `y` and `n` are booleans in key position too.
#[case("y: 1\nn: 2", json!({"true": 1, "false": 2}))]
#[case("x: 0x1F", json!({"x": 31}))]
#[case("x: 1_000", json!({"x": 1000}))]
#[case("x: 1.5", json!({"x": 1.5}))]
#[case("x: 1e3", json!({"x": 1000}))]
#[case("x: 1:20", json!({"x": "1:20"}))]
#[case("x: 2020-01-01", json!({"x": "2020-01-01"}))]
#[case("x: |\n  0644\n", json!({"x": "0644\n"}))]
#[case("x: >-\n  yes\n", json!({"x": "yes"}))]
#[case("[0644, \"0644\", yes]", json!([420, "0644", true]))]
#[case("x: !!str 0644", json!({"x": "0644"}))]
#[case("x: !!int \"0644\"", json!({"x": 420}))]
#[case("x: !!float 2", json!({"x": 2}))]
#[case("x: ! yes", json!({"x": "yes"}))]
fn values_resolve_like_go(#[case] text: &str, #[case] want: Value) {
    assert_eq!(one(text), want);
}

#[rstest]
#[case("true: a", "true")]
#[case("yes: a", "true")]
#[case("off: a", "false")]
#[case("1: a", "1")]
#[case("0644: a", "420")]
#[case("1.5: a", "1.5")]
#[case("1e6: a", "1e+06")]
#[case(".inf: a", ".inf")]
#[case("'yes': a", "yes")]
#[case("2020-01-01: a", "2020-01-01")]
fn keys_become_strings(#[case] text: &str, #[case] key: &str) {
    assert_eq!(one(text), json!({ key: "a" }));
}

#[rstest]
#[case("a: &x {p: 1}\nb: *x", json!({"a": {"p": 1}, "b": {"p": 1}}))]
#[case("a: &x 0644\nb: *x", json!({"a": 420, "b": 420}))]
#[case("a: &k yes\n*k : 1", json!({"a": true, "true": 1}))]
#[case("a: &x [1, 2]\nb: *x", json!({"a": [1, 2], "b": [1, 2]}))]
fn anchors_and_aliases(#[case] text: &str, #[case] want: Value) {
    assert_eq!(one(text), want);
}

#[rstest]
// Keys after the merge override it.
#[case("b: &b {x: 1, w: 1}\nm:\n  <<: *b\n  w: 2", json!({"x": 1, "w": 2}))]
// go-yaml v2 writes merged keys over the ones before them.
#[case("b: &b {x: 1, w: 1}\nm:\n  w: 2\n  <<: *b", json!({"x": 1, "w": 1}))]
// In a list, earlier maps win.
#[case("b: &b {x: 1}\nc: &c {x: 2, z: 2}\nm:\n  <<: [*b, *c]", json!({"x": 1, "z": 2}))]
#[case("m:\n  <<: {x: 1}\n  z: 0", json!({"x": 1, "z": 0}))]
#[case("m:\n  !!merge <<: {x: 1}", json!({"x": 1}))]
// A quoted `<<` is an ordinary key.
#[case("m:\n  '<<': {x: 1}", json!({"<<": {"x": 1}}))]
fn merge_keys(#[case] text: &str, #[case] want: Value) {
    assert_eq!(one(text)["m"], want);
}

#[rstest]
#[case("b: &b [1]\nm:\n  <<: *b", "map merge")]
#[case("m:\n  <<: [1]", "map merge")]
#[case("m:\n  <<: 1", "map merge")]
#[case("x: .inf", "json: unsupported value: +Inf")]
#[case("x: .nan", "json: unsupported value: NaN")]
#[case("~: a", "null")]
#[case("x: !!int abc", "!!int")]
#[case("? [a]\n: b", "key")]
#[case("a: 1\n...\nb: 2\n", "more than one document")]
#[case("a: *nope", "")]
#[case("a: [1", "")]
#[case(&"- ".repeat(201), "deeper than 200 levels")]
#[case(&format!("{}1{}", "[".repeat(201), "]".repeat(201)), "deeper than 200 levels")]
#[case("a: &a [[[[[[[[[[x]]]]]]]]]]\nb: &b [[[[[[[[[[*a]]]]]]]]]]\nc: &c [[[[[[[[[[*b]]]]]]]]]]\nd: &d [[[[[[[[[[*c]]]]]]]]]]\ne: &e [[[[[[[[[[*d]]]]]]]]]]\nf: &f [[[[[[[[[[*e]]]]]]]]]]\ng: &g [[[[[[[[[[*f]]]]]]]]]]\nh: &h [[[[[[[[[[*g]]]]]]]]]]\ni: &i [[[[[[[[[[*h]]]]]]]]]]\nj: &j [[[[[[[[[[*i]]]]]]]]]]\nk: &k [[[[[[[[[[*j]]]]]]]]]]\nl: &l [[[[[[[[[[*k]]]]]]]]]]\nm: &m [[[[[[[[[[*l]]]]]]]]]]\nn: &n [[[[[[[[[[*m]]]]]]]]]]\no: &o [[[[[[[[[[*n]]]]]]]]]]\np: &p [[[[[[[[[[*o]]]]]]]]]]\nq: &q [[[[[[[[[[*p]]]]]]]]]]\nr: &r [[[[[[[[[[*q]]]]]]]]]]\ns: &s [[[[[[[[[[*r]]]]]]]]]]\nt: &t [[[[[[[[[[*s]]]]]]]]]]\nu: [[*t]]", "deeper than 200 levels")]
fn errors(#[case] text: &str, #[case] needle: &str) {
    let e = load(text).unwrap_err();
    assert!(e.message.contains(needle), "{e:?}");
}

#[test]
fn errors_carry_the_position() {
    let e = load("a: 1\nb:\n  c: !!int x\n").unwrap_err();
    assert_eq!((e.line, e.column), (3, 6), "{e:?}");
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let e = load(&text).unwrap_err();
    assert!(e.message.contains("excessive aliasing"), "{e:?}");
}

#[rstest]
#[case("")]
#[case("# only a comment\n")]
#[case("~\n")]
fn empty_documents_are_none(#[case] text: &str) {
    assert_eq!(load(text).unwrap(), None);
}

#[test]
fn load_first_ignores_later_documents_even_broken_ones() {
    assert_eq!(
        load_first("a: 1\n---\nb: [").unwrap(),
        Some(json!({"a": 1}))
    );
    assert!(load("a: 1\n---\nb: 2").is_err());
}

#[test]
fn deep_input_is_refused_on_a_small_stack() {
    // 100k levels used to overflow the stack while building or dropping the value.
    let text = "- ".repeat(100_000) + "x";
    let e = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || load(&text).unwrap_err())
        .unwrap()
        .join()
        .unwrap();
    assert!(e.message.contains("deeper than 200 levels"), "{e:?}");
}
