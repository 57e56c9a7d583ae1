-- The portal's content model (issue 3): article metadata (issuing unit,
-- source language, featured), topics and countries, images with per-language
-- alt text, every published version of each translation, media files and
-- the full-text index.
--
-- A translation's editorial status stays draft or published; "outdated" is
-- derived: rev counts edits of a translation's text, and source_rev records
-- the source translation's rev when this translation was last saved. When
-- the source's rev moves past it, the translation is outdated.

ALTER TABLE articles ADD COLUMN unit text NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN source_lang text NOT NULL DEFAULT 'vi';
ALTER TABLE articles ADD COLUMN featured boolean NOT NULL DEFAULT false;
ALTER TABLE articles ADD COLUMN updated_at timestamptz;

ALTER TABLE article_translations ADD COLUMN images text NOT NULL DEFAULT '[]';
ALTER TABLE article_translations ADD COLUMN rev integer NOT NULL DEFAULT 1;
ALTER TABLE article_translations ADD COLUMN source_rev integer NOT NULL DEFAULT 1;
ALTER TABLE article_translations ADD COLUMN live_version integer NOT NULL DEFAULT 0;
ALTER TABLE article_translations ADD COLUMN updated_at timestamptz;

CREATE TABLE article_versions (
    article_id   bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang         text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    title        text NOT NULL,
    summary      text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    images       text NOT NULL DEFAULT '[]',
    note         text NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL,
    PRIMARY KEY (article_id, lang, version)
);
CREATE INDEX article_versions_published_at ON article_versions (published_at);

INSERT INTO article_versions (article_id, lang, version, title, summary, body, published_at)
SELECT t.article_id, t.lang, 1, t.title, t.summary, t.body, coalesce(a.published_at, a.created_at)
FROM article_translations t JOIN articles a ON a.id = t.article_id
WHERE t.status = 'published';
UPDATE article_translations SET live_version = 1 WHERE status = 'published';

CREATE TABLE topics (
    slug  text COLLATE "C" PRIMARY KEY CHECK (slug <> ''),
    names text NOT NULL DEFAULT '{}'
);

CREATE TABLE article_topics (
    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic      text COLLATE "C" NOT NULL,
    PRIMARY KEY (article_id, topic)
);
CREATE INDEX article_topics_topic ON article_topics (topic);

CREATE TABLE article_countries (
    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    country    text COLLATE "C" NOT NULL,
    PRIMARY KEY (article_id, country)
);
CREATE INDEX article_countries_country ON article_countries (country);

CREATE TABLE media (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash         text COLLATE "C" NOT NULL UNIQUE,
    content_type text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);

-- The search index of live translations, one text-search configuration per
-- language (store/search.go picks it). Chinese text is indexed as
-- overlapping character bigrams prepared in Go, so that words inside
-- unsegmented text are found.
CREATE TABLE article_search (
    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang       text NOT NULL,
    tsv        tsvector NOT NULL,
    PRIMARY KEY (article_id, lang)
);
CREATE INDEX article_search_tsv ON article_search USING gin (tsv);
