-- A digest of each search's current content, so that a re-import can tell an unchanged search without reading its
-- rows back: SHA-256 (its first 16 bytes) of the search's stored columns and its current candidates' columns,
-- candidates in order of reference, as parsed values that determine the stored text (src/store/write.rs,
-- `content_digest`).
-- Written with the rows by every import and change by hand; set to NULL by whatever else changes or closes a
-- search's rows (removing it, undoing the entry that made it, forgetting a candidate), so that NULL means "compare
-- the rows". Not part of the evidence chain: it is a cache of what the chained rows hold, never read by reports.
ALTER TABLE search ADD COLUMN content_digest BLOB;
