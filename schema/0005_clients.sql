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
