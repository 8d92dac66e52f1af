//! Container image references, as the `distribution/reference` grammar (which the kubelet's
//! image pull uses) accepts them: `[domain[:port]/]path[/path…][:tag][@algorithm:hex]`.
//! A proxy image the API server refuses (empty, surrounding whitespace) refuses the settings;
//! any other malformed reference is a warning: Istio injects it and the API server admits the
//! pod, only the kubelet cannot pull it (`InvalidImageName`).

use std::collections::BTreeMap;

use super::Snapshot;

/// A problem with the proxy or init image, blamed on the values key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageProblem {
    /// `values: <key>: <what is wrong>`.
    pub message: String,
    /// The API server would refuse every injected pod: the settings must not go live.
    pub refused: bool,
}

/// The API server's own check of a container image (`validateContainerCommon`).
fn api_server_refuses(image: &str) -> bool {
    image.is_empty() || image.trim() != image
}

fn problem(key: &str, image: &str, what: String) -> ImageProblem {
    let refused = api_server_refuses(image);
    let consequence = if refused {
        "the API server refuses such a container image"
    } else {
        "the kubelet cannot pull it (Istio injects it anyway)"
    };
    ImageProblem {
        message: format!("values: {key}: {what}; {consequence}"),
        refused,
    }
}

/// The proxy image (`hub/image:tag`, with the variant) and any full image reference in
/// `global.proxy.image` / `global.proxy_init.image`, checked; a bad one is blamed on the key
/// that made it bad.
pub fn problems(snap: &Snapshot) -> Vec<ImageProblem> {
    let mut out = Vec::new();
    let g = &snap.values.global;
    for (key, image) in [
        ("global.proxy.image", &g.proxy.image),
        ("global.proxy_init.image", &g.proxy_init.image),
    ] {
        if image.contains('/') {
            if let Err(e) = check(image) {
                out.push(problem(key, image, format!("invalid image {image:?}: {e}")));
            }
        }
    }
    if g.proxy.image.contains('/') {
        return out;
    }
    let full = snap.proxy_image(None, &BTreeMap::new());
    let Err(e) = check(&full) else {
        return out;
    };
    let name = if g.proxy.image.is_empty() {
        "proxyv2"
    } else {
        &g.proxy.image
    };
    let tag = snap.values.tag();
    let key = if check(&format!("{}/proxyv2:x", g.hub)).is_err() {
        "global.hub"
    } else if check(&format!("{}/{name}:x", g.hub)).is_err() {
        "global.proxy.image"
    } else if check(&format!("x:{tag}")).is_err() {
        "global.tag"
    } else {
        "global.variant"
    };
    out.push(problem(
        key,
        &full,
        format!("makes the proxy image {full:?}, which is not a valid image reference: {e}"),
    ));
    out
}

/// Whether `image` is a valid reference; the error says which part is wrong.
pub fn check(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("the reference is empty".into());
    }
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        check_digest(d)?;
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(i) => {
            let at = last_slash + i;
            (rest.get(..at).unwrap_or(""), rest.get(at + 1..))
        }
        None => (rest, None),
    };
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    check_name(name)
}

fn check_name(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err("the repository name is longer than 255 characters".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err(format!("the repository name {name:?} contains whitespace"));
    }
    let remote_ok = |r: &str| r.split('/').all(path_component);
    if let Some((first, remote)) = name.split_once('/') {
        if domain(first) && remote_ok(remote) {
            return Ok(());
        }
    }
    if remote_ok(name) {
        return Ok(());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("the repository name {name:?} must be lowercase"));
    }
    Err(format!(
        "the repository name {name:?} is not [domain[:port]/]path with lowercase letters, digits and separators (. _ __ -)"
    ))
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: &u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !b.first().is_some_and(alnum) || !b.last().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        match b.get(i) {
            Some(x) if alnum(x) => i += 1,
            Some(b'.') | Some(b'_') => {
                let run = b
                    .get(i..)
                    .map_or(0, |s| s.iter().take_while(|x| **x == b'_').count());
                let sep = if b.get(i) == Some(&b'_') && run == 2 {
                    2
                } else {
                    1
                };
                if b.get(i + sep).is_none_or(|x| !alnum(x)) {
                    return false;
                }
                i += sep;
            }
            Some(b'-') => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
                if b.get(i).is_none_or(|x| !alnum(x)) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// `host[:port]`, the host made of `[A-Za-z0-9-]` labels (not starting or ending with `-`),
/// or a bracketed IPv6 address.
fn domain(d: &str) -> bool {
    let (host, port) = if let Some(end) = d.strip_prefix('[').and_then(|s| s.find(']')) {
        let host = d.get(1..=end).unwrap_or("");
        let after = d.get(end + 2..).unwrap_or("");
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        return after.is_empty() || after.strip_prefix(':').is_some_and(digits);
    } else {
        match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if port.is_some_and(|p| !digits(p)) {
        return false;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else if tag.is_empty() {
        Err("the tag is empty".into())
    } else {
        Err(format!(
            "the tag {tag:?} is not up to 128 letters, digits, `_`, `.` and `-` (not starting with `.` or `-`)"
        ))
    }
}

/// `algorithm:hex`, at least 32 hex digits.
fn check_digest(d: &str) -> Result<(), String> {
    let ok = d.split_once(':').is_some_and(|(alg, hex)| {
        alg.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && alg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(())
    } else {
        Err(format!("the digest {d:?} is not algorithm:hex"))
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn references_follow_the_distribution_grammar() {
        for good in [
            "docker.io/istio/proxyv2:1.30.3",
            "registry.istio.io/testing/proxyv2:latest",
            "localhost:5000/istio/proxyv2:1.30.3-distroless",
            "gcr.io/istio-release/proxyv2:1.30.3@sha256:0123456789abcdef0123456789abcdef",
            "proxyv2",
            "my_org/a__b/c-d--e:v1",
            "[::1]:5000/proxy:1",
            "Registry.Example.com/istio/proxyv2:1",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("docker.io/Istio/proxyv2:1.30.3", "lowercase"),
            ("docker.io/istio/proxyv2:", "tag is empty"),
            ("docker.io/istio/proxyv2:1.30 3", "tag"),
            ("docker.io/istio/proxyv2:.1", "tag"),
            ("/proxyv2:1", "repository name"),
            ("docker io/istio/proxyv2:1", "whitespace"),
            ("docker.io/istio/proxy_-v2:1", "repository name"),
            ("docker.io/istio/proxyv2@sha256:xyz", "digest"),
        ] {
            let e = check(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
