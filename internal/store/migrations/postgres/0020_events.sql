-- Diplomatic events (internal/events): an event with a title and
-- description per language, its sessions (each with its own conference
-- room), and the released versions of its timetable.
--
-- Times are stored in UTC; start_local and end_local keep the wall time
-- the editor typed in the venue's zone, so that a change of zone moves
-- the sessions with their wall times and a time in a daylight-saving gap
-- can be pointed out.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text COLLATE "C" NOT NULL UNIQUE,
    zone        text NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    start_local text NOT NULL,
    end_local   text NOT NULL,
    format      text NOT NULL CHECK (format IN ('virtual', 'hybrid')),
    public      boolean NOT NULL DEFAULT true,
    languages   text NOT NULL DEFAULT '', -- meeting languages, comma-separated codes
    source_lang text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);

CREATE TABLE event_organisers (
    event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);

-- One row per language with a text; a language without a row is missing.
-- rev counts edits; source_rev is the source translation's rev when this
-- one was last saved (outdated when it moved on since).
CREATE TABLE event_translations (
    event_id    bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lang        text NOT NULL,
    title       text NOT NULL,
    description text NOT NULL,
    status      text NOT NULL CHECK (status IN ('draft', 'published')),
    rev         integer NOT NULL,
    source_rev  integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (event_id, lang)
);

-- sequence is the iCalendar SEQUENCE: raised by every change of the
-- session. titles and agenda are JSON (per-language maps).
CREATE TABLE event_sessions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('plenary', 'working', 'side', 'bilateral')),
    titles      text NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    start_local text NOT NULL,
    end_local   text NOT NULL,
    chair_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    room_id     bigint REFERENCES rooms (id) ON DELETE SET NULL,
    status      text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    sequence    integer NOT NULL DEFAULT 0,
    agenda      text NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX event_sessions_event ON event_sessions (event_id, starts_at);

-- A release freezes the public timetable: sessions is the JSON of what
-- the public sees, changes what moved since the previous release.
CREATE TABLE event_releases (
    event_id    bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    version     integer NOT NULL,
    released_at timestamptz NOT NULL,
    released_by bigint REFERENCES users (id) ON DELETE SET NULL,
    sessions    text NOT NULL,
    changes     text NOT NULL,
    PRIMARY KEY (event_id, version)
);
