//! `istio-iptables` arguments for `istio-init` / `istio-validation`.

use super::context::Context;
use crate::annotations as n;

/// Istio's `excludeInboundPort`: adds the status port to the excluded inbound ports unless it
/// is empty, `0`, or already listed; blank entries are dropped when it adds.
pub fn exclude_inbound_port(status_port: &str, excluded: &str) -> String {
    let port = status_port.trim();
    if port.is_empty() || port == "0" {
        return excluded.to_string();
    }
    let mut out = Vec::new();
    for p in split_ports(excluded) {
        if p == port {
            return excluded.to_string();
        }
        let p = p.trim();
        if !p.is_empty() {
            out.push(p);
        }
    }
    out.push(port);
    out.join(",")
}

/// Istio's `splitPorts`: comma-separated, entries trimmed, empty input gives nothing.
fn split_ports(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(str::trim).collect()
}

/// The effective excluded inbound ports (status port added).
pub fn excluded_inbound(ctx: &Context<'_>) -> String {
    let p = &ctx.values.global.proxy;
    exclude_inbound_port(
        &ctx.status_port(),
        &ctx.annotation_or(
            n::SIDECAR_TRAFFIC_EXCLUDE_INBOUND_PORTS,
            &p.exclude_inbound_ports,
        ),
    )
}

/// Whether `-q` / the includeOutboundPorts annotation is emitted.
pub fn has_include_outbound_ports(ctx: &Context<'_>) -> bool {
    ctx.isset(n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS)
        || !ctx.values.global.proxy.include_outbound_ports.is_empty()
}

/// Whether `-o` / the excludeOutboundPorts annotation is emitted.
pub fn has_exclude_outbound_ports(ctx: &Context<'_>) -> bool {
    ctx.isset(n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS)
        || !ctx.values.global.proxy.exclude_outbound_ports.is_empty()
}

fn port_or(port: i32, default: &str) -> String {
    if port == 0 {
        default.to_string()
    } else {
        port.to_string()
    }
}

pub fn iptables_args(ctx: &Context<'_>) -> Vec<String> {
    let g = &ctx.values.global;
    let p = &g.proxy;
    let uid = if ctx.tproxy() {
        "1337".to_string()
    } else {
        ctx.proxy_uid.to_string()
    };
    let mut a: Vec<String> = vec![
        "istio-iptables".into(),
        "-p".into(),
        port_or(ctx.proxy.proxy_listen_port, "15001"),
        "-z".into(),
        port_or(ctx.proxy.proxy_inbound_listen_port, "15006"),
        "-u".into(),
        uid,
        "-m".into(),
        ctx.interception_mode(),
        "-i".into(),
        ctx.annotation_or(
            n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_IP_RANGES,
            &p.include_ip_ranges,
        ),
        "-x".into(),
        ctx.annotation_or(
            n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_IP_RANGES,
            &p.exclude_ip_ranges,
        ),
        "-b".into(),
        ctx.annotation_or(
            n::SIDECAR_TRAFFIC_INCLUDE_INBOUND_PORTS,
            &p.include_inbound_ports,
        ),
        "-d".into(),
    ];
    let excluded = excluded_inbound(ctx);
    a.push(if excluded.is_empty() {
        "15090,15021".to_string()
    } else {
        format!("15090,15021,{excluded}")
    });
    if has_include_outbound_ports(ctx) {
        a.push("-q".into());
        a.push(ctx.annotation_or(
            n::SIDECAR_TRAFFIC_INCLUDE_OUTBOUND_PORTS,
            &p.include_outbound_ports,
        ));
    }
    if has_exclude_outbound_ports(ctx) {
        a.push("-o".into());
        a.push(ctx.annotation_or(
            n::SIDECAR_TRAFFIC_EXCLUDE_OUTBOUND_PORTS,
            &p.exclude_outbound_ports,
        ));
    }
    if ctx.isset(n::REROUTE_VIRTUAL_INTERFACES) {
        a.push("-k".into());
        a.push(ctx.ann(n::REROUTE_VIRTUAL_INTERFACES).into());
    } else if ctx.isset(n::SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES) {
        a.push("-k".into());
        a.push(ctx.ann(n::SIDECAR_TRAFFIC_KUBEVIRT_INTERFACES).into());
    }
    if ctx.isset(n::SIDECAR_TRAFFIC_EXCLUDE_INTERFACES) {
        a.push("-c".into());
        a.push(ctx.ann(n::SIDECAR_TRAFFIC_EXCLUDE_INTERFACES).into());
    }
    a.push(format!(
        "--log_output_level={}",
        ctx.annotation_or(n::SIDECAR_AGENT_LOG_LEVEL, &g.logging.level)
    ));
    if g.log_as_json {
        a.push("--log_as_json".into());
    }
    if ctx.values.pilot.cni.enabled {
        a.push("--run-validation".into());
        a.push("--skip-rule-apply".into());
    } else if g.proxy_init.force_apply_iptables {
        a.push("--force-apply".into());
    }
    if g.native_nftables {
        a.push("--native-nftables".into());
    }
    a
}

#[cfg(test)]
mod tests {
    use super::exclude_inbound_port;
    use rstest::rstest;

    #[rstest]
    #[case("15020", "", "15020")]
    #[case("0", "4,5", "4,5")]
    #[case("", "4,5", "4,5")]
    #[case("15020", "4,5", "4,5,15020")]
    #[case("15020", "15020,4", "15020,4")]
    #[case("123", "4, ,5", "4,5,123")]
    #[case(" 123 ", "", "123")]
    fn excluding_the_status_port(#[case] port: &str, #[case] excl: &str, #[case] want: &str) {
        assert_eq!(exclude_inbound_port(port, excl), want);
    }
}
