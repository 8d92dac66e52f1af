//! `google.protobuf.Duration` as `jsonpb` reads and prints it: read with Go's
//! `time.ParseDuration` syntax (`1m30s`, `500ms`, `1.5h`, including its overflow rules and
//! messages), printed as seconds with 0, 3, 6 or 9 fractional digits (`23s`, `1.500s`). Also Go's
//! `time.Duration.String()` (`1h0m0s`), which Istio's validation messages use.

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
        go_duration::parse(text).map(Self::from_nanos)
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

/// Go's `time.ParseDuration`, byte for byte, including its overflow rules and messages.
mod go_duration {
    const MAX: u64 = 1 << 63;

    pub(super) fn parse(text: &str) -> Result<i64, String> {
        let invalid = || format!("time: invalid duration \"{text}\"");
        let mut s = text.as_bytes();
        let mut negative = false;
        if let Some((&sign @ (b'-' | b'+'), rest)) = s.split_first() {
            negative = sign == b'-';
            s = rest;
        }
        if s == b"0" {
            return Ok(0);
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            if !s.first().is_some_and(|c| *c == b'.' || c.is_ascii_digit()) {
                return Err(invalid());
            }
            let (whole, rest) = leading_int(s).ok_or_else(invalid)?;
            let has_whole = rest.len() != s.len();
            s = rest;
            let (mut fraction, mut scale, mut has_fraction) = (0u64, 1f64, false);
            if let Some((b'.', rest)) = s.split_first() {
                let (f, sc, after) = leading_fraction(rest);
                has_fraction = after.len() != rest.len();
                (fraction, scale, s) = (f, sc, after);
            }
            if !has_whole && !has_fraction {
                return Err(invalid());
            }
            let unit_len = s
                .iter()
                .position(|c| *c == b'.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            if unit_len == 0 {
                return Err(format!("time: missing unit in duration \"{text}\""));
            }
            let (unit, rest) = s.split_at_checked(unit_len).ok_or_else(invalid)?;
            s = rest;
            let unit = unit_nanos(unit).ok_or_else(|| {
                let unit = String::from_utf8_lossy(unit);
                format!("time: unknown unit \"{unit}\" in duration \"{text}\"")
            })?;
            if whole > MAX / unit {
                return Err(invalid());
            }
            let mut value = whole * unit;
            if fraction > 0 {
                // Go does this in float64 too, to stay nanosecond-accurate for fractions of hours.
                value += (fraction as f64 * (unit as f64 / scale)) as u64;
                if value > MAX {
                    return Err(invalid());
                }
            }
            total = total.checked_add(value).ok_or_else(invalid)?;
            if total > MAX {
                return Err(invalid());
            }
        }
        if negative {
            // total <= 2^63, so this is exact, including -2^63.
            return Ok((total as i64).wrapping_neg());
        }
        i64::try_from(total).map_err(|_| invalid())
    }

    fn unit_nanos(unit: &[u8]) -> Option<u64> {
        Some(match unit {
            b"ns" => 1,
            // "us", then U+00B5 (micro sign) and U+03BC (Greek mu) followed by 's'.
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60 * 1_000_000_000,
            b"h" => 3_600 * 1_000_000_000,
            _ => return None,
        })
    }

    fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
        let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let (int, rest) = s.split_at_checked(digits)?;
        let mut value: u64 = 0;
        for &c in int {
            if value > MAX / 10 {
                return None;
            }
            value = value * 10 + u64::from(c - b'0');
            if value > MAX {
                return None;
            }
        }
        Some((value, rest))
    }

    /// Digits after the point; past 2^63 the remaining digits are consumed but ignored.
    fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
        let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let (frac, rest) = s.split_at_checked(digits).unwrap_or((&[], s));
        let (mut value, mut scale, mut overflow) = (0u64, 1f64, false);
        for &c in frac {
            if overflow {
                continue;
            }
            if value > (MAX - 1) / 10 {
                overflow = true;
                continue;
            }
            let next = value * 10 + u64::from(c - b'0');
            if next > MAX {
                overflow = true;
                continue;
            }
            value = next;
            scale *= 10.0;
        }
        (value, scale, rest)
    }
}

/// Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `2ms`, `0s`.
pub(crate) fn go_duration_string(nanos: i64) -> String {
    fn fraction(value: u64, precision: u32) -> (String, u64) {
        let scale = 10u64.pow(precision);
        let digits = format!("{:0width$}", value % scale, width = precision as usize);
        let digits = digits.trim_end_matches('0');
        let text = if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        };
        (text, value / scale)
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_owned();
    }
    let body = if u < 1_000_000_000 {
        let (precision, unit) = match u {
            0..=999 => (0, "ns"),
            1_000..=999_999 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (frac, whole) = fraction(u, precision);
        format!("{whole}{frac}{unit}")
    } else {
        let (frac, seconds) = fraction(u, 9);
        let (minutes, hours) = (seconds / 60 % 60, seconds / 3600);
        match (hours, minutes) {
            (0, 0) => format!("{}{frac}s", seconds % 60),
            (0, _) => format!("{minutes}m{}{frac}s", seconds % 60),
            _ => format!("{hours}h{minutes}m{}{frac}s", seconds % 60),
        }
    };
    format!("{sign}{body}")
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

    #[rstest]
    #[case(0, "0s")]
    #[case(1_000_000, "1ms")]
    #[case(1_500, "1.5µs")]
    #[case(3_600 * NANOS_PER_SECOND, "1h0m0s")]
    #[case(7_201_500_000_000, "2h0m1.5s")]
    #[case(61 * NANOS_PER_SECOND, "1m1s")]
    #[case(-NANOS_PER_SECOND, "-1s")]
    fn go_durations_print(#[case] nanos: i64, #[case] text: &str) {
        assert_eq!(go_duration_string(nanos), text);
    }
}
