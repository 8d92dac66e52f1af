//! TLS for the webhook listener: a certificate store that survives Secret rotation.
//!
//! The rustls `ServerConfig` is built once with a resolver ([`CertStore`]) instead of a fixed
//! certificate. Each handshake asks the resolver, which hands out the current
//! `CertifiedKey` from an `ArcSwap`; a reload swaps it, so new connections get the new
//! certificate and established ones keep theirs. A reload is all-or-nothing: the chain and
//! key must parse and the key must match the leaf, otherwise the old pair keeps serving.
//! Only TLS 1.2 and 1.3 (ring), ALPN `h2` then `http/1.1`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

use super::metrics::Metrics;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read TLS {what} file {path}: {source}")]
    Read {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("TLS {what} file {path} is not valid PEM: {source}")]
    Pem {
        what: &'static str,
        path: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("TLS certificate file {0} holds no PEM CERTIFICATE block")]
    NoCertificate(String),
    #[error("TLS key file {0} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(String),
    #[error("TLS key {key} does not fit certificate {cert}: {source}")]
    Mismatch {
        cert: String,
        key: String,
        source: rustls::Error,
    },
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// The crypto provider every TLS object here uses (ring, as the rest of the dependency tree).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The serving certificate and key, reloadable.
#[derive(Debug)]
pub struct CertStore {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: ArcSwap<CertifiedKey>,
    provider: Arc<CryptoProvider>,
}

impl CertStore {
    /// Loads and checks the pair; the server refuses to start when this fails.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Arc<CertStore>, TlsError> {
        let provider = provider();
        let key = load_pair(cert_path, key_path, &provider)?;
        Ok(Arc::new(CertStore {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            current: ArcSwap::from_pointee(key),
            provider,
        }))
    }

    /// Re-reads the files; on any error the current pair stays.
    pub fn reload(&self, metrics: &Metrics) -> Result<(), TlsError> {
        let loaded = load_pair(&self.cert_path, &self.key_path, &self.provider);
        metrics.cert_reload(loaded.is_ok());
        match loaded {
            Ok(key) => {
                self.current.store(Arc::new(key));
                tracing::info!(cert = %self.cert_path.display(), "serving certificate reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "certificate reload refused; still serving the previous certificate");
                Err(e)
            }
        }
    }

    /// The files to watch.
    pub fn paths(&self) -> Vec<PathBuf> {
        vec![self.cert_path.clone(), self.key_path.clone()]
    }

    /// The leaf certificate currently served (DER).
    pub fn current_leaf(&self) -> Option<CertificateDer<'static>> {
        self.current.load().cert.first().cloned()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// The listener's rustls configuration around a certificate store.
pub fn server_config(store: Arc<CertStore>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn load_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let chain = read_certs(cert)?;
    let private = read_key(key)?;
    CertifiedKey::from_der(chain, private, provider).map_err(|source| TlsError::Mismatch {
        cert: cert.display().to_string(),
        key: key.display().to_string(),
        source,
    })
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.display().to_string(),
        source,
    })
}

/// The PEM certificates of `path`, leaf first.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read("certificate", path)?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            what: "certificate",
            path: path.display().to_string(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(path.display().to_string()));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read("key", path)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoKey(path.display().to_string())),
        Err(source) => Err(TlsError::Pem {
            what: "key",
            path: path.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::certs::Issued;

    fn write_pair(dir: &Path, names: &[&str]) -> (PathBuf, PathBuf) {
        let pki = Issued::new_ca_and_leaf(names).unwrap();
        let cert = dir.join("tls.crt");
        let key = dir.join("tls.key");
        std::fs::write(&cert, &pki.cert_pem).unwrap();
        std::fs::write(&key, &pki.key_pem).unwrap();
        (cert, key)
    }

    #[test]
    fn bad_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), &["a.example"]);
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let missing = dir.path().join("missing.pem");
        let e = CertStore::load(&empty, &key).unwrap_err().to_string();
        assert!(
            e.contains("empty.pem") && e.contains("no PEM CERTIFICATE"),
            "{e}"
        );
        let e = CertStore::load(&cert, &empty).unwrap_err().to_string();
        assert!(e.contains("no PEM private key"), "{e}");
        let e = CertStore::load(&missing, &key).unwrap_err().to_string();
        assert!(e.contains("missing.pem"), "{e}");
    }

    #[test]
    fn mismatched_key_is_refused_and_old_pair_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), &["a.example"]);
        let store = CertStore::load(&cert, &key).unwrap();
        let before = store.current_leaf();
        let other = Issued::new_ca_and_leaf(&["b.example"]).unwrap();
        std::fs::write(&key, &other.key_pem).unwrap();
        let metrics = Metrics::new();
        let e = store.reload(&metrics).unwrap_err().to_string();
        assert!(e.contains("does not fit"), "{e}");
        assert_eq!(store.current_leaf(), before);
        std::fs::write(&cert, &other.cert_pem).unwrap();
        store.reload(&metrics).unwrap();
        assert_ne!(store.current_leaf(), before);
    }
}
