//! Argon2id password hashing, always on the blocking pool (a hash takes tens of milliseconds).
//! Unknown e-mails are verified against a dummy hash so that they take as long as wrong passwords.

use crate::config::Argon2Params;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

pub struct Passwords {
    params: Params,
    dummy_hash: String,
}

impl Passwords {
    pub fn new(p: Argon2Params) -> anyhow::Result<Passwords> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let dummy_hash = hash_with(&params, "không phải mật khẩu thật")?;
        Ok(Passwords { params, dummy_hash })
    }

    /// Hash a new password (PHC string with algorithm, version, parameters and salt).
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || hash_with(&params, &password)).await?
    }

    /// Verify a password against a stored hash, or against the dummy hash when there is none.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.clone(), false),
        };
        let ok = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
        .unwrap_or(false);
        ok && real
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
}

fn hash_with(params: &Params, password: &str) -> anyhow::Result<String> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash = argon
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

/// The rule for a new password; `None` when acceptable.
pub fn check_new(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Some(format!(
            "Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự (password must be at least {MIN_LENGTH} characters)"
        ))
    } else if n > MAX_LENGTH {
        Some(format!(
            "Mật khẩu không được dài quá {MAX_LENGTH} ký tự (password must be at most {MAX_LENGTH} characters)"
        ))
    } else {
        None
    }
}
