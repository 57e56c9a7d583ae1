package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
)

const tokenColumns = `t.id, t.user_id, t.name, t.hash, t.prefix, t.created_at, t.expires_at, t.last_used_at`

// tokenScan holds the nullable columns of a token while it is scanned.
type tokenScan struct {
	t                 account.APIToken
	expires, lastUsed sql.NullTime
}

func (s *tokenScan) dest() []any {
	return []any{&s.t.ID, &s.t.UserID, &s.t.Name, &s.t.Hash, &s.t.Prefix,
		&s.t.CreatedAt, &s.expires, &s.lastUsed}
}

func (s *tokenScan) token() account.APIToken {
	t := s.t
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt = fromNull(s.expires)
	t.LastUsedAt = fromNull(s.lastUsed)
	return t
}

func tokenRoles(ctx context.Context, q querier, tokenID int64) ([]account.Role, error) {
	return queryRoles(ctx, q, `SELECT role FROM api_token_roles WHERE token_id = $1`, tokenID)
}

// CreateAPIToken stores t with its roles and returns it with its ID and
// creation time set. A zero ExpiresAt means the token does not expire. A
// taken hash gives ErrConflict; a missing user gives ErrNotFound.
func (db *DB) CreateAPIToken(ctx context.Context, t account.APIToken) (account.APIToken, error) {
	roles, err := cleanRoles(t.Roles)
	if err != nil {
		return account.APIToken{}, fmt.Errorf("store: create API token for user %d: %w", t.UserID, err)
	}
	t.Roles = roles
	t.CreatedAt = db.nowUTC()
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = dbTime(t.ExpiresAt)
	}
	t.LastUsedAt = time.Time{}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO api_tokens (user_id, name, hash, prefix, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id`,
			t.UserID, t.Name, t.Hash, t.Prefix, t.CreatedAt, nullTime(t.ExpiresAt),
		).Scan(&t.ID)
		if err != nil {
			return err
		}
		return insertRoles(ctx, tx, `api_token_roles (token_id, role)`, t.ID, t.Roles)
	})
	if err != nil {
		return account.APIToken{}, wrap(fmt.Sprintf("create API token for user %d", t.UserID), err)
	}
	return t, nil
}

// GetAPITokenByHash returns the token with the given hash and its owner. It
// gives ErrNotFound when the token is missing, has expired, or belongs to a
// disabled user.
func (db *DB) GetAPITokenByHash(ctx context.Context, hash string) (account.APIToken, account.User, error) {
	var ts tokenScan
	var u account.User
	err := scanUser(db.sql.QueryRowContext(ctx, `
		SELECT `+userColumns+`, `+tokenColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) AND NOT u.disabled`,
		hash, db.nowUTC()), &u, ts.dest()...)
	if err == nil {
		u.Roles, err = userRoles(ctx, db.sql, u.ID)
	}
	var t account.APIToken
	if err == nil {
		t = ts.token()
		t.Roles, err = tokenRoles(ctx, db.sql, t.ID)
	}
	if err != nil {
		return account.APIToken{}, account.User{}, wrap("get API token", err)
	}
	return t, u, nil
}

// ListAPITokens returns a user's tokens, expired ones included, oldest first.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]account.APIToken, error) {
	tokens, err := db.listAPITokens(ctx, userID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list API tokens of user %d", userID), err)
	}
	return tokens, nil
}

func (db *DB) listAPITokens(ctx context.Context, userID int64) ([]account.APIToken, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT `+tokenColumns+` FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tokens []account.APIToken
	for rows.Next() {
		var ts tokenScan
		if err := rows.Scan(ts.dest()...); err != nil {
			return nil, err
		}
		tokens = append(tokens, ts.token())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// A user has a handful of tokens: one query each is fine.
	for i := range tokens {
		if tokens[i].Roles, err = tokenRoles(ctx, db.sql, tokens[i].ID); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// DeleteAPIToken revokes token id of user userID. It gives ErrNotFound if
// the token does not exist or belongs to someone else.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("delete API token %d of user %d", id, userID), err)
}

// TouchAPIToken records that token id was used at at, or gives ErrNotFound.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, dbTime(at), id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("touch API token %d", id), err)
}
