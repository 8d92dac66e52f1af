//! Expected outputs are what Go's `resource.Quantity` prints (several rows are the cases of
//! apimachinery's own `TestQuantityString` / `TestQuantityParseEmit` / `TestQuantityParse`).

use super::{canonicalize, validate, QuantityError};
use rstest::rstest;

#[rstest]
// Canonical already: printed back as written.
#[case("0", "0")]
#[case("1", "1")]
#[case("2", "2")]
#[case("100m", "100m")]
#[case("1Ki", "1Ki")]
#[case("1Gi", "1Gi")]
#[case("128Mi", "128Mi")]
#[case("300Mi", "300Mi")]
#[case("1025", "1025")]
#[case("1024", "1024")]
#[case("1e3", "1e3")]
#[case("80e-3", "80e-3")]
#[case("1n", "1n")]
#[case("12E", "12E")]
// Go's verbatim cache keeps non-canonical spellings its fast path accepts.
#[case("+1", "+1")]
#[case("-1", "-1")]
#[case("007", "007")]
#[case("1.500", "1.500")]
#[case("5.", "5.")]
#[case("1.G", "1.G")]
#[case("1E3", "1E3")]
#[case("1e-3", "1e-3")]
#[case("100Ki", "100Ki")]
// Decimal SI.
#[case("2000m", "2")]
#[case("1000", "1k")]
#[case("0.5", "500m")]
#[case(".5", "500m")]
#[case("1.5", "1500m")]
#[case("0.1", "100m")]
#[case("1.08", "1080m")]
#[case("1080000000n", "1080m")]
#[case("5000m", "5")]
#[case("1000u", "1m")]
#[case("1000M", "1G")]
#[case("0.001T", "1G")]
#[case("100.035k", "100.035k")]
#[case("0.0005k", "500m")]
#[case(".0001k", "100m")]
#[case("1.01E", "1010P")]
#[case("0.1m", "100u")]
#[case("-0.5", "-500m")]
#[case("00", "0")]
#[case("-0", "0")]
#[case("0m", "0")]
#[case("0Ki", "0")]
#[case(".", "0")]
#[case("12345678901234567890", "12345678901234567890")]
// Go finds no suffix for 10^21 and prints the bare mantissa.
#[case("1000000000000000000000", "1")]
// Rounded up to whole nano units.
#[case("3.001n", "4n")]
#[case("0.0000000001", "1n")]
#[case("0.0000000005", "1n")]
#[case("0.00000012345", "124n")]
#[case("0.00000012354", "124n")]
// Decimal exponent.
#[case("1e4", "10e3")]
#[case("1.2e3", "1200")]
#[case("1.3E+6", "1300e3")]
#[case("1.40e9", "1400e6")]
#[case(".001e12", "1e9")]
#[case("0.001e0", "1e-3")]
#[case("1000e-12", "1e-9")]
#[case("1.1E-9", "2e-9")]
#[case("0.5e-9", "1e-9")]
#[case("1e100", "10e99")]
// Binary SI.
#[case("1024Mi", "1Gi")]
#[case("1024Ki", "1Mi")]
#[case("8Ki", "8Ki")]
#[case("307200Ki", "300Mi")]
#[case("1025024Mi", "1001Gi")]
#[case("1.5Gi", "1536Mi")]
#[case("1.5Mi", "1536Ki")]
#[case("0.5Gi", "512Mi")]
#[case("0.5Ki", "512")]
#[case("1.1Ki", "1126400m")]
#[case(".001Ki", "1024m")]
#[case(".000001Ki", "1024u")]
#[case(".000000001Ki", "1024n")]
#[case(".000000000001Ki", "2n")]
#[case("-.000000000001Ki", "-2n")]
#[case("-1024Mi", "-1Gi")]
#[case("-1.5Gi", "-1536Mi")]
#[case("1Ei", "1Ei")]
#[case("9Ei", "9223372036854775807")]
#[case("9223372036854775807Ki", "9223372036854775807")]
fn canonical(#[case] input: &str, #[case] expected: &str) {
    assert_eq!(canonicalize(input).unwrap(), expected, "input {input:?}");
}

#[rstest]
#[case("", QuantityError::Format)]
#[case("aoeu", QuantityError::Format)]
#[case("1.1.M", QuantityError::Format)]
#[case("1+1.0M", QuantityError::Format)]
#[case("0.1am", QuantityError::Format)]
#[case(" 1", QuantityError::Format)]
#[case("1 ", QuantityError::Format)]
#[case("1Kb", QuantityError::Format)]
#[case("0.1mi", QuantityError::Suffix)]
#[case(".5i", QuantityError::Suffix)]
#[case("1i", QuantityError::Suffix)]
#[case("1K", QuantityError::Suffix)]
#[case("1e", QuantityError::Suffix)]
#[case("-3.01e-", QuantityError::Suffix)]
#[case(".e-10", QuantityError::Numeric)]
#[case(
    "123456789012345678901234567890123456789012",
    QuantityError::TooPrecise
)]
fn refused(#[case] input: &str, #[case] expected: QuantityError) {
    assert_eq!(canonicalize(input), Err(expected), "input {input:?}");
}

#[test]
fn canonical_output_is_a_fixed_point() {
    for input in [
        "1.5Gi",
        "0.5",
        "1e4",
        "2000m",
        "1.1Ki",
        "0.0000000001",
        "9Ei",
        "1.3E+6",
    ] {
        let once = canonicalize(input).unwrap();
        assert_eq!(canonicalize(&once).unwrap(), once, "input {input:?}");
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(input in "\\PC{0,40}") {
        let _ = canonicalize(&input);
    }

    #[test]
    fn output_is_a_fixed_point(
        input in "[+-]?[0-9]{0,24}(\\.[0-9]{0,12})?(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]{1,3})"
    ) {
        if let Ok(once) = canonicalize(&input) {
            proptest::prop_assert_eq!(canonicalize(&once), Ok(once.clone()), "input {:?}", input);
        }
    }
}

// The verdict alone (Istio's annotation checks), including inputs past what we print.

#[rstest]
#[case("100m")]
#[case("128Mi")]
#[case("2")]
#[case("1Gi")]
#[case("0")]
#[case("000")]
#[case("-1")]
#[case("+1.5")]
#[case("1.")]
#[case(".5")]
#[case(".")]
#[case("+")]
#[case("-")]
#[case("1.G")]
#[case("1e3")]
#[case("1E-3")]
#[case("1e+3")]
#[case("1E")]
#[case("1.5Gi")]
#[case("123456789012345678901234567890")]
#[case("1n")]
#[case("0.0000000001")]
#[case(".Ti")]
#[case(".e-9")]
#[case("1e4294967286")]
fn quantities_kubernetes_accepts(#[case] input: &str) {
    assert_eq!(validate(input), Ok(()), "{input}");
}

#[rstest]
#[case("", QuantityError::Format)]
#[case("invalid", QuantityError::Format)]
#[case("100m\n", QuantityError::Format)]
#[case(" 1", QuantityError::Format)]
#[case("1 ", QuantityError::Format)]
#[case("1..2", QuantityError::Format)]
#[case("1Gi\u{0}", QuantityError::Format)]
#[case("1x", QuantityError::Format)]
#[case("1e", QuantityError::Suffix)]
#[case("1Kb", QuantityError::Format)]
#[case("1K", QuantityError::Suffix)]
#[case("1mi", QuantityError::Suffix)]
#[case("1e1.5", QuantityError::Format)]
#[case("1e99999999999999999999", QuantityError::Suffix)]
#[case("1-", QuantityError::Suffix)]
#[case(".Pi", QuantityError::Numeric)]
#[case(".Ei", QuantityError::Numeric)]
#[case(".e-10", QuantityError::Numeric)]
#[case("-.e4294967286", QuantityError::Numeric)]
fn quantities_kubernetes_refuses(#[case] input: &str, #[case] want: QuantityError) {
    assert_eq!(validate(input), Err(want), "{input}");
}
