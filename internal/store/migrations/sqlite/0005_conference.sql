-- Conference rooms: chat history for late joiners and the audit trail of
-- moderator actions (admit, deny, mute, remove, lock, permissions).
CREATE TABLE room_chat (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    room_slug   TEXT NOT NULL,
    identity    TEXT NOT NULL,
    name        TEXT NOT NULL,
    delegation  TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX room_chat_room ON room_chat (room_slug, id);

CREATE TABLE room_audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    room_slug       TEXT NOT NULL,
    actor_identity  TEXT NOT NULL,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    target_identity TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX room_audit_room ON room_audit (room_slug, id);
