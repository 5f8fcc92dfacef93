-- pledgecheck storage, level 3: what each entry's hash covers, signed chain heads, recorded redaction tokens.
-- chain_format is the set of rules an entry was sealed with (src/store/chain.rs): 1 for every entry sealed before
-- this level (the hash of levels 1 and 2), 2 for the entries sealed since, whose hash also covers the format
-- itself and each redaction's token. `audit verify` recomputes each entry under the rules it was sealed with, so a
-- database sealed before still verifies.
ALTER TABLE import_log ADD COLUMN chain_format INTEGER NOT NULL DEFAULT 1;
-- The Ed25519 signature (hex) of the entry's hash, when the entry was written with `--key`.
ALTER TABLE import_log ADD COLUMN signature TEXT;
-- The redaction token `forget` put in place of the reference; NULL for redactions made before this level.
ALTER TABLE redaction ADD COLUMN token TEXT;
