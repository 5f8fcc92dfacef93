//! The registry of Danish public employers: the built-in list (`data/clients.csv`, embedded in the binary; its
//! sources, date and gaps in `data/README.md`) and the entries users add, with the matching of a client's text
//! against their names and short forms. Pure: the store keeps the users' entries, the import asks here.
//!
//! A client matches an entry when its whole text, normalised by [`match_key`], equals the key of the entry's
//! name or one of its aliases. No key belongs to two entries (checked when the registry is built).

use std::collections::HashMap;
use std::fmt;

use crate::digest::hex_sha256;
use crate::model::{ClientKind, Sector, ValueError};

/// The built-in registry, as compiled (see `data/README.md`).
pub const BUILTIN_CSV: &str = include_str!("../../data/clients.csv");

/// The day the built-in registry was compiled; `data/README.md` says the same (a test checks it).
pub const BUILTIN_COMPILED: &str = "2026-12-02";

/// The header of the built-in file and of a clients file (whose `sector` may be left out: the kind says it).
pub const COLUMNS: [&str; 6] = ["id", "name", "sector", "kind", "code", "aliases"];

/// One public employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A stable id (`kommune-751`, `region-1082`, `stat-energistyrelsen`, or a user's own).
    pub id: String,
    /// The official name.
    pub name: String,
    /// Its kind, which gives its sector.
    pub kind: ClientKind,
    /// The municipality or region code, if it has one.
    pub code: Option<String>,
    /// Other names: short forms, former names, English names.
    pub aliases: Vec<String>,
}

impl Entry {
    /// The entry's sector (that of its kind).
    pub fn sector(&self) -> Sector {
        self.kind.sector()
    }

    /// The aliases as one field, separated by `|`.
    pub fn aliases_text(&self) -> String {
        self.aliases.join("|")
    }

    /// Builds an entry from the text of its fields, as a file or the command line gives them. A `sector` that is
    /// given must be that of the kind.
    pub fn from_fields(
        id: &str,
        name: &str,
        sector: Option<&str>,
        kind: &str,
        code: Option<&str>,
        aliases: Option<&str>,
    ) -> Result<Entry, Vec<(&'static str, ValueError)>> {
        let mut errors = Vec::new();
        let id = id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            errors.push((
                "id",
                ValueError(format!("client id {id:?} is not lower-case letters, digits and '-' (such as kommune-751)")),
            ));
        }
        let name = name.trim();
        if match_key(name).is_empty() {
            errors.push(("name", ValueError(format!("client name {name:?} has no letter or digit to match on"))));
        }
        let kind = match ClientKind::parse(kind) {
            Ok(kind) => Some(kind),
            Err(e) => {
                errors.push(("kind", e));
                None
            }
        };
        if let (Some(raw), Some(kind)) = (sector.map(str::trim).filter(|s| !s.is_empty()), kind) {
            match Sector::parse(raw) {
                Ok(s) if s == kind.sector() => {}
                Ok(s) => errors.push((
                    "sector",
                    ValueError(format!(
                        "sector {s} does not fit kind {kind} (a {kind} is in sector {})",
                        kind.sector()
                    )),
                )),
                Err(e) => errors.push(("sector", e)),
            }
        }
        let aliases: Vec<String> =
            aliases.unwrap_or("").split('|').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect();
        if let Some(bad) = aliases.iter().find(|a| match_key(a).is_empty()) {
            errors.push(("aliases", ValueError(format!("alias {bad:?} has no letter or digit to match on"))));
        }
        let code = code.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        match kind {
            Some(kind) if errors.is_empty() => {
                Ok(Entry { id: id.to_string(), name: name.to_string(), kind, code, aliases })
            }
            _ => Err(errors),
        }
    }
}

/// The registry could not be built: two entries share a name or short form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError(pub String);

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegistryError {}

/// The registry in use: the built-in entries, replaced or joined by the users' own.
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<Entry>,
    by_key: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    version: String,
    sha256: String,
}

/// How a client's text stands against the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match<'a> {
    /// The text names this entry.
    Known(&'a Entry),
    /// The text names no entry.
    Unknown,
}

impl Registry {
    /// The built-in registry alone.
    pub fn builtin() -> Registry {
        Registry::with_additions(Vec::new()).expect("the built-in registry is sound (tested)")
    }

    /// The built-in registry with the users' entries: an entry whose id is built in replaces that entry; others
    /// are added. Refused when two entries then share a key.
    pub fn with_additions(additions: Vec<Entry>) -> Result<Registry, RegistryError> {
        let mut entries = builtin_entries();
        let mut canonical = String::new();
        for entry in additions {
            canonical.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                entry.id,
                entry.name,
                entry.kind,
                entry.code.as_deref().unwrap_or(""),
                entry.aliases_text()
            ));
            match entries.iter_mut().find(|e| e.id == entry.id) {
                Some(old) => *old = entry,
                None => entries.push(entry),
            }
        }
        let sha256 = hex_sha256(format!("{BUILTIN_CSV}{canonical}").as_bytes());
        let mut version = format!("builtin-{BUILTIN_COMPILED}+{}", &hex_sha256(BUILTIN_CSV.as_bytes())[..12]);
        if !canonical.is_empty() {
            let users = canonical.lines().count();
            version.push_str(&format!("+users-{users}-{}", &hex_sha256(canonical.as_bytes())[..12]));
        }
        let mut by_key = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            if by_id.insert(entry.id.clone(), i).is_some() {
                return Err(RegistryError(format!("client id {} is used twice", entry.id)));
            }
            for text in std::iter::once(&entry.name).chain(&entry.aliases) {
                let key = match_key(text);
                match by_key.get(&key) {
                    Some(&other) if other != i => {
                        let other: &Entry = &entries[other];
                        return Err(RegistryError(format!(
                            "client {:?} ({}) would also match {} ({:?}): a name or short form names one employer",
                            text, entry.id, other.id, other.name
                        )));
                    }
                    _ => {
                        by_key.insert(key, i);
                    }
                }
            }
        }
        Ok(Registry { entries, by_key, by_id, version, sha256 })
    }

    /// The entry a client's text names, if any.
    pub fn lookup(&self, client: &str) -> Match<'_> {
        match self.by_key.get(&match_key(client)) {
            Some(&i) => Match::Known(&self.entries[i]),
            None => Match::Unknown,
        }
    }

    /// The entry with an id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Every entry: the built-in ones in the file's order, then the users' own in the order added.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Names the registry's content: the built-in file's date and hash, and a hash of the users' entries, if
    /// any (`builtin-2026-12-02+1a2b3c4d5e6f+users-2-…`). The import log names it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The SHA-256 of the registry's content: the built-in file, then the users' entries in a canonical form.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// The built-in entries, read from the embedded file.
fn builtin_entries() -> Vec<Entry> {
    let mut reader = csv::ReaderBuilder::new().from_reader(BUILTIN_CSV.as_bytes());
    let mut entries = Vec::with_capacity(256);
    for row in reader.records() {
        let row = row.expect("the built-in registry is valid CSV (tested)");
        let field = |i: usize| row.get(i).unwrap_or("");
        let entry = Entry::from_fields(field(0), field(1), Some(field(2)), field(3), Some(field(4)), Some(field(5)))
            .unwrap_or_else(|e| panic!("built-in registry entry {} is invalid: {e:?}", field(0)));
        entries.push(entry);
    }
    entries
}

/// The key two spellings of one name share: lower case; `æ`, `ø`, `å` as `ae`, `oe`, `aa` (also when written
/// with a combining ring, and `ä`, `ö` as `ae`, `oe`); other accents dropped; only `a`-`z` and `0`-`9` kept (no
/// spaces, hyphens or punctuation). `Kbh. Kommune` and `kbh kommune`, `Århus` and `Aarhus` share a key.
/// `scripts/check-clients.py` has the same function (`match_key`).
pub fn match_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z' | '0'..='9' => key.push(c),
            'A'..='Z' => key.push(c.to_ascii_lowercase()),
            'æ' | 'Æ' | 'ä' | 'Ä' => key.push_str("ae"),
            'ø' | 'Ø' | 'ö' | 'Ö' => key.push_str("oe"),
            'å' | 'Å' => key.push_str("aa"),
            // A ring written apart from its `a` (decomposed `å`).
            '\u{30a}' if key.ends_with('a') => key.push('a'),
            _ => {
                if let Some(base) = fold_accent(c) {
                    key.push(base);
                }
            }
        }
    }
    key
}

/// The plain letter of an accented Latin letter; `None` for anything else (dropped from the key).
fn fold_accent(c: char) -> Option<char> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'à' | 'á' | 'â' | 'ã' | 'ā' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
