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
const SearchIndexVersion = "3"

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

// normalizeText makes the spellings of a word that readers take for the
// same word one spelling, in the index and in queries alike: marks typed
// apart from their letter are composed with it (NFC), Russian ё is written
// е (as most Russian text does), and Arabic loses its short vowels and
// tatweel and writes the hamza forms of alef as alef. Other letters are
// kept: Russian й is not и.
func normalizeText(s string) string {
	if isASCII(s) {
		return s
	}
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == 'ё':
			return 'е'
		case r == 'Ё':
			return 'Е'
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			return 'ا'
		case r == 'ـ' || (r >= 0x064B && r <= 0x065F) || r == 0x0670:
			return -1 // tatweel, harakat, superscript alef
		}
		return r
	}, s)
}

// stripLatin removes the diacritics of Latin letters, đ's bar included: the
// way a reader types a word without them (Vietnamese "Đà Nẵng" as
// "Da Nang", French "sécurité" as "securite"). The index holds both forms
// of such a word, so that a query typed without diacritics finds it while
// one typed with them finds that spelling only: in Vietnamese the marks
// make other words ("mã", code, is not "má", mother).
func stripLatin(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	latin := false
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		case unicode.Is(unicode.Mn, r):
			if latin {
				continue // a mark with no precomposed letter
			}
		case unicode.Is(unicode.Latin, r):
			r, _ = utf8.DecodeRuneInString(norm.NFD.String(string(r)))
		}
		b.WriteRune(r)
		latin = unicode.Is(unicode.Latin, r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// indexText prepares text for the search index: normalised, its CJK runs as
// bigrams, and, when it has Latin diacritics, the same again without them.
func indexText(s string) string {
	s = normalizeText(s)
	out := AnalyzeText(s)
	if f := stripLatin(s); f != s {
		out += "\n" + AnalyzeText(f)
	}
	return out
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
				// A word of marks alone normalises to nothing.
				if tok := strings.ToLower(normalizeText(string(cur))); tok != "" {
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
	title := indexText(v.Title)
	body := indexText(v.Summary + "\n" + v.Body)
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
