-- SQLite's search index stops folding diacritics in its tokenizer (see
-- migrations/sqlite/0011): store/search.go now indexes each word with Latin
-- diacritics as written and without them, on both backends. PostgreSQL's
-- configurations never folded them; its index is rebuilt at start by the
-- portal (store.SearchIndexVersion). Nothing changes in its schema.
SELECT 1;
