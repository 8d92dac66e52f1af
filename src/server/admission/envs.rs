//! Proxy settings carried in the webhook URL path, as Istio's `parseInjectEnvs`.
//!
//! Istio's MutatingWebhookConfiguration may point at `/inject/cluster/C/net/N` (or any
//! `/inject/k1/v1/k2/v2...`): key/value pairs after the first segment. `cluster` and `net` map
//! to `ISTIO_META_CLUSTER_ID` and `ISTIO_META_NETWORK`, other keys are upper-cased as they
//! are; `--slash--` in a value stands for `/`; a trailing key without a value is ignored.
//! The deprecated `/inject/:ENV:K=V:ENV:K2=V2` form is accepted too (pairs without `=` or
//! with an empty name are dropped, `--slash--` is not decoded there, as in Istio).

use std::collections::BTreeMap;

/// Istio's `URLParameterToEnv`.
const URL_PARAMETER_TO_ENV: [(&str, &str); 2] = [
    ("cluster", "ISTIO_META_CLUSTER_ID"),
    ("net", "ISTIO_META_NETWORK"),
];

/// The environment variables the request path asks for (empty for plain `/inject`).
pub fn parse_inject_envs(path: &str) -> BTreeMap<String, String> {
    let mut envs = BTreeMap::new();
    let path = path.strip_suffix('/').unwrap_or(path);
    // Go's SplitN(path, "/", 3): "", "inject", and everything after.
    let mut parts = path.splitn(3, '/');
    let rest = match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(_), Some(rest)) => rest,
        _ => return envs,
    };
    let items: Vec<String> = if let Some(stripped) = rest.strip_prefix(":ENV:") {
        stripped
            .split(":ENV:")
            .filter_map(|pair| pair.split_once('='))
            .filter(|(k, _)| !k.is_empty())
            .flat_map(|(k, v)| [k.to_string(), v.to_string()])
            .collect()
    } else {
        rest.split('/')
            .enumerate()
            .map(|(i, s)| {
                if i % 2 == 1 {
                    s.replace("--slash--", "/")
                } else {
                    s.to_string()
                }
            })
            .collect()
    };
    for pair in items.chunks(2) {
        let [key, value] = pair else {
            tracing::warn!(
                key = pair.first().map_or("", String::as_str),
                "odd number of inject env entries in the path; ignoring the last key"
            );
            break;
        };
        let env = URL_PARAMETER_TO_ENV
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, env)| env.to_string())
            .unwrap_or_else(|| crate::go::unicode::to_upper_str(key));
        if !env.is_empty() {
            envs.insert(env, value.clone());
        }
    }
    envs
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("/inject", &[])]
    #[case("/inject/", &[])]
    #[case("/inject/cluster/cluster1/net/network1", &[("ISTIO_META_CLUSTER_ID", "cluster1"), ("ISTIO_META_NETWORK", "network1")])]
    #[case("/inject/cluster/cluster1/net/network1/", &[("ISTIO_META_CLUSTER_ID", "cluster1"), ("ISTIO_META_NETWORK", "network1")])]
    #[case("/inject/net/network1/cluster/cluster1", &[("ISTIO_META_CLUSTER_ID", "cluster1"), ("ISTIO_META_NETWORK", "network1")])]
    #[case("/inject/cluster/cluster1", &[("ISTIO_META_CLUSTER_ID", "cluster1")])]
    #[case("/inject/cluster/cluster1/net", &[("ISTIO_META_CLUSTER_ID", "cluster1")])]
    #[case("/inject/cluster", &[])]
    #[case("/inject/cluster/abc--slash--def", &[("ISTIO_META_CLUSTER_ID", "abc/def")])]
    #[case("/inject/my_key/v--slash--x/k2/v2", &[("MY_KEY", "v/x"), ("K2", "v2")])]
    #[case("/inject/cluster--slash--x/v", &[("CLUSTER--SLASH--X", "v")])]
    #[case("/inject/:ENV:cluster=c1:ENV:net=n1", &[("ISTIO_META_CLUSTER_ID", "c1"), ("ISTIO_META_NETWORK", "n1")])]
    #[case("/inject/:ENV:foo=a--slash--b", &[("FOO", "a--slash--b")])]
    #[case("/inject/:ENV:ISTIO_META_CLUSTER_ID=c1:ENV:=x:ENV:bad", &[("ISTIO_META_CLUSTER_ID", "c1")])]
    #[case("/inject/:ENV:A=", &[("A", "")])]
    #[case("/other/cluster/c9", &[("ISTIO_META_CLUSTER_ID", "c9")])]
    fn like_istio(#[case] path: &str, #[case] want: &[(&str, &str)]) {
        let want: BTreeMap<String, String> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(parse_inject_envs(path), want);
    }
}
