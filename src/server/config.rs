//! Runtime configuration, read from environment variables.
//!
//! Every variable has a documented default (README, "Configuration"). In production a missing
//! secret stops startup with a message that names it; in development the secrets are generated
//! once, written to `target/dev-secrets.env`, and reused on the next start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::crypto::{Key, SecretBox};
use super::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// Where the Merge HRIS API lives.
#[derive(Debug, Clone)]
pub enum MergeBackend {
    /// The real Merge API (or any compatible server) with a configured API key.
    Remote { base_url: String, api_key: Secret },
    /// The bundled sandbox, started in-process and reached over loopback HTTP.
    Sandbox,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub database_url: Secret,
    pub secret_key: Key,
    pub previous_secret_keys: Vec<Key>,
    pub merge: MergeBackend,
    pub merge_webhook_key: Secret,
    /// Loopback port of the bundled sandbox; 0 picks a free one.
    pub sandbox_port: u16,
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub public_url: String,
    pub sync_interval: Duration,
    pub trust_proxy_headers: bool,
    pub seed_demo_data: bool,
    pub log_json: bool,
    /// Development only: browser tests may move the app's clock forward (`POST /test/clock`).
    pub test_clock: bool,
    /// Where generated development secrets are kept between runs.
    pub dev_secrets_file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set (see README, \"Configuration\")")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("could not keep development secrets in {path}: {source}")]
    DevSecrets {
        path: String,
        source: std::io::Error,
    },
}

pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";
pub const DEFAULT_MERGE_BASE_URL: &str = "https://api.merge.dev/api";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any variable source, so tests need not touch the process
    /// environment. Missing secrets are reported in the order the README gives.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(get);
        let mode = vars.mode()?;
        let dev_secrets_file = PathBuf::from(
            vars.get("DEV_SECRETS_FILE")
                .unwrap_or_else(|| "target/dev-secrets.env".to_owned()),
        );
        let mut dev = DevSecrets::new(mode, &dev_secrets_file)?;
        let database_url = Secret::new(
            vars.get("DATABASE_URL")
                .ok_or(ConfigError::Missing("DATABASE_URL"))?,
        );
        let secret_key = vars.secret_key(&mut dev)?;
        let previous_secret_keys = vars.previous_secret_keys()?;
        let merge = vars.merge_backend(mode)?;
        let merge_webhook_key = match vars.get("MERGE_WEBHOOK_SECRET") {
            Some(v) => Secret::new(v),
            None => Secret::new(
                dev.get_or_generate("MERGE_WEBHOOK_SECRET", || Key::generate().encode())?,
            ),
        };
        Ok(Config {
            mode,
            database_url,
            secret_key,
            previous_secret_keys,
            merge,
            merge_webhook_key,
            sandbox_port: vars.sandbox_port()?,
            smtp_url: vars.get("SMTP_URL").map(Secret::new),
            mail_from: vars
                .get("MAIL_FROM")
                .unwrap_or_else(|| "&Open HR Connectors <connectors@andopen.example>".to_owned()),
            public_url: vars.public_url()?,
            sync_interval: vars.sync_interval()?,
            trust_proxy_headers: vars.flag("TRUST_PROXY_HEADERS", false),
            seed_demo_data: vars.flag("SEED_DEMO_DATA", mode == Mode::Development),
            log_json: vars.flag("LOG_JSON", mode == Mode::Production),
            test_clock: mode == Mode::Development && vars.flag("TEST_CLOCK", false),
            dev_secrets_file,
        })
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }

    /// The one place the configured keys become a `SecretBox`, so the server and the
    /// `reseal-secrets` command always agree on which key is current.
    pub fn secret_box(&self) -> SecretBox {
        SecretBox::new(self.secret_key.clone(), self.previous_secret_keys.clone())
    }

    /// Cookies get the `Secure` flag whenever the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// The variable source with one reader per setting, each giving the variable's name in its error.
struct Vars<F>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    fn mode(&self) -> Result<Mode, ConfigError> {
        match self
            .get("APP_ENV")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("development") | Some("dev") => Ok(Mode::Development),
            Some("production") | Some("prod") => Ok(Mode::Production),
            Some(other) => Err(ConfigError::Invalid {
                name: "APP_ENV",
                reason: format!("expected development or production, got {other:?}"),
            }),
        }
    }

    fn secret_key(&self, dev: &mut DevSecrets) -> Result<Key, ConfigError> {
        let encoded = match self.get("APP_SECRET_KEY") {
            Some(v) => v,
            None => dev.get_or_generate("APP_SECRET_KEY", || Key::generate().encode())?,
        };
        Key::parse(&encoded).map_err(|e| ConfigError::Invalid {
            name: "APP_SECRET_KEY",
            reason: e.to_string(),
        })
    }

    fn previous_secret_keys(&self) -> Result<Vec<Key>, ConfigError> {
        let Some(list) = self.get("APP_SECRET_KEY_PREVIOUS") else {
            return Ok(Vec::new());
        };
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|k| {
                Key::parse(k).map_err(|e| ConfigError::Invalid {
                    name: "APP_SECRET_KEY_PREVIOUS",
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    fn merge_backend(&self, mode: Mode) -> Result<MergeBackend, ConfigError> {
        match self.get("MERGE_API_KEY") {
            Some(key) => Ok(MergeBackend::Remote {
                base_url: self
                    .get("MERGE_BASE_URL")
                    .unwrap_or_else(|| DEFAULT_MERGE_BASE_URL.to_owned())
                    .trim_end_matches('/')
                    .to_owned(),
                api_key: Secret::new(key),
            }),
            None if mode == Mode::Production
                && self.get("MERGE_USE_SANDBOX").as_deref() != Some("true") =>
            {
                Err(ConfigError::Missing("MERGE_API_KEY"))
            }
            None => Ok(MergeBackend::Sandbox),
        }
    }

    fn public_url(&self) -> Result<String, ConfigError> {
        let url = self
            .get("PUBLIC_URL")
            .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        if url.starts_with("http://") || url.starts_with("https://") {
            Ok(url)
        } else {
            Err(ConfigError::Invalid {
                name: "PUBLIC_URL",
                reason: "must start with http:// or https://".into(),
            })
        }
    }

    fn sync_interval(&self) -> Result<Duration, ConfigError> {
        let Some(v) = self.get("SYNC_INTERVAL_SECS") else {
            return Ok(Duration::from_secs(3600));
        };
        v.parse::<u64>()
            .ok()
            .filter(|s| *s >= 60)
            .map(Duration::from_secs)
            .ok_or(ConfigError::Invalid {
                name: "SYNC_INTERVAL_SECS",
                reason: "must be a whole number of seconds, at least 60".into(),
            })
    }

    fn sandbox_port(&self) -> Result<u16, ConfigError> {
        self.get("MERGE_SANDBOX_PORT").map_or(Ok(0), |v| {
            v.parse().map_err(|_| ConfigError::Invalid {
                name: "MERGE_SANDBOX_PORT",
                reason: "must be a port number".into(),
            })
        })
    }

    fn flag(&self, name: &str, default: bool) -> bool {
        match self.get(name).as_deref() {
            Some("1") | Some("true") | Some("yes") => true,
            Some("0") | Some("false") | Some("no") => false,
            _ => default,
        }
    }
}

/// Development-only store of generated secrets, in a simple `NAME=value` file.
struct DevSecrets<'a> {
    mode: Mode,
    path: &'a Path,
    values: BTreeMap<String, String>,
}

impl<'a> DevSecrets<'a> {
    fn new(mode: Mode, path: &'a Path) -> Result<Self, ConfigError> {
        let mut values = BTreeMap::new();
        if mode == Mode::Development
            && let Ok(text) = std::fs::read_to_string(path)
        {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=')
                    && !k.trim_start().starts_with('#')
                {
                    values.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
        Ok(Self { mode, path, values })
    }

    fn get_or_generate(
        &mut self,
        name: &'static str,
        generate: impl FnOnce() -> String,
    ) -> Result<String, ConfigError> {
        if self.mode == Mode::Production {
            return Err(ConfigError::Missing(name));
        }
        if let Some(v) = self.values.get(name) {
            return Ok(v.clone());
        }
        let value = generate();
        self.values.insert(name.to_owned(), value.clone());
        self.save()?;
        eprintln!(
            "development: generated {name} and saved it in {} (set {name} to choose your own)",
            self.path.display()
        );
        Ok(value)
    }

    fn save(&self) -> Result<(), ConfigError> {
        let err = |source| ConfigError::DevSecrets {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut text = String::from(
            "# Generated by HR Connectors for local development only. Never use in production.\n",
        );
        for (k, v) in &self.values {
            text.push_str(&format!("{k}={v}\n"));
        }
        std::fs::write(self.path, text).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(self.path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn temp_file(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("hrc-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("secrets.env").display().to_string()
    }

    #[test]
    fn production_names_the_missing_secret() {
        let err = Config::from_lookup(lookup(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "APP_SECRET_KEY must be set (see README, \"Configuration\")"
        );

        let key = Key::generate().encode();
        let err = Config::from_lookup(lookup(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x"),
            ("APP_SECRET_KEY", &key),
        ]))
        .unwrap_err();
        assert!(err.to_string().starts_with("MERGE_API_KEY must be set"));

        let err = Config::from_lookup(lookup(&[("APP_ENV", "production")])).unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL must be set"));
    }

    #[test]
    fn development_generates_secrets_once_and_reuses_them() {
        let file = temp_file("dev");
        let vars = [
            ("DATABASE_URL", "postgres://x"),
            ("DEV_SECRETS_FILE", file.as_str()),
        ];
        let first = Config::from_lookup(lookup(&vars)).unwrap();
        let second = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(
            first.secret_key.fingerprint(),
            second.secret_key.fingerprint()
        );
        assert_eq!(first.merge_webhook_key, second.merge_webhook_key);
        assert!(matches!(first.merge, MergeBackend::Sandbox));
        assert!(first.seed_demo_data);
        assert!(!first.secure_cookies());
    }

    #[test]
    fn explicit_values_win_and_are_validated() {
        let key = Key::generate();
        let config = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://x"),
            ("APP_SECRET_KEY", &key.encode()),
            ("MERGE_API_KEY", "live_key"),
            ("MERGE_BASE_URL", "https://api-eu.merge.dev/api/"),
            ("MERGE_WEBHOOK_SECRET", "whsec"),
            ("PUBLIC_URL", "https://gifts.example/"),
            ("DEV_SECRETS_FILE", &temp_file("explicit")),
        ]))
        .unwrap();
        assert_eq!(config.secret_key.fingerprint(), key.fingerprint());
        assert!(config.secure_cookies());
        assert_eq!(config.public_url, "https://gifts.example");
        match config.merge {
            MergeBackend::Remote { base_url, api_key } => {
                assert_eq!(base_url, "https://api-eu.merge.dev/api");
                assert_eq!(api_key.expose(), "live_key");
            }
            MergeBackend::Sandbox => panic!("expected the remote backend"),
        }
        assert!(
            !format!(
                "{:?}",
                Config::from_lookup(lookup(&[
                    ("DATABASE_URL", "postgres://user:pw@db/x"),
                    ("DEV_SECRETS_FILE", &temp_file("debug")),
                ]))
                .unwrap()
            )
            .contains("pw@db")
        );

        let err = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://x"),
            ("SYNC_INTERVAL_SECS", "5"),
            ("DEV_SECRETS_FILE", &temp_file("interval")),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("SYNC_INTERVAL_SECS is not valid")
        );
    }
}
