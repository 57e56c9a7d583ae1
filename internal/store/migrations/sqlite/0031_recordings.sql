-- Recordings of conference rooms: who started and stopped each, when, why
-- it stopped (chair, staff, low_disk, shutdown), and its files with their
-- sizes. The files themselves are on disk (internal/recording), under the
-- room's slug and the recording's id; a room's recordings outlive it.
CREATE TABLE recordings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_slug  TEXT NOT NULL,
    recording  TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    started_by TEXT NOT NULL,
    stopped_at TIMESTAMP,
    stopped_by TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    files      TEXT NOT NULL DEFAULT '[]',
    bytes      INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    UNIQUE (room_slug, recording)
);
