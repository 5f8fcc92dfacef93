//! Tables of the registry of public employers: `client list` (the entries) and `report clients` (searches and
//! verdicts per employer).

use std::collections::{BTreeMap, BTreeSet};

use super::{four_quarters, Cell, Counts, Filter, Table, COUNT_COLUMNS, ROLLING_RATE_COLUMN};
use crate::model::{Quarter, SearchVerdict};
use crate::registry::Registry;

/// The columns of `client list`.
pub const CLIENT_LIST_COLUMNS: [&str; 7] = ["id", "name", "sector", "kind", "code", "aliases", "source"];

/// `client list`: every entry of the registry, in id order, with where it comes from (`builtin`, or `user` for an
/// entry added or changed by a user).
pub fn client_list(registry: &Registry, users: &[String]) -> Table {
    let mut entries: Vec<_> = registry.entries().iter().collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let rows = entries
        .into_iter()
        .map(|e| {
            let source = if users.contains(&e.id) { "user" } else { "builtin" };
            vec![
                Cell::text(&e.id),
                Cell::text(&e.name),
                Cell::text(e.sector().as_str()),
                Cell::text(e.kind.as_str()),
                e.code.as_deref().map_or(Cell::Empty, Cell::text),
                Cell::text(e.aliases_text()),
                Cell::text(source),
            ]
        })
        .collect();
    Table { columns: CLIENT_LIST_COLUMNS.to_vec(), rows }
}

/// The columns of `report clients`: the client, the contract's counts and rate, and the rolling rate.
pub const CLIENT_COLUMNS: [&str; 13] = [
    "client_id",
    "client",
    "client_sector",
    "client_kind",
    "searches",
    "compliant",
    "non_compliant",
    "exempt",
    "incomplete",
    "pending",
    "not_applicable",
    "compliance_rate",
    ROLLING_RATE_COLUMN,
];

/// Whom a row of `report clients` is about: a registry entry, or the text of a client the registry does not know
/// (entries first, in id order, then texts, in byte order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who<'a> {
    Entry(&'a str),
    Text(&'a str),
}

/// One client's counts per quarter, and the sectors its searches gave (for an unknown client).
#[derive(Debug, Clone, Default)]
struct PerClient {
    by_quarter: BTreeMap<String, Counts>,
    sectors: BTreeSet<String>,
}

/// The searches of each client (registry entry, or text the registry does not know) counted per quarter and
/// verdict, one search at a time: what `report clients` and [`most_failing`] are made of, held per client, never
/// per search.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Per registry entry, by id.
    entries: BTreeMap<String, PerClient>,
    /// Per client text the registry does not know.
    texts: BTreeMap<String, PerClient>,
    /// The latest quarter with searches counted.
    latest: Option<String>,
}

impl Tally {
    /// Counts one search, if the filter's firm and client cover it (its quarter is chosen later: rolling rates
    /// look back).
    pub fn add(&mut self, r: &SearchVerdict, filter: &Filter) {
        if !filter.firm_ok(&r.firm) || !filter.client_ok(&r.client, r.client_id.as_deref(), &r.client_sector) {
            return;
        }
        // Most searches add to a client already counted: looked up by reference before a key is made.
        let (map, key) = match &r.client_id {
            Some(id) => (&mut self.entries, id),
            None => (&mut self.texts, &r.client),
        };
        let entry = match map.get_mut(key.as_str()) {
            Some(entry) => entry,
            None => map.entry(key.clone()).or_default(),
        };
        match entry.by_quarter.get_mut(&r.quarter) {
            Some(counts) => counts.add(r.verdict),
            None => entry.by_quarter.entry(r.quarter.clone()).or_default().add(r.verdict),
        }
        if !entry.sectors.contains(&r.client_sector) {
            entry.sectors.insert(r.client_sector.clone());
        }
        if self.latest.as_deref().is_none_or(|l| l < r.quarter.as_str()) {
            self.latest = Some(r.quarter.clone());
        }
    }

    /// Every client counted, entries then texts, each in order.
    fn each(&self) -> impl Iterator<Item = (Who<'_>, &PerClient)> {
        let entries = self.entries.iter().map(|(id, c)| (Who::Entry(id.as_str()), c));
        entries.chain(self.texts.iter().map(|(text, c)| (Who::Text(text.as_str()), c)))
    }
}

/// `report clients`: one row per registry entry (with zeros where it has no searches), in id order, then one per
/// client text the registry does not know, in byte order. Counts are of the filter's quarter (else of every
/// quarter); `compliance_rate_4q` pools the four quarters ending with the filter's quarter, else with the latest
/// quarter that has searches. The firm and client filters choose the searches counted and the rows shown.
pub fn clients(registry: &Registry, rows: &[SearchVerdict], filter: &Filter) -> Table {
    let mut tally = Tally::default();
    for r in rows {
        tally.add(r, filter);
    }
    clients_of(registry, &tally, filter)
}

/// `report clients` from the searches counted (through the same filter).
pub fn clients_of(registry: &Registry, tally: &Tally, filter: &Filter) -> Table {
    let end = filter.quarter.as_deref().or(tally.latest.as_deref()).and_then(|q| Quarter::parse(q).ok());
    // The registry's entries are listed with zeros where they have no searches.
    let none = PerClient::default();
    let mut per: BTreeMap<Who, &PerClient> = tally.each().collect();
    for e in registry.entries() {
        if filter.client_ok(&e.name, Some(&e.id), e.sector().as_str()) {
            per.entry(Who::Entry(&e.id)).or_insert(&none);
        }
    }
    let table_rows = per
        .into_iter()
        .map(|(who, c)| {
            let (id, name, sector, kind) = match who {
                Who::Entry(id) => match registry.get(id) {
                    Some(e) => (
                        Cell::text(id),
                        Cell::text(&e.name),
                        Cell::text(e.sector().as_str()),
                        Cell::text(e.kind.as_str()),
                    ),
                    None => (Cell::text(id), Cell::Empty, Cell::text(join(&c.sectors)), Cell::Empty),
                },
                Who::Text(text) => (Cell::Empty, Cell::text(text), Cell::text(join(&c.sectors)), Cell::Empty),
            };
            let counts = match filter.quarter.as_deref() {
                Some(q) => c.by_quarter.get(q).copied().unwrap_or_default(),
                None => c.by_quarter.values().fold(Counts::default(), |mut sum, q| {
                    sum += *q;
                    sum
                }),
            };
            let mut rolling = Counts::default();
            for q in end.into_iter().flat_map(four_quarters) {
                rolling += c.by_quarter.get(&q.to_string()).copied().unwrap_or_default();
            }
            let mut cells = vec![id, name, sector, kind];
            cells.extend(counts.cells());
            cells.push(Cell::Rate(rolling.rate()));
            cells
        })
        .collect();
    debug_assert_eq!(CLIENT_COLUMNS[4..12], COUNT_COLUMNS);
    Table { columns: CLIENT_COLUMNS.to_vec(), rows: table_rows }
}

/// The public client sectors the pledge's three bodies look at, in the contract's order.
const PUBLIC: [&str; 3] = ["state", "region", "municipality"];

/// The state, the regions and the municipalities compared: one row per public client sector (zeros where it has no
/// searches), all quarters, with the counts and the rate.
pub fn by_sector(rows: &[SearchVerdict]) -> Table {
    let mut tally = SectorTally::default();
    for r in rows {
        tally.add(r);
    }
    tally.table()
}

/// The searches of public clients counted per client sector, one search at a time, for [`by_sector`].
#[derive(Debug, Clone, Default)]
pub struct SectorTally {
    counts: [Counts; 3],
}

impl SectorTally {
    /// Counts one search, if its client is public.
    pub fn add(&mut self, r: &SearchVerdict) {
        if let Some(i) = PUBLIC.iter().position(|s| *s == r.client_sector) {
            self.counts[i].add(r.verdict);
        }
    }

    /// The table of [`by_sector`].
    pub fn table(&self) -> Table {
        let mut columns = vec!["client_sector"];
        columns.extend(COUNT_COLUMNS);
        let rows = PUBLIC
            .iter()
            .zip(&self.counts)
            .map(|(s, counts)| {
                let mut cells = vec![Cell::text(*s)];
                cells.extend(counts.cells());
                cells
            })
            .collect();
        Table { columns, rows }
    }
}

/// The employers with the most failing (non-compliant or incomplete) searches, at most `n`, most first (then in
/// byte order of the id or text): `client_id,client,client_sector,failing,searches,compliance_rate`.
pub fn most_failing(registry: &Registry, rows: &[SearchVerdict], n: usize) -> Table {
    let mut tally = Tally::default();
    for r in rows {
        tally.add(r, &Filter::default());
    }
    most_failing_of(registry, &tally, n)
}

/// [`most_failing`] from every search counted (through no filter).
pub fn most_failing_of(registry: &Registry, tally: &Tally, n: usize) -> Table {
    let total = |c: &PerClient| {
        c.by_quarter.values().fold(Counts::default(), |mut sum, q| {
            sum += *q;
            sum
        })
    };
    let mut ranked: Vec<(Who, Counts, &BTreeSet<String>)> = tally
        .each()
        .map(|(who, c)| (who, total(c), &c.sectors))
        .filter(|(_, c, _)| c.non_compliant + c.incomplete > 0)
        .collect();
    // A stable sort: ties stay in the map's order.
    ranked.sort_by_key(|(_, c, _)| std::cmp::Reverse(c.non_compliant + c.incomplete));
    let rows = ranked
        .into_iter()
        .take(n)
        .map(|(who, c, sectors)| {
            let (id, name) = match who {
                Who::Entry(id) => (Cell::text(id), registry.get(id).map_or(Cell::Empty, |e| Cell::text(&e.name))),
                Who::Text(text) => (Cell::Empty, Cell::text(text)),
            };
            vec![
                id,
                name,
                Cell::text(join(sectors)),
                Cell::Count(c.non_compliant + c.incomplete),
                Cell::Count(c.searches),
                Cell::Rate(c.rate()),
            ]
        })
        .collect();
    Table { columns: vec!["client_id", "client", "client_sector", "failing", "searches", "compliance_rate"], rows }
}

fn join(sectors: &BTreeSet<String>) -> String {
    sectors.iter().map(String::as_str).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;
    use crate::report::test_row;

    fn row(id: Option<&str>, client: &str, quarter: &str, verdict: Verdict) -> SearchVerdict {
        SearchVerdict {
            client: client.into(),
            client_id: id.map(str::to_string),
            client_sector: if id.is_some() { "municipality".into() } else { "private".into() },
            ..test_row("f", "s", quarter, verdict)
        }
    }

    #[test]
    fn one_row_per_entry_then_per_unknown_text_with_the_rolling_rate() {
        let rows = [
            row(Some("kommune-751"), "Aarhus Kommune", "2026-Q1", Verdict::Compliant),
            row(Some("kommune-751"), "ÅRHUS KOMMUNE", "2026-Q2", Verdict::NonCompliant),
            row(None, "Grundfos", "2025-Q1", Verdict::NotApplicable),
        ];
        let table = clients(&Registry::builtin(), &rows, &Filter::default());
        assert_eq!(table.rows.len(), 215 + 1);
        let aarhus = table.rows.iter().find(|r| r[0] == Cell::text("kommune-751")).unwrap();
        assert_eq!(aarhus[1], Cell::text("Aarhus Kommune"));
        assert_eq!(aarhus[4], Cell::Count(2));
        assert_eq!(aarhus[11], Cell::Rate(Some(5000)));
        assert_eq!(aarhus[12], Cell::Rate(Some(5000)));
        let last = table.rows.last().unwrap();
        assert_eq!((&last[0], &last[1], &last[2]), (&Cell::Empty, &Cell::text("Grundfos"), &Cell::text("private")));
        assert_eq!(last[12], Cell::Rate(None), "2025-Q1 is outside the four quarters ending 2026-Q2");

        let only_q2 = Filter { quarter: Some("2026-Q2".into()), ..Filter::default() };
        let table = clients(&Registry::builtin(), &rows, &only_q2);
        let aarhus = table.rows.iter().find(|r| r[0] == Cell::text("kommune-751")).unwrap();
        assert_eq!((aarhus[4].clone(), aarhus[11].clone()), (Cell::Count(1), Cell::Rate(Some(0))));

        let regions = Filter { client_sector: Some(crate::model::Sector::Region), ..Filter::default() };
        assert_eq!(clients(&Registry::builtin(), &rows, &regions).rows.len(), 5);

        let sectors = by_sector(&rows);
        assert_eq!(sectors.rows.len(), 3);
        assert_eq!(sectors.rows[2][0], Cell::text("municipality"));
        assert_eq!(sectors.rows[2][1], Cell::Count(2));
        let failing = most_failing(&Registry::builtin(), &rows, 10);
        assert_eq!(failing.rows.len(), 1);
        assert_eq!(
            (failing.rows[0][1].clone(), failing.rows[0][3].clone()),
            (Cell::text("Aarhus Kommune"), Cell::Count(1))
        );
    }
}
