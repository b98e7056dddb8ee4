//! Argon2id password hashing, always on the blocking pool (a hash takes tens of milliseconds).
//! Unknown e-mails are verified against a dummy hash so that they take as long as wrong passwords.
//! At most one hash per CPU core runs at a time: a flood of logins queues instead of taking every core.
//! The queue is bounded: a login takes a [`Place`] before anything else, and when every place is
//! taken (`KC_LOGIN_QUEUE`, by default four per core) it is answered 429 with `Retry-After` at once,
//! so that logins beyond Argon2's capacity are shed instead of making every caller wait.
//! Argon2's working memory (19 MiB a hash) comes from a [`MemoryPool`] of at most one buffer per core,
//! reused and zeroed after each hash, so the service's memory stays bounded whatever the load.

use crate::config::Argon2Params;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use kc_kernel::nfc;
use rand::RngCore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

pub struct Passwords {
    params: Params,
    dummy_hash: String,
    permits: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
    /// Password checks running or waiting, and how many may.
    taken: Arc<AtomicUsize>,
    places: usize,
}

/// A place among the password checks running or waiting, given back when dropped.
pub struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Every place is taken: the caller should come back shortly.
#[derive(Debug)]
pub struct Busy;

/// How many password checks may run or wait at once by default: four per core, so that a login
/// waits for at most a few hashes (tens of milliseconds each) before its own.
pub fn default_places() -> usize {
    4 * cores()
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Passwords {
    /// Hashing with `p`; at most `places` password checks running or waiting at once.
    pub fn new(p: Argon2Params, places: usize) -> anyhow::Result<Passwords> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let memory = Arc::new(MemoryPool::default());
        let dummy_hash = hash_with(&memory, &params, "không phải mật khẩu thật")?;
        Ok(Passwords {
            params,
            dummy_hash,
            permits: Arc::new(Semaphore::new(cores())),
            memory,
            taken: Arc::new(AtomicUsize::new(0)),
            places: places.max(1),
        })
    }

    /// A place for one password check, or [`Busy`] when every place is taken. Taken before any
    /// other work of the request, so that a shed login costs almost nothing.
    pub fn place(&self) -> Result<Place, Busy> {
        let before = self.taken.fetch_add(1, Ordering::AcqRel);
        let place = Place(self.taken.clone());
        if before >= self.places {
            return Err(Busy);
        }
        Ok(place)
    }

    /// Hash a new password (PHC string with algorithm, version, parameters and salt). Passwords are
    /// NFC-normalised first, so the same Vietnamese password typed on any keyboard matches.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let params = self.params.clone();
        let memory = self.memory.clone();
        // The permit moves into the blocking task: a cancelled request cannot free it while the hash
        // still runs.
        let permit = self.permits.clone().acquire_owned().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_with(&memory, &params, &nfc(&password))
        })
        .await?
    }

    /// Verify a password against a stored hash, or against the dummy hash when there is none, in the
    /// `place` the caller took (held until the hash is done, even if the request is cancelled).
    pub async fn verify(&self, place: Place, password: String, stored: Option<String>) -> bool {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.clone(), false),
        };
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return false;
        };
        let memory = self.memory.clone();
        let ok = tokio::task::spawn_blocking(move || {
            let _held = (permit, place);
            verify_with(&memory, &nfc(&password), &hash)
        })
        .await
        .unwrap_or(false);
        ok && real
    }
}

/// Argon2's working memory, kept and reused. Allocating 19 MiB afresh for every hash makes glibc keep
/// hundreds of MiB under a login load (measured: 354 MiB RSS after 900 logins, see deploy/bench.sh),
/// and per-thread buffers depend on thread lifetimes and allocator heuristics. The pool holds at most
/// one buffer per hash running at once, which the semaphore in [`Passwords`] bounds by the core count.
#[derive(Default)]
pub struct MemoryPool(Mutex<Vec<Vec<Block>>>);

impl MemoryPool {
    /// Run `f` on `blocks` blocks of a pooled buffer, zeroed again afterwards so that no hashing
    /// state outlives the call.
    fn with<R>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        let taken = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut buffer = taken.unwrap_or_default();
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::default());
        }
        let result = f(&mut buffer[..blocks]);
        buffer[..blocks].fill(Block::default());
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(buffer);
        result
    }

    /// How many buffers the pool holds now.
    pub fn buffers(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Hash into a PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), as `PasswordHasher` does.
fn hash_with(memory: &MemoryPool, params: &Params, password: &str) -> anyhow::Result<String> {
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("argon2: {e}");
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    memory
        .with(params.block_count(), |mem| {
            argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, mem)
        })
        .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| err(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| err(&e))?),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

/// Verify against a PHC string with the parameters recorded in it; the comparison is constant-time.
fn verify_with(memory: &MemoryPool, password: &str, stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(phc.algorithm.as_str()),
        Params::try_from(&phc),
        phc.salt,
        phc.hash,
    ) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from) {
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
        None => Version::default(),
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = memory.with(params.block_count(), |mem| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, mem)
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
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

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    fn small() -> Params {
        Params::new(1024, 1, 1, None).unwrap()
    }

    fn pool() -> MemoryPool {
        MemoryPool::default()
    }

    fn small_params() -> crate::config::Argon2Params {
        crate::config::Argon2Params {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn round_trip_and_wrong_password() {
        let h = hash_with(&pool(), &small(), "mật khẩu đúng").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{h}");
        assert!(verify_with(&pool(), "mật khẩu đúng", &h));
        assert!(!verify_with(&pool(), "mật khẩu sai", &h));
        assert!(!verify_with(&pool(), "mật khẩu đúng", "not a hash"));
        let mut tampered = h.clone();
        tampered.pop();
        tampered.push(if h.ends_with('A') { 'B' } else { 'A' });
        assert!(!verify_with(&pool(), "mật khẩu đúng", &tampered));
    }

    #[test]
    fn compatible_with_the_argon2_crate_both_ways() {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, small());
        let theirs = argon.hash_password(b"abc12345").unwrap().to_string();
        assert!(verify_with(&pool(), "abc12345", &theirs));
        let ours = hash_with(&pool(), &small(), "abc12345").unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"abc12345", ours.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"abc12346", ours.as_str())
                .is_err()
        );
    }

    #[tokio::test]
    async fn passwords_are_compared_in_nfc() {
        let p = Passwords::new(small_params(), 4).unwrap();
        let h = p.hash("Mật khẩu".into()).await.unwrap();
        let place = || p.place().unwrap();
        // The same password with combining marks (as some keyboards send it).
        assert!(
            p.verify(place(), "Mâ\u{0323}t khâ\u{0309}u".into(), Some(h.clone()))
                .await
        );
        assert!(!p.verify(place(), "Mat khau".into(), Some(h)).await);
        assert!(
            !p.verify(place(), "Mật khẩu".into(), None).await,
            "no account never verifies"
        );
    }

    #[tokio::test]
    async fn checks_beyond_the_places_are_refused_until_one_is_given_back() {
        let p = Passwords::new(small_params(), 2).unwrap();
        let first = p.place().unwrap();
        let second = p.place().unwrap();
        assert!(p.place().is_err(), "both places are taken");
        drop(first);
        let third = p.place().unwrap();
        assert!(p.place().is_err());
        // A verification holds its place until it is done, then gives it back.
        assert!(!p.verify(third, "abc12345".into(), None).await);
        drop(second);
        let _a = p.place().unwrap();
        let _b = p.place().unwrap();
        assert!(p.place().is_err());
    }

    #[test]
    fn memory_is_reused_and_zeroed() {
        let memory = pool();
        let h = hash_with(&memory, &small(), "x").unwrap();
        assert!(verify_with(&memory, "x", &h));
        hash_with(&memory, &small(), "y").unwrap();
        // Three hashes one after another: one buffer, reused.
        assert_eq!(memory.buffers(), 1);
        let buffers = memory.0.lock().unwrap();
        assert_eq!(buffers[0].len(), 1024);
        let zero = format!("{:?}", Block::default());
        assert!(buffers[0].iter().all(|b| format!("{b:?}") == zero));
    }
}
