-- Broadcast: the bearer tokens staff issue for WHIP encoders (RFC 9725),
-- one room each. Only the SHA-256 of a token is kept; a programme token's
-- feed replaces the active speaker for the room's broadcast viewers.
CREATE TABLE whip_tokens (
    id         bigserial PRIMARY KEY,
    room_id    bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    label      text NOT NULL CHECK (label <> ''),
    programme  boolean NOT NULL DEFAULT false,
    token_hash text COLLATE "C" NOT NULL UNIQUE,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX whip_tokens_room ON whip_tokens (room_id);
