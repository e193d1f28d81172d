//! Checking an `Authorization: Basic` header cheaply and safely. argon2 runs on the blocking pool
//! (never on an executor thread), at most [`PARALLEL_VERIFICATIONS`] at once, and once per client:
//! a header that verified is remembered by a keyed BLAKE2b hash (the key is random per process, so
//! the cache holds no password and its lookups leak nothing), so the 30 requests a second of a
//! stream or a page's thumbnails do not re-run argon2. Failed logins are counted per client
//! address; past a few a second the client gets 429 without any argon2 work.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use blake2::digest::{consts::U32, Mac};
use blake2::Blake2bMac;
use parking_lot::Mutex;

use super::auth::Users;

/// Verified headers are trusted this long before argon2 checks them again.
const CACHE_TTL: Duration = Duration::from_secs(600);
/// Distinct verified headers remembered (users x browsers); past it the cache starts afresh.
const CACHE_SIZE: usize = 256;
/// argon2 jobs at once: the machine has two cores, and each job takes ~19 MiB.
const PARALLEL_VERIFICATIONS: usize = 2;
/// Failed logins a client may make in a burst ...
const FAILURE_BURST: f64 = 5.0;
/// ... and per second after it.
const FAILURES_PER_SECOND: f64 = 2.0;
/// Client addresses tracked; past it, the ones that have fully recovered are forgotten.
const TRACKED_CLIENTS: usize = 4096;

/// What a request's credentials earned.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid credentials.
    Allowed,
    /// None, malformed or wrong: 401.
    Denied,
    /// Too many failures from this address: 429.
    Limited,
}

type Key = [u8; 32];

pub struct Login {
    users: Arc<Users>,
    mac_key: [u8; 32],
    verified: Mutex<HashMap<Key, Instant>>,
    failures: Mutex<HashMap<IpAddr, Bucket>>,
    verifying: async_lock::Semaphore,
}

/// A token bucket of allowed failures.
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let gained = now.duration_since(self.at).as_secs_f64() * FAILURES_PER_SECOND;
        self.tokens = (self.tokens + gained).min(FAILURE_BURST);
        self.at = now;
    }
}

impl Login {
    pub fn new(users: Users) -> std::io::Result<Login> {
        let mut mac_key = [0u8; 32];
        getrandom::getrandom(&mut mac_key).map_err(std::io::Error::other)?;
        Ok(Login {
            users: Arc::new(users),
            mac_key,
            verified: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            verifying: async_lock::Semaphore::new(PARALLEL_VERIFICATIONS),
        })
    }

    /// Judges the `Authorization` header of a request from `client`.
    pub async fn check(&self, authorization: Option<&str>, client: IpAddr) -> Verdict {
        // No header at all is a browser's first visit, not a failed login: 401 asks for one.
        let Some(header) = authorization else {
            return Verdict::Denied;
        };
        let key = self.key(header);
        if self.is_verified(&key) {
            return Verdict::Allowed;
        }
        if self.is_limited(client) {
            return Verdict::Limited;
        }
        let ok = match basic_credentials(header) {
            Some((user, password)) => {
                let _permit = self.verifying.acquire().await;
                // Requests that came together with the same header (a page's thumbnails) wait here
                // for the first one's verdict instead of running argon2 again.
                if self.is_verified(&key) {
                    return Verdict::Allowed;
                }
                let users = self.users.clone();
                let (ok, user) =
                    blocking::unblock(move || (users.verify(&user, &password), user)).await;
                if !ok {
                    log::info!("failed login from {client} as user {user:?}");
                }
                ok
            }
            None => {
                log::info!("failed login from {client}: malformed Authorization header");
                false
            }
        };
        if ok {
            self.remember(key);
            Verdict::Allowed
        } else {
            self.count_failure(client);
            Verdict::Denied
        }
    }

    fn key(&self, header: &str) -> Key {
        let mut mac = <Blake2bMac<U32> as Mac>::new_from_slice(&self.mac_key)
            .expect("32 bytes is a valid BLAKE2b key length");
        mac.update(header.trim().as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn is_verified(&self, key: &Key) -> bool {
        let verified = self.verified.lock();
        verified.get(key).is_some_and(|at| at.elapsed() < CACHE_TTL)
    }

    fn remember(&self, key: Key) {
        let mut verified = self.verified.lock();
        if verified.len() >= CACHE_SIZE {
            verified.retain(|_, at| at.elapsed() < CACHE_TTL);
            if verified.len() >= CACHE_SIZE {
                verified.clear();
            }
        }
        verified.insert(key, Instant::now());
    }

    fn is_limited(&self, client: IpAddr) -> bool {
        let mut failures = self.failures.lock();
        failures.get_mut(&client).is_some_and(|b| {
            b.refill(Instant::now());
            b.tokens < 1.0
        })
    }

    fn count_failure(&self, client: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        if failures.len() >= TRACKED_CLIENTS && !failures.contains_key(&client) {
            failures.retain(|_, b| {
                b.refill(now);
                b.tokens < FAILURE_BURST
            });
        }
        let bucket = failures.entry(client).or_insert(Bucket {
            tokens: FAILURE_BURST,
            at: now,
        });
        bucket.refill(now);
        bucket.tokens -= 1.0;
        if bucket.tokens < 1.0 {
            log::info!("login attempts from {client} are limited: too many failures");
        }
    }
}

/// `Basic base64(user:password)` → (user, password).
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_forms() {
        assert_eq!(
            basic_credentials("Basic YW5uOnM6ZWNyZXQ="),
            Some(("ann".into(), "s:ecret".into()))
        );
        assert_eq!(
            basic_credentials("basic  YW5uOnM6ZWNyZXQ= "),
            Some(("ann".into(), "s:ecret".into()))
        );
        for bad in ["Bearer abc", "Basic !!!", "Basic", "Basic YW5u"] {
            assert_eq!(basic_credentials(bad), None, "{bad}");
        }
    }
}
