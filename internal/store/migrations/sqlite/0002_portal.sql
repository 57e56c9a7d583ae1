-- The portal's content model (issue 3): article metadata (issuing unit,
-- source language, featured), topics and countries, images with per-language
-- alt text, every published version of each translation, media files and
-- the full-text index.
--
-- A translation's editorial status stays draft or published; "outdated" is
-- derived: rev counts edits of a translation's text, and source_rev records
-- the source translation's rev when this translation was last saved. When
-- the source's rev moves past it, the translation is outdated.

ALTER TABLE articles ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN source_lang TEXT NOT NULL DEFAULT 'vi';
ALTER TABLE articles ADD COLUMN featured INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1));
ALTER TABLE articles ADD COLUMN updated_at TIMESTAMP;

ALTER TABLE article_translations ADD COLUMN images TEXT NOT NULL DEFAULT '[]'; -- JSON [{"src","alt"}]
ALTER TABLE article_translations ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE article_translations ADD COLUMN source_rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE article_translations ADD COLUMN live_version INTEGER NOT NULL DEFAULT 0; -- 0: never published
ALTER TABLE article_translations ADD COLUMN updated_at TIMESTAMP;

CREATE TABLE article_versions (
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang         TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    images       TEXT NOT NULL DEFAULT '[]',
    note         TEXT NOT NULL DEFAULT '', -- the "Updated" note of a correction
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, lang, version)
);
CREATE INDEX article_versions_published_at ON article_versions (published_at);

INSERT INTO article_versions (article_id, lang, version, title, summary, body, published_at)
SELECT t.article_id, t.lang, 1, t.title, t.summary, t.body, coalesce(a.published_at, a.created_at)
FROM article_translations t JOIN articles a ON a.id = t.article_id
WHERE t.status = 'published';
UPDATE article_translations SET live_version = 1 WHERE status = 'published';

CREATE TABLE topics (
    slug  TEXT PRIMARY KEY CHECK (slug <> ''),
    names TEXT NOT NULL DEFAULT '{}' -- JSON {"vi": "…", "en": "…"}
);

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    PRIMARY KEY (article_id, topic)
);
CREATE INDEX article_topics_topic ON article_topics (topic);

CREATE TABLE article_countries (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    country    TEXT NOT NULL, -- CLDR region code: JP, FR, 035 (South-East Asia)
    PRIMARY KEY (article_id, country)
);
CREATE INDEX article_countries_country ON article_countries (country);

CREATE TABLE media (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    hash         TEXT NOT NULL UNIQUE, -- hex SHA-256 of data
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- The search index of live translations. Chinese text is indexed as
-- overlapping character bigrams, prepared in Go (store/search.go), so that
-- words inside unsegmented text are found.
CREATE VIRTUAL TABLE article_fts USING fts5(
    title, body, article_id UNINDEXED, lang UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
