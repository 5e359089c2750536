//! The relying-party demo (`inkan rp-demo`, R-9.6-RP-CHECK): an HTTPS server that
//! requires a client certificate and answers with the authenticated subscriber's name.
//!
//! TLS is rustls; its client-certificate verifier is [`PolicyClientVerifier`], which
//! hands the chain, validity, usage and revocation decision to the runtime's
//! [`Verifier`] — the same code `inkan verify` runs — and keeps rustls only for the
//! handshake signature. A background task reloads the CRL from the repository on a
//! schedule; the verifier keeps the newest one and refuses any older.
//!
//! rustls (through webpki) verifies handshake signatures only with RSA keys of 2048
//! bits or more, so the faithful policy's RSA-1024 subscribers cannot complete a
//! handshake here whatever the verifier says; the 2026 policy's work out of the box.
//! `docs/operator-guide.md` shows the faithful chain against `openssl s_server`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;
use inkan_runtime::verify::{Refusal, Verifier};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// What can stop the demo from starting.
#[derive(Debug, thiserror::Error)]
pub enum RpError {
    /// The CA certificates or the first CRL were refused.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// A CRL or certificates could not be fetched.
    #[error("fetching {source_name}: {message}")]
    Fetch {
        /// URL or path.
        source_name: String,
        /// Why.
        message: String,
    },
    /// TLS configuration.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// Listening.
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the CRL comes from: the repository over HTTP, or a file.
#[derive(Debug, Clone)]
pub enum CrlSource {
    /// `http://HOST/repository/crl`.
    Url(String),
    /// A file, PEM or DER, re-read on every refresh.
    File(std::path::PathBuf),
}

impl CrlSource {
    /// A URL if `s` starts with `http://` or `https://`, else a path.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("http://") || s.starts_with("https://") {
            CrlSource::Url(s.to_string())
        } else {
            CrlSource::File(s.into())
        }
    }

    fn name(&self) -> String {
        match self {
            CrlSource::Url(u) => u.clone(),
            CrlSource::File(p) => p.display().to_string(),
        }
    }

    /// Fetches the CRL's DER.
    pub async fn fetch(&self) -> Result<Vec<u8>, RpError> {
        let name = self.name();
        let bytes = fetch_bytes(&name).await?;
        if bytes.starts_with(b"-----BEGIN") {
            let (label, der) = der::pem::decode_vec(&bytes).map_err(|e| RpError::Fetch {
                source_name: name.clone(),
                message: e.to_string(),
            })?;
            if label != "X509 CRL" {
                return Err(RpError::Fetch {
                    source_name: name,
                    message: format!("expected an X509 CRL PEM block, found {label}"),
                });
            }
            Ok(der)
        } else {
            Ok(bytes)
        }
    }
}

/// The bytes of a file, or of an http(s) URL fetched with a 30-second timeout. An
/// https server must chain to a root the system trusts or to one in the PEM file
/// `INKAN_FETCH_CA` names (a repository under a private CA).
pub async fn fetch_bytes(source: &str) -> Result<Vec<u8>, RpError> {
    let roots = match std::env::var_os("INKAN_FETCH_CA") {
        None => Vec::new(),
        Some(path) => {
            let pem = tokio::fs::read(&path).await.map_err(|e| {
                RpError::Tls(format!("INKAN_FETCH_CA {}: {e}", path.to_string_lossy()))
            })?;
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                RpError::Tls(format!(
                    "INKAN_FETCH_CA {}: {}",
                    path.to_string_lossy(),
                    chain(&e)
                ))
            })?
        }
    };
    fetch_bytes_trusting(source, &roots).await
}

/// [`fetch_bytes`], trusting `roots` as well as the system's for https.
pub async fn fetch_bytes_trusting(
    source: &str,
    roots: &[reqwest::Certificate],
) -> Result<Vec<u8>, RpError> {
    let fail = |message: String| RpError::Fetch {
        source_name: source.to_string(),
        message,
    };
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return tokio::fs::read(source)
            .await
            .map_err(|e| fail(e.to_string()));
    }
    let mut client = reqwest::Client::builder().timeout(Duration::from_secs(30));
    for root in roots {
        client = client.add_root_certificate(root.clone());
    }
    let response = client
        .build()
        .map_err(|e| fail(chain(&e)))?
        .get(source)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| fail(chain(&e)))?;
    Ok(response
        .bytes()
        .await
        .map_err(|e| fail(chain(&e)))?
        .to_vec())
}

/// An error and its causes, joined: reqwest's own words say only "error sending
/// request"; the cause says which (a refused certificate, a refused connection).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// `url` with its scheme and host replaced by `repository`'s, its path kept: a
/// distribution point fetched from a mirror or a local repository.
pub fn rebase(url: &str, repository: &str) -> String {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    format!("{}{path}", repository.trim_end_matches('/'))
}

/// The clock the verifier judges by; the real one outside tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// rustls's client-certificate verifier, deciding with the runtime's [`Verifier`].
pub struct PolicyClientVerifier {
    verifier: Arc<Verifier>,
    last_refusal: Arc<std::sync::Mutex<Option<Refusal>>>,
    hints: Vec<DistinguishedName>,
    provider: Arc<CryptoProvider>,
    clock: Clock,
}

impl std::fmt::Debug for PolicyClientVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyClientVerifier")
            .field("hints", &self.hints.len())
            .finish_non_exhaustive()
    }
}

/// The TLS alert a refusal becomes: the client sees `certificate revoked`,
/// `certificate expired` or `unknown CA`; the server's log has the full reason.
fn to_tls(refusal: &Refusal) -> rustls::Error {
    let e = match refusal {
        Refusal::Revoked { .. } => CertificateError::Revoked,
        Refusal::Expired { .. } => CertificateError::Expired,
        Refusal::NotYetValid { .. } => CertificateError::NotValidYet,
        Refusal::NotChained(_) => CertificateError::UnknownIssuer,
        Refusal::WrongUsage(_) => CertificateError::InvalidPurpose,
        Refusal::NoCrl => CertificateError::UnknownRevocationStatus,
        Refusal::StaleCrl { .. } => CertificateError::ExpiredRevocationList,
        Refusal::Malformed(_) => CertificateError::BadEncoding,
        other => CertificateError::Other(rustls::OtherError(Arc::new(other.clone()))),
    };
    rustls::Error::InvalidCertificate(e)
}

impl ClientCertVerifier for PolicyClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match self.verifier.verify(end_entity.as_ref(), (self.clock)()) {
            Ok(ok) => {
                tracing::info!(subject = %ok.subject, serial = %ok.serial, "client certificate accepted");
                Ok(ClientCertVerified::assertion())
            }
            Err(refusal) => {
                tracing::warn!(%refusal, "client certificate refused");
                let tls = to_tls(&refusal);
                if let Ok(mut last) = self.last_refusal.lock() {
                    *last = Some(refusal);
                }
                Err(tls)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// How to run the demo.
pub struct RpOptions {
    /// The policy the CA runs under.
    pub policy: &'static dyn Policy,
    /// The CA certificates, DER, root first.
    pub ca_certs: Vec<Vec<u8>>,
    /// Where the CRL is fetched from.
    pub crl: CrlSource,
    /// How often the CRL is fetched again.
    pub refresh: Duration,
    /// The server's certificate chain and PKCS #8 key (DER); a self-signed
    /// `localhost` certificate is made when absent.
    pub server_identity: Option<(Vec<Vec<u8>>, Vec<u8>)>,
    /// The verifier's clock.
    pub clock: Clock,
}

/// A started relying party, before it serves.
pub struct RelyingParty {
    verifier: Arc<Verifier>,
    last_refusal: Arc<std::sync::Mutex<Option<Refusal>>>,
    acceptor: TlsAcceptor,
    crl: CrlSource,
    refresh: Duration,
    clock: Clock,
}

impl RelyingParty {
    /// Checks the CA certificates, loads the first CRL (refusing to start without a
    /// fresh one) and builds the TLS configuration.
    pub async fn start(options: RpOptions) -> Result<Self, RpError> {
        let verifier = Arc::new(Verifier::from_der(options.policy, &options.ca_certs)?);
        let number = verifier.load_crl(&options.crl.fetch().await?, (options.clock)())?;
        tracing::info!(crl = number, source = %options.crl.name(), "CRL loaded");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let hints = options
            .ca_certs
            .last()
            .and_then(|der| {
                use der::{Decode, Encode};
                let cert = x509_cert::Certificate::from_der(der).ok()?;
                cert.tbs_certificate().subject().to_der().ok()
            })
            .map(DistinguishedName::from)
            .into_iter()
            .collect();
        let last_refusal = Arc::new(std::sync::Mutex::new(None));
        let client_verifier = Arc::new(PolicyClientVerifier {
            verifier: verifier.clone(),
            last_refusal: last_refusal.clone(),
            hints,
            provider: provider.clone(),
            clock: options.clock.clone(),
        });
        let (chain, key) = match options.server_identity {
            Some(identity) => identity,
            None => {
                let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
                    .map_err(|e| RpError::Tls(e.to_string()))?;
                (
                    vec![made.cert.der().to_vec()],
                    made.key_pair.serialize_der(),
                )
            }
        };
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| RpError::Tls(e.to_string()))?
            .with_client_cert_verifier(client_verifier)
            .with_single_cert(
                chain.into_iter().map(CertificateDer::from).collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .map_err(|e| RpError::Tls(e.to_string()))?;
        Ok(RelyingParty {
            verifier,
            last_refusal,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            crl: options.crl,
            refresh: options.refresh,
            clock: options.clock,
        })
    }

    /// Fetches the CRL once and loads it; a refusal (stale, older, forged) keeps the
    /// CRL already held.
    pub async fn refresh_crl(&self) -> Result<u64, RpError> {
        let der = self.crl.fetch().await?;
        Ok(self.verifier.load_crl(&der, (self.clock)())?)
    }

    /// Why the last client certificate was refused, for the operator's eyes (the
    /// client only sees a TLS alert).
    pub fn last_refusal(&self) -> Option<Refusal> {
        self.last_refusal.lock().ok().and_then(|l| l.clone())
    }

    /// The CRL held: its number and nextUpdate.
    pub fn crl_state(&self) -> Option<(u64, Timestamp)> {
        self.verifier.crl_state()
    }

    /// Serves on `listener` until the task is dropped, refreshing the CRL every
    /// `refresh`.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> Result<(), RpError> {
        let this = self;
        let refresher = this.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(refresher.refresh);
            tick.tick().await;
            loop {
                tick.tick().await;
                let held = refresher.crl_state().map(|(n, _)| n);
                match refresher.refresh_crl().await {
                    Ok(n) if Some(n) == held => tracing::debug!(crl = n, "CRL unchanged"),
                    Ok(n) => tracing::info!(crl = n, "newer CRL loaded"),
                    Err(e) => {
                        tracing::warn!(error = %e, "CRL refresh failed; keeping the CRL held")
                    }
                }
            }
        });
        loop {
            // An accept error (out of file descriptors, a connection reset in the
            // backlog) is about one connection, not the server: log it and go on.
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let acceptor = this.acceptor.clone();
            tokio::spawn(async move {
                if let Err(e) = answer(acceptor, tcp, peer).await {
                    tracing::info!(%peer, error = %e, "connection ended without an answer");
                }
            });
        }
    }

    /// Binds `addr` and serves.
    pub async fn run(self: Arc<Self>, addr: SocketAddr) -> Result<(), RpError> {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "relying party listening (HTTPS, client certificate required)");
        self.serve(listener).await
    }
}

/// One connection: the handshake (where the verifier decides), then one HTTP answer
/// naming the authenticated subscriber.
async fn answer(
    acceptor: TlsAcceptor,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
) -> std::io::Result<()> {
    let timeout = Duration::from_secs(10);
    let mut tls = tokio::time::timeout(timeout, acceptor.accept(tcp))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "handshake timed out"))??;
    let subject = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .and_then(|der| {
            use der::Decode;
            x509_cert::Certificate::from_der(der.as_ref()).ok()
        })
        .map(|c| c.tbs_certificate().subject().to_string())
        .unwrap_or_default();
    // Read the request head (bounded), then answer and close.
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match tokio::time::timeout(timeout, tls.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => head.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return Err(e),
        }
    }
    tracing::info!(%peer, %subject, "answered an authenticated subscriber");
    let body = format!("authenticated: {subject}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes()).await?;
    tls.shutdown().await
}
