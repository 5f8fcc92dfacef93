-- pledgecheck storage, level 3: views for people who open the database in sqlite3 or an SQLite browser.
-- They read the stored verdicts and the current rows, and give the reports' numbers (docs/storage.md):
--   search_verdicts  = report searches          firm_totals   = report firms
--   firm_quarter     = report quarters          quarter_totals = the quarterly pack's summary counts
--   current_firms, search_candidates, search_exemptions: the current rows, by firm id and search reference.
-- Rates are compliant / (compliant + non_compliant + incomplete), rounded half-up to 4 decimals in integer
-- arithmetic exactly as the reports do (so 0.875 and 0.7778, as in JSON), NULL where nothing is rated.
-- Views hold no data: dropping and recreating them loses nothing.

CREATE VIEW current_firms AS
SELECT firm.firm AS firm, v.name AS name, v.pledged_on AS pledged_on, v.withdrawn_on AS withdrawn_on
FROM firm
JOIN firm_version v ON v.firm_id = firm.id AND v.valid_to = '9999-12-31T23:59:59.999999Z';

CREATE VIEW search_verdicts AS
SELECT firm.firm AS firm, search.search_ref AS search_ref, v.client AS client, v.client_sector AS client_sector,
       v.level AS level, v.opened_on AS opened_on, v.shortlist_on AS shortlist_on, verdict.quarter AS quarter,
       verdict.verdict AS verdict, verdict.policy_version AS policy_version, verdict.reason AS reason,
       verdict.rule AS rule, v.position AS position, v.cancelled_on AS cancelled_on,
       verdict.policy_sha256 AS policy_sha256
FROM verdict
JOIN search ON search.id = verdict.search_id
JOIN firm ON firm.id = search.firm_id
JOIN search_version v ON v.search_id = search.id AND v.valid_to = '9999-12-31T23:59:59.999999Z';

CREATE VIEW search_candidates AS
SELECT firm.firm AS firm, search.search_ref AS search_ref, c.candidate_ref AS candidate_ref, c.sector AS sector,
       c.experience AS experience, c.stage AS stage, c.added_on AS added_on
FROM candidate_version c
JOIN search ON search.id = c.search_id
JOIN firm ON firm.id = search.firm_id
WHERE c.valid_to = '9999-12-31T23:59:59.999999Z';

CREATE VIEW search_exemptions AS
SELECT firm.firm AS firm, search.search_ref AS search_ref, e.reason AS reason, e.note AS note
FROM exemption_version e
JOIN search ON search.id = e.search_id
JOIN firm ON firm.id = search.firm_id
WHERE e.valid_to = '9999-12-31T23:59:59.999999Z';

CREATE VIEW firm_quarter AS
WITH counts AS (
    SELECT quarter, firm,
           count(*) AS searches,
           sum(verdict = 'compliant') AS compliant,
           sum(verdict = 'non-compliant') AS non_compliant,
           sum(verdict = 'exempt') AS exempt,
           sum(verdict = 'incomplete') AS incomplete,
           sum(verdict = 'pending') AS pending,
           sum(verdict = 'not-applicable') AS not_applicable,
           sum(verdict IN ('compliant', 'non-compliant', 'incomplete')) AS rated,
           CAST(substr(quarter, 1, 4) AS INTEGER) * 4 + CAST(substr(quarter, 7, 1) AS INTEGER) - 1 AS ordinal
    FROM search_verdicts
    GROUP BY quarter, firm
),
rolling AS (
    SELECT a.quarter, a.firm, sum(b.compliant) AS compliant, sum(b.rated) AS rated
    FROM counts a
    JOIN counts b ON b.firm = a.firm AND b.ordinal BETWEEN a.ordinal - 3 AND a.ordinal
    GROUP BY a.quarter, a.firm
)
SELECT c.quarter AS quarter, c.firm AS firm, f.name AS name, c.searches AS searches, c.compliant AS compliant,
       c.non_compliant AS non_compliant, c.exempt AS exempt, c.incomplete AS incomplete, c.pending AS pending,
       c.not_applicable AS not_applicable,
       CASE WHEN c.rated > 0 THEN ((c.compliant * 20000 + c.rated) / (2 * c.rated)) / 10000.0 END AS compliance_rate,
       CASE WHEN r.rated > 0 THEN ((r.compliant * 20000 + r.rated) / (2 * r.rated)) / 10000.0 END
           AS compliance_rate_4q
FROM counts c
JOIN rolling r ON r.quarter = c.quarter AND r.firm = c.firm
LEFT JOIN current_firms f ON f.firm = c.firm;

CREATE VIEW firm_totals AS
WITH counts AS (
    SELECT f.firm AS firm, f.name AS name,
           count(s.firm) AS searches,
           coalesce(sum(s.verdict = 'compliant'), 0) AS compliant,
           coalesce(sum(s.verdict = 'non-compliant'), 0) AS non_compliant,
           coalesce(sum(s.verdict = 'exempt'), 0) AS exempt,
           coalesce(sum(s.verdict = 'incomplete'), 0) AS incomplete,
           coalesce(sum(s.verdict = 'pending'), 0) AS pending,
           coalesce(sum(s.verdict = 'not-applicable'), 0) AS not_applicable,
           coalesce(sum(s.verdict IN ('compliant', 'non-compliant', 'incomplete')), 0) AS rated
    FROM current_firms f
    LEFT JOIN search_verdicts s ON s.firm = f.firm
    GROUP BY f.firm, f.name
)
SELECT firm, name, searches, compliant, non_compliant, exempt, incomplete, pending, not_applicable,
       CASE WHEN rated > 0 THEN ((compliant * 20000 + rated) / (2 * rated)) / 10000.0 END AS compliance_rate
FROM counts;

CREATE VIEW quarter_totals AS
WITH counts AS (
    SELECT quarter,
           count(DISTINCT firm) AS firms,
           count(*) AS searches,
           sum(verdict = 'compliant') AS compliant,
           sum(verdict = 'non-compliant') AS non_compliant,
           sum(verdict = 'exempt') AS exempt,
           sum(verdict = 'incomplete') AS incomplete,
           sum(verdict = 'pending') AS pending,
           sum(verdict = 'not-applicable') AS not_applicable,
           sum(verdict IN ('compliant', 'non-compliant', 'incomplete')) AS rated,
           CAST(substr(quarter, 1, 4) AS INTEGER) * 4 + CAST(substr(quarter, 7, 1) AS INTEGER) - 1 AS ordinal
    FROM search_verdicts
    GROUP BY quarter
),
rolling AS (
    SELECT a.quarter, sum(b.compliant) AS compliant, sum(b.rated) AS rated
    FROM counts a
    JOIN counts b ON b.ordinal BETWEEN a.ordinal - 3 AND a.ordinal
    GROUP BY a.quarter
)
SELECT c.quarter AS quarter, c.firms AS firms, c.searches AS searches, c.compliant AS compliant,
       c.non_compliant AS non_compliant, c.exempt AS exempt, c.incomplete AS incomplete, c.pending AS pending,
       c.not_applicable AS not_applicable,
       CASE WHEN c.rated > 0 THEN ((c.compliant * 20000 + c.rated) / (2 * c.rated)) / 10000.0 END AS compliance_rate,
       CASE WHEN r.rated > 0 THEN ((r.compliant * 20000 + r.rated) / (2 * r.rated)) / 10000.0 END
           AS compliance_rate_4q
FROM counts c
JOIN rolling r ON r.quarter = c.quarter;
