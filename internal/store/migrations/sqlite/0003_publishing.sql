-- Publishing (issue 4): channels, statements with language variants,
-- overrides and media, clearance, publications per (statement, channel),
-- their write-ahead attempts, the emergency pause and the hash-chained
-- audit log. Timestamps are TIMESTAMP, written as UTC text (see 0001).

CREATE TABLE pub_channels (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    network            text NOT NULL,
    name               text NOT NULL UNIQUE CHECK (name <> ''),
    account            text NOT NULL DEFAULT '',
    base_url           text NOT NULL DEFAULT '',
    languages          text NOT NULL,            -- comma-separated codes, in posting order
    time_zone          text NOT NULL,            -- IANA name
    max_length         integer NOT NULL DEFAULT 0,
    paused_reason      text NOT NULL DEFAULT '',
    paused_at          TIMESTAMP,
    paused_by          bigint REFERENCES users (id),
    rate_limited_until TIMESTAMP,
    created_at         TIMESTAMP NOT NULL
);

CREATE TABLE pub_statements (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id        bigint NOT NULL REFERENCES users (id),
    category         text NOT NULL DEFAULT '',
    sensitive        INTEGER NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'draft',
    due_at           TIMESTAMP,
    embargo_until    TIMESTAMP,
    article_url      text NOT NULL DEFAULT '',
    content_hash     text NOT NULL DEFAULT '',
    approvals_needed integer NOT NULL DEFAULT 1,
    recall_state     text NOT NULL DEFAULT '',   -- '', requested, done
    recall_by        bigint REFERENCES users (id),
    recall_reason    text NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

CREATE TABLE pub_variants (
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    lang         text NOT NULL,
    title        text NOT NULL DEFAULT '',
    body         text NOT NULL,
    PRIMARY KEY (statement_id, lang)
);

CREATE TABLE pub_overrides (
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    channel_id   bigint NOT NULL REFERENCES pub_channels (id),
    lang         text NOT NULL,
    body         text NOT NULL,
    PRIMARY KEY (statement_id, channel_id, lang)
);

CREATE TABLE pub_media (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    data         BLOB NOT NULL,
    alts         text NOT NULL -- JSON object: language code -> alt text
);

CREATE TABLE pub_approvals (
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id),
    content_hash text NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (statement_id, user_id)
);

CREATE TABLE pub_publications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id    bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL REFERENCES pub_channels (id),
    state           text NOT NULL DEFAULT 'draft',
    held            text NOT NULL DEFAULT '',   -- why a person must decide: late, approval-expired, paused
    due_at          TIMESTAMP,
    next_attempt_at TIMESTAMP,
    lease_owner     text NOT NULL DEFAULT '',
    lease_until     TIMESTAMP,
    tries           integer NOT NULL DEFAULT 0,
    reason          text NOT NULL DEFAULT '',
    remote_id       text NOT NULL DEFAULT '',
    remote_url      text NOT NULL DEFAULT '',
    published_at    TIMESTAMP,
    deleted_at      TIMESTAMP,
    UNIQUE (statement_id, channel_id)
);
CREATE INDEX pub_publications_due ON pub_publications (state, due_at);

CREATE TABLE pub_parts (
    publication_id bigint NOT NULL REFERENCES pub_publications (id) ON DELETE CASCADE,
    idx            integer NOT NULL,
    post_key       text NOT NULL,
    remote_id      text NOT NULL,
    remote_url     text NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP,
    PRIMARY KEY (publication_id, idx)
);

CREATE TABLE pub_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    publication_id bigint NOT NULL REFERENCES pub_publications (id) ON DELETE CASCADE,
    idx            integer NOT NULL,
    post_key       text NOT NULL,
    owner          text NOT NULL,
    outcome        text NOT NULL DEFAULT 'pending', -- pending, ok, failed, unknown
    detail         text NOT NULL DEFAULT '',
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP
);
CREATE INDEX pub_attempts_publication ON pub_attempts (publication_id, idx);

CREATE TABLE pub_org_pause (
    id        integer PRIMARY KEY CHECK (id = 1),
    reason    text NOT NULL,
    paused_by bigint REFERENCES users (id),
    paused_at TIMESTAMP NOT NULL
);

CREATE TABLE pub_audit (
    seq            bigint PRIMARY KEY,
    at             TIMESTAMP NOT NULL,
    actor_id       bigint,
    actor          text NOT NULL DEFAULT '',
    action         text NOT NULL,
    statement_id   bigint,
    publication_id bigint,
    content_hash   text NOT NULL DEFAULT '',
    payload        text NOT NULL DEFAULT '',
    response       text NOT NULL DEFAULT '',
    prev_hash      text NOT NULL,
    hash           text NOT NULL
);

-- The head of the chain: locking this row serialises appends across
-- instances, and its hash reveals a deleted last row.
CREATE TABLE pub_audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO pub_audit_head (id, seq, hash) VALUES (1, 0, '');
