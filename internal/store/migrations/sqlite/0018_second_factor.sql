-- The second factor of a user: a TOTP secret sealed by internal/secrets
-- (bound to the user), confirmed once the user typed a code from it, and
-- the last time step spent, so that no code is accepted twice.
CREATE TABLE user_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP, -- NULL while the user is enrolling
    last_step    INTEGER NOT NULL DEFAULT 0
);

-- Single-use recovery codes, stored as SHA-256 (they are random, not
-- chosen by people).
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- A password accepted, the second factor not yet: a short-lived
-- half-session that can do nothing but finish signing in.
CREATE TABLE pending_signins (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    user_agent TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pending_signins_expires_at ON pending_signins (expires_at);
