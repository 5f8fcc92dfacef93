//! Reading back: one search's dossier (its rows valid at a moment), every dossier in turn, and the stored
//! verdicts (listed, streamed, counted); [`super::View`] is the way in for the rest of the crate.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{forever, stored_date, Store, StoreError, FOREVER_SQL};
use crate::model::{
    Candidate, ClientKind, ClientRef, Dossier, Exemption, Experience, Firm, Level, Search, SearchVerdict, Sector,
    SectorFrom, Stage, Verdict, VerdictCount,
};

/// The page cache, in KiB (negative, as SQLite takes it), while SQLite's sorter orders a report (the sorter
/// takes as much again).
pub(super) const SORT_CACHE_KIB: i64 = -8192;

/// The stored verdicts with their searches, one row each, for [`verdict_row`]: these columns ...
const VERDICT_SELECT: &str =
    "SELECT f.firm, search.search_ref, v.client, v.client_sector, v.level, v.opened_on, v.shortlist_on,
            verdict.quarter, verdict.verdict, verdict.rule, verdict.policy_version, verdict.reason, v.client_id";

/// ... from these tables; a statement adds its `WHERE`.
const VERDICT_FROM: &str = concat!(
    "FROM verdict JOIN search ON search.id = verdict.search_id JOIN firm f ON f.id = search.firm_id
     JOIN search_version v ON v.search_id = search.id AND v.valid_to = ",
    super::forever!()
);

/// How many columns [`VERDICT_SELECT`] has.
const VERDICT_COLUMNS: usize = 13;

/// Which stored verdicts a pass reads: of one firm, of one quarter, with one of some verdicts (each when given),
/// and with `exempted`, only searches with an exemption.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pick<'a> {
    /// Only this firm's searches.
    pub firm: Option<&'a str>,
    /// Only the searches of this quarter (`2026-Q3`).
    pub quarter: Option<&'a str>,
    /// Only searches with one of these verdicts (all when empty).
    pub only: &'a [Verdict],
    /// Only searches with an exemption, read with it.
    pub exempted: bool,
}

impl Pick<'_> {
    /// Whether a verdict row is one the pick chooses (for verdicts worked out rather than read).
    pub(super) fn covers(&self, row: &SearchVerdict) -> bool {
        self.firm.is_none_or(|f| f == row.firm)
            && self.quarter.is_none_or(|q| q == row.quarter)
            && (self.only.is_empty() || self.only.contains(&row.verdict))
    }

    /// The `WHERE` clause over [`VERDICT_ROWS`] (the firm as `?1`, the quarter as `?2`) and the `ORDER BY` of
    /// report order over its result.
    fn sql(&self) -> (String, &'static str) {
        // One firm's searches come in order from the (firm_id, search_ref) index, with no sort.
        let (mut filter, order) = match self.firm {
            Some(_) => ("search.firm_id = (SELECT id FROM firm WHERE firm = ?1)".to_string(), "search.search_ref"),
            None => ("?1 IS NULL".to_string(), "f.firm, search.search_ref"),
        };
        filter.push_str(" AND (?2 IS NULL OR verdict.quarter = ?2)");
        if !self.only.is_empty() {
            // Written into the statement, the verdict words let SQLite sort only those rows.
            filter.push_str(&format!(" AND verdict.verdict IN ({})", verdict_words(self.only)));
        }
        (filter, order)
    }
}

/// A row of [`VERDICT_SELECT`].
fn verdict_row(r: &rusqlite::Row) -> Result<SearchVerdict, StoreError> {
    let verdict = r.get_ref(8)?.as_str().map_err(rusqlite::Error::from)?;
    Ok(SearchVerdict {
        firm: r.get(0)?,
        search_ref: r.get(1)?,
        client: r.get(2)?,
        client_sector: r.get(3)?,
        level: r.get(4)?,
        opened_on: r.get(5)?,
        shortlist_on: r.get(6)?,
        quarter: r.get(7)?,
        verdict: Verdict::parse(verdict).ok_or_else(|| corrupt("verdict", verdict))?,
        rule: r.get(9)?,
        policy_version: r.get(10)?,
        reason: r.get(11)?,
        client_id: r.get(12)?,
    })
}

/// A moment just before [`super::FOREVER`]: the rows valid then are the current rows.
pub const LATEST: &str = "9999-12-31T23:59:59.999998Z";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

/// The columns [`firm_at`] reads, from a firm's version `v`.
pub(super) const FIRM_COLUMNS: &str = "v.name, v.pledged_on, v.withdrawn_on";

/// The columns [`search_at`] reads, from `search` and its version `v`.
const SEARCH_COLUMNS: &str =
    "search.search_ref, v.client, v.client_sector, v.position, v.level, v.opened_on, v.shortlist_on, v.cancelled_on,
     v.client_id, v.client_kind, v.client_sector_from";

/// The columns [`candidate_at`] reads, from a candidate version.
const CANDIDATE_COLUMNS: &str = "candidate_ref, sector, experience, stage, added_on";

/// Firm `firm` read from [`FIRM_COLUMNS`], starting at column `at`.
pub(super) fn firm_at(row: &Row, at: usize, firm: String) -> Result<Firm, StoreError> {
    Ok(Firm {
        firm,
        name: row.get(at)?,
        pledged_on: stored_date(row.get(at + 1)?)?,
        withdrawn_on: stored_date(row.get(at + 2)?)?,
    })
}

/// A search of firm `firm` read from [`SEARCH_COLUMNS`], starting at column `at`.
fn search_at(row: &Row, at: usize, firm: &str) -> Result<Search, StoreError> {
    let client_sector = row.get_ref(at + 2)?.as_str().map_err(rusqlite::Error::from)?;
    let level = row.get_ref(at + 4)?.as_str().map_err(rusqlite::Error::from)?;
    Ok(Search {
        firm: firm.to_string(),
        search_ref: row.get(at)?,
        client: row.get(at + 1)?,
        client_sector: Sector::parse(client_sector).map_err(|_| corrupt("sector", client_sector))?,
        position: row.get(at + 3)?,
        level: Level::parse(level).map_err(|_| corrupt("level", level))?,
        opened_on: stored_date(row.get(at + 5)?)?.ok_or_else(|| corrupt("date", ""))?,
        shortlist_on: stored_date(row.get(at + 6)?)?,
        cancelled_on: stored_date(row.get(at + 7)?)?,
        client_ref: client_ref_at(row, at + 8)?,
    })
}

/// The registry entry stored beside a search's client, from `client_id, client_kind, client_sector_from`.
fn client_ref_at(row: &Row, at: usize) -> Result<Option<ClientRef>, StoreError> {
    let Some(id) = row.get::<_, Option<String>>(at)? else { return Ok(None) };
    let kind: String = row.get::<_, Option<String>>(at + 1)?.unwrap_or_default();
    let from: String = row.get::<_, Option<String>>(at + 2)?.unwrap_or_default();
    Ok(Some(ClientRef {
        id,
        kind: ClientKind::parse(&kind).map_err(|_| corrupt("client kind", &kind))?,
        sector_from: SectorFrom::parse(&from).map_err(|_| corrupt("client sector origin", &from))?,
    }))
}

/// A candidate read from [`CANDIDATE_COLUMNS`], starting at column `at`.
fn candidate_at(row: &Row, at: usize) -> Result<Candidate, StoreError> {
    let text = |i: usize| row.get_ref(at + i).and_then(|v| Ok(v.as_str()?));
    let (sector, experience, stage) = (text(1)?, text(2)?, text(3)?);
    Ok(Candidate {
        candidate_ref: row.get(at)?,
        sector: Sector::parse(sector).map_err(|_| corrupt("sector", sector))?,
        experience: Experience::parse_stored(experience).map_err(|_| corrupt("experience", experience))?,
        stage: Stage::parse(stage).map_err(|_| corrupt("stage", stage))?,
        added_on: stored_date(row.get(at + 4)?)?,
    })
}

/// The id of a search, by firm and reference: any search ever stored (`current` false), or only one that
/// currently exists.
pub(super) fn search_id(
    conn: &Connection,
    firm: &str,
    search_ref: &str,
    current: bool,
) -> Result<Option<i64>, StoreError> {
    let sql = if current {
        concat!(
            "SELECT search.id FROM search JOIN firm ON firm.id = search.firm_id
             JOIN search_version v ON v.search_id = search.id AND v.valid_to = ",
            forever!(),
            " WHERE firm.firm = ?1 AND search.search_ref = ?2"
        )
    } else {
        "SELECT search.id FROM search JOIN firm ON firm.id = search.firm_id
         WHERE firm.firm = ?1 AND search.search_ref = ?2"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let found = stmt.query_row((firm, search_ref), |r| r.get(0)).optional()?;
    // Identifiers are stored composed (NFC), and one typed decomposed names the same search; a database from
    // before they were composed may hold a decomposed one, so the text as given is looked up first.
    let (firm_nfc, ref_nfc) = (crate::model::composed(firm), crate::model::composed(search_ref));
    if found.is_some() || (firm_nfc == firm && ref_nfc == search_ref) {
        return Ok(found);
    }
    Ok(stmt.query_row((firm_nfc, ref_nfc), |r| r.get(0)).optional()?)
}

/// Loads the rows of one search valid at `moment` (use [`LATEST`] for the current rows).
pub(crate) fn load_dossier(conn: &Connection, search_id: i64, moment: &str) -> Result<Option<Dossier>, StoreError> {
    // The current rows are selected by the literal, with no parameter for the moment, so the statements are
    // planned once (see `forever!`).
    let latest = moment == LATEST;
    let valid = |alias: &str| {
        if latest {
            format!("{alias}valid_to = {FOREVER_SQL}")
        } else {
            format!("{alias}valid_from <= ?2 AND {alias}valid_to > ?2")
        }
    };
    let with_moment = |id: &'_ i64| -> Vec<Box<dyn rusqlite::ToSql>> {
        let mut p: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(*id)];
        if !latest {
            p.push(Box::new(moment.to_string()));
        }
        p
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT firm.id, firm.firm, {SEARCH_COLUMNS}
         FROM search JOIN firm ON firm.id = search.firm_id
         JOIN search_version v ON v.search_id = search.id AND {}
         WHERE search.id = ?1",
        valid("v.")
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(with_moment(&search_id)))?;
    let Some(r) = rows.next()? else { return Ok(None) };
    let (firm_id, firm_name): (i64, String) = (r.get(0)?, r.get(1)?);
    let search = search_at(r, 2, &firm_name)?;
    drop(rows);
    let mut stmt = conn.prepare_cached(&format!(
        // One table, as the firm's id is known: joined with `firm`, the statement was planned again at every step.
        "SELECT {FIRM_COLUMNS} FROM firm_version v WHERE v.firm_id = ?1 AND {}",
        valid("v.")
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(with_moment(&firm_id)))?;
    let firm = match rows.next()? {
        Some(r) => firm_at(r, 0, firm_name.clone())?,
        None => return Err(corrupt("firm without a version", &firm_name)),
    };
    drop(rows);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CANDIDATE_COLUMNS} FROM candidate_version WHERE search_id = ?1 AND {} ORDER BY candidate_ref",
        valid("")
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(with_moment(&search_id)))?;
    let mut candidates = Vec::new();
    while let Some(r) = rows.next()? {
        candidates.push(candidate_at(r, 0)?);
    }
    drop(rows);
    let exemption = conn
        .prepare_cached(&format!("SELECT reason, note FROM exemption_version WHERE search_id = ?1 AND {}", valid("")))?
        .query_row(rusqlite::params_from_iter(with_moment(&search_id)), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
        .map(|(reason, note)| Exemption {
            firm: search.firm.clone(),
            search_ref: search.search_ref.clone(),
            reason,
            note,
        });
    Ok(Some(Dossier { firm, search, candidates, exemption }))
}

/// The stored verdicts (now, under the policy in force), read by SQLite: counted, streamed or looked up.
pub(super) struct VerdictQuery;

impl VerdictQuery {
    /// One current search's stored verdict.
    pub(super) fn one(conn: &Connection, firm: &str, search_ref: &str) -> Result<Option<SearchVerdict>, StoreError> {
        Ok(Self::of(conn, Some(firm), Some(search_ref))?.pop())
    }

    fn of(conn: &Connection, firm: Option<&str>, search_ref: Option<&str>) -> Result<Vec<SearchVerdict>, StoreError> {
        let mut stmt = conn.prepare(&format!(
            "{VERDICT_SELECT} {VERDICT_FROM} WHERE (?1 IS NULL OR f.firm = ?1) AND (?2 IS NULL OR search.search_ref = ?2)
             ORDER BY f.firm, search.search_ref"
        ))?;
        let mut rows = stmt.query(params![firm, search_ref])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(verdict_row(r)?);
        }
        Ok(out)
    }

    /// Visits every current search's stored verdict that `pick` chooses, ordered by firm and search reference, one
    /// at a time (for reports too long to hold in memory); with `exempted`, only the searches with an exemption,
    /// each with its exemption's reason and note.
    pub(super) fn each(
        conn: &Connection,
        cache_kib: i64,
        pick: &Pick,
        mut visit: impl FnMut(SearchVerdict, Option<(String, String)>) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        // The rows are read in the order they are stored (search, version and verdict rows lie in the same order)
        // and SQLite's sorter orders them: it spills to temporary files beyond its share of memory, so memory stays
        // flat. Visiting them in report order through the (firm_id, search_ref) index instead looked each row up
        // at random, 3x slower once the tables outgrow the page cache. The sorter takes as much memory as the page
        // cache, which this pass hardly needs: a smaller cache keeps the two within the memory budget.
        conn.pragma_update(None, "cache_size", SORT_CACHE_KIB.max(cache_kib))?;
        let done = Self::visit(conn, pick, &mut visit);
        conn.pragma_update(None, "cache_size", cache_kib)?;
        done
    }

    fn visit(
        conn: &Connection,
        pick: &Pick,
        visit: &mut impl FnMut(SearchVerdict, Option<(String, String)>) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let (filter, order) = pick.sql();
        let sql = match pick.exempted {
            false => format!("{VERDICT_SELECT} {VERDICT_FROM} WHERE {filter} ORDER BY {order}"),
            // The search's current exemption, found through its (search_id) index.
            true => format!(
                "{VERDICT_SELECT}, e.reason, e.note {VERDICT_FROM}
                 JOIN exemption_version e ON e.search_id = search.id AND e.valid_to = {FOREVER_SQL}
                 WHERE {filter} ORDER BY {order}"
            ),
        };
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params![pick.firm, pick.quarter])?;
        while let Some(r) = rows.next()? {
            let exemption = match pick.exempted {
                true => Some((r.get(VERDICT_COLUMNS)?, r.get(VERDICT_COLUMNS + 1)?)),
                false => None,
            };
            visit(verdict_row(r)?, exemption)?;
        }
        Ok(())
    }

    /// Visits every current search's stored verdict (of one firm, when given) in the order they are stored, with
    /// no sort: for counts and tallies, which do not need report order.
    pub(super) fn each_unordered(
        conn: &Connection,
        firm: Option<&str>,
        mut visit: impl FnMut(SearchVerdict) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let pick = Pick { firm, ..Pick::default() };
        let mut stmt = conn.prepare(&format!("{VERDICT_SELECT} {VERDICT_FROM} WHERE {}", pick.sql().0))?;
        let mut rows = stmt.query(params![pick.firm, pick.quarter])?;
        while let Some(r) = rows.next()? {
            visit(verdict_row(r)?)?;
        }
        Ok(())
    }

    /// One page of the stored verdicts of a firm (or all firms), of a quarter and with one of the verdicts `only`
    /// names (when given), in report order, and how many there are in all. The total is the sum of the stored
    /// totals, which also say how many rows each firm holds: the page is read firm after firm (in report order),
    /// skipping whole firms before the offset, each firm's rows through its (firm_id, search_ref) index, so that no
    /// page sorts or counts the matching verdicts.
    pub(super) fn page(
        conn: &Connection,
        firm: Option<&str>,
        quarter: Option<&str>,
        only: &[Verdict],
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<SearchVerdict>), StoreError> {
        let per_firm = Self::matching_per_firm(conn, firm, quarter, only)?;
        let total = per_firm.iter().map(|(_, n)| n).sum();
        let mut skip = offset;
        let mut out = Vec::new();
        for (firm_id, matching) in per_firm {
            if out.len() >= limit {
                break;
            }
            if skip >= matching {
                skip -= matching;
                continue;
            }
            Self::page_of_firm(conn, firm_id, quarter, only, skip, limit - out.len(), &mut out)?;
            skip = 0;
        }
        Ok((total, out))
    }

    /// How many stored verdicts of a quarter and with one of the verdicts `only` names (each when given) each firm
    /// (or one firm) has, from the stored totals: (firm id, count), firms with none left out, in firm order.
    fn matching_per_firm(
        conn: &Connection,
        firm: Option<&str>,
        quarter: Option<&str>,
        only: &[Verdict],
    ) -> Result<Vec<(i64, usize)>, StoreError> {
        let mut filter = match firm {
            Some(_) => "t.firm_id = (SELECT id FROM firm WHERE firm = ?1)".to_string(),
            None => "?1 IS NULL".to_string(),
        };
        filter.push_str(" AND (?2 IS NULL OR t.quarter = ?2)");
        if !only.is_empty() {
            filter.push_str(&format!(" AND t.verdict IN ({})", verdict_words(only)));
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT t.firm_id, sum(t.searches) FROM verdict_total t JOIN firm f ON f.id = t.firm_id
             WHERE {filter} GROUP BY f.firm, t.firm_id HAVING sum(t.searches) > 0 ORDER BY f.firm"
        ))?;
        let rows = stmt.query_map(params![firm, quarter], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (firm_id, n) = row?;
            out.push((firm_id, usize::try_from(n).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Adds to `out` at most `limit` of one firm's stored verdicts that match, in search reference order, after
    /// skipping `offset` of them: read through the (firm_id, search_ref) index, no sort.
    fn page_of_firm(
        conn: &Connection,
        firm_id: i64,
        quarter: Option<&str>,
        only: &[Verdict],
        offset: usize,
        limit: usize,
        out: &mut Vec<SearchVerdict>,
    ) -> Result<(), StoreError> {
        let mut stmt = conn.prepare_cached(&Self::page_of_firm_sql(only))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![firm_id, quarter, limit, offset])?;
        while let Some(r) = rows.next()? {
            out.push(verdict_row(r)?);
        }
        Ok(())
    }

    /// The statement of [`VerdictQuery::page_of_firm`]: the firm's id `?1`, the quarter `?2`, limit `?3`, offset `?4`.
    fn page_of_firm_sql(only: &[Verdict]) -> String {
        let mut filter = "search.firm_id = ?1 AND (?2 IS NULL OR verdict.quarter = ?2)".to_string();
        if !only.is_empty() {
            filter.push_str(&format!(" AND verdict.verdict IN ({})", verdict_words(only)));
        }
        // CROSS JOIN keeps the firm's searches the outer loop, read in order from its index, each verdict looked up
        // by its key; the page stops as soon as it is full.
        format!(
            "{VERDICT_SELECT} FROM search
             CROSS JOIN verdict ON verdict.search_id = search.id
             CROSS JOIN firm f ON f.id = search.firm_id
             CROSS JOIN search_version v ON v.search_id = search.id AND v.valid_to = {FOREVER_SQL}
             WHERE {filter} ORDER BY search.search_ref LIMIT ?3 OFFSET ?4"
        )
    }

    /// How many current searches each firm (or one firm) has per quarter and verdict: the stored totals, a few
    /// hundred rows however many searches there are.
    pub(super) fn counts(conn: &Connection, only: Option<&str>) -> Result<Vec<VerdictCount>, StoreError> {
        let sql = match only {
            Some(_) => {
                "SELECT f.firm, t.quarter, t.verdict, t.searches FROM verdict_total t JOIN firm f ON f.id = t.firm_id
                 WHERE t.firm_id = (SELECT id FROM firm WHERE firm = ?1)"
            }
            None => {
                "SELECT f.firm, t.quarter, t.verdict, t.searches FROM verdict_total t JOIN firm f ON f.id = t.firm_id
                 WHERE ?1 IS NULL"
            }
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([only])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let verdict = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            let verdict = Verdict::parse(verdict).ok_or_else(|| corrupt("verdict", verdict))?;
            let searches: i64 = r.get(3)?;
            let searches = u64::try_from(searches).map_err(|_| corrupt("stored total", &searches.to_string()))?;
            out.push(VerdictCount { firm: r.get(0)?, quarter: r.get(1)?, verdict, searches });
        }
        Ok(out)
    }
}

/// Verdict words as an SQL list: fixed identifiers, written into the statement so that SQLite plans for them.
fn verdict_words(only: &[Verdict]) -> String {
    only.iter().map(|v| format!("'{}'", v.as_str())).collect::<Vec<_>>().join(", ")
}

/// Reads the dossiers valid at `moment` one by one, in search id order, without holding them all in memory: the
/// searches, candidates and exemptions are read by three cursors in step.
pub(crate) fn for_each_dossier(
    conn: &Connection,
    moment: &str,
    visit: impl FnMut(Dossier) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for_each_dossier_within(conn, moment, &Within::default(), visit)
}

/// Which searches a pass over dossiers reads: of one firm, of one quarter (each when given). SQLite chooses them,
/// so that a quarter's pass reads the quarter's rows, not the whole database's.
#[derive(Debug, Clone, Default)]
pub struct Within<'a> {
    /// Only this firm's searches.
    pub firm: Option<&'a str>,
    /// Only searches of this quarter (the quarter of the shortlist, else of the opening).
    pub quarter: Option<crate::model::Quarter>,
}

impl Within<'_> {
    /// A condition on `search_id` choosing the searches (with the moment as `?1`), or nothing for every search.
    fn sql(&self) -> Result<String, StoreError> {
        let mut conditions = Vec::new();
        if let Some(firm) = self.firm {
            conditions.push(format!("s.firm_id = (SELECT id FROM firm WHERE firm = {})", sql_text(firm)));
        }
        if let Some(q) = self.quarter {
            // Dates are stored as YYYY-MM-DD text, which sorts as the dates do.
            let first = chrono::NaiveDate::from_ymd_opt(q.year, q.number * 3 - 2, 1)
                .ok_or_else(|| StoreError::Corrupt(format!("quarter {q}")))?;
            let next = first.checked_add_months(chrono::Months::new(3)).unwrap_or(chrono::NaiveDate::MAX);
            conditions.push(format!(
                "coalesce(w.shortlist_on, w.opened_on) >= '{first}' AND coalesce(w.shortlist_on, w.opened_on) < '{next}'"
            ));
        }
        if conditions.is_empty() {
            return Ok(String::new());
        }
        Ok(format!(
            " AND search_id IN (SELECT w.search_id FROM search_version w JOIN search s ON s.id = w.search_id
               WHERE w.valid_from <= ?1 AND w.valid_to > ?1 AND {})",
            conditions.join(" AND ")
        ))
    }
}

/// A text as an SQL literal.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// [`for_each_dossier`] over the searches `within` chooses.
pub(crate) fn for_each_dossier_within(
    conn: &Connection,
    moment: &str,
    within: &Within,
    mut visit: impl FnMut(Dossier) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for_each_dossier_with_verdict(conn, moment, 0..i64::MAX, within, |case, _| visit(case))
}

/// [`for_each_dossier`], with each search's stored verdict (for the current rows).
pub(crate) fn for_each_dossier_with_verdict(
    conn: &Connection,
    moment: &str,
    ids: std::ops::Range<i64>,
    within: &Within,
    mut visit: impl FnMut(Dossier, Option<Verdict>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let chosen = within.sql()?;
    let mut firms = std::collections::HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT firm.id, firm.firm, {FIRM_COLUMNS} FROM firm
             JOIN firm_version v ON v.firm_id = firm.id AND v.valid_from <= ?1 AND v.valid_to > ?1"
        ))?;
        let mut rows = stmt.query([moment])?;
        while let Some(r) = rows.next()? {
            firms.insert(r.get::<_, i64>(0)?, firm_at(r, 2, r.get(1)?)?);
        }
    }
    // CROSS JOIN keeps `search` the outer loop, read in id order: left to itself, SQLite 3.54 walked the versions'
    // index instead and sorted every search in a temporary B-tree as large as the page cache (32 MB more memory).
    let mut searches = conn.prepare(&format!(
        "SELECT search.id, search.firm_id, verdict.verdict, {SEARCH_COLUMNS}
         FROM search CROSS JOIN search_version v ON v.search_id = search.id AND v.valid_from <= ?1 AND v.valid_to > ?1
         LEFT JOIN verdict ON verdict.search_id = search.id
         WHERE search.id >= ?2 AND search.id < ?3{}
         ORDER BY search.id",
        chosen.replace("search_id IN", "search.id IN")
    ))?;
    let mut candidates = conn.prepare(&format!(
        "SELECT search_id, {CANDIDATE_COLUMNS} FROM candidate_version
         WHERE search_id >= ?2 AND search_id < ?3 AND valid_from <= ?1 AND valid_to > ?1{chosen} ORDER BY search_id"
    ))?;
    let mut exemptions = conn.prepare(&format!(
        "SELECT search_id, reason, note FROM exemption_version
         WHERE search_id >= ?2 AND search_id < ?3 AND valid_from <= ?1 AND valid_to > ?1{chosen} ORDER BY search_id",
    ))?;
    let range = params![moment, ids.start, ids.end];
    let mut search_rows = searches.query(range)?;
    let mut candidate_rows = candidates.query(range)?;
    let mut exemption_rows = exemptions.query(range)?;
    let mut next_candidate = next_candidate(&mut candidate_rows)?;
    let mut next_exemption = next_exemption(&mut exemption_rows)?;
    while let Some(r) = search_rows.next()? {
        let id: i64 = r.get(0)?;
        let firm_id: i64 = r.get(1)?;
        let firm = firms
            .get(&firm_id)
            .cloned()
            .ok_or_else(|| corrupt("search of a firm without a version", &id.to_string()))?;
        let search = search_at(r, 3, &firm.firm)?;
        let mut list = Vec::new();
        while next_candidate.as_ref().is_some_and(|(sid, _)| *sid <= id) {
            let (sid, candidate) = next_candidate.take().expect("checked above");
            if sid == id {
                list.push(candidate);
            }
            next_candidate = self::next_candidate(&mut candidate_rows)?;
        }
        let mut exemption = None;
        while next_exemption.as_ref().is_some_and(|(sid, _, _)| *sid <= id) {
            let (sid, reason, note) = next_exemption.take().expect("checked above");
            if sid == id {
                exemption =
                    Some(Exemption { firm: search.firm.clone(), search_ref: search.search_ref.clone(), reason, note });
            }
            next_exemption = self::next_exemption(&mut exemption_rows)?;
        }
        let stored: Option<String> = r.get(2)?;
        let stored = stored.map(|v| Verdict::parse(&v).ok_or_else(|| corrupt("verdict", &v))).transpose()?;
        visit(Dossier { firm, search, candidates: list, exemption }, stored)?;
    }
    Ok(())
}

fn next_candidate(rows: &mut rusqlite::Rows) -> Result<Option<(i64, Candidate)>, StoreError> {
    let Some(r) = rows.next()? else { return Ok(None) };
    Ok(Some((r.get(0)?, candidate_at(r, 1)?)))
}

fn next_exemption(rows: &mut rusqlite::Rows) -> Result<Option<(i64, String, String)>, StoreError> {
    let Some(r) = rows.next()? else { return Ok(None) };
    Ok(Some((r.get(0)?, r.get(1)?, r.get(2)?)))
}

impl Store {
    /// Visits every current search with its stored verdict, in search id order, one at a time on this
    /// connection (memory stays flat however many searches there are).
    pub fn each_current_with_verdict(
        &self,
        visit: impl FnMut(Dossier, Option<Verdict>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.with_small_cache(|conn| {
            for_each_dossier_with_verdict(conn, LATEST, 0..i64::MAX, &Within::default(), visit)
        })
    }

    /// Runs a pass over the database with the page cache at [`SORT_CACHE_KIB`], then puts it back: a pass that
    /// reads its cursors forward once gains nothing from a large cache, and what it holds (tallies, a temporary
    /// table) then fits the memory budget beside it.
    pub(super) fn with_small_cache<T>(
        &self,
        pass: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "cache_size", SORT_CACHE_KIB.max(self.cache_kib))?;
        let done = pass(&self.conn);
        self.conn.pragma_update(None, "cache_size", self.cache_kib)?;
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
        let rows = stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3)).unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// A page of a firm's searches walks the firm's (firm_id, search_ref) index in order and stops when the page
    /// is full: no scan of the firm's or every search, no sort.
    #[test]
    fn a_page_of_a_firm_reads_its_index_in_order_without_a_sort() {
        let store = Store::in_memory().unwrap();
        for only in [&[][..], &[Verdict::NonCompliant, Verdict::Incomplete][..]] {
            let plan = plan(store.conn(), &VerdictQuery::page_of_firm_sql(only));
            assert!(plan.contains("sqlite_autoindex_search_1 (firm_id=?)"), "{plan}");
            assert!(!plan.contains("TEMP B-TREE") && !plan.contains("SCAN"), "{plan}");
        }
    }

    /// The stored totals are read through their key for one firm.
    #[test]
    fn one_firms_totals_are_read_through_their_key() {
        let store = Store::in_memory().unwrap();
        let plan = plan(
            store.conn(),
            "SELECT f.firm, t.quarter, t.verdict, t.searches FROM verdict_total t JOIN firm f ON f.id = t.firm_id
             WHERE t.firm_id = (SELECT id FROM firm WHERE firm = 'x')",
        );
        assert!(plan.contains("SEARCH t USING INDEX sqlite_autoindex_verdict_total_1 (firm_id=?)"), "{plan}");
    }
}
