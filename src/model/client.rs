//! The kind of a client organisation, as the registry of public employers records it (`crate::registry`).

use std::fmt;

use super::{normalise_word, Sector, ValueError};

/// What kind of public employer a client is; each kind belongs to one sector.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// One of the 98 municipalities.
    Municipality,
    /// One of the 5 regions.
    Region,
    /// A ministry's department.
    Ministry,
    /// An agency (styrelse, direktorat, tilsyn, nævn).
    Agency,
    /// Another state institution (police, defence, research institutes, museums, archives).
    OtherState,
}

impl ClientKind {
    /// Every kind, in the registry's order.
    pub const ALL: [ClientKind; 5] = [
        ClientKind::Municipality,
        ClientKind::Region,
        ClientKind::Ministry,
        ClientKind::Agency,
        ClientKind::OtherState,
    ];

    /// The word for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Municipality => "municipality",
            ClientKind::Region => "region",
            ClientKind::Ministry => "ministry",
            ClientKind::Agency => "agency",
            ClientKind::OtherState => "other-state",
        }
    }

    /// The sector every client of this kind is in.
    pub fn sector(self) -> Sector {
        match self {
            ClientKind::Municipality => Sector::Municipality,
            ClientKind::Region => Sector::Region,
            ClientKind::Ministry | ClientKind::Agency | ClientKind::OtherState => Sector::State,
        }
    }

    /// Reads a kind in English or Danish.
    pub fn parse(raw: &str) -> Result<ClientKind, ValueError> {
        if let Some(kind) = ClientKind::ALL.iter().find(|k| k.as_str() == raw) {
            return Ok(*kind);
        }
        Ok(match normalise_word(raw).as_str() {
            "municipality" | "kommune" => ClientKind::Municipality,
            "region" => ClientKind::Region,
            "ministry" | "ministerium" | "departement" => ClientKind::Ministry,
            "agency" | "styrelse" => ClientKind::Agency,
            "other-state" | "anden-statslig" => ClientKind::OtherState,
            _ => {
                return Err(ValueError(format!(
                    "unknown client kind {raw:?} (expected one of municipality, region, ministry, agency, other-state)"
                )))
            }
        })
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a search's client sector came from, for a client the registry knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectorFrom {
    /// The file gave it, and the registry agrees.
    File,
    /// The file left it empty: the registry's sector (derived).
    Registry,
    /// The file's sector contradicts the registry and was kept (`--trust-file-sectors`).
    FileTrusted,
}

impl SectorFrom {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            SectorFrom::File => "file",
            SectorFrom::Registry => "registry",
            SectorFrom::FileTrusted => "file-trusted",
        }
    }

    /// Reads the stored word.
    pub fn parse(raw: &str) -> Result<SectorFrom, ValueError> {
        Ok(match raw {
            "file" => SectorFrom::File,
            "registry" => SectorFrom::Registry,
            "file-trusted" => SectorFrom::FileTrusted,
            _ => {
                return Err(ValueError(format!(
                    "unknown sector origin {raw:?} (expected file, registry or file-trusted)"
                )))
            }
        })
    }
}

/// A client the registry knows, as a search records it beside the client's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientRef {
    /// The registry id (`kommune-751`).
    pub id: String,
    /// The entry's kind when the search was written.
    pub kind: ClientKind,
    /// Where the search's client sector came from.
    pub sector_from: SectorFrom,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_and_belong_to_one_sector() {
        assert_eq!(ClientKind::parse(" Styrelse ").unwrap(), ClientKind::Agency);
        assert_eq!(ClientKind::parse("other-state").unwrap().sector(), Sector::State);
        assert_eq!(ClientKind::Region.sector(), Sector::Region);
        assert!(ClientKind::parse("company").unwrap_err().0.contains("expected one of municipality"));
    }
}
