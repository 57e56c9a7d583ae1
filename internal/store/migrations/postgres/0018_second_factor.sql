-- The second factor of a user: a TOTP secret sealed by internal/secrets
-- (bound to the user), confirmed once the user typed a code from it, and
-- the last time step spent, so that no code is accepted twice.
CREATE TABLE user_totp (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz, -- NULL while the user is enrolling
    last_step    bigint NOT NULL DEFAULT 0
);

-- Single-use recovery codes, stored as SHA-256 (they are random, not
-- chosen by people).
CREATE TABLE recovery_codes (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A password accepted, the second factor not yet: a short-lived
-- half-session that can do nothing but finish signing in.
CREATE TABLE pending_signins (
    id_hash    text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    failures   integer NOT NULL DEFAULT 0,
    user_agent text NOT NULL DEFAULT '',
    ip         text NOT NULL DEFAULT ''
);
CREATE INDEX pending_signins_expires_at ON pending_signins (expires_at);
