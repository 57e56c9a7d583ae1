package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SignedStatement is one signed version of a statement translation, as
// internal/signing signed it. The store keeps the fields and the signature
// and does not interpret them.
type SignedStatement struct {
	ID        int64
	Path      string // URL path of the translation, such as /en/news/east-sea
	URL       string
	Lang      string
	Version   int
	IssuedAt  time.Time
	Title     string
	Body      string
	Signature string // base64
	KeyID     string
	CreatedAt time.Time
	// WithdrawnAt is when a recall withdrew the page at Path (zero if it
	// was not): the signature stays authentic, but the ministry no longer
	// stands by the text.
	WithdrawnAt time.Time
}

// SaveSignedStatement stores s and the digests it must be found under. A
// second signature of the same path and version gives ErrConflict: a
// correction is a new version.
func (db *DB) SaveSignedStatement(ctx context.Context, s SignedStatement, digests []string) (SignedStatement, error) {
	s.CreatedAt = db.nowUTC()
	s.IssuedAt = dbTime(s.IssuedAt)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO signed_statements (path, url, lang, version, issued_at, title, body, signature, key_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			s.Path, s.URL, s.Lang, s.Version, s.IssuedAt, s.Title, s.Body, s.Signature, s.KeyID, s.CreatedAt).Scan(&s.ID); err != nil {
			return err
		}
		for _, d := range digests {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO signed_statement_digests (digest, statement_id) VALUES ($1, $2)
				ON CONFLICT DO NOTHING`, d, s.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return SignedStatement{}, wrap(fmt.Sprintf("save signed statement %s v%d", s.Path, s.Version), err)
	}
	return s, nil
}

const signedColumns = `s.id, s.path, s.url, s.lang, s.version, s.issued_at, s.title, s.body, s.signature, s.key_id, s.created_at, w.withdrawn_at`

// SignedStatementsByPath returns every signed version at path, newest
// version first; none is an empty list.
func (db *DB) SignedStatementsByPath(ctx context.Context, path string) ([]SignedStatement, error) {
	return db.signedStatements(ctx, "signed statements at "+path,
		`SELECT `+signedColumns+` FROM signed_statements s LEFT JOIN withdrawn_pages w ON w.path = s.path
		WHERE s.path = $1 ORDER BY s.version DESC`, path)
}

// SignedStatementsByDigest returns the signed versions stored under
// digest, newest version first; none is an empty list.
func (db *DB) SignedStatementsByDigest(ctx context.Context, digest string) ([]SignedStatement, error) {
	return db.signedStatements(ctx, "signed statements by digest",
		`SELECT `+signedColumns+` FROM signed_statements s
		JOIN signed_statement_digests d ON d.statement_id = s.id
		LEFT JOIN withdrawn_pages w ON w.path = s.path
		WHERE d.digest = $1 ORDER BY s.version DESC, s.id`, digest)
}

func (db *DB) signedStatements(ctx context.Context, op, query string, arg any) ([]SignedStatement, error) {
	rows, err := db.sql.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []SignedStatement{}
	for rows.Next() {
		var s SignedStatement
		var withdrawn sql.NullTime
		if err := rows.Scan(&s.ID, &s.Path, &s.URL, &s.Lang, &s.Version, &s.IssuedAt, &s.Title, &s.Body, &s.Signature, &s.KeyID, &s.CreatedAt, &withdrawn); err != nil {
			return nil, wrap(op, err)
		}
		s.IssuedAt, s.CreatedAt, s.WithdrawnAt = s.IssuedAt.UTC(), s.CreatedAt.UTC(), fromNull(withdrawn)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}
