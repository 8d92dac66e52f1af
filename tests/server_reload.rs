//! Settings reload: a good change is served, a broken file is refused, logged and counted,
//! and the previous snapshot keeps serving. Files are swapped the way kubelet updates a
//! mounted ConfigMap (symlinks into a `..data` directory).

mod server_support;

use std::os::unix::fs::symlink;
use std::sync::Arc;
use std::time::Duration;

use server_support::*;
use sidecar_injector::server::certs::Issued;

struct ConfigMapVolume {
    dir: tempfile::TempDir,
    generation: u32,
}

impl ConfigMapVolume {
    fn new(values: &str, mesh: &str) -> ConfigMapVolume {
        let mut v = ConfigMapVolume {
            dir: tempfile::tempdir().unwrap(),
            generation: 0,
        };
        v.publish(values, mesh);
        for name in ["values.yaml", "mesh.yaml"] {
            symlink(format!("..data/{name}"), v.dir.path().join(name)).unwrap();
        }
        v
    }

    fn publish(&mut self, values: &str, mesh: &str) {
        self.generation += 1;
        let ts = format!(
            "..2025_06_02_11_00_{:02}.{}",
            self.generation,
            500 + self.generation
        );
        let ts_dir = self.dir.path().join(&ts);
        std::fs::create_dir(&ts_dir).unwrap();
        std::fs::write(ts_dir.join("values.yaml"), values).unwrap();
        std::fs::write(ts_dir.join("mesh.yaml"), mesh).unwrap();
        let tmp = self.dir.path().join("..data_tmp");
        symlink(&ts, &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.path().join("..data")).unwrap();
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

#[tokio::test]
async fn a_broken_settings_file_is_refused_and_the_old_snapshot_serves() {
    let certs = tempfile::tempdir().unwrap();
    let issued = Issued::new_ca_and_leaf(&[SERVER_NAME]).unwrap();
    let (cert, key) = (certs.path().join("c.pem"), certs.path().join("k.pem"));
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    let mut volume = ConfigMapVolume::new("global:\n  hub: registry.one\n", "{}\n");
    let (values, mesh) = (volume.path("values.yaml"), volume.path("mesh.yaml"));
    let (server, _shutdown) = start_server(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--valuesFile",
        &values,
        "--meshConfigFile",
        &mesh,
        "--reload-poll",
        "100ms",
    ])
    .await;
    let state = server.state.clone();
    assert_eq!(state.settings.current().values.global.hub, "registry.one");
    let before = Arc::clone(&state.settings.current());

    // Broken YAML, then a wrong type: both refused, both counted, nothing swapped.
    for (n, broken) in ["global: [unclosed\n", "global:\n  proxy: not-a-map\n"]
        .iter()
        .enumerate()
    {
        volume.publish(broken, "{}\n");
        let want = format!(
            "sidecar_injector_settings_reloads_total{{result=\"error\"}} {}",
            n + 1
        );
        let st = state.clone();
        let counted = eventually(Duration::from_secs(5), || {
            let text = st.metrics.encode();
            let want = want.clone();
            async move { text.contains(&want) }
        })
        .await;
        assert!(counted, "{want} not in {}", state.metrics.encode());
        assert!(Arc::ptr_eq(&before, &state.settings.current()));
    }
    // Reviews are still answered with the old snapshot.
    let reply = post_review(
        &sidecar_injector::server::admission::router(state.clone()),
        "/inject",
        fixture("configmap-create.json"),
    )
    .await;
    assert_eq!(reply.response()["allowed"], true);

    // A good file is picked up.
    volume.publish("global:\n  hub: registry.two\n", "{}\n");
    let st = state.clone();
    let swapped = eventually(Duration::from_secs(5), || {
        let hub = st.settings.current().values.global.hub.clone();
        async move { hub == "registry.two" }
    })
    .await;
    assert!(swapped);
    let text = state.metrics.encode();
    assert!(
        text.contains("sidecar_injector_settings_reloads_total{result=\"ok\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_broken_settings_file_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "global: [unclosed\n").unwrap();
    let args = sidecar_injector::server::ServeArgs::try_parse_from([
        "serve",
        "--self-signed",
        "--kube=off",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--valuesFile",
        values.to_str().unwrap(),
    ])
    .unwrap();
    let err = sidecar_injector::server::start(args, Default::default())
        .await
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("--valuesFile"), "{text}");
    assert!(text.contains("values file"), "{text}");
}

/// Each kind of semantic error (bad quantity, image, policy, template, mesh duration) parses
/// but would fail every injection: the reload is rejected (`result="rejected"`), and pods are
/// still injected with the old settings.
#[tokio::test]
async fn settings_that_would_fail_injection_are_rejected_and_the_old_snapshot_serves() {
    const BAD: &[(&str, &str, &str)] = &[
        (
            "global:\n  proxy:\n    resources:\n      limits:\n        cpu: lots\n",
            "{}\n",
            "global.proxy.resources.limits.cpu",
        ),
        ("global:\n  tag: '1.30.3 '\n", "{}\n", "global.tag"),
        (
            "global:\n  proxy:\n    autoInject: maybe\n",
            "{}\n",
            "global.proxy.autoInject",
        ),
        (
            "sidecarInjectorWebhook:\n  defaultTemplates: [sidecarr]\n",
            "{}\n",
            "sidecarInjectorWebhook.defaultTemplates[0]",
        ),
        (
            "{}\n",
            "defaultConfig:\n  drainDuration: lots\n",
            "defaultConfig.drainDuration",
        ),
    ];
    let certs = tempfile::tempdir().unwrap();
    let issued = Issued::new_ca_and_leaf(&[SERVER_NAME]).unwrap();
    let (cert, key) = (certs.path().join("c.pem"), certs.path().join("k.pem"));
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    let mut volume = ConfigMapVolume::new("global:\n  hub: registry.one\n", "{}\n");
    let (values, mesh) = (volume.path("values.yaml"), volume.path("mesh.yaml"));
    let (server, _shutdown) = start_server(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--valuesFile",
        &values,
        "--meshConfigFile",
        &mesh,
        "--reload-poll",
        "100ms",
    ])
    .await;
    let state = server.state.clone();
    let before = Arc::clone(&state.settings.current());
    for (n, (values, mesh, key)) in BAD.iter().enumerate() {
        volume.publish(values, mesh);
        let want = format!(
            "sidecar_injector_settings_reloads_total{{result=\"rejected\"}} {}",
            n + 1
        );
        let st = state.clone();
        let counted = eventually(Duration::from_secs(5), || {
            let text = st.metrics.encode();
            let want = want.clone();
            async move { text.contains(&want) }
        })
        .await;
        assert!(counted, "{key}: {want} not in {}", state.metrics.encode());
        assert!(Arc::ptr_eq(&before, &state.settings.current()), "{key}");
        // The refusal names the key (the same check the reload ran).
        let dir = tempfile::tempdir().unwrap();
        let (v, m) = (dir.path().join("v.yaml"), dir.path().join("m.yaml"));
        std::fs::write(&v, values).unwrap();
        std::fs::write(&m, mesh).unwrap();
        let err = sidecar_injector::settings::Snapshot::load_checked(Some(&v), Some(&m))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{err}");
        // Pods are still injected, with the old settings.
        let reply = post_review(
            &sidecar_injector::server::admission::router(state.clone()),
            "/inject",
            fixture("deployment-pod.json"),
        )
        .await;
        let response = reply.response();
        assert_eq!(response["allowed"], true, "{key}: {response}");
        assert!(response["patch"].is_string(), "{key}: {response}");
    }
    let text = state.metrics.encode();
    assert!(!text.contains("result=\"error\""), "{text}");
    assert!(!text.contains("result=\"ok\""), "{text}");
}
