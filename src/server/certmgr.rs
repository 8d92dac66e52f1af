//! `--self-manage-certs`: the server makes its own CA and serving certificate and keeps the
//! MutatingWebhookConfiguration's `caBundle` pointing at that CA. RBAC: get and patch on
//! that one MutatingWebhookConfiguration (`resourceNames: [NAME]`), nothing else.
//!
//! At start a fresh CA (10 years) and serving certificate (1 year) for the Service names are
//! written to `--cert-dir` (an emptyDir will do) and served through the usual reloading
//! [`CertStore`](super::tls::CertStore). A background loop then, every minute:
//! - makes sure every webhook in the configuration trusts our CA: the CA is *added* to
//!   each `caBundle` (several replicas each add theirs; the newest [`MAX_BUNDLE_CAS`] are
//!   kept), with a JSON Patch guarded by a `test` on `resourceVersion`, so a concurrent
//!   writer (another replica, `helm upgrade` resetting the bundle) makes us re-read, not
//!   clobber; a reset bundle is repaired on the next round;
//! - re-issues the serving certificate from the same CA when it is 300 days old; the files
//!   are replaced by rename and the certificate store picks them up.
//!
//! Not done: sharing one CA between replicas (that needs a Secret and more RBAC) and pruning
//! CAs of replicas that are gone beyond the size cap.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::{json, Value};

use super::certs::{write, Ca};
use super::shutdown::Shutdown;
use super::tls::TlsError;

pub const CA_DAYS: u32 = 3650;
pub const LEAF_DAYS: u32 = 365;
/// Re-issue well before expiry.
pub const RENEW_AFTER: Duration = Duration::from_secs(300 * 24 * 3600);
/// The most CA certificates we keep in one `caBundle`.
pub const MAX_BUNDLE_CAS: usize = 8;
const RESYNC: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum CertMgrError {
    #[error("MutatingWebhookConfiguration {name}: {source}")]
    Kube { name: String, source: kube::Error },
    #[error("MutatingWebhookConfiguration {name} has a caBundle that is not PEM: {source}")]
    Bundle {
        name: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The files served, and the CA that signs them.
#[derive(Debug)]
pub struct SelfManaged {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: Arc<Ca>,
}

/// Makes the CA and the first serving certificate in `dir`.
pub fn prepare(dir: &Path, names: &[String]) -> Result<SelfManaged, TlsError> {
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let ca = Arc::new(Ca::new(CA_DAYS)?);
    let files = SelfManaged {
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
        ca,
    };
    write_atomically(&dir.join("ca.crt"), &files.ca.cert_pem)?;
    issue_into(&files, names)?;
    Ok(files)
}

fn issue_into(files: &SelfManaged, names: &[String]) -> Result<(), TlsError> {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let leaf = files.ca.issue(&names, LEAF_DAYS)?;
    // Key first: a reader that catches the key without its certificate refuses the pair and
    // tries again when the certificate lands.
    write_atomically(&files.key, &leaf.key_pem)?;
    write_atomically(&files.cert, &leaf.cert_pem)
}

fn write_atomically(path: &Path, text: &str) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    write(&tmp, text)?;
    std::fs::rename(&tmp, path).map_err(|source| TlsError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Keeps the webhook configuration's caBundle and the serving certificate current.
pub fn spawn(
    client: Client,
    config_name: String,
    names: Vec<String>,
    files: SelfManaged,
    shutdown: Shutdown,
) {
    tokio::spawn(async move {
        let api: Api<MutatingWebhookConfiguration> = Api::all(client);
        let mut issued = Instant::now();
        loop {
            match ensure_ca_bundle(&api, &config_name, &files.ca.cert_pem).await {
                Ok(true) => tracing::info!(config = %config_name, "caBundle updated"),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %e, "cannot update the webhook caBundle; retrying")
                }
            }
            if issued.elapsed() >= RENEW_AFTER {
                match issue_into(&files, &names) {
                    Ok(()) => issued = Instant::now(),
                    Err(e) => {
                        tracing::error!(error = %e, "re-issuing the serving certificate failed")
                    }
                }
            }
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(RESYNC) => {}
            }
        }
    });
}

/// Adds `ca_pem` to every webhook's caBundle that lacks it; `Ok(true)` when it patched.
pub async fn ensure_ca_bundle(
    api: &Api<MutatingWebhookConfiguration>,
    name: &str,
    ca_pem: &str,
) -> Result<bool, CertMgrError> {
    let kube_err = |source| CertMgrError::Kube {
        name: name.to_string(),
        source,
    };
    let config = api.get(name).await.map_err(kube_err)?;
    let ours = first_der(ca_pem.as_bytes()).map_err(|source| CertMgrError::Bundle {
        name: name.to_string(),
        source,
    })?;
    let mut ops = vec![json!({
        "op": "test", "path": "/metadata/resourceVersion",
        "value": config.metadata.resource_version.clone().unwrap_or_default(),
    })];
    for (i, webhook) in config.webhooks.iter().flatten().enumerate() {
        let existing = webhook
            .client_config
            .ca_bundle
            .as_ref()
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        let merged = merge_bundle(existing, &ours).map_err(|source| CertMgrError::Bundle {
            name: name.to_string(),
            source,
        })?;
        if let Some(bundle) = merged {
            ops.push(json!({
                "op": "add", "path": format!("/webhooks/{i}/clientConfig/caBundle"),
                "value": STANDARD.encode(bundle),
            }));
        }
    }
    if ops.len() == 1 {
        return Ok(false);
    }
    let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops))
        .map_err(|e| kube_err(kube::Error::SerdeError(e)))?;
    api.patch(name, &PatchParams::default(), &Patch::Json::<()>(patch))
        .await
        .map_err(kube_err)?;
    Ok(true)
}

fn first_der(pem: &[u8]) -> std::io::Result<Vec<u8>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(std::io::Error::other)?;
    certs
        .into_iter()
        .next()
        .map(|c| c.to_vec())
        .ok_or_else(|| std::io::Error::other("no CERTIFICATE block"))
}

/// The bundle with `ours` appended (oldest dropped past the cap), or `None` if it already
/// trusts `ours`.
fn merge_bundle(existing: &[u8], ours: &[u8]) -> std::io::Result<Option<String>> {
    let mut certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(existing)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(std::io::Error::other)?;
    if certs.iter().any(|c| c == ours) {
        return Ok(None);
    }
    certs.push(ours.to_vec());
    let skip = certs.len().saturating_sub(MAX_BUNDLE_CAS);
    Ok(Some(certs.iter().skip(skip).map(|c| pem(c)).collect()))
}

fn pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_der() -> (String, Vec<u8>) {
        let ca = Ca::new(10).unwrap();
        let der = first_der(ca.cert_pem.as_bytes()).unwrap();
        (ca.cert_pem.clone(), der)
    }

    #[test]
    fn pem_round_trips() {
        let (_, der) = ca_der();
        assert_eq!(first_der(pem(&der).as_bytes()).unwrap(), der);
    }

    #[test]
    fn merge_adds_once_and_caps() {
        let (pem_a, a) = ca_der();
        assert!(merge_bundle(pem_a.as_bytes(), &a).unwrap().is_none());
        let merged = merge_bundle(b"", &a).unwrap().unwrap();
        assert_eq!(first_der(merged.as_bytes()).unwrap(), a);
        let mut bundle = String::new();
        for _ in 0..MAX_BUNDLE_CAS {
            bundle.push_str(&ca_der().0);
        }
        let merged = merge_bundle(bundle.as_bytes(), &a).unwrap().unwrap();
        let certs: Vec<_> = CertificateDer::pem_slice_iter(merged.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(certs.len(), MAX_BUNDLE_CAS);
        assert_eq!(certs.last().unwrap().as_ref(), a.as_slice());
        assert!(merge_bundle(
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            &a
        )
        .is_err());
    }

    #[test]
    fn prepared_files_load_and_chain() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["sidecar-injector.istio-system.svc".to_string()];
        let files = prepare(&dir.path().join("certs"), &names).unwrap();
        let store = super::super::tls::CertStore::load(&files.cert, &files.key).unwrap();
        let before = store.current_leaf();
        issue_into(&files, &names).unwrap();
        let metrics = super::super::metrics::Metrics::new();
        store.reload(&metrics).unwrap();
        assert_ne!(store.current_leaf(), before);
        assert!(dir.path().join("certs/ca.crt").exists());
    }
}
