//! Volatility of the mid from timed samples: an exponentially weighted mean of squared log
//! returns per second (RiskMetrics-style EWMA, with the weight set by elapsed time so uneven
//! sampling is handled).
//!
//! For samples (t_i, m_i): x_i = ln(m_i / m_{i-1})^2 / dt_i is a per-second variance sample,
//! alpha_i = 1 - exp(-dt_i ln2 / half_life), var_i = (1 - alpha_i) var_{i-1} + alpha_i x_i.
//! `sigma_rel` = sqrt(var) (per square-root second, relative); the model wants USD, so
//! `sigma_usd` = sigma_rel x mid. The logarithm, exponential and square root go through
//! [`super::float`]; the rest is `Decimal`.

use super::{div, float, mul, positive, QuoteError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The estimator's state.
#[derive(Debug, Clone, PartialEq)]
pub struct EwmaVolatility {
    half_life_secs: Decimal,
    last: Option<(DateTime<Utc>, Decimal)>,
    variance: Option<Decimal>,
    samples: u64,
}

impl EwmaVolatility {
    /// An estimator whose weights halve every `half_life_secs` seconds (> 0).
    pub fn new(half_life_secs: Decimal) -> Result<Self, QuoteError> {
        Ok(Self {
            half_life_secs: positive("half_life_secs", half_life_secs)?,
            last: None,
            variance: None,
            samples: 0,
        })
    }

    /// An estimator that starts from a known relative volatility per square-root second
    /// (e.g. the config's prior, or one read from recorded books).
    pub fn with_prior(half_life_secs: Decimal, sigma_rel: Decimal) -> Result<Self, QuoteError> {
        let mut v = Self::new(half_life_secs)?;
        v.variance = Some(mul(sigma_rel, sigma_rel, "sigma prior^2")?);
        Ok(v)
    }

    /// Adds a mid observed at `time`. Samples not later than the previous one, and
    /// non-positive mids, are ignored (returns false).
    pub fn update(&mut self, time: DateTime<Utc>, mid: Decimal) -> Result<bool, QuoteError> {
        if mid <= Decimal::ZERO {
            return Ok(false);
        }
        let Some((t0, m0)) = self.last else {
            self.last = Some((time, mid));
            return Ok(false);
        };
        let dt_ms = (time - t0).num_milliseconds();
        if dt_ms <= 0 {
            return Ok(false);
        }
        self.last = Some((time, mid));
        let dt = Decimal::from(dt_ms) / Decimal::ONE_THOUSAND;
        let r = float::ln("ln(mid / previous mid)", div(mid, m0, "mid ratio")?)?;
        let x = div(mul(r, r, "log return^2")?, dt, "variance per second")?;
        let decay = float::exp(
            "exp(-dt ln2 / half_life)",
            -div(
                mul(dt, LN_2, "dt ln2")?,
                self.half_life_secs,
                "dt ln2 / half_life",
            )?,
        )?;
        let alpha = Decimal::ONE - decay;
        self.variance = Some(match self.variance {
            None => x,
            Some(v) => v * decay + alpha * x,
        });
        self.samples += 1;
        Ok(true)
    }

    /// Returns used so far (excluding a prior).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Relative volatility per square-root second, once there is a prior or a return.
    pub fn sigma_rel(&self) -> Result<Option<Decimal>, QuoteError> {
        self.variance
            .map(|v| float::sqrt("sqrt(variance)", v))
            .transpose()
    }

    /// Volatility in USD per square-root second at `mid`.
    pub fn sigma_usd(&self, mid: Decimal) -> Result<Option<Decimal>, QuoteError> {
        Ok(match self.sigma_rel()? {
            Some(s) => Some(mul(s, mid, "sigma x mid")?),
            None => None,
        })
    }
}

/// ln 2 to 28 decimal places (0.6931471805599453094172321215).
const LN_2: Decimal = Decimal::from_parts(0xAA7A_65BF, 0x81F5_2F01, 0x1665_943F, false, 28);
