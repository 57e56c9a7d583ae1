-- Interpretation: a room's meeting languages, comma-separated codes in the
-- staff's order; each is a booth of the room's simultaneous
-- interpretation before any interpreter joins. Empty: the languages of
-- the events whose sessions the room hosts.
ALTER TABLE rooms ADD COLUMN meeting_languages TEXT NOT NULL DEFAULT '';
