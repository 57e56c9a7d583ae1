-- 0027: the press office's notifications (in the app and by e-mail), each
-- person's choice of them, the media library and the engagement counts of
-- published posts.
--
-- notify_cursor: the last audit entry (pub_audit.seq) turned into
-- notifications. It moves in the transaction that writes them and their
-- mail, so each entry notifies once, across crashes and instances. It
-- starts at the head of the log: history before this migration notifies
-- nobody.
CREATE TABLE notify_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO notify_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM pub_audit;

-- notifications: one line of a person's list. audit_seq is the entry it
-- came from; one per person and entry.
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    audit_seq      INTEGER NOT NULL,
    statement_id   INTEGER,
    publication_id INTEGER,
    title          TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    read_at        TIMESTAMP,
    UNIQUE (user_id, audit_seq)
);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- notify_prefs: a person's choice per kind; a kind without a row is
-- delivered both ways.
CREATE TABLE notify_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    in_app  INTEGER NOT NULL DEFAULT 1,
    by_mail INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, kind)
);

-- media_library: images uploaded once and picked again; sha256 of the
-- bytes, checked type and dimensions, alt text per language (JSON).
CREATE TABLE media_library (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    alts         TEXT NOT NULL DEFAULT '{}',
    uploaded_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL
);

-- pub_engagement: the network's own counts of each language's post of a
-- published publication (its first part), when they were read and when to
-- read them next: often while the post is new, rarely as it ages, never
-- once it is old or gone. A count of -1 is one the network does not offer.
CREATE TABLE pub_engagement (
    publication_id INTEGER NOT NULL REFERENCES pub_publications (id) ON DELETE CASCADE,
    lang           TEXT NOT NULL,
    remote_id      TEXT NOT NULL,
    likes          INTEGER NOT NULL DEFAULT -1,
    reposts        INTEGER NOT NULL DEFAULT -1,
    replies        INTEGER NOT NULL DEFAULT -1,
    quotes         INTEGER NOT NULL DEFAULT -1,
    views          INTEGER NOT NULL DEFAULT -1,
    fetched_at     TIMESTAMP,
    next_at        TIMESTAMP,
    failures       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (publication_id, lang)
);
CREATE INDEX pub_engagement_due ON pub_engagement (next_at);
