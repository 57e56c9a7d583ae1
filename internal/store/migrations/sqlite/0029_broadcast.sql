-- Broadcast: the bearer tokens staff issue for WHIP encoders (RFC 9725),
-- one room each. Only the SHA-256 of a token is kept; a programme token's
-- feed replaces the active speaker for the room's broadcast viewers.
CREATE TABLE whip_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    label      TEXT NOT NULL CHECK (label <> ''),
    programme  BOOLEAN NOT NULL DEFAULT FALSE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX whip_tokens_room ON whip_tokens (room_id);
