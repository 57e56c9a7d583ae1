package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ArticleStatus is the editorial state of one translation of an article.
type ArticleStatus string

// The states of a translation.
const (
	StatusDraft     ArticleStatus = "draft"
	StatusPublished ArticleStatus = "published"
)

// Article is a piece of content (news, a press release, a speech) with one
// translation per language.
type Article struct {
	ID          int64
	Slug        string // unique, used in URLs
	Kind        string
	PublishedAt time.Time // zero until published
	CreatedAt   time.Time
	// Translations is keyed by BCP 47 language tag.
	Translations map[string]ArticleTranslation
}

// ArticleTranslation is an article's text in one language.
type ArticleTranslation struct {
	Lang    string
	Title   string
	Summary string
	Body    string
	Status  ArticleStatus
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

// CreateArticle stores a with its translations and returns it with its ID
// and creation time set. Each translation's Lang is taken from its key in
// Translations. A taken slug gives ErrConflict.
func (db *DB) CreateArticle(ctx context.Context, a Article) (Article, error) {
	a.CreatedAt = db.nowUTC()
	if !a.PublishedAt.IsZero() {
		a.PublishedAt = dbTime(a.PublishedAt)
	}
	tr := make(map[string]ArticleTranslation, len(a.Translations))
	for lang, t := range a.Translations {
		t.Lang = lang
		if t.Status != StatusDraft && t.Status != StatusPublished {
			return Article{}, fmt.Errorf("store: create article %q: translation %q has unknown status %q", a.Slug, lang, t.Status)
		}
		tr[lang] = t
	}
	a.Translations = tr
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO articles (slug, kind, published_at, created_at)
			VALUES ($1, $2, $3, $4)
			RETURNING id`,
			a.Slug, a.Kind, nullTime(a.PublishedAt), a.CreatedAt,
		).Scan(&a.ID)
		if err != nil {
			return err
		}
		for _, t := range a.Translations {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO article_translations (article_id, lang, title, summary, body, status)
				VALUES ($1, $2, $3, $4, $5, $6)`,
				a.ID, t.Lang, t.Title, t.Summary, t.Body, string(t.Status))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Article{}, wrap(fmt.Sprintf("create article %q", a.Slug), err)
	}
	return a, nil
}

// LatestArticles returns at most limit articles published in lang by now,
// newest first. Articles whose lang translation is missing or a draft, and
// articles scheduled for later, are left out.
func (db *DB) LatestArticles(ctx context.Context, lang string, limit int) ([]ArticleSummary, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: latest articles: limit %d is not positive", limit)
	}
	list, err := db.latestArticles(ctx, lang, limit)
	if err != nil {
		return nil, wrap(fmt.Sprintf("latest articles in %q", lang), err)
	}
	return list, nil
}

func (db *DB) latestArticles(ctx context.Context, lang string, limit int) ([]ArticleSummary, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT a.id, a.slug, a.kind, a.published_at, t.lang, t.title, t.summary
		FROM articles a JOIN article_translations t ON t.article_id = a.id
		WHERE t.lang = $1 AND t.status = 'published'
			AND a.published_at IS NOT NULL AND a.published_at <= $2
		ORDER BY a.published_at DESC, a.id DESC
		LIMIT $3`,
		lang, db.nowUTC(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []ArticleSummary
	for rows.Next() {
		var s ArticleSummary
		if err := rows.Scan(&s.ID, &s.Slug, &s.Kind, &s.PublishedAt, &s.Lang, &s.Title, &s.Summary); err != nil {
			return nil, err
		}
		s.PublishedAt = s.PublishedAt.UTC()
		list = append(list, s)
	}
	return list, rows.Err()
}

// CountArticles returns the number of articles, drafts included.
func (db *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&n); err != nil {
		return 0, wrap("count articles", err)
	}
	return n, nil
}
