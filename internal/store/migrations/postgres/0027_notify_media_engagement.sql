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
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO notify_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM pub_audit;

-- notifications: one line of a person's list. audit_seq is the entry it
-- came from; one per person and entry.
CREATE TABLE notifications (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    audit_seq      bigint NOT NULL,
    statement_id   bigint,
    publication_id bigint,
    title          text NOT NULL DEFAULT '',
    detail         text NOT NULL DEFAULT '',
    actor          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    read_at        timestamptz,
    UNIQUE (user_id, audit_seq)
);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- notify_prefs: a person's choice per kind; a kind without a row is
-- delivered both ways.
CREATE TABLE notify_prefs (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    text NOT NULL,
    in_app  boolean NOT NULL DEFAULT true,
    by_mail boolean NOT NULL DEFAULT true,
    PRIMARY KEY (user_id, kind)
);

-- media_library: images uploaded once and picked again; sha256 of the
-- bytes, checked type and dimensions, alt text per language (JSON).
CREATE TABLE media_library (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256       text NOT NULL UNIQUE,
    name         text NOT NULL,
    content_type text NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    alts         text NOT NULL DEFAULT '{}',
    uploaded_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL
);

-- pub_engagement: the network's own counts of each language's post of a
-- published publication (its first part), when they were read and when to
-- read them next: often while the post is new, rarely as it ages, never
-- once it is old or gone. A count of -1 is one the network does not offer.
CREATE TABLE pub_engagement (
    publication_id bigint NOT NULL REFERENCES pub_publications (id) ON DELETE CASCADE,
    lang           text NOT NULL,
    remote_id      text NOT NULL,
    likes          integer NOT NULL DEFAULT -1,
    reposts        integer NOT NULL DEFAULT -1,
    replies        integer NOT NULL DEFAULT -1,
    quotes         integer NOT NULL DEFAULT -1,
    views          integer NOT NULL DEFAULT -1,
    fetched_at     timestamptz,
    next_at        timestamptz,
    failures       integer NOT NULL DEFAULT 0,
    last_error     text NOT NULL DEFAULT '',
    PRIMARY KEY (publication_id, lang)
);
CREATE INDEX pub_engagement_due ON pub_engagement (next_at);
