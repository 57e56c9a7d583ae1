-- Room management: a room's title in each language, its schedule and its
-- archiving. rooms.title stays the title in any language without its own
-- (and what rooms created before this migration keep). A NULL opens_at or
-- closes_at is no bound; an archived room (archived_at set) refuses joins
-- and leaves the default lists.
ALTER TABLE rooms ADD COLUMN opens_at TIMESTAMP;
ALTER TABLE rooms ADD COLUMN closes_at TIMESTAMP;
ALTER TABLE rooms ADD COLUMN archived_at TIMESTAMP;

CREATE TABLE room_titles (
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    lang    TEXT NOT NULL CHECK (lang <> ''),
    title   TEXT NOT NULL CHECK (title <> ''),
    PRIMARY KEY (room_id, lang)
);

-- An invitation may open the room only from a later time (its token's
-- "nbf"); NULL: from its issue.
ALTER TABLE room_tokens ADD COLUMN not_before TIMESTAMP;
