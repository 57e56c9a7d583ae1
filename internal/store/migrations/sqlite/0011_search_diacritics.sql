-- The search index keeps diacritics: store/search.go indexes a word with
-- Latin diacritics twice, as written and without them, so that a query typed
-- without diacritics finds it and one typed with them finds that spelling
-- only (Vietnamese "mã" is not "má"). The tokenizer must not fold them
-- again. The portal rebuilds the index at start (store.SearchIndexVersion).
DROP TABLE article_fts;
CREATE VIRTUAL TABLE article_fts USING fts5(
    title, body, article_id UNINDEXED, lang UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
