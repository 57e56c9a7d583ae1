-- Diplomatic events (internal/events): an event with a title and
-- description per language, its sessions (each with its own conference
-- room), and the released versions of its timetable.
--
-- Times are stored in UTC; start_local and end_local keep the wall time
-- the editor typed in the venue's zone, so that a change of zone moves
-- the sessions with their wall times and a time in a daylight-saving gap
-- can be pointed out.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    zone        TEXT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    start_local TEXT NOT NULL,
    end_local   TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('virtual', 'hybrid')),
    public      INTEGER NOT NULL DEFAULT 1 CHECK (public IN (0, 1)),
    languages   TEXT NOT NULL DEFAULT '', -- meeting languages, comma-separated codes
    source_lang TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);

CREATE TABLE event_organisers (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);

-- One row per language with a text; a language without a row is missing.
-- rev counts edits; source_rev is the source translation's rev when this
-- one was last saved (outdated when it moved on since).
CREATE TABLE event_translations (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    rev         INTEGER NOT NULL,
    source_rev  INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, lang)
);

-- sequence is the iCalendar SEQUENCE: raised by every change of the
-- session. titles and agenda are JSON (per-language maps).
CREATE TABLE event_sessions (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('plenary', 'working', 'side', 'bilateral')),
    titles      TEXT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    start_local TEXT NOT NULL,
    end_local   TEXT NOT NULL,
    chair_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    room_id     INTEGER REFERENCES rooms (id) ON DELETE SET NULL,
    status      TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    sequence    INTEGER NOT NULL DEFAULT 0,
    agenda      TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX event_sessions_event ON event_sessions (event_id, starts_at);

-- A release freezes the public timetable: sessions is the JSON of what
-- the public sees, changes what moved since the previous release.
CREATE TABLE event_releases (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    released_at TIMESTAMP NOT NULL,
    released_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    sessions    TEXT NOT NULL,
    changes     TEXT NOT NULL,
    PRIMARY KEY (event_id, version)
);
