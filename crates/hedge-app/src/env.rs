//! The environment the binaries read: real environment variables over a `.env` file.
//!
//! The `.env` file (working directory, or a given path) is read into a map and never copied
//! into the process environment; lookups check the real environment first, so an exported
//! variable always wins over the file (the seed's rule). Empty values count as unset.

use crate::ConfigError;
use std::collections::HashMap;
use std::path::Path;

/// A read-only view of configuration variables.
#[derive(Clone, Default)]
pub struct Env {
    file: HashMap<String, String>,
    process: Option<HashMap<String, String>>,
    file_name: Option<String>,
}

impl std::fmt::Debug for Env {
    /// Lists variable names only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.file.keys().collect();
        names.sort();
        f.debug_struct("Env")
            .field("file", &self.file_name)
            .field("file_keys", &names)
            .finish_non_exhaustive()
    }
}

impl Env {
    /// The process environment over `./.env` (if present).
    pub fn load_default() -> Result<Self, ConfigError> {
        Self::load(Path::new(".env"), false)
    }

    /// The process environment over the given file. A missing file is fine unless `required`.
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let mut file = HashMap::new();
        match dotenvy::from_path_iter(path) {
            Ok(iter) => {
                for item in iter {
                    // dotenvy's error text can quote the offending line, which may hold a
                    // secret: report the position only.
                    let (k, v) = item.map_err(|e| {
                        ConfigError::new(
                            &name,
                            format!("cannot parse .env file: {}", redacted_dotenv_error(&e)),
                        )
                    })?;
                    file.insert(k, v);
                }
            }
            Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            }
            Err(e) => {
                return Err(ConfigError::new(
                    &name,
                    format!("cannot read .env file: {}", redacted_dotenv_error(&e)),
                ))
            }
        }
        Ok(Self {
            file,
            process: None,
            file_name: Some(name),
        })
    }

    /// A fixed set of variables and no process environment (tests, paper mode).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            file: HashMap::new(),
            process: Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            file_name: None,
        }
    }

    /// An environment with nothing in it (paper mode never reads live credentials).
    pub fn empty() -> Self {
        Self::from_pairs([])
    }

    /// The value of `key`, if set and not blank.
    pub fn get(&self, key: &str) -> Option<String> {
        let from_process = match &self.process {
            Some(map) => map.get(key).cloned(),
            None => std::env::var(key).ok(),
        };
        from_process
            .filter(|v| !v.trim().is_empty())
            .or_else(|| self.file.get(key).filter(|v| !v.trim().is_empty()).cloned())
    }

    /// A lookup function in the shape the adapters' config loaders take.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.get(k)
    }
}

fn redacted_dotenv_error(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(_, index) => format!("syntax error at character {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(v) => v.to_string(),
        _ => "unreadable file".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_are_read_and_blank_means_unset() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(&p, "HEDGE_TEST_ONLY_IN_FILE=from-file\nHEDGE_TEST_BLANK=\n").unwrap();
        let env = Env::load(&p, true).unwrap();
        assert_eq!(
            env.get("HEDGE_TEST_ONLY_IN_FILE").as_deref(),
            Some("from-file")
        );
        assert_eq!(env.get("HEDGE_TEST_BLANK"), None);
        assert_eq!(env.get("HEDGE_TEST_NOT_ANYWHERE"), None);
    }

    #[test]
    fn process_environment_wins_over_the_file() {
        // PATH is always set in the process environment.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(&p, "PATH=from-file\n").unwrap();
        let env = Env::load(&p, true).unwrap();
        assert_ne!(env.get("PATH").as_deref(), Some("from-file"));
    }

    #[test]
    fn missing_file_is_fine_unless_required() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("absent.env");
        assert!(Env::load(&p, false).is_ok());
        assert!(Env::load(&p, true).is_err());
    }

    #[test]
    fn parse_errors_do_not_quote_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(&p, "EDGEX_STARK_PRIVATE_KEY='0xsecretvalue\n").unwrap();
        if let Err(e) = Env::load(&p, true) {
            assert!(!e.to_string().contains("secretvalue"), "{e}");
        }
    }

    #[test]
    fn debug_shows_names_not_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(&p, "API_KEY_PRIVATE_KEY=0xabcdef\n").unwrap();
        let env = Env::load(&p, true).unwrap();
        let dbg = format!("{env:?}");
        assert!(
            dbg.contains("API_KEY_PRIVATE_KEY") && !dbg.contains("0xabcdef"),
            "{dbg}"
        );
    }
}
