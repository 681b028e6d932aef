//! Each venue's endpoints and credentials, read from the environment by the adapter's own
//! loader (so that variable names live in one place: the adapter crate).
//!
//! Reading never fails for missing credentials: read-only commands need none. Commands that
//! trade or read the account call [`VenueSettings::require_trading`] first, which names every
//! missing variable in one line. Paper mode never calls this module.

use crate::env::Env;
use crate::venues::VenueKind;
use crate::ConfigError;
use venue_edgex::EdgexConfig;
use venue_lighter::LighterConfig;

/// Both venues' adapter configurations.
#[derive(Debug, Clone)]
pub struct VenueSettings {
    /// EdgeX endpoints, API generation and credentials.
    pub edgex: EdgexConfig,
    /// Lighter endpoints, account and API key.
    pub lighter: LighterConfig,
}

impl VenueSettings {
    /// Reads both venues' variables. Malformed values are errors; absent credentials are not.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let lookup = env.lookup();
        let edgex = EdgexConfig::from_lookup(&lookup)
            .map_err(|e| ConfigError::new("environment", e.to_string()))?;
        let lighter = LighterConfig::from_lookup(&lookup)
            .map_err(|e| ConfigError::new("environment", e.to_string()))?;
        Ok(Self { edgex, lighter })
    }

    /// Checks that every venue in `venues` has what trading needs.
    pub fn require_trading(&self, venues: &[VenueKind]) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        for v in venues {
            let r = match v {
                VenueKind::Edgex => self
                    .edgex
                    .require_trading_credentials()
                    .map_err(|e| e.to_string()),
                VenueKind::Lighter => self
                    .lighter
                    .require_trading_credentials()
                    .map_err(|e| e.to_string()),
            };
            if let Err(e) = r {
                problems.push(e);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::new("environment", problems.join("; ")))
        }
    }

    /// One line per venue saying what is configured, without any secret.
    pub fn describe(&self) -> Vec<(VenueKind, String)> {
        let edgex = match self.edgex.require_trading_credentials() {
            Ok(()) => format!(
                "{} credentials present, account {}",
                self.edgex.api_version(),
                self.edgex
                    .account_id()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
            Err(e) => e.to_string(),
        };
        let lighter = match self.lighter.require_trading_credentials() {
            Ok(()) => "credentials present".to_string(),
            Err(e) => e.to_string(),
        };
        vec![(VenueKind::Edgex, edgex), (VenueKind::Lighter, lighter)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_credentials_reads_fine_but_trading_names_every_missing_variable() {
        let s = VenueSettings::from_env(&Env::empty()).unwrap();
        let e = s.require_trading(&VenueKind::ALL).unwrap_err().to_string();
        assert!(e.contains("EDGEX_"), "{e}");
        assert!(e.contains("PRIVATE_KEY"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert!(s.require_trading(&[]).is_ok());
    }

    #[test]
    fn malformed_values_are_config_errors_naming_the_variable() {
        let env = Env::from_pairs([("EDGEX_ACCOUNT_ID", "abc")]);
        let e = VenueSettings::from_env(&env).unwrap_err().to_string();
        assert!(e.contains("EDGEX_ACCOUNT_ID") && e.contains("abc"), "{e}");
    }

    #[test]
    fn secrets_never_appear_in_errors() {
        let env = Env::from_pairs([
            ("EDGEX_STARK_PRIVATE_KEY", "0xnot-hex-secret"),
            ("EDGEX_ACCOUNT_ID", "1"),
        ]);
        if let Err(e) = VenueSettings::from_env(&env) {
            assert!(!e.to_string().contains("not-hex-secret"), "{e}");
        }
        let env = Env::from_pairs([("LIGHTER_PRIVATE_KEY", "0xzz-secret")]);
        if let Err(e) = VenueSettings::from_env(&env) {
            assert!(!e.to_string().contains("zz-secret"), "{e}");
        }
    }
}
