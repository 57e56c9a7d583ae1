-- Passkeys and security keys (WebAuthn credentials) of a user. The
-- credential record as go-webauthn keeps it (public key, flags, AAGUID) is
-- stored as JSON; the sign counter is a column of its own, so that an
-- assertion whose counter went back is refused by the row, whatever the
-- order of two concurrent sign-ins.
CREATE TABLE webauthn_credentials (
    id           BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    record       TEXT NOT NULL,
    sign_count   INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- A WebAuthn ceremony begun and not yet finished: its challenge, kept on
-- the server, single use and short-lived. user_id is NULL for a sign-in
-- with a passkey alone, where the user is not known until the answer.
CREATE TABLE webauthn_challenges (
    id_hash    TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    session    TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges (expires_at);
