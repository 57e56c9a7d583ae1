-- Recall everywhere (issue 12): what the recall chose and who approved it,
-- and the portal pages a recall withdrew. A withdrawn page keeps a notice
-- (gone = false) or answers 410 Gone; the verify page looks its path up to
-- say that the signed statement at that address was withdrawn.

ALTER TABLE pub_statements ADD COLUMN recall_mode text NOT NULL DEFAULT 'notice'; -- notice or remove
ALTER TABLE pub_statements ADD COLUMN recall_requested_at timestamptz;
ALTER TABLE pub_statements ADD COLUMN recall_approved_by bigint REFERENCES users (id);
ALTER TABLE pub_statements ADD COLUMN recall_done_at timestamptz;

CREATE TABLE withdrawn_pages (
    path         text COLLATE "C" PRIMARY KEY CHECK (path <> ''), -- URL path, such as /en/news/statement-7
    article_id   bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang         text NOT NULL,
    withdrawn_at timestamptz NOT NULL,
    gone         boolean NOT NULL DEFAULT false,
    UNIQUE (article_id, lang)
);
