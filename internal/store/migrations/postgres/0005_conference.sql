-- Conference rooms: chat history for late joiners and the audit trail of
-- moderator actions (admit, deny, mute, remove, lock, permissions).
CREATE TABLE room_chat (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_slug   text COLLATE "C" NOT NULL,
    identity    text NOT NULL,
    name        text NOT NULL,
    delegation  text NOT NULL DEFAULT '',
    body        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX room_chat_room ON room_chat (room_slug, id);

CREATE TABLE room_audit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_slug       text COLLATE "C" NOT NULL,
    actor_identity  text NOT NULL,
    actor_name      text NOT NULL,
    action          text NOT NULL,
    target_identity text NOT NULL DEFAULT '',
    detail          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);
CREATE INDEX room_audit_room ON room_audit (room_slug, id);
