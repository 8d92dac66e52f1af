//! Certificates we make ourselves: a throwaway CA and serving certificate for
//! `serve --self-signed`, and the in-cluster self-managed pair (`--self-manage-certs`).
//!
//! Keys are ECDSA P-256 (rcgen's default), the CA may sign end-entity certificates only
//! (path length 0), and the leaf is a plain TLS server certificate for the given DNS names
//! and IP addresses. Validity starts a day back (clock skew between nodes) and lasts
//! `days`; the whole-day granularity avoids a date-time dependency.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use super::tls::TlsError;

/// The names `--self-signed` covers: local testing and the conventional in-cluster Service.
pub const SELF_SIGNED_NAMES: [&str; 6] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "sidecar-injector.istio-system.svc",
    "sidecar-injector.istio-system.svc.cluster.local",
    "istiod.istio-system.svc",
];

/// A CA and a serving certificate it issued, all PEM.
#[derive(Debug, Clone)]
pub struct Issued {
    pub ca_pem: String,
    pub ca_key_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Issued {
    /// A fresh CA and a leaf for `names` (DNS names or IP addresses), valid for a year.
    pub fn new_ca_and_leaf(names: &[&str]) -> Result<Issued, rcgen::Error> {
        Issued::with_validity(names, 365)
    }

    pub fn with_validity(names: &[&str], days: u32) -> Result<Issued, rcgen::Error> {
        let ca = Ca::new(days)?;
        let leaf = ca.issue(names, days)?;
        Ok(Issued {
            ca_pem: ca.cert_pem.clone(),
            ca_key_pem: ca.key_pem.clone(),
            cert_pem: leaf.cert_pem,
            key_pem: leaf.key_pem,
        })
    }
}

/// A serving certificate and its key, PEM.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A CA kept in memory to issue (and re-issue) serving certificates.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pub cert_pem: String,
    key_pem: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

impl Ca {
    /// A new self-signed CA valid for `days`, allowed to sign end-entity certificates only.
    pub fn new(days: u32) -> Result<Ca, rcgen::Error> {
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name
            .push(DnType::CommonName, "sidecar-injector CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let (y0, m0, d0) = day_from_today(-1);
        let (y1, m1, d1) = day_from_today(i64::from(days));
        ca.not_before = rcgen::date_time_ymd(y0, m0, d0);
        ca.not_after = rcgen::date_time_ymd(y1, m1, d1);
        let key = KeyPair::generate()?;
        let key_pem = key.serialize_pem();
        let issuer = CertifiedIssuer::self_signed(ca, key)?;
        let cert_pem = issuer.pem();
        Ok(Ca {
            issuer,
            cert_pem,
            key_pem,
        })
    }

    /// A TLS server certificate for `names` (DNS names or IP addresses), valid for `days`.
    pub fn issue(&self, names: &[&str], days: u32) -> Result<Leaf, rcgen::Error> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut leaf = CertificateParams::new(names.clone())?;
        if let Some(first) = names.first() {
            leaf.distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        let (y0, m0, d0) = day_from_today(-1);
        let (y1, m1, d1) = day_from_today(i64::from(days));
        leaf.not_before = rcgen::date_time_ymd(y0, m0, d0);
        leaf.not_after = rcgen::date_time_ymd(y1, m1, d1);
        let key = KeyPair::generate()?;
        let cert = leaf.signed_by(&key, &self.issuer)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// Where `--self-signed` wrote its files.
#[derive(Debug, Clone)]
pub struct SelfSignedFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Makes a throwaway CA + serving certificate and writes `ca.crt`, `tls.crt`, `tls.key`.
pub fn write_self_signed(dir: &Path, names: &[&str]) -> Result<SelfSignedFiles, TlsError> {
    let pki = Issued::new_ca_and_leaf(names)?;
    let files = SelfSignedFiles {
        ca: dir.join("ca.crt"),
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
    };
    write(&files.ca, &pki.ca_pem)?;
    write(&files.cert, &pki.cert_pem)?;
    write(&files.key, &pki.key_pem)?;
    Ok(files)
}

/// Writes a PEM file; one holding a private key is created owner-only (0600), whoever calls.
pub(crate) fn write(path: &Path, text: &str) -> Result<(), TlsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mode = if text.contains("PRIVATE KEY") {
        0o600
    } else {
        0o644
    };
    let err = |source| TlsError::Write {
        path: path.display().to_string(),
        source,
    };
    // An existing file keeps its mode on open: remove it first so `mode` applies.
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
        _ => {}
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(err)
}

/// Today + `offset` days (UTC) as (year, month, day).
fn day_from_today(offset: i64) -> (i32, u8, u8) {
    let today = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or(0);
    civil_from_days(today + offset)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn keys_are_written_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = write_self_signed(dir.path(), &["x.svc"]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files.key), 0o600);
        assert_eq!(mode(&files.cert), 0o644);
        // Rewriting an existing, too-open key file tightens it.
        std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o666)).unwrap();
        write(&files.key, "-----BEGIN PRIVATE KEY-----\n").unwrap();
        assert_eq!(mode(&files.key), 0o600);
    }

    #[rstest]
    #[case(0, (1970, 1, 1))]
    #[case(59, (1970, 3, 1))]
    #[case(11_016, (2000, 2, 29))]
    #[case(20_000, (2024, 10, 4))]
    fn civil_dates(#[case] days: i64, #[case] want: (i32, u8, u8)) {
        assert_eq!(civil_from_days(days), want);
    }

    #[test]
    fn issued_pair_loads() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_self_signed(dir.path(), &SELF_SIGNED_NAMES).unwrap();
        let store = super::super::tls::CertStore::load(&files.cert, &files.key).unwrap();
        assert!(store.current_leaf().is_some());
        assert!(std::fs::read_to_string(&files.ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
