package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// channelLocks serialises credential updates of one channel within this
// process: a refresh then waits here instead of holding a database
// connection, and on SQLite this is the whole lock (see
// UpdateChannelCredential).
var channelLocks sync.Map // credentialLockKey → *sync.Mutex

type credentialLockKey struct {
	db      *DB
	channel int64
}

func (db *DB) channelLock(channelID int64) *sync.Mutex {
	m, _ := channelLocks.LoadOrStore(credentialLockKey{db, channelID}, new(sync.Mutex))
	return m.(*sync.Mutex)
}

// ChannelCredential returns the sealed credentials of a channel, or
// ErrNotFound.
func (db *DB) ChannelCredential(ctx context.Context, channelID int64) ([]byte, error) {
	var sealed []byte
	err := db.sql.QueryRowContext(ctx,
		`SELECT sealed FROM channel_credentials WHERE channel_id = $1`, channelID).Scan(&sealed)
	if err == nil && len(sealed) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, wrap(fmt.Sprintf("channel %d credentials", channelID), err)
	}
	return sealed, nil
}

// CredentialKeyIDs counts the channels sealed with each key ID, to follow a
// key rotation.
func (db *DB) CredentialKeyIDs(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT key_id, count(*) FROM channel_credentials WHERE key_id <> '' GROUP BY key_id`)
	if err != nil {
		return nil, wrap("credential key ids", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("credential key ids", err)
		}
		out[id] = n
	}
	return out, wrap("credential key ids", rows.Err())
}

// ChannelsSealedWithOtherKeys lists the channels whose credentials were
// sealed with a key other than keyID, for re-sealing after a rotation.
func (db *DB) ChannelsSealedWithOtherKeys(ctx context.Context, keyID string) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT channel_id FROM channel_credentials WHERE key_id <> $1 AND key_id <> '' ORDER BY channel_id`, keyID)
	if err != nil {
		return nil, wrap("channels sealed with other keys", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("channels sealed with other keys", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("channels sealed with other keys", rows.Err())
}

// errCredentialRace means the row changed between read and write, which the
// locks make impossible; it is reported rather than overwritten.
var errCredentialRace = errors.New("credentials changed during the update")

// UpdateChannelCredential replaces the sealed credentials of a channel with
// what fn returns, given the current ones (nil when there are none). keyID is
// taken from the sealed bytes by the caller's sealer and stored beside them.
//
// The channel is locked for the whole call, fn included, so that two
// instances refreshing one token run one after the other:
//   - PostgreSQL: a transaction holds the row with SELECT … FOR UPDATE (a
//     placeholder row is inserted first when the channel has none, since
//     FOR UPDATE cannot lock a missing row; it vanishes on rollback).
//   - SQLite serves one process (the lock file sees to it), so the
//     in-process lock is the cross-instance lock; the write itself runs in an
//     immediate transaction that checks the version read. Holding SQLite's
//     database-wide write lock across fn, which may wait on a network, would
//     stall every other writer past busy_timeout.
func (db *DB) UpdateChannelCredential(ctx context.Context, channelID int64, keyID func(sealed []byte) string, fn func(sealed []byte) ([]byte, error)) error {
	mu := db.channelLock(channelID)
	mu.Lock()
	defer mu.Unlock()
	op := fmt.Sprintf("update channel %d credentials", channelID)
	if db.backend == BackendPostgres {
		return wrap(op, db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO channel_credentials (channel_id, key_id, sealed, version, updated_at)
				VALUES ($1, '', $2, 0, $3) ON CONFLICT (channel_id) DO NOTHING`,
				channelID, []byte{}, db.nowUTC()); err != nil {
				return err
			}
			var cur []byte
			var version int64
			if err := tx.QueryRowContext(ctx, `
				SELECT sealed, version FROM channel_credentials WHERE channel_id = $1 FOR UPDATE`,
				channelID).Scan(&cur, &version); err != nil {
				return err
			}
			return db.writeCredential(ctx, tx, channelID, version, cur, keyID, fn)
		}))
	}
	var cur []byte
	var version int64 = -1
	err := db.sql.QueryRowContext(ctx,
		`SELECT sealed, version FROM channel_credentials WHERE channel_id = $1`, channelID).Scan(&cur, &version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrap(op, err)
	}
	return wrap(op, db.inTx(ctx, func(tx *sql.Tx) error {
		return db.writeCredential(ctx, tx, channelID, version, cur, keyID, fn)
	}))
}

// writeCredential calls fn and stores its result if the row is still at
// version (-1: absent).
func (db *DB) writeCredential(ctx context.Context, tx *sql.Tx, channelID, version int64, cur []byte,
	keyID func([]byte) string, fn func([]byte) ([]byte, error)) error {
	if len(cur) == 0 {
		cur = nil
	}
	next, err := fn(cur)
	if err != nil {
		return err
	}
	if len(next) == 0 {
		return errors.New("refusing to store empty credentials")
	}
	var res sql.Result
	if version < 0 {
		res, err = tx.ExecContext(ctx, `
			INSERT INTO channel_credentials (channel_id, key_id, sealed, version, updated_at)
			VALUES ($1, $2, $3, 1, $4) ON CONFLICT (channel_id) DO NOTHING`,
			channelID, keyID(next), next, db.nowUTC())
	} else {
		res, err = tx.ExecContext(ctx, `
			UPDATE channel_credentials SET key_id = $1, sealed = $2, version = version + 1, updated_at = $3
			WHERE channel_id = $4 AND version = $5`,
			keyID(next), next, db.nowUTC(), channelID, version)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errCredentialRace
	}
	return nil
}

// DeleteChannelCredential removes a channel's credentials (disconnect).
// Removing missing credentials is not an error.
func (db *DB) DeleteChannelCredential(ctx context.Context, channelID int64) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM channel_credentials WHERE channel_id = $1`, channelID)
	return wrap(fmt.Sprintf("delete channel %d credentials", channelID), err)
}
