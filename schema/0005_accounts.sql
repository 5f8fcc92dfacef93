-- Accounts of `pledgecheck serve`: who may call the API, in which role, for which firm; and their API tokens.
-- Passwords are stored only as Argon2id hashes (PHC strings), tokens only as their SHA-256. Accounts are not
-- part of the evidence (the import log names an account as the actor of each change it makes).

CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('recruiter', 'auditor', 'admin')),
    -- The firm a recruiter works for (its id as in `firm.firm`); empty for the other roles.
    firm TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT,
    CHECK ((role = 'recruiter') = (firm IS NOT NULL))
);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);

CREATE INDEX api_token_account ON api_token (account_id);
