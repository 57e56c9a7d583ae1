package store

import (
	"context"
	"fmt"
)

// GetSetting returns the value stored under key, or ErrNotFound.
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	if err := db.sql.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return "", wrap(fmt.Sprintf("get setting %q", key), err)
	}
	return v, nil
}

// SetSetting stores value under key, replacing any previous value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, db.nowUTC())
	return wrap(fmt.Sprintf("set setting %q", key), err)
}

// DeleteSetting removes key. Removing a missing key is not an error.
func (db *DB) DeleteSetting(ctx context.Context, key string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, key)
	return wrap(fmt.Sprintf("delete setting %q", key), err)
}
