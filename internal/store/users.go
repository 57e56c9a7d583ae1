package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mofa-vn/chancery/internal/account"
)

const userColumns = `u.id, u.username, u.display_name, u.email, u.password_hash,
	u.lang, u.time_zone, u.disabled, u.created_at, u.updated_at`

// scanUser reads userColumns, in order, from row; extra destinations
// follow them.
func scanUser(row interface{ Scan(...any) error }, u *account.User, extra ...any) error {
	dest := append([]any{
		&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.PasswordHash,
		&u.Lang, &u.TimeZone, &u.Disabled, &u.CreatedAt, &u.UpdatedAt,
	}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.UpdatedAt = u.UpdatedAt.UTC()
	return nil
}

// CreateUser stores u with its roles and returns it with its ID and
// timestamps set. The username is normalised with account.NormalizeUsername.
// A taken username gives ErrConflict.
func (db *DB) CreateUser(ctx context.Context, u account.User) (account.User, error) {
	u.Username = account.NormalizeUsername(u.Username)
	roles, err := cleanRoles(u.Roles)
	if err != nil {
		return account.User{}, fmt.Errorf("store: create user %q: %w", u.Username, err)
	}
	u.Roles = roles
	u.CreatedAt = db.nowUTC()
	u.UpdatedAt = u.CreatedAt
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO users (username, display_name, email, password_hash,
				lang, time_zone, disabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING id`,
			u.Username, u.DisplayName, u.Email, u.PasswordHash,
			u.Lang, u.TimeZone, u.Disabled, u.CreatedAt, u.UpdatedAt,
		).Scan(&u.ID)
		if err != nil {
			return err
		}
		return insertRoles(ctx, tx, `user_roles (user_id, role)`, u.ID, u.Roles)
	})
	if err != nil {
		return account.User{}, wrap(fmt.Sprintf("create user %q", u.Username), err)
	}
	return u, nil
}

// GetUser returns the user with the given ID, or ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id int64) (account.User, error) {
	u, err := db.getUser(ctx, db.sql, `u.id = $1`, id)
	if err != nil {
		return account.User{}, wrap(fmt.Sprintf("get user %d", id), err)
	}
	return u, nil
}

// GetUserByUsername returns the user with the given username, compared in
// its normalised form, or ErrNotFound.
func (db *DB) GetUserByUsername(ctx context.Context, username string) (account.User, error) {
	u, err := db.getUser(ctx, db.sql, `u.username = $1`, account.NormalizeUsername(username))
	if err != nil {
		return account.User{}, wrap(fmt.Sprintf("get user %q", username), err)
	}
	return u, nil
}

func (db *DB) getUser(ctx context.Context, q querier, where string, arg any) (account.User, error) {
	var u account.User
	err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, arg), &u)
	if err != nil {
		return account.User{}, err
	}
	if u.Roles, err = userRoles(ctx, q, u.ID); err != nil {
		return account.User{}, err
	}
	return u, nil
}

// ListUsers returns every user, ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]account.User, error) {
	users, err := db.listUsers(ctx)
	if err != nil {
		return nil, wrap("list users", err)
	}
	return users, nil
}

func (db *DB) listUsers(ctx context.Context) ([]account.User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []account.User
	index := map[int64]int{}
	for rows.Next() {
		var u account.User
		if err := scanUser(rows, &u); err != nil {
			return nil, err
		}
		index[u.ID] = len(users)
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// One query for every user's roles rather than one per user.
	rrows, err := db.sql.QueryContext(ctx, `SELECT user_id, role FROM user_roles`)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var id int64
		var r account.Role
		if err := rrows.Scan(&id, &r); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok { // a user created since the first query
			users[i].Roles = append(users[i].Roles, r)
		}
	}
	if err := rrows.Err(); err != nil {
		return nil, err
	}
	for i := range users {
		account.SortRoles(users[i].Roles)
	}
	return users, nil
}

// UpdateUser saves u's display name, email, roles, language, time zone and
// disabled flag, replacing its roles, and returns the stored user. The
// username, password and creation time are not changed. A missing user
// gives ErrNotFound.
func (db *DB) UpdateUser(ctx context.Context, u account.User) (account.User, error) {
	roles, err := cleanRoles(u.Roles)
	if err != nil {
		return account.User{}, fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	var out account.User
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET display_name = $1, email = $2, lang = $3,
				time_zone = $4, disabled = $5, updated_at = $6
			WHERE id = $7`,
			u.DisplayName, u.Email, u.Lang, u.TimeZone, u.Disabled, db.nowUTC(), u.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		if err := insertRoles(ctx, tx, `user_roles (user_id, role)`, u.ID, roles); err != nil {
			return err
		}
		out, err = db.getUser(ctx, tx, `u.id = $1`, u.ID)
		return err
	})
	if err != nil {
		return account.User{}, wrap(fmt.Sprintf("update user %d", u.ID), err)
	}
	return out, nil
}

// SetPassword replaces the password hash of user id, or gives ErrNotFound.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string) error {
	res, err := db.sql.ExecContext(ctx,
		`UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`,
		hash, db.nowUTC(), id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("set password of user %d", id), err)
}

// CountUsers returns the number of users, disabled ones included.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, wrap("count users", err)
	}
	return n, nil
}

// userRoles returns the roles of one user, sorted.
func userRoles(ctx context.Context, q querier, userID int64) ([]account.Role, error) {
	return queryRoles(ctx, q, `SELECT role FROM user_roles WHERE user_id = $1`, userID)
}

func queryRoles(ctx context.Context, q querier, query string, id int64) ([]account.Role, error) {
	rows, err := q.QueryContext(ctx, query, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var roles []account.Role
	for rows.Next() {
		var r account.Role
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	account.SortRoles(roles)
	return roles, nil
}

// insertRoles adds roles to table, given as "name (owner_column, role)".
func insertRoles(ctx context.Context, tx *sql.Tx, table string, id int64, roles []account.Role) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` VALUES ($1, $2)`, id, string(r)); err != nil {
			return err
		}
	}
	return nil
}

// cleanRoles rejects unknown roles and returns the rest without duplicates,
// sorted, so that what is stored is what is returned.
func cleanRoles(roles []account.Role) ([]account.Role, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return account.ParseRoles(names)
}
