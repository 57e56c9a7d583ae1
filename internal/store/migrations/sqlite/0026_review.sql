-- Review (issue 21): the versions approvers opened, so that an approval
-- carries proof its approver saw that exact content and the next review
-- can show what changed since the last approved one; the comment thread
-- of a statement; and "publish now", which lets the scheduler take a
-- cleared publication before its approved time without changing that
-- time (the approval covers it).

CREATE TABLE pub_versions (
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    content_hash text NOT NULL,
    content      text NOT NULL, -- JSON: the variants and overrides as reviewed
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (statement_id, content_hash)
);

CREATE TABLE pub_reviews (
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id),
    content_hash text NOT NULL,
    viewed_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (statement_id, user_id, content_hash)
);

CREATE TABLE pub_comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id),
    author       text NOT NULL,
    kind         text NOT NULL, -- comment, changes (changes requested) or approved
    body         text NOT NULL,
    content_hash text NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX pub_comments_statement ON pub_comments (statement_id, id);

ALTER TABLE pub_publications ADD COLUMN publish_now_at TIMESTAMP;
