-- Room management: a room's title in each language, its schedule and its
-- archiving. rooms.title stays the title in any language without its own
-- (and what rooms created before this migration keep). A NULL opens_at or
-- closes_at is no bound; an archived room (archived_at set) refuses joins
-- and leaves the default lists.
ALTER TABLE rooms ADD COLUMN opens_at timestamptz;
ALTER TABLE rooms ADD COLUMN closes_at timestamptz;
ALTER TABLE rooms ADD COLUMN archived_at timestamptz;

CREATE TABLE room_titles (
    room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    lang    text COLLATE "C" NOT NULL CHECK (lang <> ''),
    title   text NOT NULL CHECK (title <> ''),
    PRIMARY KEY (room_id, lang)
);

-- An invitation may open the room only from a later time (its token's
-- "nbf"); NULL: from its issue.
ALTER TABLE room_tokens ADD COLUMN not_before timestamptz;
