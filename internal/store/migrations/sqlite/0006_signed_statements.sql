-- Signed statements (internal/signing): one row per signed version of a
-- statement translation, with the exact fields that were signed, and the
-- digests under which the verify page finds it (signing.Digests).

CREATE TABLE signed_statements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    path       TEXT NOT NULL CHECK (path <> ''), -- URL path, the lookup key
    url        TEXT NOT NULL,
    lang       TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    issued_at  TIMESTAMP NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    signature  TEXT NOT NULL, -- base64 of the 64-byte Ed25519 signature
    key_id     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (path, version)
);

CREATE TABLE signed_statement_digests (
    digest       TEXT NOT NULL,
    statement_id INTEGER NOT NULL REFERENCES signed_statements (id) ON DELETE CASCADE,
    PRIMARY KEY (digest, statement_id)
);
