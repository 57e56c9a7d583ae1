package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Withdrawal is a portal page that a recall withdrew: one translation of
// an article, at its URL path. The page then shows a withdrawal notice
// instead of the text, or answers 410 Gone when Gone is set; the verify
// page says that what was signed at Path was withdrawn.
type Withdrawal struct {
	Path        string // URL path of the translation, such as /en/news/statement-7
	ArticleID   int64
	Lang        string
	WithdrawnAt time.Time
	Gone        bool
}

// WithdrawTranslation takes the translation lang of an article off the
// portal for good and records the withdrawal at path, in one transaction:
// the working copy and the versions are kept for the record, but readers,
// feeds, sitemaps and search no longer see them. Withdrawing again keeps
// the first record (a recall retried after a failure elsewhere).
func (db *DB) WithdrawTranslation(ctx context.Context, articleID int64, lang, path string, gone bool) (Withdrawal, error) {
	w := Withdrawal{Path: path, ArticleID: articleID, Lang: lang, WithdrawnAt: db.nowUTC(), Gone: gone}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE article_translations SET status = 'draft', updated_at = $3
			WHERE article_id = $1 AND lang = $2`, articleID, lang, w.WithdrawnAt)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		if err := db.unindexTranslation(ctx, tx, articleID, lang); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO withdrawn_pages (path, article_id, lang, withdrawn_at, gone)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, path, articleID, lang, w.WithdrawnAt, gone); err != nil {
			return err
		}
		w, err = scanWithdrawal(tx.QueryRowContext(ctx, `SELECT `+withdrawalColumns+` FROM withdrawn_pages WHERE article_id = $1 AND lang = $2`, articleID, lang))
		return err
	})
	if err != nil {
		return Withdrawal{}, wrap(fmt.Sprintf("withdraw translation %d/%s", articleID, lang), err)
	}
	return w, nil
}

const withdrawalColumns = `path, article_id, lang, withdrawn_at, gone`

func scanWithdrawal(sc interface{ Scan(...any) error }) (Withdrawal, error) {
	var w Withdrawal
	err := sc.Scan(&w.Path, &w.ArticleID, &w.Lang, &w.WithdrawnAt, &w.Gone)
	w.WithdrawnAt = w.WithdrawnAt.UTC()
	return w, err
}

// GetWithdrawal returns the withdrawal of the page at path, or ErrNotFound
// when that page was never withdrawn.
func (db *DB) GetWithdrawal(ctx context.Context, path string) (Withdrawal, error) {
	w, err := scanWithdrawal(db.sql.QueryRowContext(ctx, `SELECT `+withdrawalColumns+` FROM withdrawn_pages WHERE path = $1`, path))
	if err != nil {
		return Withdrawal{}, wrap("get withdrawal "+path, err)
	}
	return w, nil
}

// withdrawn reports whether a recall withdrew the translation lang of an
// article; such a translation is never published again.
func (db *DB) withdrawn(ctx context.Context, q querier, articleID int64, lang string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM withdrawn_pages WHERE article_id = $1 AND lang = $2`, articleID, lang).Scan(&n)
	return n > 0, err
}
