use super::*;
use rstest::rstest;

fn plain(text: &str) -> Scalar {
    resolve(None, text, true).unwrap()
}

fn s(text: &str) -> Scalar {
    Scalar::Str(text.to_string())
}

#[rstest]
#[case("y", true)]
#[case("Y", true)]
#[case("yes", true)]
#[case("Yes", true)]
#[case("YES", true)]
#[case("on", true)]
#[case("On", true)]
#[case("ON", true)]
#[case("true", true)]
#[case("True", true)]
#[case("TRUE", true)]
#[case("n", false)]
#[case("N", false)]
#[case("no", false)]
#[case("No", false)]
#[case("NO", false)]
#[case("off", false)]
#[case("Off", false)]
#[case("OFF", false)]
#[case("false", false)]
#[case("False", false)]
#[case("FALSE", false)]
fn yaml11_booleans(#[case] text: &str, #[case] want: bool) {
    assert_eq!(plain(text), Scalar::Bool(want));
}

#[rstest]
#[case("yEs")]
#[case("oN")]
#[case("tRUE")]
#[case("Nope")]
fn mixed_case_words_stay_strings(#[case] text: &str) {
    assert_eq!(plain(text), s(text));
}

#[rstest]
#[case("", Scalar::Null)]
#[case("~", Scalar::Null)]
#[case("null", Scalar::Null)]
#[case("Null", Scalar::Null)]
#[case("NULL", Scalar::Null)]
#[case("0644", Scalar::Int(420))]
#[case("0755", Scalar::Int(493))]
#[case("0", Scalar::Int(0))]
#[case("-0", Scalar::Int(0))]
#[case("644", Scalar::Int(644))]
#[case("+12", Scalar::Int(12))]
#[case("-12", Scalar::Int(-12))]
#[case("0x1F", Scalar::Int(31))]
#[case("0X1f", Scalar::Int(31))]
#[case("-0x1F", Scalar::Int(-31))]
#[case("0o17", Scalar::Int(15))]
#[case("0b101", Scalar::Int(5))]
#[case("-0b101", Scalar::Int(-5))]
#[case("1_000", Scalar::Int(1000))]
#[case("0x_ff", Scalar::Int(255))]
#[case("9223372036854775807", Scalar::Int(i64::MAX))]
#[case("-9223372036854775808", Scalar::Int(i64::MIN))]
#[case("18446744073709551615", Scalar::Uint(u64::MAX))]
// ParseUint takes no sign, so this one falls through to the float syntax.
#[case("+18446744073709551615", Scalar::Float(18446744073709551615.0))]
#[case("1.5", Scalar::Float(1.5))]
#[case("1.", Scalar::Float(1.0))]
#[case(".5", Scalar::Float(0.5))]
#[case("-.5", Scalar::Float(-0.5))]
#[case("1e3", Scalar::Float(1000.0))]
#[case("1_000.5", Scalar::Float(1000.5))]
#[case("08", Scalar::Float(8.0))]
#[case("99999999999999999999", Scalar::Float(1e20))]
#[case(".inf", Scalar::Float(f64::INFINITY))]
#[case("+.Inf", Scalar::Float(f64::INFINITY))]
#[case("-.INF", Scalar::Float(f64::NEG_INFINITY))]
fn plain_scalars_resolve(#[case] text: &str, #[case] want: Scalar) {
    assert_eq!(plain(text), want);
}

#[rstest]
#[case(".nan")]
#[case(".NaN")]
#[case(".NAN")]
fn nan(#[case] text: &str) {
    assert!(matches!(plain(text), Scalar::Float(f) if f.is_nan()));
}

#[rstest]
#[case("1:20")]
#[case("190:20:30")]
#[case("2020-01-01")]
#[case("2001-12-14t21:59:43.10-05:00")]
#[case("0x")]
#[case("0b2")]
#[case("1e400")]
#[case("1.2.3")]
#[case("+")]
#[case("-")]
#[case(".")]
#[case("_1")]
#[case("<<")]
#[case("1Gi")]
#[case("v1")]
fn stay_strings(#[case] text: &str) {
    assert_eq!(plain(text), s(text));
}

#[rstest]
#[case("yes")]
#[case("0644")]
#[case("~")]
#[case("")]
#[case("1.5")]
fn quoted_and_block_scalars_are_strings(#[case] text: &str) {
    assert_eq!(resolve(None, text, false).unwrap(), s(text));
}

#[rstest]
#[case("!!str", "0644", true, s("0644"))]
#[case("!!str", "yes", true, s("yes"))]
#[case("!!int", "0644", true, Scalar::Int(420))]
#[case("!!int", "12", false, Scalar::Int(12))]
#[case("!!float", "1", true, Scalar::Float(1.0))]
#[case("!!float", "1.5", false, Scalar::Float(1.5))]
#[case("!!bool", "yes", false, Scalar::Bool(true))]
#[case("!!null", "~", true, Scalar::Null)]
#[case("!!timestamp", "2020-01-01", true, s("2020-01-01"))]
#[case("!!binary", "aGVsbG8=", true, s("hello"))]
#[case("!", "12", true, s("12"))]
#[case("!custom", "yes", true, s("yes"))]
fn explicit_tags(
    #[case] tag: &str,
    #[case] text: &str,
    #[case] is_plain: bool,
    #[case] want: Scalar,
) {
    assert_eq!(resolve(Some(tag), text, is_plain).unwrap(), want);
}

#[rstest]
#[case("!!int", "abc")]
#[case("!!int", "1.5")]
#[case("!!bool", "1")]
#[case("!!float", "yes")]
#[case("!!timestamp", "12")]
#[case("!!binary", "not base64!")]
fn wrong_explicit_tags_fail(#[case] tag: &str, #[case] text: &str) {
    let e = resolve(Some(tag), text, true).unwrap_err();
    assert!(e.contains(text) || tag == "!!binary", "{e}");
}

#[rstest]
#[case("tag:yaml.org,2002:", "int", "!!int")]
#[case("!", "custom", "!custom")]
#[case("", "!", "!")]
fn short_tags(#[case] handle: &str, #[case] suffix: &str, #[case] want: &str) {
    assert_eq!(short_tag(handle, suffix), want);
}

#[rstest]
#[case(Scalar::Bool(true), "true")]
#[case(Scalar::Bool(false), "false")]
#[case(Scalar::Int(1), "1")]
#[case(Scalar::Int(-7), "-7")]
#[case(Scalar::Float(1.5), "1.5")]
#[case(Scalar::Float(0.1), "0.1")]
#[case(Scalar::Float(1000.0), "1000")]
#[case(Scalar::Float(123456.0), "123456")]
#[case(Scalar::Float(1234567.0), "1.234567e+06")]
#[case(Scalar::Float(1e6), "1e+06")]
#[case(Scalar::Float(0.0001), "0.0001")]
#[case(Scalar::Float(0.00001), "1e-05")]
#[case(Scalar::Float(-2.5), "-2.5")]
#[case(Scalar::Float(0.0), "0")]
#[case(Scalar::Float(f64::INFINITY), ".inf")]
#[case(Scalar::Float(f64::NEG_INFINITY), "-.inf")]
#[case(Scalar::Float(f64::NAN), ".nan")]
fn keys_become_strings_like_sigs_yaml(#[case] key: Scalar, #[case] want: &str) {
    assert_eq!(key_string(key).unwrap(), want);
}

#[test]
fn null_and_uint64_keys_are_unsupported() {
    assert!(key_string(Scalar::Null).is_err());
    assert!(key_string(Scalar::Uint(u64::MAX)).is_err());
}
