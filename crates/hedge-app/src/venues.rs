//! The venues this system trades, as named in config files (lower case) and shown to people.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A supported venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VenueKind {
    /// EdgeX (StarkEx perpetuals).
    Edgex,
    /// Lighter (zk order book).
    Lighter,
}

impl VenueKind {
    /// Every supported venue, in display order.
    pub const ALL: [VenueKind; 2] = [VenueKind::Edgex, VenueKind::Lighter];

    /// The config-file name (`edgex`, `lighter`).
    pub fn id(self) -> &'static str {
        match self {
            VenueKind::Edgex => "edgex",
            VenueKind::Lighter => "lighter",
        }
    }

    /// The name shown to people (`EdgeX`, `Lighter`).
    pub fn display_name(self) -> &'static str {
        match self {
            VenueKind::Edgex => "EdgeX",
            VenueKind::Lighter => "Lighter",
        }
    }

    /// The other venue of the pair.
    pub fn other(self) -> Self {
        match self {
            VenueKind::Edgex => VenueKind::Lighter,
            VenueKind::Lighter => VenueKind::Edgex,
        }
    }
}

impl fmt::Display for VenueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl FromStr for VenueKind {
    type Err = String;

    /// Case-insensitive, surrounding spaces ignored (the seed lower-cases on load).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "edgex" => Ok(VenueKind::Edgex),
            "lighter" => Ok(VenueKind::Lighter),
            _ => Err(format!(
                "unknown venue {s:?} (expected one of: {})",
                VenueKind::ALL.map(|v| v.id()).join(", ")
            )),
        }
    }
}

impl Serialize for VenueKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_case_insensitive_and_errors_name_the_value() {
        assert_eq!(" EdgeX ".parse::<VenueKind>(), Ok(VenueKind::Edgex));
        assert_eq!("LIGHTER".parse::<VenueKind>(), Ok(VenueKind::Lighter));
        let e = "binance".parse::<VenueKind>().unwrap_err();
        assert!(
            e.contains("\"binance\"") && e.contains("edgex, lighter"),
            "{e}"
        );
        assert_eq!(VenueKind::Edgex.other(), VenueKind::Lighter);
    }
}
