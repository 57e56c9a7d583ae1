package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ArticleStatus is the editorial state of one translation of an article.
type ArticleStatus string

// The states of a translation. Draft and published are stored; outdated is
// reported by ArticleTranslation.State when the source translation changed
// after this one was last saved.
const (
	StatusDraft     ArticleStatus = "draft"
	StatusPublished ArticleStatus = "published"
	StatusOutdated  ArticleStatus = "outdated"
)

// Image is a picture in an article, with its alternative text in the
// translation's language.
type Image struct {
	Src string `json:"src"`
	Alt string `json:"alt"`
}

// Article is a piece of content (news, a press release, a statement, a
// speech, a travel advisory) with one translation per language.
type Article struct {
	ID         int64
	Slug       string // unique, used in URLs
	Kind       string
	Unit       string // issuing unit, a code the portal names per language
	SourceLang string // the language the others are translated from
	Featured   bool
	Topics     []string // topic slugs, sorted
	Countries  []string // CLDR region codes, sorted
	// PublishedAt is the issue time shown to readers: zero until the first
	// translation is published, and articles issued in the future stay
	// hidden until then.
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Translations is keyed by language code.
	Translations map[string]ArticleTranslation
}

// ArticleTranslation is the working copy of an article's text in one
// language. What readers see is its live ArticleVersion.
type ArticleTranslation struct {
	Lang    string
	Title   string
	Summary string
	Body    string // Markdown
	Images  []Image
	Status  ArticleStatus // draft or published
	// Rev counts the edits of the text; SourceRev is the source
	// translation's Rev when this one was last saved.
	Rev, SourceRev int
	// LiveVersion is the version readers see while Status is published,
	// 0 if never published.
	LiveVersion int
	// Outdated is set on reads when the source translation changed after
	// this one was last saved.
	Outdated  bool
	UpdatedAt time.Time
}

// State returns draft, published or outdated.
func (t ArticleTranslation) State() ArticleStatus {
	if t.Outdated {
		return StatusOutdated
	}
	return t.Status
}

// ArticleVersion is one published version of a translation, kept forever.
// A version after the first is a correction, with its note.
type ArticleVersion struct {
	ArticleID   int64
	Lang        string
	Version     int
	Title       string
	Summary     string
	Body        string
	Images      []Image
	Note        string
	PublishedAt time.Time // when this version went live
}

// ArticleSummary is what a list of articles shows in one language.
type ArticleSummary struct {
	ID          int64
	Slug        string
	Kind        string
	PublishedAt time.Time
	Lang        string
	Title       string
	Summary     string
}

func encodeImages(imgs []Image) string {
	if len(imgs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(imgs) // strings only: cannot fail
	return string(b)
}

func decodeImages(s string) ([]Image, error) {
	var imgs []Image
	if err := json.Unmarshal([]byte(s), &imgs); err != nil {
		return nil, fmt.Errorf("decode images: %w", err)
	}
	if len(imgs) == 0 {
		return nil, nil
	}
	return imgs, nil
}

// SameText reports whether a working copy holds the text of a version.
func SameText(t ArticleTranslation, v ArticleVersion) bool {
	return t.Title == v.Title && t.Summary == v.Summary && t.Body == v.Body && encodeImages(t.Images) == encodeImages(v.Images)
}

func normalizeSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// CreateArticle stores a with its translations and returns it with its ID
// and creation time set. Each translation's Lang is taken from its key in
// Translations; a published one becomes its version 1 at once. A taken slug
// gives ErrConflict.
func (db *DB) CreateArticle(ctx context.Context, a Article) (Article, error) {
	now := db.nowUTC()
	a.CreatedAt, a.UpdatedAt = now, now
	if !a.PublishedAt.IsZero() {
		a.PublishedAt = dbTime(a.PublishedAt)
	}
	if a.SourceLang == "" {
		a.SourceLang = "vi"
	}
	a.Topics, a.Countries = normalizeSet(a.Topics), normalizeSet(a.Countries)
	tr := make(map[string]ArticleTranslation, len(a.Translations))
	for lang, t := range a.Translations {
		t.Lang = lang
		if t.Status != StatusDraft && t.Status != StatusPublished {
			return Article{}, fmt.Errorf("store: create article %q: translation %q has unknown status %q", a.Slug, lang, t.Status)
		}
		t.Rev, t.SourceRev, t.UpdatedAt, t.LiveVersion = 1, 1, now, 0
		if t.Status == StatusPublished {
			t.LiveVersion = 1
		}
		tr[lang] = t
	}
	a.Translations = tr
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO articles (slug, kind, unit, source_lang, featured, published_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING id`,
			a.Slug, a.Kind, a.Unit, a.SourceLang, a.Featured, nullTime(a.PublishedAt), a.CreatedAt, a.UpdatedAt,
		).Scan(&a.ID)
		if err != nil {
			return err
		}
		if err := db.setArticleTags(ctx, tx, a); err != nil {
			return err
		}
		for _, t := range a.Translations {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO article_translations (article_id, lang, title, summary, body, images, status, rev, source_rev, live_version, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				a.ID, t.Lang, t.Title, t.Summary, t.Body, encodeImages(t.Images), string(t.Status), t.Rev, t.SourceRev, t.LiveVersion, now)
			if err != nil {
				return err
			}
			if t.Status == StatusPublished {
				v := ArticleVersion{ArticleID: a.ID, Lang: t.Lang, Version: 1, Title: t.Title, Summary: t.Summary,
					Body: t.Body, Images: t.Images, PublishedAt: now}
				if a.PublishedAt.After(now) {
					v.PublishedAt = a.PublishedAt // embargoed: out at the issue time
				}
				if err := db.insertVersion(ctx, tx, v); err != nil {
					return err
				}
				if err := db.indexTranslation(ctx, tx, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return Article{}, wrap(fmt.Sprintf("create article %q", a.Slug), err)
	}
	return a, nil
}

func (db *DB) setArticleTags(ctx context.Context, tx *sql.Tx, a Article) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_topics WHERE article_id = $1`, a.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_countries WHERE article_id = $1`, a.ID); err != nil {
		return err
	}
	for _, t := range a.Topics {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_topics (article_id, topic) VALUES ($1, $2)`, a.ID, t); err != nil {
			return err
		}
	}
	for _, c := range a.Countries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_countries (article_id, country) VALUES ($1, $2)`, a.ID, c); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) insertVersion(ctx context.Context, q querier, v ArticleVersion) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO article_versions (article_id, lang, version, title, summary, body, images, note, published_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		v.ArticleID, v.Lang, v.Version, v.Title, v.Summary, v.Body, encodeImages(v.Images), v.Note, v.PublishedAt)
	return err
}

// UpdateArticle saves a's metadata: kind, issuing unit, source language,
// featured, topics, countries and, when not zero, the issue time. The slug
// never changes, since URLs carry it.
func (db *DB) UpdateArticle(ctx context.Context, a Article) (Article, error) {
	a.Topics, a.Countries = normalizeSet(a.Topics), normalizeSet(a.Countries)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE articles SET kind = $2, unit = $3, source_lang = $4, featured = $5,
				published_at = coalesce($6, published_at), updated_at = $7
			WHERE id = $1`,
			a.ID, a.Kind, a.Unit, a.SourceLang, a.Featured, nullTime(a.PublishedAt), db.nowUTC())
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		return db.setArticleTags(ctx, tx, a)
	})
	if err != nil {
		return Article{}, wrap(fmt.Sprintf("update article %d", a.ID), err)
	}
	return db.GetArticle(ctx, a.ID)
}

// SaveTranslation creates or replaces the working copy of one translation.
// A new translation starts as a draft; an existing one keeps its status and
// live version, so readers see the change only once it is published. The
// translation is recorded as made from the source's current revision.
func (db *DB) SaveTranslation(ctx context.Context, articleID int64, t ArticleTranslation) (ArticleTranslation, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var source string
		if err := tx.QueryRowContext(ctx, `SELECT source_lang FROM articles WHERE id = $1`, articleID).Scan(&source); err != nil {
			return err
		}
		old, err := db.translation(ctx, tx, articleID, t.Lang)
		exists := err == nil
		if err != nil && !errors.Is(classify(err), ErrNotFound) {
			return err
		}
		now := db.nowUTC()
		if !exists {
			t.Status, t.Rev, t.LiveVersion = StatusDraft, 1, 0
		} else {
			t.Status, t.Rev, t.LiveVersion = old.Status, old.Rev, old.LiveVersion
			if !SameText(old, ArticleVersion{Title: t.Title, Summary: t.Summary, Body: t.Body, Images: t.Images}) {
				t.Rev++
			}
		}
		t.SourceRev = t.Rev
		if t.Lang != source {
			err := tx.QueryRowContext(ctx, `SELECT rev FROM article_translations WHERE article_id = $1 AND lang = $2`, articleID, source).Scan(&t.SourceRev)
			if err != nil && !errors.Is(classify(err), ErrNotFound) {
				return err
			}
		}
		t.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `
			INSERT INTO article_translations (article_id, lang, title, summary, body, images, status, rev, source_rev, live_version, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (article_id, lang) DO UPDATE SET title = excluded.title, summary = excluded.summary,
				body = excluded.body, images = excluded.images, rev = excluded.rev, source_rev = excluded.source_rev,
				updated_at = excluded.updated_at`,
			articleID, t.Lang, t.Title, t.Summary, t.Body, encodeImages(t.Images), string(t.Status), t.Rev, t.SourceRev, t.LiveVersion, now)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE articles SET updated_at = $2 WHERE id = $1`, articleID, now)
		return err
	})
	if err != nil {
		return ArticleTranslation{}, wrap(fmt.Sprintf("save translation %d/%s", articleID, t.Lang), err)
	}
	return t, nil
}

// PublishTranslation makes the working copy of a translation live. When its
// text differs from the last published version, it becomes a new version,
// with note as the visible "Updated" note of a correction; otherwise the
// last version goes live again. The article's issue time is set at its
// first publication. A translation a recall withdrew is never published
// again (ErrWithdrawn): its correction is a new statement.
func (db *DB) PublishTranslation(ctx context.Context, articleID int64, lang, note string) (ArticleVersion, error) {
	var v ArticleVersion
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t, err := db.translation(ctx, tx, articleID, lang)
		if err != nil {
			return err
		}
		if gone, err := db.withdrawn(ctx, tx, articleID, lang); err != nil {
			return err
		} else if gone {
			return fmt.Errorf("%w: translation %d/%s", ErrWithdrawn, articleID, lang)
		}
		now := db.nowUTC()
		last, err := db.version(ctx, tx, articleID, lang, 0)
		switch {
		case err == nil && SameText(t, last):
			v = last
		case err == nil || errors.Is(classify(err), ErrNotFound):
			v = ArticleVersion{ArticleID: articleID, Lang: lang, Version: last.Version + 1, Title: t.Title,
				Summary: t.Summary, Body: t.Body, Images: t.Images, PublishedAt: now}
			if v.Version > 1 {
				v.Note = note
			} else {
				// An embargoed first version goes out at the issue time.
				var issued sql.NullTime
				if err := tx.QueryRowContext(ctx, `SELECT published_at FROM articles WHERE id = $1`, articleID).Scan(&issued); err != nil {
					return err
				}
				if issued.Valid && issued.Time.After(now) {
					v.PublishedAt = dbTime(issued.Time)
				}
			}
			if err := db.insertVersion(ctx, tx, v); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE article_translations SET status = 'published', live_version = $3, updated_at = $4
			WHERE article_id = $1 AND lang = $2`, articleID, lang, v.Version, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE articles SET published_at = coalesce(published_at, $2), updated_at = $2 WHERE id = $1`, articleID, now); err != nil {
			return err
		}
		return db.indexTranslation(ctx, tx, v)
	})
	if err != nil {
		return ArticleVersion{}, wrap(fmt.Sprintf("publish translation %d/%s", articleID, lang), err)
	}
	return v, nil
}

// UnpublishTranslation takes a translation off the portal. Its working copy
// and every published version are kept.
func (db *DB) UnpublishTranslation(ctx context.Context, articleID int64, lang string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE article_translations SET status = 'draft', updated_at = $3
			WHERE article_id = $1 AND lang = $2`, articleID, lang, db.nowUTC())
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		return db.unindexTranslation(ctx, tx, articleID, lang)
	})
	return wrap(fmt.Sprintf("unpublish translation %d/%s", articleID, lang), err)
}

const articleColumns = `a.id, a.slug, a.kind, a.unit, a.source_lang, a.featured, a.published_at, a.created_at, a.updated_at`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var pub, upd sql.NullTime
	if err := sc.Scan(&a.ID, &a.Slug, &a.Kind, &a.Unit, &a.SourceLang, &a.Featured, &pub, &a.CreatedAt, &upd); err != nil {
		return a, err
	}
	a.PublishedAt, a.UpdatedAt, a.CreatedAt = fromNull(pub), fromNull(upd), a.CreatedAt.UTC()
	return a, nil
}

// GetArticle returns an article with its tags and every translation.
func (db *DB) GetArticle(ctx context.Context, id int64) (Article, error) {
	return db.getArticle(ctx, `a.id = $1`, id)
}

// GetArticleBySlug is GetArticle by slug.
func (db *DB) GetArticleBySlug(ctx context.Context, slug string) (Article, error) {
	return db.getArticle(ctx, `a.slug = $1`, slug)
}

func (db *DB) getArticle(ctx context.Context, where string, arg any) (Article, error) {
	a, err := scanArticle(db.sql.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles a WHERE `+where, arg))
	if err == nil {
		err = db.loadArticleDetails(ctx, &a)
	}
	if err != nil {
		return Article{}, wrap(fmt.Sprintf("get article %v", arg), err)
	}
	return a, nil
}

func (db *DB) loadArticleDetails(ctx context.Context, a *Article) error {
	var err error
	if a.Topics, err = db.strings(ctx, `SELECT topic FROM article_topics WHERE article_id = $1 ORDER BY topic`, a.ID); err != nil {
		return err
	}
	if a.Countries, err = db.strings(ctx, `SELECT country FROM article_countries WHERE article_id = $1 ORDER BY country`, a.ID); err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+translationColumns+` FROM article_translations WHERE article_id = $1`, a.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	a.Translations = map[string]ArticleTranslation{}
	for rows.Next() {
		t, err := scanTranslation(rows)
		if err != nil {
			return err
		}
		a.Translations[t.Lang] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if src, ok := a.Translations[a.SourceLang]; ok {
		for l, t := range a.Translations {
			if l != a.SourceLang && src.Rev > t.SourceRev {
				t.Outdated = true
				a.Translations[l] = t
			}
		}
	}
	return nil
}

func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

const translationColumns = `lang, title, summary, body, images, status, rev, source_rev, live_version, updated_at`

func scanTranslation(sc interface{ Scan(...any) error }) (ArticleTranslation, error) {
	var t ArticleTranslation
	var imgs, status string
	var upd sql.NullTime
	if err := sc.Scan(&t.Lang, &t.Title, &t.Summary, &t.Body, &imgs, &status, &t.Rev, &t.SourceRev, &t.LiveVersion, &upd); err != nil {
		return t, err
	}
	t.Status, t.UpdatedAt = ArticleStatus(status), fromNull(upd)
	var err error
	t.Images, err = decodeImages(imgs)
	return t, err
}

func (db *DB) translation(ctx context.Context, q querier, articleID int64, lang string) (ArticleTranslation, error) {
	return scanTranslation(q.QueryRowContext(ctx, `SELECT `+translationColumns+` FROM article_translations WHERE article_id = $1 AND lang = $2`, articleID, lang))
}

// version reads one version; n = 0 reads the newest.
func (db *DB) version(ctx context.Context, q querier, articleID int64, lang string, n int) (ArticleVersion, error) {
	v := ArticleVersion{ArticleID: articleID, Lang: lang}
	var imgs string
	err := q.QueryRowContext(ctx, `
		SELECT version, title, summary, body, images, note, published_at FROM article_versions
		WHERE article_id = $1 AND lang = $2 AND ($3 = 0 OR version = $3)
		ORDER BY version DESC LIMIT 1`, articleID, lang, n,
	).Scan(&v.Version, &v.Title, &v.Summary, &v.Body, &imgs, &v.Note, &v.PublishedAt)
	if err != nil {
		return v, err
	}
	v.PublishedAt = v.PublishedAt.UTC()
	v.Images, err = decodeImages(imgs)
	return v, err
}

// Versions lists every published version of a translation, newest first.
func (db *DB) Versions(ctx context.Context, articleID int64, lang string) ([]ArticleVersion, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT version, title, summary, body, images, note, published_at FROM article_versions
		WHERE article_id = $1 AND lang = $2 ORDER BY version DESC`, articleID, lang)
	if err != nil {
		return nil, wrap("versions", err)
	}
	defer rows.Close()
	var out []ArticleVersion
	for rows.Next() {
		v := ArticleVersion{ArticleID: articleID, Lang: lang}
		var imgs string
		if err := rows.Scan(&v.Version, &v.Title, &v.Summary, &v.Body, &imgs, &v.Note, &v.PublishedAt); err != nil {
			return nil, wrap("versions", err)
		}
		v.PublishedAt = v.PublishedAt.UTC()
		if v.Images, err = decodeImages(imgs); err != nil {
			return nil, wrap("versions", err)
		}
		out = append(out, v)
	}
	return out, wrap("versions", rows.Err())
}

// ListArticles returns every article, drafts included, most recently
// changed first, for the editors' overview.
func (db *DB) ListArticles(ctx context.Context) ([]Article, error) {
	var list []Article
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		a, err := scanArticle(rows)
		if err != nil {
			return err
		}
		list = append(list, a)
		return nil
	}, `SELECT `+articleColumns+` FROM articles a ORDER BY coalesce(a.updated_at, a.created_at) DESC, a.id DESC`)
	if err != nil {
		return nil, wrap("list articles", err)
	}
	for i := range list {
		if err := db.loadArticleDetails(ctx, &list[i]); err != nil {
			return nil, wrap("list articles", err)
		}
	}
	return list, nil
}

// LatestArticles returns at most limit articles published in lang by now,
// newest first. Articles whose lang translation is missing or a draft, and
// articles scheduled for later, are left out.
func (db *DB) LatestArticles(ctx context.Context, lang string, limit int) ([]ArticleSummary, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: latest articles: limit %d is not positive", limit)
	}
	items, _, err := db.ListPublished(ctx, PublishedQuery{Lang: lang, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]ArticleSummary, 0, len(items))
	for _, it := range items {
		out = append(out, ArticleSummary{ID: it.ArticleID, Slug: it.Slug, Kind: it.Kind, PublishedAt: it.IssuedAt,
			Lang: it.Lang, Title: it.Title, Summary: it.Summary})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// CountArticles returns the number of articles, drafts included.
func (db *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&n); err != nil {
		return 0, wrap("count articles", err)
	}
	return n, nil
}

// Now returns the store's clock, for previews that show "now" as readers
// would see it.
func (db *DB) Now() time.Time { return db.nowUTC() }
