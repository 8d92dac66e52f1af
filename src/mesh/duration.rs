//! `google.protobuf.Duration` as `jsonpb` reads and prints it: read with Go's
//! `time.ParseDuration` syntax (`1m30s`, `500ms`, `1.5h`, including its overflow rules and
//! messages, in `crate::go::time`), printed as seconds with 0, 3, 6 or 9 fractional digits
//! (`23s`, `1.500s`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `google.protobuf.Duration`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Duration {
    seconds: i64,
    nanos: i32,
}

const NANOS_PER_SECOND: i64 = 1_000_000_000;

impl Duration {
    /// A whole number of seconds.
    pub const fn from_secs(seconds: i64) -> Self {
        Self { seconds, nanos: 0 }
    }

    /// A signed number of nanoseconds, split as Go's `durationpb.New` does (same sign on both parts).
    pub const fn from_nanos(total: i64) -> Self {
        Self {
            seconds: total / NANOS_PER_SECOND,
            // The remainder is below 1e9 in magnitude, so it always fits.
            nanos: (total % NANOS_PER_SECOND) as i32,
        }
    }

    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    pub const fn nanos(self) -> i32 {
        self.nanos
    }

    /// Total length in nanoseconds, saturating as Go's `durationpb.AsDuration` does.
    pub fn as_nanos(self) -> i64 {
        let total =
            i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos);
        i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
    }

    /// Parses Go's `time.ParseDuration` syntax, which is what `jsonpb` accepts for a Duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        crate::go::time::parse_duration(text).map(Self::from_nanos)
    }
}

/// The `jsonpb` text form without quotes: `23s`, `1.500s`, `-0.000001s`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.seconds < 0 || self.nanos < 0;
        let text = format!(
            "{}{}.{:09}",
            if negative { "-" } else { "" },
            self.seconds.unsigned_abs(),
            self.nanos.unsigned_abs()
        );
        let text = text.strip_suffix("000").unwrap_or(&text);
        let text = text.strip_suffix("000").unwrap_or(text);
        let text = text.strip_suffix(".000").unwrap_or(text);
        write!(f, "{text}s")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Self::parse(&text)
                .map_err(|e| D::Error::custom(format!("invalid duration {text:?}: {e}"))),
            other => Err(D::Error::custom(format!(
                "invalid value {other}: expected a duration string such as \"10s\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("23s", 23, 0)]
    #[case("0", 0, 0)]
    #[case("0s", 0, 0)]
    #[case("1.5s", 1, 500_000_000)]
    #[case("1m30s", 90, 0)]
    #[case("500ms", 0, 500_000_000)]
    #[case("1h", 3600, 0)]
    #[case("1.5h", 5400, 0)]
    #[case("-1.5s", -1, -500_000_000)]
    #[case("+2s", 2, 0)]
    #[case("3us", 0, 3_000)]
    #[case("3µs", 0, 3_000)]
    #[case("3μs", 0, 3_000)]
    #[case(".5s", 0, 500_000_000)]
    #[case("5.s", 5, 0)]
    #[case("1s1ns", 1, 1)]
    #[case("2562047h47m16.854775807s", 9_223_372_036, 854_775_807)]
    fn parses_go_durations(#[case] text: &str, #[case] seconds: i64, #[case] nanos: i32) {
        let d = Duration::parse(text).unwrap();
        assert_eq!((d.seconds(), d.nanos()), (seconds, nanos), "{text}");
    }

    #[rstest]
    #[case("", "time: invalid duration \"\"")]
    #[case("10", "time: missing unit in duration \"10\"")]
    #[case("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    #[case("s", "time: invalid duration \"s\"")]
    #[case(".s", "time: invalid duration \".s\"")]
    #[case("-", "time: invalid duration \"-\"")]
    #[case("1S", "time: unknown unit \"S\" in duration \"1S\"")]
    #[case(
        "9223372036854775808ns",
        "time: invalid duration \"9223372036854775808ns\""
    )]
    #[case("3000000h", "time: invalid duration \"3000000h\"")]
    fn rejects_bad_durations(#[case] text: &str, #[case] message: &str) {
        assert_eq!(Duration::parse(text).unwrap_err(), message);
    }

    #[rstest]
    #[case(Duration::from_secs(23), "23s")]
    #[case(Duration::from_secs(0), "0s")]
    #[case(Duration::from_nanos(1_500_000_000), "1.500s")]
    #[case(Duration::from_nanos(1_000_001), "0.001000001s")]
    #[case(Duration::from_nanos(10_000), "0.000010s")]
    #[case(Duration::from_nanos(-1_500_000_000), "-1.500s")]
    #[case(Duration::from_nanos(-1), "-0.000000001s")]
    fn prints_like_jsonpb(#[case] d: Duration, #[case] text: &str) {
        assert_eq!(d.to_string(), text);
    }

    #[test]
    fn duration_round_trips_through_json() {
        let d: Duration = serde_json::from_str("\"1m\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"60s\"");
        assert!(serde_json::from_str::<Duration>("10").is_err());
    }
}
