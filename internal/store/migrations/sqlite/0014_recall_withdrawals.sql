-- Recall everywhere (issue 12): what the recall chose and who approved it,
-- and the portal pages a recall withdrew. A withdrawn page keeps a notice
-- (gone = 0) or answers 410 Gone; the verify page looks its path up to say
-- that the signed statement at that address was withdrawn.

ALTER TABLE pub_statements ADD COLUMN recall_mode text NOT NULL DEFAULT 'notice'; -- notice or remove
ALTER TABLE pub_statements ADD COLUMN recall_requested_at TIMESTAMP;
ALTER TABLE pub_statements ADD COLUMN recall_approved_by bigint REFERENCES users (id);
ALTER TABLE pub_statements ADD COLUMN recall_done_at TIMESTAMP;

CREATE TABLE withdrawn_pages (
    path         TEXT PRIMARY KEY CHECK (path <> ''), -- URL path, such as /en/news/statement-7
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang         TEXT NOT NULL,
    withdrawn_at TIMESTAMP NOT NULL,
    gone         INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
    UNIQUE (article_id, lang)
);
