package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ChannelConnection is what the press office sees of a channel's account
// beside its settings: which account it is connected to, since when, and
// when Chancery last published there.
type ChannelConnection struct {
	ChannelID int64
	// AccountID is the network's ID of the connected account, "" before
	// the first connect.
	AccountID string
	// ConnectedAt is when that account was connected, zero if never.
	ConnectedAt time.Time
	// LastSuccess is the last time a publication went out on the channel,
	// zero if none did.
	LastSuccess time.Time
}

// ChannelConnections returns the connection of every channel, by channel ID.
func (db *DB) ChannelConnections(ctx context.Context) (map[int64]ChannelConnection, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, connected_account, connected_at FROM pub_channels`)
	if err != nil {
		return nil, wrap("channel connections", err)
	}
	defer rows.Close()
	out := map[int64]ChannelConnection{}
	for rows.Next() {
		var c ChannelConnection
		var at sql.NullTime
		if err := rows.Scan(&c.ChannelID, &c.AccountID, &at); err != nil {
			return nil, wrap("channel connections", err)
		}
		c.ConnectedAt = fromNull(at)
		out[c.ChannelID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("channel connections", err)
	}
	// The latest publication per channel, selected as a column rather than
	// an aggregate so that SQLite keeps its type.
	last, err := db.sql.QueryContext(ctx, `
		SELECT p.channel_id, p.published_at FROM pub_publications p
		WHERE p.published_at = (SELECT max(q.published_at) FROM pub_publications q WHERE q.channel_id = p.channel_id)`)
	if err != nil {
		return nil, wrap("channel connections", err)
	}
	defer last.Close()
	for last.Next() {
		var id int64
		var at time.Time
		if err := last.Scan(&id, &at); err != nil {
			return nil, wrap("channel connections", err)
		}
		c := out[id]
		c.LastSuccess = at.UTC()
		out[id] = c
	}
	return out, wrap("channel connections", last.Err())
}

// MarkChannelConnected records that channelID now acts as the account
// accountID (shown as handle), after its credentials were verified. The
// connection time moves only when the account changes: reconnecting the
// same account (a fresh token) keeps it. switched reports a change from
// one account to another, after which the caller forgets the channel's
// watch state. The audit entry a is appended in the same transaction.
func (db *DB) MarkChannelConnected(ctx context.Context, channelID int64, accountID, handle string, a AuditEntry) (switched bool, err error) {
	op := fmt.Sprintf("mark channel %d connected", channelID)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		var at sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT connected_account, connected_at FROM pub_channels WHERE id = $1`, channelID).Scan(&cur, &at); err != nil {
			return err
		}
		if cur == accountID && at.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE pub_channels SET account = $2 WHERE id = $1`, channelID, handle); err != nil {
				return err
			}
			a.Payload = fmt.Sprintf("channel %d reconnected to the same account %q (%s)", channelID, accountID, handle)
			return db.appendAudit(ctx, tx, a)
		}
		switched = cur != "" && cur != accountID
		if _, err := tx.ExecContext(ctx, `UPDATE pub_channels SET account = $2, connected_account = $3, connected_at = $4 WHERE id = $1`,
			channelID, handle, accountID, db.nowUTC()); err != nil {
			return err
		}
		a.Payload = fmt.Sprintf("channel %d connected to account %q (%s)", channelID, accountID, handle)
		return db.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return false, wrap(op, err)
	}
	return switched, nil
}

// PublishedRemoteIDs returns the subset of ids that are posts Chancery made
// on channelID: parts of its publications with that remote ID, deleted ones
// included (a recalled post that reappears is still ours).
func (db *DB) PublishedRemoteIDs(ctx context.Context, channelID int64, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	const batch = 200
	for len(ids) > 0 {
		n := min(batch, len(ids))
		args := []any{channelID}
		ph := make([]string, n)
		for i, id := range ids[:n] {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		ids = ids[n:]
		err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		}, `
			SELECT pp.remote_id FROM pub_parts pp JOIN pub_publications p ON p.id = pp.publication_id
			WHERE p.channel_id = $1 AND pp.remote_id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, wrap("published remote ids", err)
		}
	}
	return out, nil
}

// InFlightTexts returns the texts (language variants and this channel's
// overrides) of channelID's publications whose outcome is not settled: one
// that needs a person's check, or one not yet published nor failed with an
// attempt still pending or of unknown outcome (a retry after a lost answer
// leaves the earlier attempt unknown). Their posts may be on the network
// already, under remote IDs Chancery does not know yet.
func (db *DB) InFlightTexts(ctx context.Context, channelID int64) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `
		WITH flying AS (
			SELECT DISTINCT p.statement_id FROM pub_publications p
			WHERE p.channel_id = $1 AND (p.state = $2 OR (p.state NOT IN ($3, $4) AND EXISTS (
				SELECT 1 FROM pub_attempts a WHERE a.publication_id = p.id AND a.outcome IN ('pending', 'unknown', 'duplicate'))))
		)
		SELECT v.body FROM pub_variants v WHERE v.statement_id IN (SELECT statement_id FROM flying)
		UNION ALL
		SELECT o.body FROM pub_overrides o WHERE o.channel_id = $1 AND o.statement_id IN (SELECT statement_id FROM flying)`,
		channelID, StateNeedsCheck, StatePublished, StateFailed)
	if err != nil {
		return nil, wrap("in-flight texts", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, wrap("in-flight texts", err)
		}
		out = append(out, s)
	}
	return out, wrap("in-flight texts", rows.Err())
}

// SetChannelBaseURL points a channel at another server of its network (the
// demo's fake networks, which listen on a new port at each start).
func (db *DB) SetChannelBaseURL(ctx context.Context, channelID int64, baseURL string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE pub_channels SET base_url = $2 WHERE id = $1`, channelID, baseURL)
	if err != nil {
		return wrap(fmt.Sprintf("set base URL of channel %d", channelID), err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return wrap(fmt.Sprintf("set base URL of channel %d", channelID), errors.Join(err, ErrNotFound))
	}
	return nil
}
