-- pledgecheck storage, level 7: stored totals of the stored verdicts, so that dashboards, overviews, report
-- routes and a page's total read a few hundred rows instead of counting every verdict.
--
-- verdict_total holds, for each firm, quarter and verdict, how many current searches have that stored verdict:
-- exactly what
--   SELECT search.firm_id, verdict.quarter, verdict.verdict, count(*)
--   FROM verdict JOIN search ON search.id = verdict.search_id GROUP BY 1, 2, 3
-- gives (no row with 0). Like `verdict`, it is derived data outside the hash chain: every change that writes
-- `verdict` updates it in the same transaction (src/store/totals.rs; not with a trigger, which would make SQLite
-- copy each verdict page into a statement journal during an import), and `audit verify` compares it with the
-- verdicts.
CREATE TABLE verdict_total (
    firm_id  INTEGER NOT NULL REFERENCES firm(id),
    quarter  TEXT NOT NULL,
    verdict  TEXT NOT NULL,
    searches INTEGER NOT NULL,
    PRIMARY KEY (firm_id, quarter, verdict)
);

-- A database written before this level gets its totals from the verdicts it holds.
INSERT INTO verdict_total (firm_id, quarter, verdict, searches)
SELECT search.firm_id, verdict.quarter, verdict.verdict, count(*)
FROM verdict JOIN search ON search.id = verdict.search_id
GROUP BY search.firm_id, verdict.quarter, verdict.verdict;
