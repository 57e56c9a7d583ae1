-- Conference procedure: the speakers' list of each room's agenda items and
-- the turns given from it, kept so that a restart or the chair's reconnect
-- keeps the list (the SFU holds the live state, writing through).
--
-- floor_requests: one request for the floor; a granted request is a turn
-- (granted_at, started_at, the time it ran, ended_at). state is pending,
-- granted, in_progress, paused, completed, denied or cancelled. position
-- orders the pending requests of an agenda item. running_since is set
-- while the turn's clock runs; elapsed_ms is what ran before it.
CREATE TABLE floor_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    room_slug     TEXT NOT NULL,
    agenda_item   TEXT NOT NULL,
    identity      TEXT NOT NULL,
    name          TEXT NOT NULL,
    delegation    TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('speech', 'point_of_order', 'reply')),
    state         TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'in_progress', 'paused', 'completed', 'denied', 'cancelled')),
    position      INTEGER NOT NULL DEFAULT 0,
    language      TEXT NOT NULL DEFAULT '',
    limit_ms      INTEGER NOT NULL DEFAULT 0,
    elapsed_ms    INTEGER NOT NULL DEFAULT 0,
    requested_at  TIMESTAMP NOT NULL,
    granted_at    TIMESTAMP,
    started_at    TIMESTAMP,
    running_since TIMESTAMP,
    ended_at      TIMESTAMP,
    ended_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX floor_requests_item ON floor_requests (room_slug, agenda_item, id);

-- floor_rooms: the agenda item a room's speakers' list is on.
CREATE TABLE floor_rooms (
    room_slug   TEXT PRIMARY KEY,
    agenda_item TEXT NOT NULL
);

-- floor_times: speaking time per role, set by the chair per agenda item.
CREATE TABLE floor_times (
    room_slug   TEXT NOT NULL,
    agenda_item TEXT NOT NULL,
    role        TEXT NOT NULL,
    seconds     INTEGER NOT NULL CHECK (seconds > 0),
    PRIMARY KEY (room_slug, agenda_item, role)
);
