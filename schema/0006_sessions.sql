-- Sessions of the web pages of `pledgecheck serve`: a signed-in browser holds a random session id in an HttpOnly
-- cookie; only its SHA-256 is stored, with the form token (CSRF) of the session and when it stops working. Like
-- accounts, sessions are not part of the evidence. Each account may choose the language of its pages.

CREATE TABLE web_session (
    id INTEGER PRIMARY KEY,
    session_sha256 TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES account (id),
    -- The token every form of the session carries; a POST without it is refused.
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- Set at logout: the session stops working at once.
    ended_at TEXT
);

CREATE INDEX web_session_account ON web_session (account_id);

-- `da` or `en`; empty: the browser's language decides.
ALTER TABLE account ADD COLUMN language TEXT CHECK (language IN ('da', 'en'));
