-- Room access: which staff members may manage which conference room, and
-- the join tokens issued for each room, so that a token can be revoked
-- before it expires.
--
-- room_staff: an assigned staff member may issue tokens for the room's
-- delegates, interpreters and observers; a moderator assignment also
-- allows chair and protocol tokens. Administrators need no assignment.
CREATE TABLE room_staff (
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    moderator   boolean NOT NULL DEFAULT false,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_staff_user ON room_staff (user_id);

-- room_tokens: every join token issued (id is its "jti"). A revoked row is
-- kept until the token and the rejoin tokens of its session have expired.
CREATE TABLE room_tokens (
    id         text COLLATE "C" PRIMARY KEY,
    room_id    bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    identity   text NOT NULL,
    name       text NOT NULL,
    role       text NOT NULL,
    issued_by  bigint REFERENCES users (id) ON DELETE SET NULL, -- NULL: the command line
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_by bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX room_tokens_room ON room_tokens (room_id, expires_at);
CREATE INDEX room_tokens_expiry ON room_tokens (expires_at);
