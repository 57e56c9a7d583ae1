package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SearchIndexVersion names how the search index analyses text. When it
// changes, the index must be built again (RebuildSearchIndex): the portal
// does so at start when the version it last built is another.
const SearchIndexVersion = "2"

// searchConfigs are PostgreSQL's text-search configurations per language.
// Vietnamese has no stemmer; Chinese text is turned into bigrams first, so
// both use the simple configuration (lower-casing only).
var searchConfigs = map[string]string{
	"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic",
}

func searchConfig(lang string) string {
	if c, ok := searchConfigs[lang]; ok {
		return c
	}
	return "simple"
}

// Limits on a search query: longer ones are cut, not refused, so that an odd
// or huge query still gets a normal results page.
const (
	maxQueryRunes = 200
	maxQueryTerms = 12
)

// isCJK reports the scripts written without spaces between words.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// AnalyzeText prepares text for the search index: runs of Chinese (and
// Japanese, Korean) characters become overlapping bigrams separated by
// spaces ("外交部" → "外交 交部"), so that a word found anywhere inside
// unsegmented text matches as a phrase of bigrams. Other text is kept.
func AnalyzeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	var run []rune
	flush := func() {
		switch len(run) {
		case 0:
			return
		case 1:
			b.WriteRune(run[0])
		default:
			for i := 0; i+1 < len(run); i++ {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteRune(run[i])
				b.WriteRune(run[i+1])
			}
		}
		b.WriteByte(' ')
		run = run[:0]
	}
	for _, r := range s {
		if isCJK(r) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// foldText removes from text what readers often leave out when they type a
// query, the same way on both backends, for the index and the query alike:
// the diacritics of Latin letters and đ (Vietnamese "Diễn đàn Đà Nẵng" is
// found by "dien dan da nang", French "sécurité" by "securite"), the
// diaeresis of Russian ё, and Arabic's short vowels, tatweel and the hamza
// forms of alef. Other letters are kept: Russian й is not и.
func foldText(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	latin := i > 0 && unicode.IsLetter(rune(s[i-1]))
	for _, r := range s[i:] {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
			latin = unicode.IsLetter(r)
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		case r == 'ё':
			r = 'е'
		case r == 'Ё':
			r = 'Е'
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case r == 'ـ' || (r >= 0x064B && r <= 0x065F) || r == 0x0670:
			continue // tatweel, harakat, superscript alef
		case unicode.Is(unicode.Mn, r):
			if latin {
				continue // a mark typed apart from its Latin letter
			}
		case unicode.Is(unicode.Latin, r):
			r, _ = utf8.DecodeRuneInString(norm.NFD.String(string(r)))
		}
		b.WriteRune(r)
		latin = unicode.Is(unicode.Latin, r)
	}
	return b.String()
}

// queryTerm is one word of a search query: a word of letters and digits, or
// the bigrams of a run of CJK characters, which must match as a phrase.
type queryTerm struct {
	tokens []string
	prefix bool // a single CJK character: match bigrams starting with it
}

// parseQuery splits a query into terms on anything that is not a letter, a
// mark or a digit, so that no query syntax of either backend gets through.
func parseQuery(q string) []queryTerm {
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, " ")
	}
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = string([]rune(q)[:maxQueryRunes])
	}
	var terms []queryTerm
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	for _, w := range words {
		if len(terms) == maxQueryTerms {
			break
		}
		// Split the word where CJK and other scripts meet.
		var cur []rune
		var curCJK bool
		emit := func() {
			if len(cur) == 0 {
				return
			}
			if !curCJK {
				// A word of marks alone folds to nothing.
				if tok := strings.ToLower(foldText(string(cur))); tok != "" {
					terms = append(terms, queryTerm{tokens: []string{tok}})
				}
			} else if len(cur) == 1 {
				terms = append(terms, queryTerm{tokens: []string{string(cur)}, prefix: true})
			} else {
				terms = append(terms, queryTerm{tokens: strings.Fields(AnalyzeText(string(cur)))})
			}
			cur = cur[:0]
		}
		for _, r := range w {
			if c := isCJK(r); c != curCJK && len(cur) > 0 {
				emit()
			}
			curCJK = isCJK(r)
			cur = append(cur, r)
		}
		emit()
	}
	if len(terms) > maxQueryTerms {
		terms = terms[:maxQueryTerms]
	}
	return terms
}

// fts5Query builds an FTS5 MATCH expression: every term a quoted phrase,
// all of them required.
func fts5Query(terms []queryTerm) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		p := `"` + strings.ReplaceAll(strings.Join(t.tokens, " "), `"`, `""`) + `"`
		if t.prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// tsQuery builds a to_tsquery expression: the tokens of a term joined by
// <-> (followed by), the terms by &.
func tsQuery(terms []queryTerm) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		toks := make([]string, len(t.tokens))
		for i, tok := range t.tokens {
			toks[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(tok, `\`, `\\`), "'", "''") + "'"
			if t.prefix {
				toks[i] += ":*"
			}
		}
		parts = append(parts, "("+strings.Join(toks, " <-> ")+")")
	}
	return strings.Join(parts, " & ")
}

// indexTranslation replaces the search entry of one translation with v's
// text. Markdown punctuation is harmless to both tokenizers.
func (db *DB) indexTranslation(ctx context.Context, q querier, v ArticleVersion) error {
	if err := db.unindexTranslation(ctx, q, v.ArticleID, v.Lang); err != nil {
		return err
	}
	title := AnalyzeText(foldText(v.Title))
	body := AnalyzeText(foldText(v.Summary + "\n" + v.Body))
	if db.backend == BackendPostgres {
		cfg := searchConfig(v.Lang)
		_, err := q.ExecContext(ctx, `
			INSERT INTO article_search (article_id, lang, tsv)
			VALUES ($1, $2, setweight(to_tsvector($3::regconfig, $4), 'A') || setweight(to_tsvector($3::regconfig, $5), 'B'))`,
			v.ArticleID, v.Lang, cfg, title, body)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO article_fts (title, body, article_id, lang) VALUES ($1, $2, $3, $4)`,
		title, body, v.ArticleID, v.Lang)
	return err
}

func (db *DB) unindexTranslation(ctx context.Context, q querier, articleID int64, lang string) error {
	table := "article_fts"
	if db.backend == BackendPostgres {
		table = "article_search"
	}
	_, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE article_id = $1 AND lang = $2`, articleID, lang)
	return err
}

// RebuildSearchIndex indexes every live translation again. The portal runs
// it once after the migration that created the index.
func (db *DB) RebuildSearchIndex(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		table := "article_fts"
		if db.backend == BackendPostgres {
			table = "article_search"
			// Instances starting together rebuild one after the other.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('chancery.search.' || coalesce(current_schema(), '')))`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			return err
		}
		items, _, err := db.listPublished(ctx, tx, PublishedQuery{IncludeEmbargoed: true})
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := db.indexTranslation(ctx, tx, it.ArticleVersion); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("rebuild search index", err)
}

// SearchArticles finds live translations in lang matching every word of the
// query, best first (a match in the title counts most), then newest first,
// and the total number of matches. A query with no words matches
// nothing.
func (db *DB) SearchArticles(ctx context.Context, lang, query string, limit, offset int) ([]Published, int, error) {
	terms := parseQuery(query)
	if len(terms) == 0 {
		return nil, 0, nil
	}
	// Matches in the title weigh more than in the summary and body.
	var match, rank func(arg func(any) string) string
	if db.backend == BackendPostgres {
		tsq := func(arg func(any) string) string {
			return `to_tsquery(` + arg(searchConfig(lang)) + `::regconfig, ` + arg(tsQuery(terms)) + `)`
		}
		match = func(arg func(any) string) string {
			return `a.id IN (SELECT s.article_id FROM article_search s WHERE s.lang = ` + arg(lang) + ` AND s.tsv @@ ` + tsq(arg) + `)`
		}
		rank = func(arg func(any) string) string {
			return `(SELECT ts_rank(s.tsv, ` + tsq(arg) + `) FROM article_search s WHERE s.article_id = a.id AND s.lang = v.lang) DESC`
		}
	} else {
		match = func(arg func(any) string) string {
			return `a.id IN (SELECT f.article_id FROM article_fts f WHERE article_fts MATCH ` + arg(fts5Query(terms)) +
				` AND f.lang = ` + arg(lang) + `)`
		}
		rank = func(arg func(any) string) string {
			return `(SELECT bm25(article_fts, 10.0, 1.0) FROM article_fts WHERE article_fts MATCH ` + arg(fts5Query(terms)) +
				` AND article_fts.article_id = a.id AND article_fts.lang = v.lang)`
		}
	}
	items, total, err := db.listPublished(ctx, db.sql, PublishedQuery{Lang: lang, Limit: limit, Offset: offset, match: match, rank: rank})
	if err != nil {
		return nil, 0, wrap(fmt.Sprintf("search %q in %s", query, lang), err)
	}
	return items, total, nil
}
