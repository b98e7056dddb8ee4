use crate::{AUDIENCE, Claims, ISSUER, Jwks};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Why a token was refused. Callers only ever see "invalid token" (401); the reason is logged.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("token header unreadable: {0}")]
    Header(String),
    #[error("algorithm {0:?} not accepted")]
    Algorithm(String),
    #[error("token has no key id")]
    NoKeyId,
    #[error("unknown key id {0}")]
    UnknownKey(String),
    #[error("token rejected: {0}")]
    Invalid(String),
    #[error("token claims a provincial role without a province")]
    NoTenant,
}

/// Verifies access tokens with the identity service's public keys (JWKS).
///
/// Keys come either from a JWKS document given up front (the identity service itself, tests) or from
/// `KC_IDENTITY_URL/.well-known/jwks.json`, fetched on first use and again when a token names a key id
/// not seen yet (at most once every 30 seconds), so a key rotation needs no restart.
pub struct Verifier {
    keys: RwLock<HashMap<String, DecodingKey>>,
    jwks_url: Option<String>,
    last_fetch: Mutex<Option<Instant>>,
    http: reqwest::Client,
    validation: Validation,
}

const REFETCH_EVERY: Duration = Duration::from_secs(30);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);

impl Verifier {
    fn new(jwks_url: Option<String>) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Verifier {
            keys: RwLock::new(HashMap::new()),
            jwks_url,
            last_fetch: Mutex::new(None),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            validation,
        }
    }

    /// A verifier with a fixed key set.
    pub fn from_jwks(jwks: &Jwks) -> anyhow::Result<Self> {
        let v = Verifier::new(None);
        v.install(jwks)?;
        Ok(v)
    }

    /// A verifier that fetches keys from the identity service.
    pub fn from_identity_url(identity_url: &str) -> Self {
        let url = format!(
            "{}/.well-known/jwks.json",
            identity_url.trim_end_matches('/')
        );
        Verifier::new(Some(url))
    }

    fn install(&self, jwks: &Jwks) -> anyhow::Result<()> {
        let mut map = HashMap::new();
        for k in &jwks.keys {
            if k.kty == "OKP" && k.crv == "Ed25519" {
                map.insert(k.kid.clone(), DecodingKey::from_ed_components(&k.x)?);
            }
        }
        if let Ok(mut keys) = self.keys.write() {
            keys.extend(map);
        }
        Ok(())
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().ok()?.get(kid).cloned()
    }

    async fn refresh(&self) {
        let Some(url) = &self.jwks_url else { return };
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < REFETCH_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        let fetched = async {
            let jwks: Jwks = self
                .http
                .get(url)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            self.install(&jwks)
        }
        .await;
        match fetched {
            Ok(()) => tracing::info!(%url, "fetched signing keys"),
            Err(e) => {
                tracing::warn!(%url, error = %e, "cannot fetch signing keys");
                // Try again after a short pause rather than the full interval (identity may be
                // starting), but never on every request.
                *last = Some(Instant::now() - REFETCH_EVERY + RETRY_AFTER_FAILURE);
            }
        }
    }

    /// Verify a compact JWS and return its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Header(e.to_string()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(AuthError::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(AuthError::NoKeyId)?;
        let key = match self.key(&kid) {
            Some(k) => k,
            None => {
                self.refresh().await;
                self.key(&kid).ok_or(AuthError::UnknownKey(kid))?
            }
        };
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        if data.claims.scope().is_none() {
            return Err(AuthError::NoTenant);
        }
        Ok(data.claims)
    }
}
