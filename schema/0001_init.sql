-- pledgecheck storage, level 1.
-- Firms, searches, candidates and exemptions are system-versioned: a change closes the current row
-- (valid_to = the change's time) and inserts a new one. A row is valid at T when valid_from <= T < valid_to.
-- Times are UTC with microseconds, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so text order is time order; the current row
-- has valid_to = '9999-12-31T23:59:59.999999Z'. Dates are ISO 'YYYY-MM-DD'.

CREATE TABLE schema_migration (
    level      INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

-- Every successful import or change command, even one that changed nothing. The entries form a hash chain:
-- each hash covers the entry, the rows it wrote and closed, and the previous entry's hash (see src/store/chain.rs).
CREATE TABLE import_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL UNIQUE,
    actor     TEXT NOT NULL,
    command   TEXT NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE import_file (
    import_id INTEGER NOT NULL REFERENCES import_log(id),
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);

-- Each policy put in force, with its text; the latest in_force_from is the one in force.
CREATE TABLE policy (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    text          TEXT NOT NULL,
    in_force_from TEXT NOT NULL,
    import_id     INTEGER NOT NULL REFERENCES import_log(id)
);

-- Identities: never versioned, never deleted.
CREATE TABLE firm (
    id   INTEGER PRIMARY KEY,
    firm TEXT NOT NULL UNIQUE
);

CREATE TABLE search (
    id         INTEGER PRIMARY KEY,
    firm_id    INTEGER NOT NULL REFERENCES firm(id),
    search_ref TEXT NOT NULL,
    UNIQUE (firm_id, search_ref)
);

CREATE TABLE firm_version (
    id            INTEGER PRIMARY KEY,
    firm_id      INTEGER NOT NULL REFERENCES firm(id),
    name         TEXT,
    pledged_on   TEXT,
    withdrawn_on TEXT,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT NOT NULL,
    import_id    INTEGER NOT NULL REFERENCES import_log(id),
    row_hash     BLOB NOT NULL
);
CREATE INDEX firm_version_by_firm ON firm_version (firm_id);

CREATE TABLE search_version (
    id            INTEGER PRIMARY KEY,
    search_id     INTEGER NOT NULL REFERENCES search(id),
    client        TEXT NOT NULL,
    client_sector TEXT NOT NULL,
    position      TEXT NOT NULL,
    level         TEXT NOT NULL,
    opened_on     TEXT NOT NULL,
    shortlist_on  TEXT,
    cancelled_on  TEXT,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT NOT NULL,
    import_id     INTEGER NOT NULL REFERENCES import_log(id),
    -- First 16 bytes of the SHA-256 of the row's content (chain.rs), to name a row edited behind pledgecheck's back.
    row_hash      BLOB NOT NULL
);
CREATE INDEX search_version_by_search ON search_version (search_id);

CREATE TABLE candidate_version (
    id            INTEGER PRIMARY KEY,
    search_id     INTEGER NOT NULL REFERENCES search(id),
    candidate_ref TEXT NOT NULL,
    -- The first 16 bytes of the SHA-256 of ref_salt and candidate_ref: the chain covers this, not the reference,
    -- so that `forget` can replace the reference (and drop the salt) without breaking the chain.
    ref_digest    BLOB NOT NULL,
    ref_salt      BLOB,
    sector        TEXT NOT NULL,
    experience    TEXT NOT NULL,
    stage         TEXT NOT NULL,
    added_on      TEXT,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT NOT NULL,
    import_id     INTEGER NOT NULL REFERENCES import_log(id),
    -- First 16 bytes of the SHA-256 of the row's content (chain.rs), to name a row edited behind pledgecheck's back.
    row_hash      BLOB NOT NULL
);
CREATE INDEX candidate_version_by_search ON candidate_version (search_id);

CREATE TABLE exemption_version (
    id            INTEGER PRIMARY KEY,
    search_id  INTEGER NOT NULL REFERENCES search(id),
    reason     TEXT NOT NULL,
    note       TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL,
    import_id  INTEGER NOT NULL REFERENCES import_log(id),
    row_hash   BLOB NOT NULL
);
CREATE INDEX exemption_version_by_search ON exemption_version (search_id);

-- Rows closed by an entry are found by their valid_to; only closed rows are indexed.
CREATE INDEX firm_version_closed ON firm_version (valid_to) WHERE valid_to < '9999';
CREATE INDEX search_version_closed ON search_version (valid_to) WHERE valid_to < '9999';
CREATE INDEX candidate_version_closed ON candidate_version (valid_to) WHERE valid_to < '9999';
CREATE INDEX exemption_version_closed ON exemption_version (valid_to) WHERE valid_to < '9999';

-- Candidate versions whose reference `forget` replaced, and the entry that did it.
CREATE TABLE redaction (
    import_id            INTEGER NOT NULL REFERENCES import_log(id),
    candidate_version_id INTEGER NOT NULL UNIQUE REFERENCES candidate_version(id)
);

-- The current verdict of each current search, recomputed in the transaction of every change it depends on.
CREATE TABLE verdict (
    search_id      INTEGER PRIMARY KEY REFERENCES search(id),
    verdict        TEXT NOT NULL,
    rule           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    policy_version TEXT,
    policy_sha256  TEXT NOT NULL,
    quarter        TEXT NOT NULL,
    computed_at    TEXT NOT NULL
);
