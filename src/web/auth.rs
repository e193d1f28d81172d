//! Who may log in: user names with argon2id password hashes (PHC strings), from `--auth USER:PASSWORD`
//! (hashed at start, so both forms take the same verification path) or an `--auth-file` of
//! `user:hash` lines written by `pistream passwd`. Verifying costs the same for an unknown user as
//! for a wrong password: an unknown user is checked against a dummy hash with the same parameters.
//! Verification is CPU-heavy on purpose; the `login` module runs it off the executor and caches
//! successes.

use std::collections::HashMap;
use std::io::{self, BufRead, IsTerminal};
use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The accounts of `--auth` / `--auth-file`.
pub struct Users {
    hashes: HashMap<String, String>,
    /// Checked for unknown users, so they cost as much as known ones.
    dummy: String,
}

impl Users {
    /// The accounts the configuration names, or `None` when auth is off.
    pub fn from_config(config: &crate::config::Config) -> Result<Option<Users>, String> {
        let mut hashes = HashMap::new();
        if let Some(pair) = &config.auth {
            let (user, password) = pair
                .split_once(':')
                .filter(|(u, p)| valid_user(u) && !p.is_empty())
                .ok_or(
                    "--auth wants USER:PASSWORD (a non-empty user without ':' and a password)",
                )?;
            hashes.insert(user.to_string(), hash_password(password)?);
        }
        if let Some(path) = &config.auth_file {
            hashes.extend(read_file(path)?);
        }
        if hashes.is_empty() {
            if config.auth_file.is_some() {
                return Err(
                    "--auth-file lists no user: add one with `pistream passwd USER`".into(),
                );
            }
            return Ok(None);
        }
        Ok(Some(Users {
            hashes,
            dummy: hash_password("no such user: a password nobody has")?,
        }))
    }

    /// Whether `password` is `user`'s. Takes one argon2 verification whether or not the user exists.
    pub fn verify(&self, user: &str, password: &str) -> bool {
        let (hash, known) = match self.hashes.get(user) {
            Some(h) => (h, true),
            None => (&self.dummy, false),
        };
        let ok = PasswordHash::new(hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && known
    }
}

/// A user name usable in a `user:hash` line and in HTTP Basic (which splits at the first ':').
fn valid_user(user: &str) -> bool {
    !user.is_empty() && !user.contains(':') && !user.chars().any(char::is_control)
}

/// An argon2id PHC string for `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| format!("no random salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing failed: {e}"))
}

/// `user:hash` lines; blank lines and `#` comments are skipped. Any other line is an error naming
/// its number (a typo must not silently lock someone out, or in).
fn read_file(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--auth-file {}: {e}", path.display()))?;
    parse_users(&text).map_err(|e| format!("--auth-file {}: {e}", path.display()))
}

fn parse_users(text: &str) -> Result<HashMap<String, String>, String> {
    let mut users = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}", n + 1);
        let (user, hash) = line.split_once(':').ok_or_else(|| bad("not `user:hash`"))?;
        if !valid_user(user) {
            return Err(bad("empty or invalid user name"));
        }
        match PasswordHash::new(hash) {
            Ok(h) if h.algorithm.as_str().starts_with("argon2") => {}
            _ => {
                return Err(bad(
                    "not an argon2 hash: make one with `pistream passwd USER`",
                ))
            }
        }
        users.insert(user.to_string(), hash.to_string());
    }
    Ok(users)
}

/// `pistream passwd USER`: the password from the terminal (twice, no echo) or from one line of
/// standard input (scripts), never from the command line; returns the `user:hash` line.
pub fn passwd_line(user: &str) -> Result<String, String> {
    if !valid_user(user) {
        return Err(format!(
            "`{user}` is not a usable user name (empty, ':' or control characters)"
        ));
    }
    let password = if io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {user}: "))
            .map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        first
    } else {
        let mut line = String::new();
        io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.is_empty() {
        return Err("an empty password is not a password".into());
    }
    Ok(format!("{user}:{}", hash_password(&password)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_are_checked() {
        let hash = hash_password("secret").unwrap();
        let users = parse_users(&format!("# cameras\n\nann:{hash}\n")).unwrap();
        let users = Users {
            hashes: users,
            dummy: hash_password("x").unwrap(),
        };
        assert!(users.verify("ann", "secret"));
        assert!(!users.verify("ann", "Secret"));
        assert!(!users.verify("bob", "secret"));
        for bad in ["ann", ":x", "ann:plaintext", "ann:$2b$10$bcryptisnotargon"] {
            assert!(parse_users(bad).unwrap_err().starts_with("line 1"), "{bad}");
        }
    }
}
