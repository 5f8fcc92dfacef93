-- Issue 14: the registry of Danish public employers.
--
-- A search version keeps the client's text unchanged in `client` and, beside it, the registry entry the text
-- names (NULL for a client the registry does not know): its id, its kind when the row was written, and where the
-- row's client_sector came from: 'file' (the file's, agreeing with the registry), 'registry' (the file left it
-- empty; derived) or 'file-trusted' (the file's, contradicting the registry, kept by --trust-file-sectors).
-- The chain hashes the three only when client_id is set, so rows written before this migration keep their hash.
ALTER TABLE search_version ADD COLUMN client_id TEXT;
ALTER TABLE search_version ADD COLUMN client_kind TEXT;
ALTER TABLE search_version ADD COLUMN client_sector_from TEXT;

-- Users' entries of the registry (`client add|update`, a clients file): system-versioned like every other change
-- and covered by the hash chain (chain.rs hashes this table's rows into an entry only when the entry wrote or
-- closed some, so entries sealed before it existed keep their hashes). An entry whose client_id is built in
-- replaces the built-in entry; the others join the registry.
CREATE TABLE client_version (
    id         INTEGER PRIMARY KEY,
    client_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    code       TEXT,
    aliases    TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL,
    import_id  INTEGER NOT NULL REFERENCES import_log(id),
    -- First 16 bytes of the SHA-256 of the row's content (chain.rs).
    row_hash   BLOB NOT NULL
);
CREATE INDEX client_version_by_id ON client_version (client_id);
CREATE INDEX client_version_closed ON client_version (valid_to) WHERE valid_to < '9999';
