-- Recordings of conference rooms: who started and stopped each, when, why
-- it stopped (chair, staff, low_disk, shutdown), and its files with their
-- sizes. The files themselves are on disk (internal/recording), under the
-- room's slug and the recording's id; a room's recordings outlive it.
CREATE TABLE recordings (
    id         bigserial PRIMARY KEY,
    room_slug  text COLLATE "C" NOT NULL,
    recording  text COLLATE "C" NOT NULL,
    started_at timestamptz NOT NULL,
    started_by text NOT NULL,
    stopped_at timestamptz,
    stopped_by text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    files      text NOT NULL DEFAULT '[]',
    bytes      bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    UNIQUE (room_slug, recording)
);
