-- Signed statements (internal/signing): one row per signed version of a
-- statement translation, with the exact fields that were signed, and the
-- digests under which the verify page finds it (signing.Digests).

CREATE TABLE signed_statements (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path       text COLLATE "C" NOT NULL CHECK (path <> ''), -- URL path, the lookup key
    url        text NOT NULL,
    lang       text NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    issued_at  timestamptz NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL,
    signature  text NOT NULL, -- base64 of the 64-byte Ed25519 signature
    key_id     text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (path, version)
);

CREATE TABLE signed_statement_digests (
    digest       text COLLATE "C" NOT NULL,
    statement_id bigint NOT NULL REFERENCES signed_statements (id) ON DELETE CASCADE,
    PRIMARY KEY (digest, statement_id)
);
