-- Clearance counts editors (issue 12): every save that changes a
-- statement's content (text, images, targets or times) records who made
-- it. The people who changed the content since it was last cleared (cleared
-- = 0), and its creator, are its authors: none of them may approve it.
CREATE TABLE pub_edits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id bigint NOT NULL REFERENCES pub_statements (id) ON DELETE CASCADE,
    user_id      bigint REFERENCES users (id),
    content_hash text NOT NULL,
    cleared      INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX pub_edits_statement ON pub_edits (statement_id, user_id);

-- Statements saved before this migration count their creator as their one
-- editor.
INSERT INTO pub_edits (statement_id, user_id, content_hash, cleared, created_at)
    SELECT id, author_id, content_hash, state NOT IN ('draft', 'submitted'), created_at FROM pub_statements;
