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
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_slug     text COLLATE "C" NOT NULL,
    agenda_item   text COLLATE "C" NOT NULL,
    identity      text NOT NULL,
    name          text NOT NULL,
    delegation    text NOT NULL DEFAULT '',
    role          text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('speech', 'point_of_order', 'reply')),
    state         text NOT NULL CHECK (state IN ('pending', 'granted', 'in_progress', 'paused', 'completed', 'denied', 'cancelled')),
    position      integer NOT NULL DEFAULT 0,
    language      text NOT NULL DEFAULT '',
    limit_ms      bigint NOT NULL DEFAULT 0,
    elapsed_ms    bigint NOT NULL DEFAULT 0,
    requested_at  timestamptz NOT NULL,
    granted_at    timestamptz,
    started_at    timestamptz,
    running_since timestamptz,
    ended_at      timestamptz,
    ended_by      text NOT NULL DEFAULT ''
);
CREATE INDEX floor_requests_item ON floor_requests (room_slug, agenda_item, id);

-- floor_rooms: the agenda item a room's speakers' list is on.
CREATE TABLE floor_rooms (
    room_slug   text COLLATE "C" PRIMARY KEY,
    agenda_item text COLLATE "C" NOT NULL
);

-- floor_times: speaking time per role, set by the chair per agenda item.
CREATE TABLE floor_times (
    room_slug   text COLLATE "C" NOT NULL,
    agenda_item text COLLATE "C" NOT NULL,
    role        text NOT NULL,
    seconds     integer NOT NULL CHECK (seconds > 0),
    PRIMARY KEY (room_slug, agenda_item, role)
);
