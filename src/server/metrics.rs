//! The server's Prometheus metrics, in one place.
//!
//! Names are Istio's (`sidecar_injection_*`), so existing dashboards and alerts keep working;
//! prometheus-client appends `_total` to counters when encoding. Our own semantics, which
//! Istio leaves loose: every review counts in `requests`; it then ends in exactly one of
//! `success` (answered with `allowed: true`, injected or skipped) or `failure` (refused, or the
//! HTTP request was unusable); `skip` is the subset of successes that got no patch, and
//! `skip` and `failure` carry a `reason` label. Histogram buckets are finer than Istio's
//! (injection takes well under a millisecond here) but include Istio's bounds, so `le="0.1"`
//! and friends still exist.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Istio's buckets (0.1 … 60 s) with sub-millisecond ones in front.
const TIME_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub reason: &'static str,
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// The metric handles; cheap to share (`Arc<Metrics>`), every handle is internally atomic.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Counter,
    pub success: Counter,
    pub skip: Family<ReasonLabel, Counter>,
    pub failure: Family<ReasonLabel, Counter>,
    pub time: Histogram,
    /// Settings file reloads, `result` = `ok` | `error` (unreadable, unparseable) |
    /// `rejected` (parsed, but a key check or canary pod failed).
    pub settings_reloads: Family<ResultLabel, Counter>,
    /// Serving certificate reloads, `result` = `ok` | `error`.
    pub cert_reloads: Family<ResultLabel, Counter>,
    /// Kubernetes Events by `reason` (`Injected`, `InjectionSkipped`, `InjectionFailed`) and
    /// `result`: `sent` (a create or count update the API server took), `aggregated` (an
    /// occurrence counted on an Event, written later), `dropped` (lost: queue full or too
    /// many Events tracked), `failed` (a write the API server refused or did not answer).
    pub events: Family<EventLabels, Counter>,
    /// Replica memo lookups (`--review-memo`), `result` = `hit` | `miss`.
    pub memo: Family<ResultLabel, Counter>,
    /// Fast-path injections by whether the `sidecar` overlay was found kept, `result` =
    /// `hit` | `miss` (docs/webhook.md, "Kept overlays").
    pub overlays: Family<ResultLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Counter::default();
        let success = Counter::default();
        let skip = Family::<ReasonLabel, Counter>::default();
        let failure = Family::<ReasonLabel, Counter>::default();
        let time = Histogram::new(TIME_BUCKETS);
        let settings_reloads = Family::<ResultLabel, Counter>::default();
        let cert_reloads = Family::<ResultLabel, Counter>::default();
        let events = Family::<EventLabels, Counter>::default();
        let memo = Family::<ResultLabel, Counter>::default();
        let overlays = Family::<ResultLabel, Counter>::default();
        registry.register(
            "sidecar_injection_requests",
            "Total number of sidecar injection requests",
            requests.clone(),
        );
        registry.register(
            "sidecar_injection_success",
            "Total number of successful sidecar injection requests (injected or skipped)",
            success.clone(),
        );
        registry.register(
            "sidecar_injection_skip",
            "Total number of skipped sidecar injection requests, by reason",
            skip.clone(),
        );
        registry.register(
            "sidecar_injection_failure",
            "Total number of failed sidecar injection requests, by reason",
            failure.clone(),
        );
        registry.register(
            "sidecar_injection_time_seconds",
            "Total time taken for injection in seconds",
            time.clone(),
        );
        registry.register(
            "sidecar_injector_settings_reloads",
            "Reloads of the values and mesh config files, by result",
            settings_reloads.clone(),
        );
        registry.register(
            "sidecar_injector_cert_reloads",
            "Reloads of the serving certificate and key, by result",
            cert_reloads.clone(),
        );
        registry.register(
            "sidecar_injector_events",
            "Kubernetes Events about injection decisions, by event reason and result",
            events.clone(),
        );
        registry.register(
            "sidecar_injector_review_memo_lookups",
            "Reviews looked up in the replica memo, by result (hit: answered from it)",
            memo.clone(),
        );
        registry.register(
            "sidecar_injector_overlay_memo_lookups",
            "Pods injected by the fast path, by whether their sidecar overlay was found kept (hit) or rendered (miss)",
            overlays.clone(),
        );
        Metrics {
            registry,
            requests,
            success,
            skip,
            failure,
            time,
            settings_reloads,
            cert_reloads,
            events,
            memo,
            overlays,
        }
    }

    pub fn skipped(&self, reason: &'static str) {
        self.success.inc();
        self.skip.get_or_create(&ReasonLabel { reason }).inc();
    }

    pub fn failed(&self, reason: &'static str) {
        self.failure.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// `result`: `ok`, or [`crate::settings::SettingsError::reload_result`].
    pub fn settings_reload(&self, result: &'static str) {
        self.settings_reloads
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    pub fn cert_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.cert_reloads
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    /// One Event occurrence or write (see [`Metrics::events`]).
    pub fn event(&self, reason: &'static str, result: &'static str) {
        self.events
            .get_or_create(&EventLabels { reason, result })
            .inc();
    }

    /// One replica memo lookup.
    pub fn memo(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.memo.get_or_create(&ResultLabel { result }).inc();
    }

    /// One fast-path injection: its overlay found kept, or rendered.
    pub fn overlay(&self, kept: bool) {
        let result = if kept { "hit" } else { "miss" };
        self.overlays.get_or_create(&ResultLabel { result }).inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoder error would leave a partial page.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_istios() {
        let m = Metrics::new();
        m.requests.inc();
        m.skipped("host_network");
        m.failed("invalid_annotation");
        m.time.observe(0.0002);
        m.settings_reload("error");
        m.settings_reload("rejected");
        m.cert_reload(true);
        m.event("Injected", "sent");
        m.memo(true);
        m.overlay(false);
        let text = m.encode();
        for want in [
            "sidecar_injection_requests_total 1",
            "sidecar_injection_success_total 1",
            "sidecar_injection_skip_total{reason=\"host_network\"} 1",
            "sidecar_injection_failure_total{reason=\"invalid_annotation\"} 1",
            "sidecar_injection_time_seconds_bucket{le=\"0.0005\"} 1",
            "sidecar_injection_time_seconds_bucket{le=\"0.1\"} 1",
            "sidecar_injector_settings_reloads_total{result=\"error\"} 1",
            "sidecar_injector_settings_reloads_total{result=\"rejected\"} 1",
            "sidecar_injector_cert_reloads_total{result=\"ok\"} 1",
            "sidecar_injector_events_total{reason=\"Injected\",result=\"sent\"} 1",
            "sidecar_injector_review_memo_lookups_total{result=\"hit\"} 1",
            "sidecar_injector_overlay_memo_lookups_total{result=\"miss\"} 1",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
    }
}
